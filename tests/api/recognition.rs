//! Recognition: kudos, the trophy and its notebook, compliments, announcements,
//! moderation and the portal.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// A plan in force whose values kudos can name.
async fn values_plan(app: &TestApp, cio: &str) {
    let (status, body) = app
        .post_json(cio, "/api/v1/plans", json!({"title": "Plan", "start_year": 2025, "end_year": 2028, "status": "active", "values": ["Service first", "Plain language"]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

both_backends! {
    async fn kudos_go_to_colleagues_and_show_on_the_wall(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        values_plan(&app, &cio).await;
        let engineer = app.token("eng@example.org").await;
        let (status, kudos) = app.post_json(&engineer, "/api/v1/kudos", json!({"recipient_ids": [d.peer, d.lead], "message": "Thanks for covering the desk on Friday!", "values": ["service first"]})).await;
        assert_eq!(status, StatusCode::CREATED, "{kudos}");
        assert_eq!(kudos["values"], json!(["Service first"]), "tags take the department's spelling");
        assert_eq!(kudos["recipients"].as_array().unwrap().len(), 2);
        let advisor = app.token("advisor@example.org").await;
        let (status, wall) = app.get_json(&advisor, "/api/v1/kudos").await;
        assert_eq!(status, StatusCode::OK, "advisors read the wall");
        assert_eq!(wall["items"][0]["message"], "Thanks for covering the desk on Friday!");
        assert_eq!(wall["items"][0]["giver"]["id"], d.engineer);
        let (status, _) = app.post_json(&advisor, "/api/v1/kudos", json!({"recipient_ids": [d.peer], "message": "Well done"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "advisors do not send kudos");
    }
}

both_backends! {
    async fn bad_kudos_get_exact_field_errors(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        values_plan(&app, &cio).await;
        let gone = app.add_person_fast("gone@example.org", "Gina Gone", d.lead).await;
        app.patch_json(&cio, &format!("/api/v1/people/{gone}"), json!({"active": false})).await;
        let engineer = app.token("eng@example.org").await;
        let eleven: Vec<i32> = {
            let mut ids = Vec::new();
            for i in 0..11 {
                ids.push(app.add_person_fast(&format!("k{i}@example.org"), &format!("K {i}"), d.lead).await);
            }
            ids
        };
        let long = "x".repeat(2001);
        #[rustfmt::skip]
        let cases: Vec<(Value, &str)> = vec![
            (json!({"recipient_ids": [], "message": "Thanks"}), "recipient_ids"),
            (json!({"message": "Thanks"}), "recipient_ids"),
            (json!({"recipient_ids": eleven, "message": "Thanks"}), "recipient_ids"),
            (json!({"recipient_ids": [d.engineer], "message": "Me!"}), "recipient_ids"),
            (json!({"recipient_ids": [d.advisor], "message": "Thanks"}), "recipient_ids"),
            (json!({"recipient_ids": [gone], "message": "Thanks"}), "recipient_ids"),
            (json!({"recipient_ids": [424242], "message": "Thanks"}), "recipient_ids"),
            (json!({"recipient_ids": [d.peer]}), "message"),
            (json!({"recipient_ids": [d.peer], "message": "   "}), "message"),
            (json!({"recipient_ids": [d.peer], "message": long}), "message"),
            (json!({"recipient_ids": [d.peer], "message": "Thanks", "values": ["Speed"]}), "values"),
        ];
        for (body, field) in cases {
            let (status, problem) = app.post_json(&engineer, "/api/v1/kudos", body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(error_fields(&problem), [field], "{body}: {problem}");
        }
        let (_, wall) = app.get_json(&engineer, "/api/v1/kudos").await;
        assert_eq!(wall["items"].as_array().unwrap().len(), 0, "nothing was written");
        // Exactly ten is fine.
        let (status, _) = app.post_json(&engineer, "/api/v1/kudos", json!({"recipient_ids": &eleven[..10], "message": "Thanks, all of you"})).await;
        assert_eq!(status, StatusCode::CREATED);
    }
}

/// The trophy's id, created by the cio for `holder`.
async fn trophy_for(app: &TestApp, cio: &str, holder: i32) -> i64 {
    let (status, trophy) = app.post_json(cio, "/api/v1/trophies", json!({"name": "The Big Ugly Trophy", "description": "Inflatable.", "holder_id": holder})).await;
    assert_eq!(status, StatusCode::CREATED, "{trophy}");
    trophy["id"].as_i64().unwrap()
}

both_backends! {
    async fn passing_the_trophy_fifty_times_at_once_lets_exactly_one_win(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let mut people = vec![(d.engineer, app.token("eng@example.org").await), (d.peer, app.token("peer@example.org").await), (d.lead, app.token("lead@example.org").await)];
        let extra = app.add_person("extra@example.org", "Ezra Extra", "staff", Some(d.lead)).await;
        people.push((extra, app.token("extra@example.org").await));
        let trophy = trophy_for(&app, &cio, d.engineer).await;
        let path = format!("/api/v1/trophies/{trophy}/passes");
        let mut holder = d.engineer;
        for round in 0..3 {
            let token = people.iter().find(|(id, _)| *id == holder).unwrap().1.clone();
            let others: Vec<i32> = people.iter().map(|(id, _)| *id).filter(|id| *id != holder).collect();
            // Fifty requests in flight at once, each on its own task and connection.
            let mut attempts = tokio::task::JoinSet::new();
            for i in 0..50 {
                let receiver = others[i % others.len()];
                let (client, url, token) = (app.api.clone(), app.url(&path), token.clone());
                attempts.spawn(async move {
                    let response = client.post(url).bearer_auth(token).json(&json!({"receiver_id": receiver, "message": format!("Round {round}, attempt {i}: thank you!")})).send().await.expect("request");
                    let (status, body) = split(response).await;
                    (status, body, receiver)
                });
            }
            let results = attempts.join_all().await;
            let winners: Vec<&(StatusCode, Value, i32)> = results.iter().filter(|(s, _, _)| *s == StatusCode::CREATED).collect();
            assert_eq!(winners.len(), 1, "round {round}: exactly one pass wins");
            let new_holder = winners[0].2;
            for (status, body, _) in results.iter().filter(|(s, _, _)| *s != StatusCode::CREATED) {
                assert_eq!(*status, StatusCode::CONFLICT, "round {round}: {body}");
                let detail = body["detail"].as_str().unwrap();
                assert!(detail.contains("holds The Big Ugly Trophy now"), "{detail}");
            }
            holder = new_holder;
        }
        let (_, current) = app.get_json(&cio, &format!("/api/v1/trophies/{trophy}")).await;
        assert_eq!(current["holder"]["id"], holder);
        assert_eq!(current["entries"], 4, "the first entry and one per round");
        assert!(staffdev::recognition::chain_is_unbroken(app.db(), trophy as i32).await.unwrap());
        let (_, notebook) = app.get_json(&cio, &format!("/api/v1/trophies/{trophy}/notebook?limit=2")).await;
        let items = notebook["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["seq"], 4, "newest first");
        assert_eq!(items[0]["giver"]["id"], items[1]["receiver"]["id"], "the chain is unbroken");
        let next = notebook["next"].as_str().unwrap();
        let (_, older) = app.get_json(&cio, &format!("/api/v1/trophies/{trophy}/notebook?limit=2&after={next}")).await;
        assert_eq!(older["items"][0]["seq"], 2);
        assert_eq!(older["items"][1]["kind"], "created");
        assert!(older["next"].is_null());
    }
}
