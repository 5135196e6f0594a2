//! The pages of the plan, cycles, goals, self-evaluations and team view: the same rules
//! as the API, forms that keep what was typed, and 404 for what one may not see.

use reqwest::StatusCode;
use serde_json::json;

both_backends! {
    async fn the_cio_builds_the_plan_through_the_pages(app) {
        app.department().await;
        let cio = app.signed_in("cio@example.org").await;
        let response = cio
            .post_form("/plans", "/plans", &[
                ("title", "Service Plan"), ("start_year", "2026"), ("end_year", "2029"),
                ("mission", "Help"), ("vision", "Known for service"), ("values", "Service first\nPlain language"), ("status", "active"),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let plan = response.headers()["location"].to_str().unwrap().split('?').next().unwrap().to_owned();
        let response = cio.post_form(&plan, &format!("{plan}/goals"), &[("title", "Service excellence"), ("detail", "")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let html = cio.get_html(&plan).await;
        assert!(html.contains("G1 · Service excellence"), "{html}");
        let goal_id = html.split("/strategic-goals/").nth(1).unwrap().split('/').next().unwrap().to_owned();
        let plan_id = plan.trim_start_matches("/plans/").to_owned();
        let response = cio
            .post_form(&plan, &format!("/strategic-goals/{goal_id}/objectives"), &[("title", "Answer at first contact"), ("detail", "Rate"), ("plan_id", plan_id.as_str())])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let html = cio.get_html(&plan).await;
        assert!(html.contains("G1.1"));
        assert!(html.contains("nobody is working on this"));
        assert!(html.contains("Plain language"));
        // A bad plan keeps what was typed and names the field.
        let response = cio.post_form("/plans", "/plans", &[("title", ""), ("start_year", "20x6"), ("end_year", "2029"), ("status", "draft")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains(r#"id="start_year-error""#));
        assert!(html.contains(r#"value="20x6""#));
        // Staff read it but get no forms.
        let staff = app.signed_in("eng@example.org").await;
        let html = staff.get_html(&plan).await;
        assert!(html.contains("G1.1"));
        assert!(!html.contains("Add a strategic goal"));
        assert_eq!(staff.post_form(&plan, &format!("{plan}/goals"), &[("title", "Mine")]).await.status(), StatusCode::FORBIDDEN);
    }
}

both_backends! {
    async fn staff_propose_goals_on_the_goals_page(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let staff = app.signed_in("eng@example.org").await;
        let html = staff.get_html("/goals").await;
        assert!(html.contains("Propose a goal"));
        let objective = f.objectives[1].to_string();
        let action = format!("/cycles/{}/goals", f.cycle);
        let response = staff
            .post_form("/goals", &action, &[("objective_id", ""), ("title", "Keep <this> title"), ("category", "service"), ("due_on", "")])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains(r#"id="objective_id-error""#));
        assert!(html.contains("Keep &#60;this&#62; title") || html.contains("Keep &lt;this&gt; title"));
        let response = staff
            .post_form("/goals", &action, &[("objective_id", objective.as_str()), ("title", "Plain words"), ("category", "communication"), ("due_on", "31/12/2026")])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "a date the service cannot read");
        assert!(response.text().await.unwrap().contains("YYYY-MM-DD"));
        let response = staff
            .post_form("/goals", &action, &[("objective_id", objective.as_str()), ("title", "Plain words"), ("category", "communication"), ("due_on", "")])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let html = staff.get_html("/goals").await;
        assert!(html.contains("Plain words"));
        assert!(html.contains("G1.2"));
        assert!(html.contains("Proposed"));
    }
}

both_backends! {
    async fn a_manager_agrees_and_the_owner_reports_progress_on_the_goal_page(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let goal = app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        let path = format!("/goals/{goal}");
        let lead = app.signed_in("lead@example.org").await;
        assert!(lead.get_html(&path).await.contains("Agree to this goal"));
        let response = lead.post_form(&path, &format!("{path}/agree"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        let owner = app.signed_in("eng@example.org").await;
        let html = owner.get_html(&path).await;
        assert!(html.contains("Report progress"));
        assert!(!lead.get_html(&path).await.contains("Report progress"), "only the owner reports");
        let response = owner.post_form(&path, &format!("{path}/progress"), &[("progress", "101"), ("note", "too much"), ("noted_on", "")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.unwrap().contains(r#"id="progress-error""#));
        let response = owner.post_form(&path, &format!("{path}/progress"), &[("progress", "55"), ("note", "Guide drafted"), ("noted_on", "")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let html = owner.get_html(&path).await;
        assert!(html.contains("Guide drafted"));
        assert!(html.contains("55%"));
    }
}

both_backends! {
    async fn goal_and_evaluation_pages_are_404_to_peers_and_advisors(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let goal = app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        let pages = [
            format!("/goals/{goal}"),
            format!("/goals/{goal}/edit"),
            format!("/people/{}/goals", d.engineer),
            format!("/cycles/{}/self-evaluations/{}", f.cycle, d.engineer),
        ];
        for email in ["peer@example.org", "advisor@example.org"] {
            let browser = app.signed_in(email).await;
            for path in &pages {
                let response = browser.get(path).await;
                assert_eq!(response.status(), StatusCode::NOT_FOUND, "{email} {path}");
                assert!(!response.text().await.unwrap().contains("Answer faster"));
            }
        }
        for email in ["eng@example.org", "lead@example.org", "cio@example.org"] {
            let browser = app.signed_in(email).await;
            for path in [&pages[0], &pages[2], &pages[3]] {
                assert_eq!(browser.get(path).await.status(), StatusCode::OK, "{email} {path}");
            }
        }
    }
}

both_backends! {
    async fn the_self_evaluation_page_saves_submits_reviews_and_reopens(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let lead_token = app.token("lead@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let goal = app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        app.post_json(&lead_token, &format!("/api/v1/goals/{goal}/agree"), json!({})).await;
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        app.move_cycle(&cio, f.cycle, "self_evaluation").await;
        let path = format!("/cycles/{}/self-evaluations/{}", f.cycle, d.engineer);
        let owner = app.signed_in("eng@example.org").await;
        let narrative = format!("narrative_{goal}");
        let outcome = format!("outcome_{goal}");
        let rating = format!("rating_{goal}");
        let evidence = format!("evidence_{goal}");
        let objective = f.objectives[2].to_string();
        // A bad rating is named by the field and everything typed stays.
        let response = owner
            .post_form(&path, &path, &[
                (narrative.as_str(), "Went well"), (outcome.as_str(), "achieved"), (rating.as_str(), "9"),
                (evidence.as_str(), "Thanks from HR\nKB https://kb.example.org/1"), ("reflection", "Listened more"),
                ("skills_developed", "Writing"),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains(&format!(r#"id="rating_{goal}-error""#)), "{html}");
        assert!(html.contains("Listened more"));
        assert!(html.contains("KB https://kb.example.org/1"));
        let response = owner
            .post_form(&path, &path, &[
                (narrative.as_str(), "Went well"), (outcome.as_str(), "achieved"), (rating.as_str(), "4"),
                (evidence.as_str(), "Thanks from HR\nKB https://kb.example.org/1"), ("reflection", "Listened more"),
                ("skills_developed", "Writing"), ("proposal_objective_id_0", objective.as_str()),
                ("proposal_title_0", "Run a listening session"), ("proposal_category_0", "communication"),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let html = owner.get_html(&path).await;
        assert!(html.contains("Went well") && html.contains("Run a listening session"), "saved values come back");
        // Submitting asks first, on a page that says what it does.
        assert!(html.contains(r#"<button type="submit" class="secondary" name="then" value="submit">Save and submit…</button>"#), "{html}");
        let question = owner.get_html(&format!("{path}/submit")).await;
        assert!(question.contains("<h1>Submit your self-evaluation for This year?</h1>"), "{question}");
        assert!(question.contains("<li>Answer faster: Achieved</li>"), "{question}");
        assert!(question.contains(&format!(r#"<form method="post" action="{path}/submit">"#)));
        let response = owner.post_form(&format!("{path}/submit"), &format!("{path}/submit"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let response = owner.get(&format!("{path}/submit")).await;
        assert_eq!(response.status(), StatusCode::CONFLICT, "submitted: nothing to ask");
        let html = owner.get_html(&path).await;
        assert!(!html.contains("Save the draft"), "locked");
        assert!(html.contains(r#"href="https://kb.example.org/1""#));

        let lead = app.signed_in("lead@example.org").await;
        let html = lead.get_html(&path).await;
        assert!(html.contains("Record the review"));
        let response = lead.post_form(&path, &format!("{path}/review"), &[("comment", "Strong year"), ("rating", "4")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let response = lead.post_form(&path, &format!("{path}/reopen"), &[("reason", "Add the outage work")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let html = owner.get_html(&path).await;
        assert!(html.contains("Add the outage work"));
        assert!(html.contains("Save the draft"), "a draft again");
    }
}

both_backends! {
    async fn the_team_page_lists_reports_and_assigns_one_goal_to_several(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let lead = app.signed_in("lead@example.org").await;
        let html = lead.get_html("/team").await;
        assert!(html.contains("Erin Engineer") && html.contains("Pat Peer"));
        assert!(!html.contains("Carla CIO"), "only the people below");
        let assign = format!("/cycles/{}/assign", f.cycle);
        let engineer = d.engineer.to_string();
        let peer = d.peer.to_string();
        let objective = f.objectives[0].to_string();
        let response = lead
            .post_form(&assign, &assign, &[
                ("person_id", engineer.as_str()), ("person_id", peer.as_str()), ("team", ""),
                ("objective_id", objective.as_str()), ("title", "Write one KB article a month"), ("category", "service"), ("due_on", ""),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let html = lead.get_html(&format!("/team?cycle_id={}", f.cycle)).await;
        assert_eq!(html.matches("Write one KB article a month").count(), 2);
        // Staff without reports see an empty team.
        let staff = app.signed_in("eng@example.org").await;
        assert!(staff.get_html("/team").await.contains("Nobody reports to you."));
    }
}

both_backends! {
    async fn the_cio_moves_a_cycle_with_a_button_and_others_cannot(app) {
        app.department().await;
        let cio_token = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio_token).await;
        let cio = app.signed_in("cio@example.org").await;
        assert!(cio.get_html("/cycles").await.contains("Move to In progress"));
        let action = format!("/cycles/{}/phase", f.cycle);
        let response = cio.post_form("/cycles", &action, &[("phase", "in_progress")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert!(cio.get_html("/cycles").await.contains("Move to Self-evaluation"));
        let response = cio.post_form("/cycles", &action, &[("phase", "closed")]).await;
        assert_eq!(response.status(), StatusCode::CONFLICT, "skipping a phase");
        assert!(response.text().await.unwrap().contains("can only move to"));
        let staff = app.signed_in("eng@example.org").await;
        let html = staff.get_html("/cycles").await;
        assert!(!html.contains("Move to"));
        assert_eq!(staff.post_form("/cycles", &action, &[("phase", "self_evaluation")]).await.status(), StatusCode::FORBIDDEN);
    }
}

both_backends! {
    async fn someone_elses_goal_list_is_404_even_before_any_cycle(app) {
        let d = app.department().await;
        let peer = app.signed_in("peer@example.org").await;
        assert_eq!(peer.get(&format!("/people/{}/goals", d.engineer)).await.status(), StatusCode::NOT_FOUND);
        let lead = app.signed_in("lead@example.org").await;
        assert_eq!(lead.get(&format!("/people/{}/goals", d.engineer)).await.status(), StatusCode::OK);
    }
}

both_backends! {
    async fn recognition_is_chosen_as_evidence_with_checkboxes_on_the_self_evaluation_page(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let lead_token = app.token("lead@example.org").await;
        let peer = app.token("peer@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let goal = app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        app.post_json(&lead_token, &format!("/api/v1/goals/{goal}/agree"), json!({})).await;
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        app.move_cycle(&cio, f.cycle, "self_evaluation").await;
        let (status, kudos) = app.post_json(&peer, "/api/v1/kudos", json!({"recipient_ids": [d.engineer], "message": "Thanks for the runbook <b>really</b>"})).await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, other) = app.post_json(&peer, "/api/v1/kudos", json!({"recipient_ids": [d.lead], "message": "For the lead only"})).await;
        let today = chrono::Utc::now().date_naive().to_string();
        let shown_today = today_as_shown();
        let (status, compliment) = app.post_json(&cio, "/api/v1/compliments", json!({"person_id": d.engineer, "giver_name": "Prof. Alvarez", "giver_affiliation": "History department", "channel": "email", "received_on": today, "message": "Erin rescued my lecture."})).await;
        assert_eq!(status, StatusCode::CREATED);
        let kudos_value = format!("kudos:{}", kudos["id"]);
        let compliment_value = format!("compliment:{}", compliment["id"]);
        let checkbox = format!("recognition_{goal}");
        let path = format!("/cycles/{}/self-evaluations/{}", f.cycle, d.engineer);

        let owner = app.signed_in("eng@example.org").await;
        let html = owner.get_html(&path).await;
        assert!(html.contains("<legend>Recognition you received this cycle</legend>"), "{html}");
        assert!(html.contains(&format!(r#"<input type="checkbox" name="{checkbox}" value="{kudos_value}">"#)), "{html}");
        assert!(html.contains(&format!(r#"value="{compliment_value}">"#)));
        assert!(html.contains(&format!("Kudos from Pat Peer, {shown_today}:")));
        assert!(html.contains(&format!("Compliment from Prof. Alvarez (History department), {shown_today}:")));
        assert!(!html.contains("<b>really</b>"), "the message is escaped");
        assert!(html.contains("&#60;b&#62;really") || html.contains("&lt;b&gt;really"), "{html}");
        assert!(!html.contains("For the lead only"));

        // A bad rating: the page comes back with the choice still ticked.
        let rating = format!("rating_{goal}");
        let evidence = format!("evidence_{goal}");
        let response = owner
            .post_form(&path, &path, &[(rating.as_str(), "9"), (evidence.as_str(), "Used in two outages"), (checkbox.as_str(), kudos_value.as_str())])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains(&format!(r#"value="{kudos_value}" checked>"#)), "{html}");
        assert!(html.contains(&format!(r#"value="{compliment_value}">"#)), "not ticked");
        // Someone else's kudos, forged into the form, is named by the checkboxes.
        let forged = format!("kudos:{}", other["id"]);
        let response = owner.post_form(&path, &path, &[(checkbox.as_str(), forged.as_str())]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains(&format!(r#"id="recognition_{goal}-error""#)), "{html}");
        assert!(html.contains("This is not recognition you received during this cycle."));

        let response = owner
            .post_form(&path, &path, &[
                (rating.as_str(), "4"), (format!("outcome_{goal}").as_str(), "achieved"), (evidence.as_str(), "Used in two outages"),
                (checkbox.as_str(), kudos_value.as_str()), (checkbox.as_str(), compliment_value.as_str()), ("reflection", "A good year"),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let html = owner.get_html(&path).await;
        assert!(html.contains(&format!(r#"value="{kudos_value}" checked>"#)), "the selection is kept: {html}");
        assert!(html.contains(&format!(r#"value="{compliment_value}" checked>"#)));
        assert!(html.contains(">Used in two outages</textarea>"), "recognition is not repeated in the textarea: {html}");

        // Submitted: the evidence reads with its giver and date, for the owner and the lead.
        let response = owner.post_form(&path, &format!("{path}/submit"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let lead = app.signed_in("lead@example.org").await;
        for html in [owner.get_html(&path).await, lead.get_html(&path).await] {
            assert!(!html.contains(r#"type="checkbox" name="recognition_"#));
            assert!(html.contains(&format!("<p>Kudos from Pat Peer, {shown_today}: Thanks for the runbook &#60;b&#62;really")) || html.contains(&format!("<p>Kudos from Pat Peer, {shown_today}: Thanks for the runbook &lt;b&gt;really")), "{html}");
            assert!(html.contains(&format!("<p>Compliment from Prof. Alvarez (History department), {shown_today}: Erin rescued my lecture.</p>")), "{html}");
            assert!(html.contains("<p>Used in two outages</p>"));
        }
    }
}

/// A cycle in self-evaluation with one agreed goal of the engineer's: (cycle, goal).
async fn evaluation_ready(app: &crate::helpers::TestApp) -> (i64, i64) {
    let cio = app.token("cio@example.org").await;
    let engineer = app.token("eng@example.org").await;
    let lead = app.token("lead@example.org").await;
    let f = app.plan_and_cycle(&cio).await;
    let goal = app
        .propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster")
        .await;
    app.post_json(&lead, &format!("/api/v1/goals/{goal}/agree"), json!({}))
        .await;
    app.move_cycle(&cio, f.cycle, "in_progress").await;
    app.move_cycle(&cio, f.cycle, "self_evaluation").await;
    (f.cycle, goal)
}

fn today_as_shown() -> String {
    chrono::Utc::now().format("%-d %b %Y").to_string()
}

both_backends! {
    async fn a_reopened_self_evaluation_says_why_at_the_top(app) {
        let d = app.department().await;
        let (cycle, goal) = evaluation_ready(&app).await;
        let path = format!("/cycles/{cycle}/self-evaluations/{}", d.engineer);
        let owner = app.signed_in("eng@example.org").await;
        let entry = [
            (format!("narrative_{goal}"), "Went well"), (format!("outcome_{goal}"), "achieved"),
            (format!("rating_{goal}"), "4"), ("reflection".to_owned(), "Listened more"),
        ];
        let fields: Vec<(&str, &str)> = entry.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(owner.post_form(&path, &path, &fields).await.status(), StatusCode::SEE_OTHER);
        let submit = format!("{path}/submit");
        assert_eq!(owner.post_form(&submit, &submit, &[]).await.status(), StatusCode::SEE_OTHER);
        let lead = app.signed_in("lead@example.org").await;
        let response = lead.post_form(&path, &format!("{path}/reopen"), &[("reason", "Add the outage work in March")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);

        let html = owner.get_html(&path).await;
        let banner = format!(r#"<h2 id="reopened-heading">Reopened by Lee Lead on {}</h2>"#, today_as_shown());
        let at = html.find(&banner).unwrap_or_else(|| panic!("{banner} in {html}"));
        let form = html.find(&format!(r#"<form method="post" action="{path}""#)).expect("the draft's form");
        assert!(at < form, "the reason comes before the form");
        assert!(html[at..form].contains("<p>Add the outage work in March</p>"), "{html}");
        // Submitted again, it is answered: the reason stays only in the record below.
        assert_eq!(owner.post_form(&submit, &submit, &[]).await.status(), StatusCode::SEE_OTHER);
        let html = owner.get_html(&path).await;
        assert!(!html.contains("reopened-heading"), "{html}");
        assert!(html.contains(&format!("{}, Lee Lead: Add the outage work in March", today_as_shown())), "{html}");
    }
}

both_backends! {
    async fn save_and_submit_goes_to_the_confirmation(app) {
        let d = app.department().await;
        let (cycle, goal) = evaluation_ready(&app).await;
        let path = format!("/cycles/{cycle}/self-evaluations/{}", d.engineer);
        let owner = app.signed_in("eng@example.org").await;
        // Never saved before: the page offers both buttons, and the second saves first.
        let html = owner.get_html(&path).await;
        assert!(html.contains(">Save the draft</button>") && html.contains(">Save and submit…</button>"), "{html}");
        let (narrative, outcome, rating) = (format!("narrative_{goal}"), format!("outcome_{goal}"), format!("rating_{goal}"));
        let response = owner
            .post_form(&path, &path, &[
                (narrative.as_str(), "Went well"), (outcome.as_str(), "achieved"), (rating.as_str(), "4"),
                ("reflection", "Listened more"), ("then", "submit"),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], format!("{path}/submit").as_str(), "on to the question");
        let question = owner.get_html(&format!("{path}/submit")).await;
        assert!(question.contains("<li>Answer faster: Achieved</li>"), "saved before asking: {question}");
        let html = owner.get_html(&path).await;
        assert!(html.contains("Save the draft"), "nothing is submitted before the person confirms");
        // A problem stops it on the form, as a plain save would.
        let response = owner
            .post_form(&path, &path, &[(rating.as_str(), "9"), ("reflection", "Listened more"), ("then", "submit")])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // The plain button still saves and stays.
        let response = owner.post_form(&path, &path, &[(narrative.as_str(), "Went well"), ("reflection", "Listened more")]).await;
        assert_eq!(response.headers()["location"], format!("{path}?notice=saved").as_str());
    }
}

both_backends! {
    async fn the_error_summary_names_the_fields(app) {
        let d = app.department().await;
        let (cycle, goal) = evaluation_ready(&app).await;
        let path = format!("/cycles/{cycle}/self-evaluations/{}", d.engineer);
        let owner = app.signed_in("eng@example.org").await;
        let (rating, evidence) = (format!("rating_{goal}"), format!("evidence_{goal}"));
        let long = "x".repeat(1_001);
        let response = owner
            .post_form(&path, &path, &[(rating.as_str(), "9"), (evidence.as_str(), long.as_str()), ("reflection", "Listened more")])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        let summary = html.split(r#"<div class="alert" role="alert">"#).nth(1).unwrap().split("</div>").next().unwrap();
        assert!(summary.starts_with("<p>Please correct these fields:</p>"), "{summary}");
        let rating_link = summary.find(&format!(r##"<li><a href="#rating_{goal}">Your rating: Answer faster</a>: "##)).unwrap_or_else(|| panic!("{summary}"));
        let evidence_link = summary.find(&format!(r##"<li><a href="#evidence_{goal}">Evidence: Answer faster</a>: "##)).unwrap_or_else(|| panic!("{summary}"));
        assert!(rating_link < evidence_link, "in the form's order");
        assert!(html.contains(&format!(r#"id="rating_{goal}""#)) && html.contains(&format!(r#"id="evidence_{goal}""#)), "each link has its field");
        // The evidence with a problem is unfolded, so the link lands on it.
        assert!(html.contains("<details open>"), "{html}");

        // Another form: kudos name their fields too, and link where they are.
        let response = owner.post_form("/kudos/new", "/kudos", &[("message", "")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains(r##"<li><a href="#recipient_ids">Who do you want to thank?</a>: "##), "{html}");
        assert!(html.contains(r##"<li><a href="#message">What did they do?</a>: "##), "{html}");
        assert!(html.contains(r#"id="recipient_ids""#) && html.contains(r#"id="message""#));

        // The manager's review form, on the same page once it is submitted.
        let outcome = format!("outcome_{goal}");
        let fields = [(outcome.as_str(), "achieved"), (rating.as_str(), "4"), ("reflection", "Listened more")];
        assert_eq!(owner.post_form(&path, &path, &fields).await.status(), StatusCode::SEE_OTHER);
        let submit = format!("{path}/submit");
        assert_eq!(owner.post_form(&submit, &submit, &[]).await.status(), StatusCode::SEE_OTHER);
        let lead = app.signed_in("lead@example.org").await;
        let response = lead.post_form(&path, &format!("{path}/review"), &[("comment", ""), ("rating", "")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains(r#"<p>Please correct these fields:</p>"#), "{html}");
        assert!(html.contains(r##"<li><a href="#comment">Your comment</a>: "##), "{html}");
        assert!(html.contains(r##"<li><a href="#rating">Overall rating</a>: "##), "{html}");
        assert!(html.contains(r#"<textarea id="comment""#) && html.contains(r#"<select id="rating""#));
    }
}

both_backends! {
    async fn the_self_evaluation_folds_evidence_and_says_what_was_not_written(app) {
        let d = app.department().await;
        let (cycle, goal) = evaluation_ready(&app).await;
        let path = format!("/cycles/{cycle}/self-evaluations/{}", d.engineer);
        let owner = app.signed_in("eng@example.org").await;
        let html = owner.get_html(&path).await;
        assert!(html.contains("<details>\n    <summary>Evidence (0 items)</summary>"), "{html}");
        let (outcome, rating, evidence) = (format!("outcome_{goal}"), format!("rating_{goal}"), format!("evidence_{goal}"));
        let response = owner
            .post_form(&path, &path, &[(outcome.as_str(), "achieved"), (rating.as_str(), "4"), (evidence.as_str(), "Thanks from HR\nKB https://kb.example.org/1"), ("reflection", "Listened more")])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let html = owner.get_html(&path).await;
        assert!(html.contains("<summary>Evidence (2 items)</summary>"), "{html}");
        assert!(!html.contains(r#"<option value=""></option>"#), "no choice without a label");
        assert!(html.contains(r#"<option value="communication">"#) && !html.contains(">communication</option>"), "kinds by their labels: {html}");
        let submit = format!("{path}/submit");
        assert_eq!(owner.post_form(&submit, &submit, &[]).await.status(), StatusCode::SEE_OTHER);
        // Read-only: what was left empty says so.
        let html = owner.get_html(&path).await;
        assert!(html.contains(r#"<dt>How it went</dt><dd><span class="muted">not written</span></dd>"#), "{html}");
        assert!(html.contains(r#"<dt>Skills developed</dt><dd><span class="muted">not written</span></dd>"#), "{html}");
        assert!(html.contains(r#"<dt>Next year</dt><dd><span class="muted">no goals proposed</span></dd>"#), "{html}");
        assert!(!html.contains("<dd></dd>"), "{html}");
    }
}

both_backends! {
    async fn pages_show_dates_as_day_month_year(app) {
        let d = app.department().await;
        let (cycle, goal) = evaluation_ready(&app).await;
        let owner = app.signed_in("eng@example.org").await;
        // The goal's status reads as a sentence, with the day it was agreed.
        let html = owner.get_html(&format!("/goals/{goal}")).await;
        assert!(html.contains(&format!("Agreed by Lee Lead on {}", today_as_shown())), "{html}");
        // The cycle's dates, the submission and the review: day, short month, year.
        let cio = app.signed_in("cio@example.org").await;
        let html = cio.get_html("/cycles").await;
        let starts = (chrono::Utc::now().date_naive() - chrono::Duration::days(180)).format("%-d %b %Y").to_string();
        assert!(html.contains(&starts), "{starts} in {html}");
        let path = format!("/cycles/{cycle}/self-evaluations/{}", d.engineer);
        let (outcome, rating) = (format!("outcome_{goal}"), format!("rating_{goal}"));
        owner.post_form(&path, &path, &[(outcome.as_str(), "achieved"), (rating.as_str(), "4"), ("reflection", "Listened more"), ("then", "submit")]).await;
        let submit = format!("{path}/submit");
        assert_eq!(owner.post_form(&submit, &submit, &[]).await.status(), StatusCode::SEE_OTHER);
        let lead = app.signed_in("lead@example.org").await;
        lead.post_form(&path, &format!("{path}/review"), &[("comment", "Strong year"), ("rating", "4")]).await;
        let html = owner.get_html(&path).await;
        assert!(html.contains(&format!("· submitted {}</p>", today_as_shown())), "{html}");
        assert!(html.contains(&format!("Lee Lead, {}</p>", today_as_shown())), "{html}");
        // No page writes an ISO date outside a date input's value.
        let iso = chrono::Utc::now().format("%Y-%m-%d").to_string();
        for page in [format!("/goals/{goal}"), path.clone(), "/cycles".to_owned(), "/portal".to_owned()] {
            let html = cio.get_html(&page).await;
            let outside_inputs = html.split(&iso).count() - 1 - html.matches(&format!(r#"value="{iso}""#)).count();
            assert_eq!(outside_inputs, 0, "{page}: {html}");
        }
    }
}
