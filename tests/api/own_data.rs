//! A person's own data: the JSON file from the API and the Account page, the readable
//! page, only ever one's own, and a fixed number of statements.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::recognition::trophy_for;

const SCRIPT: &str = "<script>window.__pwned = 1</script>";

/// The engineer's year: an agreed goal with a note, one sent back, a reviewed
/// self-evaluation, assessments and a target, kudos both ways, the trophy passed to them, a
/// compliment, an idea and a token. Answers the engineer's token and the fixture.
async fn a_full_year(app: &TestApp, d: &Department) -> (String, Fixture) {
    let cio = app.token("cio@example.org").await;
    let lead = app.token("lead@example.org").await;
    let eng = app.token("eng@example.org").await;
    let peer = app.token("peer@example.org").await;
    let f = app.plan_and_cycle(&cio).await;
    let goal = app
        .propose_goal(&eng, f.cycle, f.objectives[0], "Answer in plain words")
        .await;
    let (status, _) = app
        .post_json(&lead, &format!("/api/v1/goals/{goal}/agree"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let other = app
        .propose_goal(&eng, f.cycle, f.objectives[1], "Vague goal")
        .await;
    let (status, _) = app
        .post_json(
            &lead,
            &format!("/api/v1/goals/{other}/send-back"),
            json!({"comment": "Say how you will measure it."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.move_cycle(&cio, f.cycle, "in_progress").await;
    let (status, body) = app
        .post_json(
            &eng,
            &format!("/api/v1/goals/{goal}/progress"),
            json!({"progress": 40, "note": "Drafted the guide"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.move_cycle(&cio, f.cycle, "self_evaluation").await;
    let path = format!("/api/v1/cycles/{}/self-evaluations/{}", f.cycle, d.engineer);
    let draft = json!({
        "reflection": "I learned to listen first.",
        "entries": [{"goal_id": goal, "narrative": "Done with help.", "outcome": "achieved", "self_rating": 4,
                     "evidence": [{"kind": "link", "text": "The guide", "url": "https://kb.example.org/guide"}]},
                    {"goal_id": other, "narrative": "Never agreed.", "outcome": "not_achieved", "self_rating": 2}],
        "proposals": [{"objective_id": f.objectives[2], "title": "Run a listening session", "category": "communication"}],
    });
    let response = app
        .api
        .put(app.url(&path))
        .bearer_auth(&eng)
        .json(&draft)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (status, body) = app
        .post_json(&eng, &format!("{path}/submit"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .post_json(
            &lead,
            &format!("{path}/review"),
            json!({"comment": "Clients name you for your explanations.", "rating": 4}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, skill) = app
        .post_json(
            &cio,
            "/api/v1/skills",
            json!({"name": "Explaining in plain language", "category": "communication"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{skill}");
    let skill = skill["id"].as_i64().unwrap();
    let (status, body) = app
        .post_json(
            &lead,
            &format!("/api/v1/people/{}/skill-assessments", d.engineer),
            json!({"assessments": [{"skill_id": skill, "level": 3, "note": "Clear on the phone"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let response = app
        .api
        .put(app.url(&format!(
            "/api/v1/people/{}/skill-targets/{skill}",
            d.engineer
        )))
        .bearer_auth(&lead)
        .json(&json!({"level": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    let (status, _) = app.post_json(&peer, "/api/v1/kudos", json!({"recipient_ids": [d.engineer], "message": format!("Thanks for the guide {SCRIPT}")})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .post_json(
            &eng,
            "/api/v1/kudos",
            json!({"recipient_ids": [d.peer, d.lead], "message": "Thanks for covering Friday"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let trophy = trophy_for(app, &cio, d.peer).await;
    let (status, _) = app
        .post_json(
            &peer,
            &format!("/api/v1/trophies/{trophy}/passes"),
            json!({"receiver_id": d.engineer, "message": "For the plain-words guide"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let today = chrono::Utc::now().date_naive();
    let (status, body) = app.post_json(&cio, "/api/v1/compliments", json!({"person_id": d.engineer, "giver_name": "Prof. Alvarez", "channel": "email", "received_on": today, "message": "Erin fixed it in minutes."})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = app
        .post_json(
            &eng,
            "/api/v1/ideas",
            json!({"title": "A plain-words style guide", "text": "For every page we publish."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    (eng, f)
}

async fn download(app: &TestApp, token: &str) -> (reqwest::header::HeaderMap, String) {
    let response = app
        .api
        .get(app.url("/api/v1/me/data"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    (headers, response.text().await.unwrap())
}

fn titles(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|v| v[key].as_str().unwrap_or_default().to_owned())
        .collect()
}

both_backends! {
    async fn everyone_downloads_everything_staffdev_holds_about_them(app) {
        let d = app.department().await;
        let (eng, _) = a_full_year(&app, &d).await;
        let (headers, body) = download(&app, &eng).await;
        assert!(headers["content-type"].to_str().unwrap().starts_with("application/json"));
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment; filename=\"staffdev-data-eng@example.org-") && disposition.ends_with(".json\""), "{disposition}");
        let data: Value = serde_json::from_str(&body).expect("one JSON document");

        assert_eq!(data["format"], "staffdev personal data, version 1");
        assert_eq!((data["profile"]["name"].as_str(), data["profile"]["manager"].as_str()), (Some("Erin Engineer"), Some("Lee Lead")));
        assert_eq!(titles(&data["goals"], "title"), ["Answer in plain words", "Vague goal"]);
        assert_eq!(data["goals"][0]["agreed_by"], "Lee Lead");
        assert_eq!(data["goals"][0]["objective"], "G1.1 First contact");
        assert_eq!(data["goal_progress_notes"][0]["note"], "Drafted the guide");
        assert_eq!(data["goal_send_backs"][0]["comment"], "Say how you will measure it.");
        assert_eq!(data["self_evaluations"][0]["review_comment"], "Clients name you for your explanations.");
        assert_eq!(data["self_evaluations"][0]["reviewer"], "Lee Lead");
        assert_eq!(data["self_evaluation_entries"][0]["evidence"][0]["url"], "https://kb.example.org/guide");
        assert_eq!(data["next_year_proposals"][0]["title"], "Run a listening session");
        assert_eq!(data["skill_assessments"][0]["note"], "Clear on the phone");
        assert_eq!(data["skill_targets"][0]["level"], 5);
        assert_eq!(data["kudos_received"][0]["people"], json!(["Pat Peer"]));
        assert_eq!(data["kudos_received"][0]["message"], format!("Thanks for the guide {SCRIPT}"));
        assert_eq!(data["kudos_given"][0]["people"], json!(["Lee Lead", "Pat Peer"]));
        assert_eq!(data["notebook_entries"].as_array().unwrap().len(), 1, "the pass to them; the first entry is about the first holder");
        assert_eq!(data["notebook_entries"][0]["receiver"], "Erin Engineer");
        assert_eq!(data["compliments"][0]["giver_name"], "Prof. Alvarez");
        assert_eq!(titles(&data["ideas"], "title"), ["A plain-words style guide"]);
        assert_eq!(titles(&data["api_tokens"], "name"), ["tests"]);
        assert_eq!(data["not_included"].as_array().unwrap().len(), 3);

        // Kudos the cio hid stay in the file, marked; why is the cio's note, not theirs.
        let cio = app.token("cio@example.org").await;
        let kudos = data["kudos_received"][0]["id"].as_i64().unwrap();
        let (status, body) = app.post_json(&cio, &format!("/api/v1/kudos/{kudos}/hide"), json!({"reason": "Names a client by mistake"})).await;
        assert!(status.is_success(), "{status} {body}");
        let (_, body) = download(&app, &eng).await;
        let data: Value = serde_json::from_str(&body).unwrap();
        assert!(data["kudos_received"][0]["hidden_at"].is_string(), "{body}");
        assert!(!body.contains("Names a client"), "the cio's reason stays the cio's");

        // No secrets: not the password's hash, not the token itself.
        assert!(!body.contains("argon2") && !body.contains("password_hash") && !body.contains("token_hash"), "{body}");
        assert!(!body.contains(&eng), "the token's secret is not in the file");
    }
}

both_backends! {
    async fn only_ever_ones_own_data_and_never_anonymously(app) {
        let d = app.department().await;
        a_full_year(&app, &d).await;
        let peer = app.token("peer@example.org").await;
        let (_, body) = download(&app, &peer).await;
        let data: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(data["profile"]["email"], "peer@example.org");
        for private in ["Answer in plain words", "Clients name you", "Clear on the phone", "I learned to listen first"] {
            assert!(!body.contains(private), "the peer's file holds nothing private of the engineer's: {private}");
        }
        assert_eq!(data["kudos_received"][0]["people"], json!(["Erin Engineer"]), "kudos from the engineer are the peer's too");

        // An advisor has a file too, with nothing of anyone else in it.
        let advisor = app.token("advisor@example.org").await;
        let (_, body) = download(&app, &advisor).await;
        let data: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(data["goals"], json!([]));
        assert_eq!(data["profile"]["role"], "advisor");

        let response = app.api.get(app.url("/api/v1/me/data")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        for page in ["/account/data", "/account/data.json"] {
            let response = app.browser().get(page).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "{page}");
            assert!(response.headers()["location"].to_str().unwrap().starts_with("/sign-in"), "{page}");
        }
    }
}

both_backends! {
    async fn the_account_page_offers_the_file_and_a_page_to_read_it(app) {
        let d = app.department().await;
        let (eng, _) = a_full_year(&app, &d).await;
        let browser = app.signed_in("eng@example.org").await;
        let account = browser.get_html("/account").await;
        assert!(account.contains(r#"href="/account/data""#) && account.contains(r#"href="/account/data.json""#), "{account}");

        let page = browser.get_html("/account/data").await;
        for shown in ["Answer in plain words", "Clients name you for your explanations.", "Clear on the phone", "Prof. Alvarez", "A plain-words style guide", "Run a listening session"] {
            assert!(page.contains(shown), "{shown} on the page");
        }
        assert!(!page.contains(SCRIPT) && page.contains("&#60;script&#62;"), "a message shows as text");

        let response = browser.get("/account/data.json").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
        let mut from_page: Value = response.json().await.unwrap();
        let (_, body) = download(&app, &eng).await;
        let mut from_api: Value = serde_json::from_str(&body).unwrap();
        from_page["exported_at"] = Value::Null;
        from_api["exported_at"] = Value::Null;
        assert_eq!(from_page, from_api, "the page's file and the API's are the same");
    }
}

both_backends! {
    async fn the_file_takes_the_same_statements_whatever_the_history(app) {
        let d = app.department().await;
        let eng = app.token("eng@example.org").await;
        let actor = actor(d.engineer, "Erin Engineer", "eng@example.org", staffdev::people::Role::Staff, false);
        let count = || async {
            let before = app.db().statements_run();
            staffdev::own_data::gather(app.db(), &actor, chrono::Utc::now()).await.expect("the data");
            app.db().statements_run() - before
        };
        let empty = count().await;
        a_full_year(&app, &d).await;
        let peer = app.token("peer@example.org").await;
        for n in 0..10 {
            app.post_json(&peer, "/api/v1/kudos", json!({"recipient_ids": [d.engineer], "message": format!("Thanks #{n}")})).await;
            app.post_json(&eng, "/api/v1/kudos", json!({"recipient_ids": [d.peer], "message": format!("Back at you #{n}")})).await;
        }
        assert_eq!((empty, count().await), (16, 16));
    }
}
