//! "Waiting for you": the list through the API and on the start page, per role.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use sea_orm::{EntityTrait, sea_query::Expr};
use serde_json::{Value, json};

use crate::recognition::trophy_for;

fn kinds(todo: &Value) -> Vec<String> {
    todo["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn line<'a>(todo: &'a Value, kind: &str) -> &'a Value {
    todo["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {todo}"))
}

both_backends! {
    async fn each_person_sees_what_waits_for_them_and_where_to_do_it(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let lead = app.token("lead@example.org").await;
        let eng = app.token("eng@example.org").await;
        let f = app.plan_and_cycle(&cio).await;

        let (status, todo) = app.get_json(&eng, "/api/v1/me/todo").await;
        assert_eq!(status, StatusCode::OK, "{todo}");
        assert!(kinds(&todo).is_empty(), "nothing waits for a newcomer: {todo}");

        // A proposed goal waits for the lead, not for the engineer's skip-level cio.
        app.propose_goal(&eng, f.cycle, f.objectives[0], "Answer in plain words").await;
        let (_, todo) = app.get_json(&lead, "/api/v1/me/todo").await;
        let agree = line(&todo, "goals_to_agree");
        assert_eq!(agree["count"], 1);
        assert_eq!(agree["text"], "1 proposed goal from your team to agree");
        assert_eq!(agree["link"], "/team");
        // Two people below the lead have no skill assessment in the cycle.
        assert_eq!(line(&todo, "reports_without_assessment")["count"], 2);
        let (_, todo) = app.get_json(&cio, "/api/v1/me/todo").await;
        assert!(!kinds(&todo).contains(&"goals_to_agree".to_owned()), "{todo}");
        assert!(line(&todo, "cycle_work_unfinished")["text"].as_str().unwrap().contains("1 goal is still proposed"), "{todo}");

        // A second goal, agreed three months ago with no progress since: nobody can note
        // progress during goal setting, so it waits only once the cycle is under way.
        let old = app.propose_goal(&eng, f.cycle, f.objectives[1], "Retire the old wiki").await;
        let (status, _) = app.post_json(&lead, &format!("/api/v1/goals/{old}/agree"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        use staffdev::entities::performance_goal::{Column, Entity as Goals};
        use sea_orm::{ColumnTrait, QueryFilter};
        Goals::update_many()
            .col_expr(Column::CreatedAt, Expr::value(Utc::now() - Duration::days(90)))
            .filter(Column::Id.eq(old as i32))
            .exec(app.db().conn())
            .await
            .expect("age the goal");
        let (_, todo) = app.get_json(&eng, "/api/v1/me/todo").await;
        assert!(!kinds(&todo).contains(&"goals_without_progress".to_owned()), "{todo}");
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        let (_, todo) = app.get_json(&eng, "/api/v1/me/todo").await;
        let stale = line(&todo, "goals_without_progress");
        assert_eq!((stale["count"].as_i64(), stale["link"].as_str()), (Some(1), Some("/goals")), "{todo}");

        // The self-evaluation phase opens: the engineer has theirs to write; a draft
        // is unfinished work for the cio.
        app.move_cycle(&cio, f.cycle, "self_evaluation").await;
        let (_, todo) = app.get_json(&eng, "/api/v1/me/todo").await;
        assert_eq!(line(&todo, "self_evaluation_to_write")["link"], "/self-evaluation");
        let path = format!("/api/v1/cycles/{}/self-evaluations/{}", f.cycle, d.engineer);
        let response = app.api.put(app.url(&path)).bearer_auth(&eng).json(&json!({"reflection": "So far so good"})).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let (_, todo) = app.get_json(&cio, "/api/v1/me/todo").await;
        assert!(line(&todo, "cycle_work_unfinished")["text"].as_str().unwrap().contains("1 self-evaluation is still a draft"), "{todo}");

        // The trophy held for three weeks asks to be passed on; a fresh one does not.
        let trophy = trophy_for(&app, &cio, d.peer).await;
        let peer = app.token("peer@example.org").await;
        let (_, todo) = app.get_json(&peer, "/api/v1/me/todo").await;
        assert!(!kinds(&todo).contains(&"trophy_to_pass".to_owned()), "{todo}");
        staffdev::entities::trophy::Entity::update_many()
            .col_expr(staffdev::entities::trophy::Column::HeldSince, Expr::value(Utc::now() - Duration::days(21)))
            .exec(app.db().conn())
            .await
            .expect("age the trophy");
        let (_, todo) = app.get_json(&peer, "/api/v1/me/todo").await;
        assert_eq!(line(&todo, "trophy_to_pass")["link"], format!("/trophies/{trophy}"));

        // The start page shows the same lines, each a link.
        let browser = app.signed_in("lead@example.org").await;
        let home = browser.get_html("/").await;
        assert!(home.contains("<h1>Waiting for you</h1>"), "{home}");
        assert!(home.contains(r#"<a href="/team">1 proposed goal from your team to agree</a>"#), "{home}");
        // The navigation's count is the list's own on this page.
        let lines = home.matches("<li data-kind=").count();
        assert!(home.contains(&format!(">Waiting for you ({lines})</a>")), "{lines} lines: {home}");
    }
}

both_backends! {
    async fn advisors_have_no_list_and_start_on_the_committee_page(app) {
        app.department().await;
        let advisor = app.token("advisor@example.org").await;
        let (status, _) = app.get_json(&advisor, "/api/v1/me/todo").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let browser = app.signed_in("advisor@example.org").await;
        let response = browser.get("/").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/committee");
        // Anonymous visitors go to the portal, which decides for itself.
        let response = app.browser().get("/").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/portal");
    }
}

both_backends! {
    async fn the_list_is_one_statement_whatever_the_department(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let lead = crate::helpers::actor(d.lead, "Lee Lead", "lead@example.org", staffdev::people::Role::Staff, true);
        let count = || async {
            let before = app.db().statements_run();
            let todo = staffdev::todo::waiting_for(app.db(), &lead, Utc::now()).await.expect("the list");
            (app.db().statements_run() - before, todo)
        };
        let (small, _) = count().await;
        for i in 0..5 {
            let email = format!("more{i}@example.org");
            app.add_person(&email, &format!("More {i}"), "staff", Some(d.lead)).await;
            let token = app.token(&email).await;
            app.propose_goal(&token, f.cycle, f.objectives[1], "More work").await;
        }
        let (large, todo) = count().await;
        assert_eq!(todo.lines[0].count, 5, "{todo:?}");
        assert_eq!((small, large), (1, 1));
    }
}

both_backends! {
    async fn the_cios_line_is_what_the_next_move_would_leave_unfinished(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        for email in ["eng@example.org", "peer@example.org"] {
            let token = app.token(email).await;
            app.propose_goal(&token, f.cycle, f.objectives[0], "Plain words").await;
        }
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        app.move_cycle(&cio, f.cycle, "self_evaluation").await;
        // Two drafts, one of them by someone who then leaves: nobody can finish theirs, so
        // neither the list nor the move's confirmation counts it.
        for (email, person) in [("eng@example.org", d.engineer), ("peer@example.org", d.peer)] {
            let token = app.token(email).await;
            let path = format!("/api/v1/cycles/{}/self-evaluations/{person}", f.cycle);
            let response = app.api.put(app.url(&path)).bearer_auth(&token).json(&json!({"reflection": "So far"})).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
        }
        let (status, _) = app.patch_json(&cio, &format!("/api/v1/people/{}", d.peer), json!({"active": false})).await;
        assert_eq!(status, StatusCode::OK);

        let (status, preview) = app.get_json(&cio, &format!("/api/v1/cycles/{}/phase-move", f.cycle)).await;
        assert_eq!(status, StatusCode::OK, "{preview}");
        let sentences: Vec<&str> = preview["unfinished"].as_array().unwrap().iter().map(|u| u["message"].as_str().unwrap()).collect();
        assert!(sentences.contains(&"1 self-evaluation is still a draft"), "{preview}");
        let (_, todo) = app.get_json(&cio, "/api/v1/me/todo").await;
        let text = line(&todo, "cycle_work_unfinished")["text"].as_str().unwrap().to_owned();
        assert_eq!(text, format!("This year (Self-evaluation): {}", sentences.join("; ")));
    }
}

both_backends! {
    async fn the_cios_list_is_two_statements_whatever_the_department(app) {
        let d = app.department().await;
        let cio_token = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio_token).await;
        let cio = crate::helpers::actor(d.cio, "Carla CIO", "cio@example.org", staffdev::people::Role::Cio, true);
        let count = || async {
            let before = app.db().statements_run();
            let todo = staffdev::todo::waiting_for(app.db(), &cio, Utc::now()).await.expect("the list");
            (app.db().statements_run() - before, todo)
        };
        let (small, _) = count().await;
        for i in 0..5 {
            let email = format!("more{i}@example.org");
            app.add_person(&email, &format!("More {i}"), "staff", Some(d.lead)).await;
            let token = app.token(&email).await;
            app.propose_goal(&token, f.cycle, f.objectives[1], "More work").await;
        }
        let (large, todo) = count().await;
        assert!(todo.lines.iter().any(|l| l.text.contains("5 goals are still proposed")), "{todo:?}");
        assert_eq!((small, large), (2, 2));
    }
}
