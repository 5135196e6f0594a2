//! The navigation each role is offered: advisors without records of their own, the
//! recognition, team and cio's tools groups, the "Waiting for you (N)" count (cheap on
//! every page), a phone's menu that opens without JavaScript, and list pages that stay
//! inside a 390 px or 1280 px screen.

use crate::{browser::Chrome, helpers::*};

/// The "N" of "Waiting for you (N)" in a page's navigation.
fn waiting_count(html: &str) -> Option<usize> {
    let start = html.find("Waiting for you (")? + "Waiting for you (".len();
    let end = start + html[start..].find(')')?;
    html[start..end].parse().ok()
}

/// The statements a second look at the portal runs, and the count it shows.
async fn warm_portal(app: &TestApp, browser: &Browser) -> (u64, Option<usize>) {
    browser.get_html("/portal").await;
    let before = app.db().statements_run();
    let page = browser.get_html("/portal").await;
    (app.db().statements_run() - before, waiting_count(&page))
}

both_backends! {
    async fn the_navigation_counts_what_waits_and_the_count_follows_a_write(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let eng = app.token("eng@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let lead = app.signed_in("lead@example.org").await;

        // The lead's reports have no assessment in the cycle: one thing waits.
        let page = lead.get_html("/portal").await;
        assert_eq!(waiting_count(&page), Some(1), "{page}");
        assert!(page.contains(r#"<a class="waiting" href="/">Waiting for you (1)</a>"#), "{page}");

        // A goal proposed through the API is a write: the next page counts it.
        app.propose_goal(&eng, f.cycle, f.objectives[0], "Answer in plain words").await;
        let page = lead.get_html("/people").await;
        assert_eq!(waiting_count(&page), Some(2), "{page}");

        // Warm, a page costs the lead no statement for the count: exactly what it costs
        // an advisor, who has no count at all.
        let advisor = app.signed_in("advisor@example.org").await;
        let page = advisor.get_html("/portal").await;
        assert_eq!(waiting_count(&page), None, "advisors have no list");
        let (lead_statements, count) = warm_portal(&app, &lead).await;
        let (advisor_statements, _) = warm_portal(&app, &advisor).await;
        assert_eq!(count, Some(2));
        assert_eq!(lead_statements, advisor_statements, "the count ran a statement on a warm page");
    }
}

both_backends! {
    async fn an_advisor_is_offered_no_records_of_their_own_and_staff_no_tools(app) {
        app.department().await;
        let advisor = app.signed_in("advisor@example.org").await.get_html("/portal").await;
        for absent in [r#"href="/goals""#, r#"href="/self-evaluation""#, r#"href="/my-skills""#, "Waiting for you", r#"id="nav-team""#, r#"id="nav-tools""#, r#"href="/kudos/new""#] {
            assert!(!advisor.contains(absent), "an advisor is offered {absent}");
        }
        assert!(advisor.contains(r#"href="/committee""#));
        assert!(advisor.contains(r#"id="nav-recognition""#));

        let staff = app.signed_in("peer@example.org").await.get_html("/portal").await;
        for present in [r#"href="/goals""#, r#"href="/self-evaluation""#, r#"href="/my-skills""#, r#"href="/kudos/new""#] {
            assert!(staff.contains(present), "staff are offered {present}");
        }
        for absent in [r#"id="nav-team""#, r#"id="nav-tools""#, r#"href="/committee""#, r#"href="/recognition/balance""#] {
            assert!(!staff.contains(absent), "staff are offered {absent}");
        }
    }
}

async fn sign_in_to_demo(chrome: &Chrome, email: &str) {
    chrome.visit("/sign-in").await;
    chrome.fill("#email", email).await;
    chrome.fill("#password", staffdev::demo::PASSWORD).await;
    chrome
        .click_and_wait("form[action='/sign-in'] button[type=submit]")
        .await;
    assert!(
        !chrome.location().await.starts_with("/sign-in"),
        "{email} is signed in"
    );
}

/// Whether the element is drawn (not display:none, inside a closed details, or in a
/// closed menu).
async fn shown(chrome: &Chrome, css: &str) -> bool {
    let script =
        format!("const e = document.querySelector({css:?}); return !!e && e.checkVisibility()");
    chrome.run(&script).await.as_bool().unwrap_or(false)
}

/// The visible text of the main navigation.
async fn nav_text(chrome: &Chrome) -> String {
    chrome
        .run("return document.querySelector('nav[aria-label=Main]').textContent")
        .await
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

both_backends! {
    async fn in_the_browser_each_role_finds_its_places_in_the_navigation(app) {
        staffdev::demo::load(app.db()).await.expect("the demo loads");
        let Some(chrome) = Chrome::launch(&app).await else { return };

        // An advisor: the committee, recognition, nothing of their own.
        sign_in_to_demo(&chrome, "alan.grant@example.org").await;
        chrome.visit("/portal").await;
        let nav = nav_text(&chrome).await;
        assert!(nav.contains("Committee"), "{nav}");
        assert!(nav.contains("Recognition"), "{nav}");
        for absent in ["My goals", "Self-evaluation", "My skills", "Waiting for you", "Department tools"] {
            assert!(!nav.contains(absent), "an advisor sees {absent}: {nav}");
        }
        chrome.close().await;

        // A lead opens the Team group and reaches the team, the heatmap and the balance.
        let Some(chrome) = Chrome::launch(&app).await else { return };
        sign_in_to_demo(&chrome, "priya.shah@example.org").await;
        for (link, heading) in [("/team", "team"), ("/skills/team", "heatmap"), ("/recognition/balance", "balance")] {
            chrome.visit("/portal").await;
            let css = format!("#nav-team a[href='{link}']");
            assert!(!shown(&chrome, &css).await, "the Team group starts closed");
            chrome.click("#nav-team summary").await;
            assert!(shown(&chrome, &css).await, "{link} shows in the open Team group");
            chrome.click_and_wait(&css).await;
            assert_eq!(chrome.location().await, link, "{heading}");
            let title = chrome.text("h1").await;
            assert!(!title.contains("could not find"), "{link}: {title}");
        }
        let nav = nav_text(&chrome).await;
        assert!(nav.contains("Waiting for you ("), "{nav}");
        assert!(!nav.contains("Department tools"), "{nav}");
        chrome.close().await;

        // The cio's tools are one group, not a row of buttons on the portal.
        let Some(chrome) = Chrome::launch(&app).await else { return };
        sign_in_to_demo(&chrome, "morgan.reyes@example.org").await;
        chrome.visit("/portal").await;
        assert_eq!(chrome.count("main a.button[href='/compliments/new']").await, 0, "no portal buttons");
        chrome.click("#nav-tools summary").await;
        for link in ["/people/new", "/cycles", "/skills/import", "/surveys", "/survey-compliments", "/compliments/new", "/announcements/new", "/trophies", "/reports/new"] {
            assert!(shown(&chrome, &format!("#nav-tools a[href='{link}']")).await, "the tools offer {link}");
        }
        chrome.click_and_wait("#nav-tools a[href='/surveys']").await;
        assert_eq!(chrome.location().await, "/surveys");
        chrome.close().await;
    }
}

both_backends! {
    async fn on_a_phone_the_menu_opens_without_javascript_and_no_list_runs_past_the_screen(app) {
        staffdev::demo::load(app.db()).await.expect("the demo loads");
        let pages = ["/portal", "/plan", "/goals", "/team", "/skills/team", "/summaries"];
        for email in ["sam.ito@example.org", "priya.shah@example.org", "morgan.reyes@example.org"] {
            let Some(chrome) = Chrome::launch(&app).await else { return };
            sign_in_to_demo(&chrome, email).await;
            chrome.resize(390, 844).await;
            chrome.visit("/portal").await;
            // The checkbox toggle: JavaScript is not involved (the pages run none under
            // their CSP), only the label and the stylesheet.
            assert!(shown(&chrome, "label.nav-toggle").await, "{email}: a Menu toggle on a phone");
            assert!(chrome.text("label.nav-toggle").await.contains("Menu"));
            assert!(!shown(&chrome, "nav[aria-label=Main] a[href='/plan']").await, "{email}: the menu starts shut");
            chrome.click("label.nav-toggle").await;
            assert!(shown(&chrome, "nav[aria-label=Main] a[href='/plan']").await, "{email}: the menu opens");
            chrome.click_and_wait("nav[aria-label=Main] a[href='/plan']").await;
            assert!(chrome.location().await.starts_with("/plan"), "{email}: the plan");
            for (width, height) in [(390, 844), (1280, 1024)] {
                chrome.resize(width, height).await;
                for page in pages {
                    chrome.visit(page).await;
                    chrome.assert_nothing_overflows().await;
                }
            }
            // Wide tables scroll in their own box, which the keyboard reaches.
            chrome.resize(390, 844).await;
            chrome.visit("/skills/department").await;
            let box_ = chrome.run("const b = document.querySelector('.table-scroll'); return [b.tabIndex, b.getAttribute('aria-label')]").await;
            assert_eq!(box_[0], 0, "{email}: the table's box takes the focus");
            assert!(box_[1].as_str().is_some_and(|l| !l.is_empty()), "{email}: the table's box is named");
            chrome.close().await;
        }
        // At 1280 px the navigation is on screen without a toggle.
        let Some(chrome) = Chrome::launch(&app).await else { return };
        sign_in_to_demo(&chrome, "sam.ito@example.org").await;
        chrome.visit("/portal").await;
        assert!(!shown(&chrome, "label.nav-toggle").await);
        assert!(shown(&chrome, "nav[aria-label=Main] a[href='/plan']").await);
        chrome.close().await;
    }
}
