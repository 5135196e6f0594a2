//! Moderation: the cio's list of what is hidden from the portal, bringing an item back,
//! and the record of every hiding and unhiding.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

/// Kudos from the engineer to the peer, hidden by the cio; answers the kudos' id.
async fn hidden_kudos(app: &TestApp, cio: &str, engineer: &str, peer: i32, message: &str) -> i64 {
    let (status, kudos) = app
        .post_json(
            engineer,
            "/api/v1/kudos",
            json!({"recipient_ids": [peer], "message": message}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{kudos}");
    let id = kudos["id"].as_i64().unwrap();
    let response = app
        .api
        .post(app.url(&format!("/api/v1/kudos/{id}/hide")))
        .bearer_auth(cio)
        .json(&json!({"reason": "An inside joke"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    id
}

/// The cio as the service sees them, to read the moderation record.
fn cio_actor(id: i32) -> staffdev::auth::Actor {
    crate::helpers::actor(
        id,
        "Carla CIO",
        "cio@example.org",
        staffdev::people::Role::Cio,
        true,
    )
}

both_backends! {
    async fn the_cio_unhides_a_kudos_and_the_unhiding_is_recorded(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let id = hidden_kudos(&app, &cio, &engineer, d.peer, "Thanks for the late night").await;
        let (status, list) = app.get_json(&cio, "/api/v1/hidden").await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let item = &list["items"][0];
        assert_eq!((item["kind"].as_str(), item["id"].as_i64()), (Some("kudos"), Some(id)));
        assert_eq!(item["text"], "Thanks for the late night");
        assert_eq!(item["person"]["id"], d.engineer, "who gave it");
        assert_eq!(item["hidden_by"]["id"], d.cio);
        assert_eq!(item["reason"], "An inside joke");

        // The page lists it with its button; the confirmation page asks why.
        let browser = app.signed_in("cio@example.org").await;
        let page = browser.get_html("/hidden").await;
        assert!(page.contains("Thanks for the late night") && page.contains("An inside joke"), "{page}");
        let unhide = format!("/hidden/kudos/{id}/unhide");
        assert!(page.contains(&format!(r#"href="{unhide}""#)), "an Unhide… button per item");
        assert!(page.contains(r#"href="/hidden" aria-current="page""#), "the cio's tools link it");
        let confirm = browser.get_html(&unhide).await;
        assert!(confirm.contains("Hidden") && confirm.contains("An inside joke"), "the record so far: {confirm}");
        let blank = browser.post_form(&unhide, &unhide, &[("reason", "  ")]).await;
        assert_eq!(blank.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(blank.text().await.unwrap().contains("This cannot be empty."));
        let done = browser.post_form(&unhide, &unhide, &[("reason", "Pat asked for it back")]).await;
        assert_eq!(done.status(), StatusCode::SEE_OTHER);
        assert_eq!(done.headers()["location"], "/hidden?notice=unhidden");
        let after = browser.get_html("/hidden?notice=unhidden").await;
        assert!(after.contains("Nothing is hidden.") && after.contains("the unhiding is on record"), "{after}");

        // Back on the portal, and the record keeps both steps.
        let (_, portal) = app.get_json(&engineer, "/api/v1/portal").await;
        assert_eq!(portal["kudos"]["items"][0]["id"], id);
        let history = staffdev::recognition::moderation_history(app.db(), &cio_actor(d.cio), staffdev::recognition::Hideable::Kudos(id)).await.unwrap();
        let steps: Vec<(&str, i32, &str)> = history.iter().map(|e| (e.action.into(), e.by.id, e.reason.as_str())).collect();
        assert_eq!(steps, [("hide", d.cio, "An inside joke"), ("unhide", d.cio, "Pat asked for it back")]);

        // Hidden again and brought back through the API: the record grows, never shrinks.
        let response = app.api.post(app.url(&format!("/api/v1/kudos/{id}/hide"))).bearer_auth(&cio).json(&json!({"reason": "Again"})).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let response = app.api.post(app.url(&format!("/api/v1/kudos/{id}/unhide"))).bearer_auth(&cio).json(&json!({"reason": "Settled"})).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let history = staffdev::recognition::moderation_history(app.db(), &cio_actor(d.cio), staffdev::recognition::Hideable::Kudos(id)).await.unwrap();
        assert_eq!(history.len(), 4);
    }
}

both_backends! {
    async fn only_the_cio_sees_hidden_items(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let id = hidden_kudos(&app, &cio, &engineer, d.peer, "Thanks").await;
        for email in ["eng@example.org", "lead@example.org", "advisor@example.org"] {
            let token = app.token(email).await;
            let (status, _) = app.get_json(&token, "/api/v1/hidden").await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{email}: the list");
            let (status, _) = app.post_json(&token, &format!("/api/v1/kudos/{id}/unhide"), json!({"reason": "Mine"})).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{email}: unhiding");
            let browser = app.signed_in(email).await;
            assert_eq!(browser.get("/hidden").await.status(), StatusCode::NOT_FOUND, "{email}: the page");
            assert_eq!(browser.get(&format!("/hidden/kudos/{id}/unhide")).await.status(), StatusCode::NOT_FOUND, "{email}: the confirmation");
            let home = browser.get_html("/portal").await;
            assert!(!home.contains(r#"href="/hidden""#), "{email}: no link to it");
        }
        let (_, list) = app.get_json(&cio, "/api/v1/hidden").await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "nothing was unhidden");
    }
}

both_backends! {
    async fn unhiding_what_is_not_hidden_is_a_conflict(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let (_, shown) = app.post_json(&engineer, "/api/v1/kudos", json!({"recipient_ids": [d.peer], "message": "On the wall"})).await;
        let shown = shown["id"].as_i64().unwrap();
        let hidden = hidden_kudos(&app, &cio, &engineer, d.peer, "Hidden").await;
        let (status, problem) = app.post_json(&cio, &format!("/api/v1/kudos/{shown}/unhide"), json!({"reason": "Why not"})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{problem}");
        assert_eq!(problem["detail"], "This is not hidden: it is on the portal already.");
        #[rustfmt::skip]
        let cases: Vec<(String, serde_json::Value, StatusCode, Vec<&str>)> = vec![
            (format!("/api/v1/kudos/{hidden}/unhide"), json!({"reason": ""}), StatusCode::UNPROCESSABLE_ENTITY, vec!["reason"]),
            (format!("/api/v1/kudos/{hidden}/unhide"), json!({"reason": "   "}), StatusCode::UNPROCESSABLE_ENTITY, vec!["reason"]),
            (format!("/api/v1/kudos/{hidden}/unhide"), json!({}), StatusCode::UNPROCESSABLE_ENTITY, vec!["reason"]),
            (format!("/api/v1/kudos/{hidden}/unhide"), json!({"reason": "x".repeat(2001)}), StatusCode::UNPROCESSABLE_ENTITY, vec!["reason"]),
            ("/api/v1/kudos/424242/unhide".to_owned(), json!({"reason": "Gone"}), StatusCode::NOT_FOUND, vec![]),
            ("/api/v1/notebook-entries/424242/unhide".to_owned(), json!({"reason": "Gone"}), StatusCode::NOT_FOUND, vec![]),
            ("/api/v1/compliments/424242/unhide".to_owned(), json!({"reason": "Gone"}), StatusCode::NOT_FOUND, vec![]),
            ("/api/v1/announcements/424242/unhide".to_owned(), json!({"reason": "Gone"}), StatusCode::NOT_FOUND, vec![]),
        ];
        for (path, body, expected, fields) in cases {
            let (status, problem) = app.post_json(&cio, &path, body.clone()).await;
            assert_eq!(status, expected, "{path} {body}: {problem}");
            assert_eq!(error_fields(&problem), fields, "{path} {body}");
        }
        // The page says so too, rather than pretending to bring it back.
        let browser = app.signed_in("cio@example.org").await;
        let response = browser.get(&format!("/hidden/kudos/{shown}/unhide")).await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_eq!(browser.get("/hidden/trophies/1/unhide").await.status(), StatusCode::NOT_FOUND, "no such kind");
    }
}

both_backends! {
    async fn hidden_items_of_every_kind_page_newest_hidden_first(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let (_, compliment) = app.post_json(&cio, "/api/v1/compliments", json!({"person_id": d.peer, "giver_name": "A client", "channel": "email", "received_on": "2026-01-05", "message": "Great help"})).await;
        let (_, news) = app.post_json(&cio, "/api/v1/announcements", json!({"kind": "upgrade", "title": "New printers"})).await;
        let kudos = hidden_kudos(&app, &cio, &engineer, d.peer, "First hidden").await;
        for path in [format!("/api/v1/compliments/{}/hide", compliment["id"]), format!("/api/v1/announcements/{}/hide", news["id"])] {
            let response = app.api.post(app.url(&path)).bearer_auth(&cio).json(&json!({"reason": "Test"})).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::NO_CONTENT, "{path}");
        }
        let (_, first) = app.get_json(&cio, "/api/v1/hidden?limit=2").await;
        let kinds: Vec<&str> = first["items"].as_array().unwrap().iter().map(|i| i["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["announcement", "compliment"], "newest hidden first");
        assert_eq!(first["items"][0]["text"], "New printers");
        let next = first["next"].as_str().expect("a second page");
        let (_, second) = app.get_json(&cio, &format!("/api/v1/hidden?limit=2&after={next}")).await;
        assert_eq!(second["items"].as_array().unwrap().len(), 1);
        assert_eq!(second["items"][0]["id"], kudos);
        assert!(second.get("next").is_none());
        let (status, problem) = app.get_json(&cio, "/api/v1/hidden?after=nonsense").await;
        assert_eq!((status, error_fields(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["after".to_owned()]));
        // A compliment and an announcement come back the same way.
        let (status, _) = app.post_json(&cio, &format!("/api/v1/announcements/{}/unhide", news["id"]), json!({"reason": "Printers arrived after all"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, news_list) = app.get_json(&engineer, "/api/v1/announcements").await;
        assert_eq!(news_list["items"][0]["title"], "New printers");
    }
}

both_backends! {
    async fn the_hidden_items_page_reads_in_a_fixed_number_of_statements(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let browser = app.signed_in("cio@example.org").await;
        browser.get_html("/hidden").await;
        let mut counts = Vec::new();
        for round in 0..3 {
            // Every round writes, so each reads past the same emptied caches.
            for i in 0..=round * 3 {
                hidden_kudos(&app, &cio, &engineer, d.peer, &format!("Kudos {round}.{i}")).await;
            }
            let before = app.db().statements_run();
            let page = browser.get_html("/hidden").await;
            counts.push(app.db().statements_run() - before);
            assert_eq!(page.matches("Unhide…<span").count(), [1, 5, 12][round]);
        }
        assert_eq!(counts[0], counts[1], "{counts:?}");
        assert_eq!(counts[1], counts[2], "{counts:?}");
    }
}
