//! Annual reports: who publishes and who reads them (anonymous visitors with a private and
//! a public portal), bad input, the frozen figures, the portal's and the committee's
//! panels, the publish form, and the retreat's year in review.

use chrono::{Duration, Months, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// A department with a plan, a cycle around today and one kudos (Erin thanks Pat).
async fn department_with_a_year(app: &TestApp) -> (Department, Fixture, String) {
    let d = app.department().await;
    let cio = app.token("cio@example.org").await;
    let f = app.plan_and_cycle(&cio).await;
    let engineer = app.token("eng@example.org").await;
    let (status, body) = app
        .post_json(
            &engineer,
            "/api/v1/kudos",
            json!({"recipient_ids": [d.peer], "message": "Thanks for the plain words."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (d, f, cio)
}

async fn publish(app: &TestApp, cio: &str, body: Value) -> Value {
    let (status, report) = app.post_json(cio, "/api/v1/reports", body).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    report
}

fn report_of_cycle(cycle: i64) -> Value {
    json!({"title": "Annual report", "introduction": "Our year, in figures.", "cycle_id": cycle})
}

both_backends! {
    async fn the_cio_publishes_a_report_and_everyone_signed_in_reads_it(app) {
        let (_, f, cio) = department_with_a_year(&app).await;
        let report = publish(&app, &cio, report_of_cycle(f.cycle)).await;
        let id = report["id"].as_i64().unwrap();
        assert_eq!(report["title"], "Annual report");
        assert_eq!(report["introduction"], "Our year, in figures.");
        assert_eq!(report["summary"]["period"]["cycle_id"], f.cycle);
        assert_eq!(report["summary"]["exact"], false, "a report keeps what a reader who knows nobody sees");
        assert_eq!(report["summary"]["recognition"]["kudos"]["now"], 1);
        for email in ["lead@example.org", "eng@example.org", "advisor@example.org"] {
            let token = app.token(email).await;
            // Publishing is the cio's: the role table forbids it to the others (403 with
            // why), as it does every cio-only action; nothing about a report is hidden.
            let (status, problem) = app.post_json(&token, "/api/v1/reports", report_of_cycle(f.cycle)).await;
            assert_eq!((status, problem["detail"].as_str()), (StatusCode::FORBIDDEN, Some("Only the cio can publish the annual report.")), "{email}");
            let (status, list) = app.get_json(&token, "/api/v1/reports").await;
            assert_eq!(status, StatusCode::OK, "{email}");
            assert_eq!(list["items"].as_array().unwrap().len(), 1, "{email}: only the cio's report was written");
            let (status, read) = app.get_json(&token, &format!("/api/v1/reports/{id}")).await;
            assert_eq!((status, &read["title"]), (StatusCode::OK, &json!("Annual report")), "{email}");
            let browser = app.signed_in(email).await;
            for page in ["/reports".to_owned(), format!("/reports/{id}"), format!("/reports/{id}/print")] {
                let html = browser.get_html(&page).await;
                assert!(html.contains("Annual report"), "{email} {page}");
            }
            assert_eq!(browser.get("/reports/new").await.status(), StatusCode::FORBIDDEN, "{email}");
        }
        let (status, _) = app.get_json(&cio, "/api/v1/reports/999").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

both_backends! {
    async fn anonymous_visitors_of_a_private_portal_sign_in_first(app) {
        let (_, f, cio) = department_with_a_year(&app).await;
        let id = publish(&app, &cio, report_of_cycle(f.cycle)).await["id"].as_i64().unwrap();
        for path in ["/api/v1/reports".to_owned(), format!("/api/v1/reports/{id}")] {
            let response = app.api.get(app.url(&path)).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        }
        let response = app.api.post(app.url("/api/v1/reports")).json(&report_of_cycle(f.cycle)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let visitor = app.browser();
        for path in ["/reports".to_owned(), format!("/reports/{id}"), format!("/reports/{id}/print")] {
            let response = visitor.get(&path).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
            assert!(response.headers()["location"].to_str().unwrap().starts_with("/sign-in?next="), "{path}");
        }
    }
}

both_backends! {
    async fn anonymous_visitors_of_a_public_portal_read_reports(app, settings = |s: &mut staffdev::config::Settings| s.portal_public = true) {
        let (_, f, cio) = department_with_a_year(&app).await;
        let id = publish(&app, &cio, report_of_cycle(f.cycle)).await["id"].as_i64().unwrap();
        let (status, list) = split(app.api.get(app.url("/api/v1/reports")).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["items"][0]["id"], id);
        let (status, report) = split(app.api.get(app.url(&format!("/api/v1/reports/{id}"))).send().await.unwrap()).await;
        assert_eq!((status, &report["introduction"]), (StatusCode::OK, &json!("Our year, in figures.")));
        let visitor = app.browser();
        for path in ["/reports".to_owned(), format!("/reports/{id}"), format!("/reports/{id}/print")] {
            let html = visitor.get_html(&path).await;
            assert!(html.contains("Annual report"), "{path}");
        }
        let response = app.api.post(app.url("/api/v1/reports")).json(&report_of_cycle(f.cycle)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "reading is public, publishing is not");
        assert_ne!(visitor.get("/reports/new").await.status(), StatusCode::OK);
    }
}

both_backends! {
    async fn bad_reports_get_422_naming_the_field_and_write_nothing(app) {
        let (_, f, cio) = department_with_a_year(&app).await;
        let cases = [
            ("an empty title", json!({"title": "", "introduction": "", "cycle_id": f.cycle}), vec!["title"]),
            ("a blank title", json!({"title": "   ", "introduction": "", "cycle_id": f.cycle}), vec!["title"]),
            ("a title too long", json!({"title": "x".repeat(201), "introduction": "", "cycle_id": f.cycle}), vec!["title"]),
            ("an end before the start", json!({"title": "Report", "introduction": "", "from": "2026-02-01", "to": "2026-01-01"}), vec!["to"]),
            ("more than five years", json!({"title": "Report", "introduction": "", "from": "2020-01-01", "to": "2026-01-01"}), vec!["to"]),
            ("an unknown cycle", json!({"title": "Report", "introduction": "", "cycle_id": 999}), vec!["cycle_id"]),
            ("a cycle and dates", json!({"title": "Report", "introduction": "", "cycle_id": f.cycle, "from": "2026-01-01", "to": "2026-02-01"}), vec!["cycle_id"]),
            ("a lone first day", json!({"title": "Report", "introduction": "", "from": "2026-01-01"}), vec!["to"]),
            ("a date that is not one", json!({"title": "Report", "introduction": "", "from": "2026-13-01", "to": "2026-02-01"}), vec!["from"]),
            ("no title and a bad range", json!({"title": " ", "introduction": "", "from": "2026-02-01", "to": "2026-01-01"}), vec!["title", "to"]),
        ];
        for (case, body, fields) in cases {
            let (status, problem) = app.post_json(&cio, "/api/v1/reports", body).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}: {problem}");
            let mut found = error_fields(&problem);
            found.sort();
            assert_eq!(found, fields, "{case}: {problem}");
        }
        let (_, list) = app.get_json(&cio, "/api/v1/reports").await;
        assert_eq!(list["items"], json!([]), "nothing half written");
        let (status, _) = app.post_json(&cio, "/api/v1/reports", json!({"title": "Five years", "introduction": "", "from": "2021-01-01", "to": "2025-12-31"})).await;
        assert_eq!(status, StatusCode::CREATED, "five years is allowed");
    }
}

both_backends! {
    async fn a_published_report_keeps_its_figures_through_the_api_when_the_data_changes(app) {
        let (d, f, cio) = department_with_a_year(&app).await;
        let id = publish(&app, &cio, report_of_cycle(f.cycle)).await["id"].as_i64().unwrap();
        let (_, before) = app.get_json(&cio, &format!("/api/v1/reports/{id}")).await;
        assert_eq!(before["summary"]["recognition"]["kudos"]["now"], 1);
        let engineer = app.token("eng@example.org").await;
        for _ in 0..2 {
            let (status, _) = app.post_json(&engineer, "/api/v1/kudos", json!({"recipient_ids": [d.peer, d.lead], "message": "Again, thanks."})).await;
            assert_eq!(status, StatusCode::CREATED);
        }
        app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        let (_, after) = app.get_json(&cio, &format!("/api/v1/reports/{id}")).await;
        assert_eq!(after, before, "frozen");
        let (_, live) = app.get_json(&cio, &format!("/api/v1/summaries?cycle_id={}", f.cycle)).await;
        assert_eq!(live["recognition"]["kudos"]["now"], 3, "while the summary moves on");
    }
}

both_backends! {
    async fn the_latest_report_is_on_the_portal_and_the_committee_page(app) {
        let (_, f, cio) = department_with_a_year(&app).await;
        let advisor = app.token("advisor@example.org").await;
        let (_, portal) = app.get_json(&advisor, "/api/v1/portal").await;
        assert!(portal.get("latest_report").is_none(), "none yet: {portal}");
        let browser = app.signed_in("advisor@example.org").await;
        assert!(browser.get_html("/committee").await.contains("No annual report has been published yet."));
        publish(&app, &cio, json!({"title": "The older report", "introduction": "", "from": "2024-01-01", "to": "2024-12-31"})).await;
        let latest = publish(&app, &cio, json!({"title": "Annual report 2026", "introduction": "", "cycle_id": f.cycle})).await;
        let id = latest["id"].as_i64().unwrap();
        let (status, portal) = app.get_json(&advisor, "/api/v1/portal").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(portal["latest_report"]["id"], id, "{portal}");
        assert_eq!(portal["latest_report"]["title"], "Annual report 2026");
        assert_eq!(portal["latest_report"]["period_from"], json!(f.starts_on));
        let html = browser.get_html("/portal").await;
        assert!(html.contains(&format!(r#"<a href="/reports/{id}"><strong>Annual report 2026</strong></a>"#)), "{html}");
        assert!(!html.contains("The older report"), "the latest only");
        let html = browser.get_html("/committee").await;
        assert!(html.contains("Annual report 2026") && html.contains("The older report"), "every report: {html}");
        assert!(html.find("Annual report 2026") < html.find("The older report"), "newest first");
        let (_, list) = app.get_json(&advisor, "/api/v1/reports").await;
        assert_eq!(list["items"][0]["id"], id, "newest first");
        assert!(browser.get_html("/summaries").await.contains(r#"<a href="/reports""#), "the navigation links the reports");
    }
}

both_backends! {
    async fn the_cio_publishes_through_the_form_and_a_bad_form_shows_its_field_errors(app) {
        let (_, f, _) = department_with_a_year(&app).await;
        let cio = app.signed_in("cio@example.org").await;
        let cycle = f.cycle.to_string();
        let bad = cio.post_form("/reports/new", "/reports", &[("title", " "), ("introduction", "Kept <as typed>"), ("cycle_id", ""), ("from", "2026-02-01"), ("to", "2026-01-01")]).await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = bad.text().await.unwrap();
        assert!(html.contains(r#"<p class="field-error" id="title-error">Enter a title.</p>"#), "{html}");
        assert!(html.contains(r#"<p class="field-error" id="to-error">The last day must not be before the first.</p>"#), "{html}");
        assert!(html.contains("Kept &#60;as typed&#62;"), "the form keeps what was typed");
        let forged = cio.post_raw("/reports", &[("title", "Forged"), ("cycle_id", cycle.as_str())]).await;
        assert_eq!(forged.status(), StatusCode::FORBIDDEN, "no CSRF token");
        let response = cio.post_form("/reports/new", "/reports", &[("title", "Annual report"), ("introduction", "A good year.\n\nThanks to all."), ("cycle_id", cycle.as_str()), ("from", ""), ("to", "")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with("/reports/") && location.ends_with("?notice=published"), "{location}");
        let html = cio.get_html(&location).await;
        assert!(html.contains("The report is published"), "{html}");
        assert!(html.contains(r#"<p class="message">A good year.</p>"#) && html.contains(r#"<p class="message">Thanks to all.</p>"#), "{html}");
        for title in ["Objective coverage", "Skill levels by category", "Kudos per month"] {
            assert!(html.contains(&format!(r#"-title">{title}</title>"#)), "the report draws {title}");
        }
        let id = location.trim_start_matches("/reports/").split('?').next().unwrap().to_owned();
        let print = cio.get_html(&format!("/reports/{id}/print")).await;
        assert!(print.contains("page-break-before") && print.contains("A good year."), "{print}");
        let token = app.token("cio@example.org").await;
        let (_, list) = app.get_json(&token, "/api/v1/reports").await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "the forged and the bad posts wrote nothing");
    }
}

/// A meeting planned through the API from the built-in template of its kind; its id.
async fn plan_meeting(app: &TestApp, cio: &str, kind: &str, starts_in_days: i64) -> i64 {
    let starts_at = (Utc::now() + Duration::days(starts_in_days)).to_rfc3339();
    let (status, meeting) = app
        .post_json(cio, "/api/v1/meetings", json!({"kind": kind, "title": format!("The {kind}"), "starts_at": starts_at, "template": "builtin"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{meeting}");
    meeting["id"].as_i64().unwrap()
}

both_backends! {
    async fn a_retreat_shows_the_year_in_review_under_its_review_item_and_in_its_printed_agenda(app) {
        let (_, _, cio) = department_with_a_year(&app).await;
        let retreat = plan_meeting(&app, &cio, "retreat", 40).await;
        let (_, agenda) = app.get_json(&cio, &format!("/api/v1/meetings/{retreat}")).await;
        assert!(agenda["items"].as_array().unwrap().iter().any(|i| i["kind"] == "review"), "the retreat's template has a review: {agenda}");
        let (status, _) = app.post_json(&cio, &format!("/api/v1/meetings/{retreat}/publish"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let start = (Utc::now() + Duration::days(40)).date_naive();
        let (from, to) = (start.checked_sub_months(Months::new(12)).unwrap(), start - Duration::days(1));
        let heading = format!("The year in review: {} to {}", from.format("%-d %b %Y"), to.format("%-d %b %Y"));
        let link = format!(r#"<a href="/summaries?from={from}&#38;to={to}">"#);
        for email in ["eng@example.org", "advisor@example.org", "cio@example.org"] {
            let browser = app.signed_in(email).await;
            let html = browser.get_html(&format!("/meetings/{retreat}")).await;
            assert!(html.contains(&heading), "{email}: {html}");
            assert!(html.contains(&link), "{email}: {html}");
            assert!(html.contains("1 kudos"), "{email}: the year's kudos");
            let print = browser.get_html(&format!("/meetings/{retreat}/print")).await;
            assert!(print.contains(&heading) && print.contains("1 kudos"), "{email}: {print}");
        }
        // A quarterly meeting has a review too, but looks back on no year.
        let quarterly = plan_meeting(&app, &cio, "quarterly", 20).await;
        app.post_json(&cio, &format!("/api/v1/meetings/{quarterly}/items"), json!({"kind": "review", "title": "Review", "planned_minutes": 10})).await;
        let browser = app.signed_in("cio@example.org").await;
        let html = browser.get_html(&format!("/meetings/{quarterly}")).await;
        assert!(!html.contains("The year in review"), "{html}");
    }
}

both_backends! {
    async fn a_retreat_page_reads_its_year_in_review_in_a_fixed_number_of_statements(app) {
        let (d, f, cio) = department_with_a_year(&app).await;
        let retreat = plan_meeting(&app, &cio, "retreat", 40).await;
        let browser = app.signed_in("cio@example.org").await;
        let measure = || {
            let (app, browser, cio) = (&app, &browser, cio.clone());
            async move {
                // A write first empties the shared copies, so each measurement starts cold.
                app.post_json(&cio, "/api/v1/meeting-questions", json!({"prompt": "Who are we?"})).await;
                let before = app.db().statements_run();
                let html = browser.get_html(&format!("/meetings/{retreat}")).await;
                assert!(html.contains("The year in review"));
                app.db().statements_run() - before
            }
        };
        let few = measure().await;
        for i in 0..4 {
            let email = format!("more{i}@example.org");
            app.add_person(&email, &format!("More {i}"), "staff", Some(d.lead)).await;
            let token = app.token(&email).await;
            app.propose_goal(&token, f.cycle, f.objectives[1], "More work").await;
            app.post_json(&token, "/api/v1/kudos", json!({"recipient_ids": [d.peer], "message": "More thanks."})).await;
        }
        let many = measure().await;
        assert_eq!(few, many, "{few} statements, then {many} with more people, goals and kudos");
        eprintln!("retreat page statements: {many}");
    }
}

both_backends! {
    async fn the_reports_list_comes_a_page_at_a_time(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        for year in [2023, 2024, 2025] {
            let (status, body) = app.post_json(&cio, "/api/v1/reports", serde_json::json!({"title": format!("Report {year}"), "introduction": "Our year.", "from": format!("{year}-01-01"), "to": format!("{year}-12-31")})).await;
            assert_eq!(status, reqwest::StatusCode::CREATED, "{body}");
        }
        let (status, first) = app.get_json(&cio, "/api/v1/reports?limit=2").await;
        assert_eq!(status, reqwest::StatusCode::OK, "{first}");
        let titles = |page: &serde_json::Value| page["items"].as_array().unwrap().iter().map(|r| r["title"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
        assert_eq!(titles(&first), ["Report 2025", "Report 2024"], "newest first");
        let next = first["next"].as_str().expect("a next page").to_owned();
        let (_, second) = app.get_json(&cio, &format!("/api/v1/reports?limit=2&after={next}")).await;
        assert_eq!(titles(&second), ["Report 2023"]);
        assert!(second.get("next").is_none(), "the last page: {second}");
        for (query, field) in [("limit=0", "limit"), ("limit=201", "limit"), ("after=not-a-cursor!", "after")] {
            let (status, problem) = app.get_json(&cio, &format!("/api/v1/reports?{query}")).await;
            assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{query}: {problem}");
            assert_eq!(error_fields(&problem), [field], "{query}");
        }
        let browser = app.signed_in("cio@example.org").await;
        let html = browser.get_html(&format!("/reports?after={next}")).await;
        assert!(html.contains("Report 2023") && !html.contains("Report 2025"), "{html}");
    }
}
