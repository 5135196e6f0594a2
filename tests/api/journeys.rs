//! The weekly journeys, walked in headless Chromium as people walk them, at a desk's width
//! (1280 px) and a phone's (390 px): through the navigation (on a phone, its Menu), from
//! the "Waiting for you" list to where the work is done, asking before what cannot be
//! undone. Each step asserts what the person sees, and that no page is wider than the
//! window.

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::Chrome;
use crate::helpers::PASSWORD;

/// A desk's window and a phone's.
const WIDTHS: [(u32, u32); 2] = [(1280, 1024), (390, 844)];

fn is_phone(width: u32) -> bool {
    width < 700
}

/// Opens a page from the main navigation as a person would: on a phone, open the Menu
/// first; a link inside a group (Recognition, Team, Department tools) needs its group
/// opened. Clicking what is not on screen fails, so this also checks that the menu works.
async fn navigate(chrome: &Chrome, width: u32, group: Option<&str>, href: &str) {
    if is_phone(width) {
        assert_eq!(
            chrome.count("nav[aria-label=Main] a[href='/portal']").await,
            1,
            "the navigation is on the page"
        );
        let shown = chrome
            .run("return document.querySelector('nav[aria-label=Main]').offsetParent !== null")
            .await;
        assert_eq!(
            shown,
            json!(false),
            "on a phone the navigation starts folded"
        );
        chrome.click("label[for=nav-toggle]").await;
    }
    if let Some(group) = group {
        chrome.click(&format!("#nav-{group} > summary")).await;
    }
    chrome
        .click_and_wait(&format!("nav[aria-label=Main] a[href='{href}']"))
        .await;
    // Some links answer with a redirect (Plan to the plan in force), so not always `href`.
    assert!(
        !chrome.location().await.starts_with("/sign-in"),
        "{href} keeps the person signed in"
    );
    chrome.assert_nothing_overflows().await;
}

/// The number beside "Waiting for you" in the navigation, if it is there.
async fn waiting_count(chrome: &Chrome) -> Option<u64> {
    let text = chrome
        .run("const a = document.querySelector('nav a.waiting'); return a ? a.textContent : null")
        .await;
    let text = text.as_str()?;
    let inside = text.split_once('(')?.1.split_once(')')?.0;
    inside.parse().ok()
}

/// The "Waiting for you" line of `kind` on the start page.
async fn todo_line(chrome: &Chrome, kind: &str) -> String {
    chrome
        .text(&format!("ul.todo li[data-kind={kind}] a"))
        .await
}

both_backends! {
    async fn staff_give_kudos_and_write_their_self_evaluation_on_a_desk_and_a_phone(app) {
        let Some(chrome) = Chrome::launch(&app).await else { return };
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let lead = app.token("lead@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let mut goals = Vec::new();
        for email in ["eng@example.org", "peer@example.org"] {
            let token = app.token(email).await;
            let goal = app.propose_goal(&token, f.cycle, f.objectives[0], "Answer in plain words").await;
            let (status, _) = app.post_json(&lead, &format!("/api/v1/goals/{goal}/agree"), json!({})).await;
            assert_eq!(status, StatusCode::OK);
            goals.push(goal);
        }
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        app.move_cycle(&cio, f.cycle, "self_evaluation").await;

        let people = [("eng@example.org", d.engineer, "Pat", d.peer), ("peer@example.org", d.peer, "Erin", d.engineer)];
        for (turn, ((width, height), (email, me, colleague, colleague_id))) in WIDTHS.into_iter().zip(people).enumerate() {
            chrome.resize(width, height).await;
            chrome.sign_in(email).await;

            // Kudos: from the Recognition menu, find the colleague by name, thank them.
            chrome.visit("/").await;
            navigate(&chrome, width, Some("recognition"), "/kudos/new").await;
            chrome.fill("#people-filter", colleague).await;
            let shown = chrome.run("return Array.from(document.querySelectorAll('label[data-name]')).filter(l => !l.hidden).length").await;
            assert_eq!(shown, json!(1), "the filter leaves {colleague} alone in sight");
            chrome.click(&format!("input[name=recipient_ids][value='{colleague_id}']")).await;
            let message = format!("Thank you for covering the desk, turn {turn}");
            chrome.fill("#message", &message).await;
            chrome.click_and_wait("form[action='/kudos'] button[type=submit]").await;
            assert!(chrome.location().await.starts_with("/portal?notice=kudos"), "{}", chrome.location().await);
            let wall = chrome.text("section[aria-labelledby=kudos-heading]").await;
            assert!(wall.contains(&message), "the new kudos is on the wall: {wall}");
            chrome.assert_nothing_overflows().await;

            // The self-evaluation, from the "Waiting for you" list.
            chrome.visit("/").await;
            chrome.click_and_wait("ul.todo li[data-kind=self_evaluation_to_write] a").await;
            let goal = goals[turn];
            chrome.fill(&format!("#narrative_{goal}"), "Done, with help from the team.").await;
            chrome.find(&format!("#outcome_{goal}")).await.select_by_value("achieved").await.expect("an outcome");
            chrome.find(&format!("#rating_{goal}")).await.select_by_value("4").await.expect("a rating");
            chrome.fill("#reflection", "A year of plainer answers.").await;
            chrome.assert_nothing_overflows().await;
            // The demo's cycle is not in self-evaluation, so the accessibility walk never
            // meets this form: axe checks it here, with an evidence fold open.
            if let Some(axe) = crate::accessibility::axe_source() {
                chrome.click(&format!("#narrative_{goal} ~ details > summary")).await;
                let found = crate::accessibility::violations(&chrome, &axe).await;
                assert!(found.is_empty(), "the self-evaluation form: {found:?}");
            }
            chrome.click_and_wait("button[name=then][value=submit]").await;
            let confirm = format!("/cycles/{}/self-evaluations/{me}/submit", f.cycle);
            assert_eq!(chrome.location().await, confirm, "saving leads on to the confirmation");
            chrome.assert_nothing_overflows().await;
            chrome.click_and_wait(&format!("form[action='{confirm}'] button[type=submit]")).await;
            let badge = chrome.text("main .badge").await;
            assert_eq!(badge, "Submitted", "the evaluation says it went to the manager");
            assert_eq!(chrome.count("textarea#reflection").await, 0, "it is locked");
            chrome.assert_nothing_overflows().await;
        }
        chrome.close().await;
    }
}

both_backends! {
    async fn a_lead_agrees_and_reviews_from_the_waiting_list_on_a_desk_and_a_phone(app) {
        let Some(chrome) = Chrome::launch(&app).await else { return };
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let lead = app.token("lead@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        // One goal from each of the lead's two people, one to agree at each width.
        let mut proposed = Vec::new();
        for (email, title) in [("eng@example.org", "Answer in plain words"), ("peer@example.org", "Retire the old wiki")] {
            let token = app.token(email).await;
            proposed.push(app.propose_goal(&token, f.cycle, f.objectives[0], title).await);
        }

        for (turn, (width, height)) in WIDTHS.into_iter().enumerate() {
            chrome.resize(width, height).await;
            chrome.sign_in("lead@example.org").await;
            chrome.visit("/").await;
            assert_eq!(chrome.text("h1").await, "Waiting for you");
            chrome.assert_nothing_overflows().await;
            let expected = if turn == 0 { "2 proposed goals from your team to agree" } else { "1 proposed goal from your team to agree" };
            assert_eq!(todo_line(&chrome, "goals_to_agree").await, expected);
            let lines = chrome.count("ul.todo li").await as u64;
            assert_eq!(waiting_count(&chrome).await, Some(lines), "the navigation counts the lines of the list");

            // The line leads to the team, where the goal is one click away.
            chrome.click_and_wait("ul.todo li[data-kind=goals_to_agree] a").await;
            assert_eq!(chrome.location().await, "/team");
            chrome.assert_nothing_overflows().await;
            let goal = proposed[turn];
            chrome.click_and_wait(&format!("a[href='/goals/{goal}']")).await;
            chrome.assert_nothing_overflows().await;
            assert!(chrome.text("dl.facts").await.contains("Proposed"), "{}", chrome.text("dl.facts").await);
            chrome.click_and_wait(&format!("form[action='/goals/{goal}/agree'] button[type=submit]")).await;
            let status = chrome.text("dl.facts").await;
            assert!(status.contains("Agreed") && status.contains("Lee Lead"), "the goal says who agreed: {status}");
            assert_eq!(chrome.count(&format!("form[action='/goals/{goal}/agree']")).await, 0, "nothing left to agree");
            chrome.assert_nothing_overflows().await;
        }
        chrome.visit("/").await;
        assert_eq!(chrome.count("ul.todo li[data-kind=goals_to_agree]").await, 0, "both goals are agreed");

        // The year goes on; both people submit their self-evaluations.
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        app.move_cycle(&cio, f.cycle, "self_evaluation").await;
        for (email, person, goal) in [("eng@example.org", d.engineer, proposed[0]), ("peer@example.org", d.peer, proposed[1])] {
            let token = app.token(email).await;
            let path = format!("/api/v1/cycles/{}/self-evaluations/{person}", f.cycle);
            let draft = json!({
                "reflection": "A year of plainer answers.",
                "entries": [{"goal_id": goal, "narrative": "Done with help.", "outcome": "achieved", "self_rating": 4}],
            });
            let response = app.api.put(app.url(&path)).bearer_auth(&token).json(&draft).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let (status, body) = app.post_json(&token, &format!("{path}/submit"), json!({})).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }

        for (turn, (width, height)) in WIDTHS.into_iter().enumerate() {
            chrome.resize(width, height).await;
            chrome.sign_in("lead@example.org").await;
            chrome.visit("/").await;
            let expected = if turn == 0 { "2 submitted self-evaluations to review" } else { "1 submitted self-evaluation to review" };
            assert_eq!(todo_line(&chrome, "evaluations_to_review").await, expected);
            chrome.click_and_wait("ul.todo li[data-kind=evaluations_to_review] a").await;
            assert_eq!(chrome.location().await, "/team");
            let person = if turn == 0 { d.engineer } else { d.peer };
            let evaluation = format!("/cycles/{}/self-evaluations/{person}", f.cycle);
            chrome.click_and_wait(&format!("td a[href='{evaluation}']")).await;
            assert_eq!(chrome.location().await, evaluation);
            chrome.assert_nothing_overflows().await;

            // Sent without a rating: the form says what is missing and keeps nothing half-done.
            chrome.fill("#comment", "Clients name you for your explanations.").await;
            chrome.click_and_wait(&format!("form[action='{evaluation}/review'] button[type=submit]")).await;
            assert_eq!(chrome.text("#rating-error").await, "This is required.", "the error sits by the rating");
            chrome.find("#rating").await.select_by_value("4").await.expect("choose a rating");
            chrome.fill("#comment", "Clients name you for your explanations.").await;
            chrome.click_and_wait(&format!("form[action='{evaluation}/review'] button[type=submit]")).await;
            let review = chrome.text("main").await;
            assert!(review.contains("Manager's review") && review.contains("4 of 5") && review.contains("Clients name you"), "{review}");
            chrome.assert_nothing_overflows().await;
        }
        chrome.visit("/").await;
        assert_eq!(chrome.count("ul.todo li[data-kind=evaluations_to_review]").await, 0, "both are reviewed");
        let (_, todo) = app.get_json(&lead, "/api/v1/me/todo").await;
        assert!(todo["items"].as_array().unwrap().iter().all(|i| i["kind"] != "evaluations_to_review"), "{todo}");
        chrome.close().await;
    }
}

both_backends! {
    async fn the_cio_moves_a_phase_only_after_reading_what_is_unfinished(app) {
        let Some(chrome) = Chrome::launch(&app).await else { return };
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let eng = app.token("eng@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        app.propose_goal(&eng, f.cycle, f.objectives[0], "Answer in plain words").await;

        let moves = [("in_progress", "In progress"), ("self_evaluation", "Self-evaluation")];
        for ((width, height), (phase, label)) in WIDTHS.into_iter().zip(moves) {
            chrome.resize(width, height).await;
            chrome.sign_in("cio@example.org").await;
            chrome.visit("/").await;
            navigate(&chrome, width, Some("tools"), "/cycles").await;
            let confirm = format!("/cycles/{}/phase", f.cycle);
            chrome.click_and_wait(&format!("a[href='{confirm}']")).await;
            assert_eq!(chrome.location().await, confirm);
            chrome.assert_nothing_overflows().await;
            assert!(chrome.text("h1").await.ends_with(&format!("to {label}?")), "{}", chrome.text("h1").await);
            let page = chrome.text("main").await;
            assert!(page.contains("Still unfinished") && page.contains("1 goal is still proposed"), "the page says what is left: {page}");

            // Cancel first: nothing moves.
            chrome.click_and_wait("a.button.secondary[href='/cycles']").await;
            let (_, cycle) = app.get_json(&cio, &format!("/api/v1/cycles/{}", f.cycle)).await;
            assert_ne!(cycle["phase"], phase, "cancelling moved nothing");

            // Then move it for real.
            chrome.click_and_wait(&format!("a[href='{confirm}']")).await;
            chrome.click_and_wait(&format!("form[action='{confirm}'] button[type=submit]")).await;
            assert_eq!(chrome.location().await.split('?').next(), Some("/cycles"));
            let row = chrome.text("tbody tr").await;
            assert!(row.contains(label), "the cycle shows its new phase: {row}");
            chrome.assert_nothing_overflows().await;
            let (_, cycle) = app.get_json(&cio, &format!("/api/v1/cycles/{}", f.cycle)).await;
            assert_eq!(cycle["phase"], phase);
        }
        chrome.close().await;
    }
}

both_backends! {
    async fn an_advisor_is_offered_only_what_an_advisor_may_open(app) {
        let Some(chrome) = Chrome::launch(&app).await else { return };
        app.department().await;
        let cio = app.token("cio@example.org").await;
        app.plan_and_cycle(&cio).await;

        for (width, height) in WIDTHS {
            chrome.resize(width, height).await;
            chrome.sign_in("advisor@example.org").await;
            assert_eq!(chrome.location().await, "/committee", "an advisor starts on the committee's home");
            chrome.assert_nothing_overflows().await;
            for absent in ["/goals", "/self-evaluation", "/my-skills", "/team", "/cycles/new", "/kudos/new", "/people/new"] {
                assert_eq!(chrome.count(&format!("nav[aria-label=Main] a[href='{absent}']")).await, 0, "{absent} is not offered to an advisor");
            }
            assert_eq!(waiting_count(&chrome).await, None, "an advisor has no work list");

            // Every page the navigation offers opens, and fits the window.
            let offered = chrome
                .run("return Array.from(document.querySelectorAll('nav[aria-label=Main] > ul > li > a')).map(a => a.getAttribute('href'))")
                .await;
            let offered: Vec<String> = offered.as_array().unwrap().iter().filter_map(|h| h.as_str().map(str::to_owned)).collect();
            assert!(offered.contains(&"/committee".to_owned()) && offered.contains(&"/summaries".to_owned()), "{offered:?}");
            for href in &offered {
                chrome.visit("/committee").await;
                navigate(&chrome, width, None, href).await;
                let body = chrome.text("main").await;
                assert!(!body.contains("Error 4") && !body.contains("Error 5"), "{href} answers an error: {body}");
            }
            navigate(&chrome, width, Some("recognition"), "/compliments").await;
        }
        chrome.close().await;
    }
}

both_backends! {
    async fn someone_without_a_mouse_signs_in_finds_a_goal_and_reports_progress(app) {
        let Some(chrome) = Chrome::launch(&app).await else { return };
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let lead = app.token("lead@example.org").await;
        let eng = app.token("eng@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let goal = app.propose_goal(&eng, f.cycle, f.objectives[0], "Answer in plain words").await;
        let (status, _) = app.post_json(&lead, &format!("/api/v1/goals/{goal}/agree"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        let enter = char::from(fantoccini::key::Key::Enter).to_string();

        for (width, height) in WIDTHS {
            chrome.resize(width, height).await;
            chrome.sign_out().await;

            // Sign in: Tab to each field, type, Enter sends the form.
            chrome.visit("/sign-in").await;
            chrome.tab_to("#email").await;
            chrome.press("eng@example.org").await;
            chrome.tab_to("#password").await;
            chrome.press(PASSWORD).await;
            chrome.press_and_wait(&enter).await;
            assert!(!chrome.location().await.starts_with("/sign-in"), "signed in with the keyboard");

            // On a phone the Menu opens from the keyboard too; My goals from the navigation.
            if is_phone(width) {
                chrome.tab_to("#nav-toggle").await;
                chrome.press(" ").await;
            }
            chrome.tab_to("nav a[href='/goals']").await;
            chrome.press_and_wait(&enter).await;
            assert_eq!(chrome.location().await, "/goals");

            chrome.tab_to(&format!("a[href='/goals/{goal}']")).await;
            chrome.press_and_wait(&enter).await;
            assert_eq!(chrome.location().await, format!("/goals/{goal}"));

            // The progress form: fields in order, then the button with Enter.
            let progress = if is_phone(width) { "60" } else { "40" };
            chrome.tab_to("#progress").await;
            chrome.press(&format!("{}{progress}", char::from(fantoccini::key::Key::Backspace).to_string().repeat(3))).await;
            chrome.tab_to("#note").await;
            chrome.press("Drafted the plain-words guide with the keyboard").await;
            chrome.tab_to("form[action$='/progress'] button[type=submit]").await;
            chrome.press_and_wait(&enter).await;
            let facts = chrome.text("dl.facts").await;
            assert!(facts.contains(&format!("{progress}%")), "the progress shows: {facts}");
            assert!(chrome.text("main").await.contains("Drafted the plain-words guide"), "the note shows");
            chrome.assert_nothing_overflows().await;
        }
        chrome.close().await;
    }
}
