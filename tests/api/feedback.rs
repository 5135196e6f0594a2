//! Client feedback: surveys, invitations answered once under any concurrency, clear pages
//! for every refusal, the rate limit shared through the database, answers checked field by
//! field, frozen questions, markup shown as text, the role matrix, the compliments queue,
//! a fixed number of statements per results page, and the plan's measures.

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use staffdev::{app::App, config::Settings};

use crate::helpers::*;

const SCRIPT: &str = "<script>window.__pwned = 1</script><b>bold?</b>";

/// A survey with a rating (required, informing `objective`, target 4.5), a yes/no and a
/// free-text question, opened. Answers the survey and its question ids.
pub async fn open_survey(app: &TestApp, cio: &str, objective: Option<i64>) -> (i64, Vec<i64>) {
    let mut rating = json!({"kind": "rating", "prompt": "Did we explain it in words you understood?", "required": true});
    if let Some(objective) = objective {
        rating["objective_id"] = json!(objective);
        rating["target"] = json!(4.5);
    }
    let (status, survey) = app
        .post_json(
            cio,
            "/api/v1/surveys",
            json!({
                "title": "How did we do?",
                "introduction": "Three questions.",
                "questions": [
                    rating,
                    {"kind": "yes_no", "prompt": "Solved the first time?"},
                    {"kind": "text", "prompt": "What could we do better?"}
                ]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{survey}");
    let id = survey["id"].as_i64().unwrap();
    let (status, opened) = app
        .patch_json(
            cio,
            &format!("/api/v1/surveys/{id}"),
            json!({"status": "open"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{opened}");
    let questions = opened["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_i64().unwrap())
        .collect();
    (id, questions)
}

pub async fn invitations(app: &TestApp, cio: &str, survey: i64, batch: Value) -> Vec<Value> {
    let (status, made) = app
        .post_json(
            cio,
            &format!("/api/v1/surveys/{survey}/invitations"),
            json!({"invitations": batch}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    made.as_array().unwrap().clone()
}

/// The path of an invitation's URL.
pub fn path_of(url: &str) -> String {
    let at = url.find("/invitation/").expect("an invitation URL");
    url[at..].to_owned()
}

/// A client: a browser without an account, with the form's CSRF token.
async fn client_at(app: &TestApp, path: &str) -> (Browser, String) {
    let client = app.browser();
    let response = client.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    let html = response.text().await.unwrap();
    let token = csrf_token_in(&html).expect("the form has a CSRF token");
    (client, token)
}

fn answers<'a>(
    token: &'a str,
    q: &'a [i64],
    extra: &[(&'a str, &'a str)],
) -> Vec<(String, String)> {
    let mut fields = vec![
        ("csrf_token".to_owned(), token.to_owned()),
        (format!("q_{}", q[0]), "4".to_owned()),
        (format!("q_{}", q[1]), "yes".to_owned()),
    ];
    fields.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    fields
}

async fn post(client: &Browser, path: &str, fields: &[(String, String)]) -> reqwest::Response {
    client
        .client
        .post(client.url(path))
        .form(fields)
        .send()
        .await
        .expect("request")
}

async fn results(app: &TestApp, token: &str, survey: i64) -> Value {
    let (status, body) = app
        .get_json(token, &format!("/api/v1/surveys/{survey}/results"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

both_backends! {
    async fn a_client_answers_through_the_open_link_without_an_account(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let (survey, q) = open_survey(&app, &cio, None).await;

        let client = app.browser();
        let response = client.get(&format!("/respond/{survey}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["referrer-policy"], "no-referrer");
        let cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().split('=').next().unwrap().to_owned())
            .collect();
        assert_eq!(cookies, ["staffdev_csrf"], "no cookie but the CSRF token's");
        let html = response.text().await.unwrap();
        assert!(html.contains("<fieldset") && html.contains("<legend>Did we explain it"), "{html}");
        assert!(!html.contains("Sign out") && !html.contains("href=\"/portal\""), "no signed-in navigation");
        let token = csrf_token_in(&html).unwrap();

        let response = post(&client, &format!("/respond/{survey}"), &answers(&token, &q, &[(&format!("q_{}", q[2]), "Clear and quick.")])).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/respond/thanks");
        assert_eq!(response.headers()["referrer-policy"], "no-referrer");

        let body = results(&app, &cio, survey).await;
        assert_eq!(body["survey"]["responses"], 1);
        assert_eq!(body["questions"][0]["total"]["mean"], 4.0);
        assert_eq!(body["questions"][0]["total"]["distribution"], json!([0, 0, 0, 1, 0]));
        assert_eq!(body["questions"][1]["total"]["yes_share"], 100.0);
        assert_eq!(body["questions"][2]["texts"][0]["text"], "Clear and quick.");
        assert_eq!(body["questions"][2]["texts"][0]["released"], false);
        assert_eq!(body["months"].as_array().unwrap().len(), 1);
    }
}

both_backends! {
    async fn twenty_concurrent_submissions_of_one_invitation_count_once(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let (survey, q) = open_survey(&app, &cio, None).await;
        let made = invitations(&app, &cio, survey, json!([{"staff_id": d.engineer}])).await;
        assert_eq!(made[0]["state"], "waiting");
        assert_eq!(made[0]["staff"]["name"], "Erin Engineer");
        let path = path_of(made[0]["url"].as_str().unwrap());
        let (client, token) = client_at(&app, &path).await;
        let fields = answers(&token, &q, &[("compliment", "Erin was great.")]);

        let mut handles = Vec::new();
        for _ in 0..20 {
            let client = client.client.clone();
            let url = client_url(&app, &path);
            let fields = fields.clone();
            handles.push(tokio::spawn(async move {
                let response = client.post(url).form(&fields).send().await.expect("request");
                let status = response.status();
                (status, response.text().await.unwrap_or_default())
            }));
        }
        let mut counted = 0;
        for handle in handles {
            let (status, body) = handle.await.unwrap();
            match status {
                StatusCode::SEE_OTHER => counted += 1,
                StatusCode::OK => assert!(body.contains("already received"), "{body}"),
                other => panic!("unexpected {other}: {body}"),
            }
        }
        assert_eq!(counted, 1, "exactly one submission is counted");
        let body = results(&app, &cio, survey).await;
        assert_eq!(body["survey"]["responses"], 1);
        assert_eq!(body["invitations"]["answered"], 1);
        let (_, queue) = app.get_json(&cio, "/api/v1/survey-compliments").await;
        assert_eq!(queue.as_array().unwrap().len(), 1, "one compliment, not twenty");

        // Later visits say so too, and the invitation cannot be withdrawn any more.
        let again = client.get(&path).await;
        assert_eq!(again.status(), StatusCode::OK);
        assert!(again.text().await.unwrap().contains("already received"));
        let id = made[0]["id"].as_i64().unwrap();
        let (status, problem) = app.post_json(&cio, &format!("/api/v1/survey-invitations/{id}/withdraw"), json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    }
}

async fn put_json(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let response = app
        .api
        .put(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    split(response).await
}

fn client_url(app: &TestApp, path: &str) -> String {
    app.url(path)
}

both_backends! {
    async fn invitations_expire_after_the_configured_days(app, settings = |s: &mut Settings| s.survey_invitation_days = 3) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let (survey, q) = open_survey(&app, &cio, None).await;
        let made = invitations(&app, &cio, survey, json!([{}])).await;
        let expires: chrono::DateTime<chrono::Utc> = made[0]["expires_at"].as_str().unwrap().parse().unwrap();
        let days = (expires - chrono::Utc::now()).num_hours();
        assert!((71..=72).contains(&days), "{days} hours");
        let path = path_of(made[0]["url"].as_str().unwrap());
        let (client, token) = client_at(&app, &path).await;

        let past = chrono::Utc::now() - chrono::Duration::hours(1);
        app.db()
            .conn()
            .execute_raw(Statement::from_sql_and_values(
                app.db().backend(),
                "UPDATE survey_invitations SET expires_at = $1",
                [past.into()],
            ))
            .await
            .unwrap();
        let page = client.get(&path).await;
        assert_eq!(page.status(), StatusCode::GONE);
        assert!(page.text().await.unwrap().contains("This invitation has expired"));
        let response = post(&client, &path, &answers(&token, &q, &[])).await;
        assert_eq!(response.status(), StatusCode::GONE);
        assert_eq!(results(&app, &cio, survey).await["survey"]["responses"], 0);
    }
}

both_backends! {
    async fn closed_surveys_withdrawn_and_unknown_links_answer_clear_pages(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let (survey, q) = open_survey(&app, &cio, None).await;
        let made = invitations(&app, &cio, survey, json!([{}, {}])).await;
        let withdrawn = path_of(made[0]["url"].as_str().unwrap());
        let (client, token) = client_at(&app, &withdrawn).await;
        let id = made[0]["id"].as_i64().unwrap();
        let (status, body) = app.post_json(&cio, &format!("/api/v1/survey-invitations/{id}/withdraw"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["state"], "withdrawn");
        assert!(body.get("url").is_none());

        let page = client.get(&withdrawn).await;
        assert_eq!(page.status(), StatusCode::GONE);
        assert_eq!(page.headers()["referrer-policy"], "no-referrer");
        assert!(page.text().await.unwrap().contains("This invitation was withdrawn"));
        let response = post(&client, &withdrawn, &answers(&token, &q, &[])).await;
        assert_eq!(response.status(), StatusCode::GONE);

        for path in ["/invitation/not-a-real-token", "/respond/999999"] {
            let page = client.get(path).await;
            assert_eq!(page.status(), StatusCode::NOT_FOUND, "{path}");
            assert!(page.text().await.unwrap().contains("We could not find this survey"));
            let response = post(&client, path, &answers(&token, &q, &[])).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        }

        let (status, _) = app.patch_json(&cio, &format!("/api/v1/surveys/{survey}"), json!({"status": "closed"})).await;
        assert_eq!(status, StatusCode::OK);
        let open = format!("/respond/{survey}");
        let page = client.get(&open).await;
        assert_eq!(page.status(), StatusCode::GONE);
        assert!(page.text().await.unwrap().contains("This survey is closed"));
        let response = post(&client, &open, &answers(&token, &q, &[])).await;
        assert_eq!(response.status(), StatusCode::GONE);
        let other = path_of(made[1]["url"].as_str().unwrap());
        assert_eq!(client.get(&other).await.status(), StatusCode::GONE);
        let (status, problem) = app.patch_json(&cio, &format!("/api/v1/surveys/{survey}"), json!({"status": "open"})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{problem}");
        let (status, _) = app.post_json(&cio, &format!("/api/v1/surveys/{survey}/invitations"), json!({"invitations": [{}]})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(results(&app, &cio, survey).await["survey"]["responses"], 0);
    }
}

both_backends! {
    async fn the_rate_limit_lives_in_the_database_and_two_instances_share_it(app, settings = |s: &mut Settings| s.survey_rate_limit = 3) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let (survey, q) = open_survey(&app, &cio, None).await;
        // A second instance on the same database, with the same limit.
        let mut settings = Settings::for_database(app.database.url.clone());
        settings.bind = "127.0.0.1:0".parse().unwrap();
        settings.db_max_connections = 3;
        settings.survey_rate_limit = 3;
        let second = App::build(settings).await.expect("a second instance");
        let second_address = format!("http://127.0.0.1:{}", second.port());
        tokio::spawn(second.run_until(std::future::pending()));

        let open = format!("/respond/{survey}");
        let (client, token) = client_at(&app, &open).await;
        for n in 0..3 {
            let response = post(&client, &open, &answers(&token, &q, &[])).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "submission {n}");
        }
        // The fourth, through the other instance: refused there too.
        let response = client
            .client
            .post(format!("{second_address}{open}"))
            .form(&answers(&token, &q, &[]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(response.headers().contains_key("retry-after"));
        assert!(response.text().await.unwrap().contains("Too many answers"));
        // And on the first.
        let response = post(&client, &open, &answers(&token, &q, &[])).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(results(&app, &cio, survey).await["survey"]["responses"], 3);

        // The counts are rows in the database, keyed by a digest: no address is stored.
        #[derive(sea_orm::FromQueryResult)]
        struct Hit { throttle_key: String }
        use sea_orm::FromQueryResult;
        let hits = Hit::find_by_statement(Statement::from_string(app.db().backend(), "SELECT throttle_key FROM survey_rate_hits"))
            .all(app.db().conn())
            .await
            .unwrap();
        assert_eq!(hits.len(), 3);
        assert!(hits.iter().all(|h| !h.throttle_key.contains("127.0.0.1")));
    }
}

both_backends! {
    async fn required_questions_and_bad_values_are_refused_by_field(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let fixture = app.plan_and_cycle(&cio).await;
        let (survey, q) = open_survey(&app, &cio, None).await;
        let open = format!("/respond/{survey}");
        let (client, token) = client_at(&app, &open).await;
        let field = |n: usize| format!("q_{}", q[n]);
        // (the form's fields, the field at fault, its message)
        type Case<'a> = (Vec<(String, String)>, &'a str, &'a str);
        let cases: Vec<Case> = vec![
            (vec![(field(1), "yes".into())], "q0", "Please answer this question."),
            (vec![(field(0), "7".into())], "q0", "Choose a number from 1 to 5."),
            (vec![(field(0), "four".into())], "q0", "Choose a number from 1 to 5."),
            (vec![(field(0), "3".into()), (field(1), "maybe".into())], "q1", "Choose yes or no."),
            (vec![(field(0), "3".into()), (field(2), "x".repeat(2001))], "q2", "Use at most 2000 characters."),
            (vec![(field(0), "3".into()), ("compliment".into(), "Thanks!".into())], "compliment_person_id", "Choose who your compliment is for."),
            (vec![(field(0), "3".into()), ("compliment".into(), "Thanks!".into()), ("compliment_person_id".into(), d.advisor.to_string())], "compliment_person_id", "Choose someone from the list."),
        ];
        for (fields, at, message) in cases {
            let at = match at {
                "q0" => field(0),
                "q1" => field(1),
                "q2" => field(2),
                other => other.to_owned(),
            };
            let mut all = vec![("csrf_token".to_owned(), token.clone())];
            all.extend(fields);
            let response = post(&client, &open, &all).await;
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{at}");
            let html = response.text().await.unwrap();
            assert!(html.contains(&format!("id=\"{at}-error\">{message}")), "{at}: {message}\n{html}");
        }
        assert_eq!(results(&app, &cio, survey).await["survey"]["responses"], 0);

        // Writing questions: every field at fault, by its path.
        let objective = fixture.objectives[0];
        let cases = [
            (json!({"kind": "rating", "prompt": "Q", "objective_id": objective, "target": 9}), "questions[0].target"),
            (json!({"kind": "yes_no", "prompt": "Q", "target": 50}), "questions[0].target"),
            (json!({"kind": "text", "prompt": "Q", "objective_id": objective}), "questions[0].objective_id"),
            (json!({"kind": "rating", "prompt": "Q", "objective_id": 99999}), "questions[0].objective_id"),
            (json!({"kind": "scale", "prompt": "Q"}), "questions[0].kind"),
            (json!({"kind": "rating", "prompt": ""}), "questions[0].prompt"),
        ];
        for (question, at) in cases {
            let (status, problem) = app
                .post_json(&cio, "/api/v1/surveys", json!({"title": "T", "questions": [question]}))
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{at}: {problem}");
            assert_eq!(error_fields(&problem), [at], "{problem}");
        }
        let (status, problem) = app.post_json(&cio, &format!("/api/v1/surveys/{survey}/invitations"), json!({"invitations": [{"staff_id": d.advisor}]})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&problem), ["invitations[0].staff_id"]);
    }
}

both_backends! {
    async fn questions_are_frozen_once_answered(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let (survey, q) = open_survey(&app, &cio, None).await;
        let replaced = json!({"questions": [{"kind": "rating", "prompt": "Only this", "required": true}]});
        let (status, body) = put_json(&app, &cio, &format!("/api/v1/surveys/{survey}/questions"), replaced.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let q0 = body["questions"][0]["id"].as_i64().unwrap();

        let open = format!("/respond/{survey}");
        let (client, token) = client_at(&app, &open).await;
        let response = post(&client, &open, &[("csrf_token".into(), token.clone()), (format!("q_{q0}"), "5".into())]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let _ = q;

        let (status, problem) = put_json(&app, &cio, &format!("/api/v1/surveys/{survey}/questions"), replaced).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(
            problem["detail"],
            "This survey has responses, so its questions can no longer change. Close it and open a new survey instead."
        );
        let browser = app.signed_in("cio@example.org").await;
        let response = browser
            .post_form(&format!("/surveys/{survey}"), &format!("/surveys/{survey}/questions"), &[("kind", "text"), ("prompt", "More?")])
            .await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert!(response.text().await.unwrap().contains("its questions can no longer change"));
    }
}

both_backends! {
    async fn script_in_free_text_and_compliments_is_shown_as_text_everywhere(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let (survey, q) = open_survey(&app, &cio, None).await;
        let made = invitations(&app, &cio, survey, json!([{"staff_id": d.engineer}])).await;
        let path = path_of(made[0]["url"].as_str().unwrap());
        let (client, token) = client_at(&app, &path).await;
        let text_field = format!("q_{}", q[2]);
        let response = post(&client, &path, &answers(&token, &q, &[
            (&text_field, SCRIPT), ("compliment", SCRIPT), ("giver_name", SCRIPT), ("giver_affiliation", SCRIPT),
        ])).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        // askama writes `<` as `&#60;`.
        let escaped = "&#60;script&#62;window.__pwned = 1&#60;";

        let (status, _) = app.post_json(&cio, &format!("/api/v1/surveys/{survey}/release-free-text"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let cio_browser = app.signed_in("cio@example.org").await;
        let staff = app.signed_in("peer@example.org").await;
        for (who, browser, page) in [
            ("cio", &cio_browser, format!("/surveys/{survey}")),
            ("staff", &staff, format!("/surveys/{survey}")),
            ("cio", &cio_browser, "/survey-compliments".to_owned()),
        ] {
            let html = browser.get_html(&page).await;
            assert!(!html.contains("<script>window"), "{who} {page}");
            assert!(!html.contains("<b>bold"), "{who} {page}");
            assert!(html.contains(escaped), "{who} {page}: {html}");
        }
        // A form sent back with an error keeps the markup as text too.
        let (client, token) = client_at(&app, &format!("/respond/{survey}")).await;
        let response = post(&client, &format!("/respond/{survey}"), &[("csrf_token".into(), token), ("compliment".into(), SCRIPT.into())]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(!html.contains("<script>window") && html.contains(escaped));

        // Posted to the portal, it stays text there.
        let (_, queue) = app.get_json(&cio, "/api/v1/survey-compliments").await;
        let id = queue[0]["id"].as_i64().unwrap();
        let (status, posted) = app.post_json(&cio, &format!("/api/v1/survey-compliments/{id}/post"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{posted}");
        let portal = staff.get_html("/portal").await;
        assert!(!portal.contains("<script>window") && portal.contains(escaped));
    }
}

both_backends! {
    async fn staff_and_advisors_read_results_without_unreleased_free_text(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let staff = app.token("peer@example.org").await;
        let advisor = app.token("advisor@example.org").await;
        let (survey, q) = open_survey(&app, &cio, None).await;
        let (status, draft) = app.post_json(&cio, "/api/v1/surveys", json!({"title": "Draft"})).await;
        assert_eq!(status, StatusCode::CREATED);
        let draft = draft["id"].as_i64().unwrap();
        let open = format!("/respond/{survey}");
        let (client, token) = client_at(&app, &open).await;
        let text_field = format!("q_{}", q[2]);
        for words in ["Unreleased words", "Hidden words"] {
            let response = post(&client, &open, &answers(&token, &q, &[(&text_field, words)])).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER);
        }
        let body = results(&app, &cio, survey).await;
        let texts = body["questions"][2]["texts"].as_array().unwrap().clone();
        assert_eq!(texts.len(), 2, "the cio sees every answer");
        let hidden = texts.iter().find(|t| t["text"] == "Hidden words").unwrap()["id"].as_i64().unwrap();
        let (status, _) = app.post_json(&cio, &format!("/api/v1/survey-answers/{hidden}/hide"), json!({"reason": "Names a colleague"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);

        for reader in [&staff, &advisor] {
            let body = results(&app, reader, survey).await;
            assert_eq!(body["questions"][0]["total"]["responses"], 2);
            assert_eq!(body["questions"][2]["texts"], json!([]));
            assert_eq!(body["questions"][2]["texts_withheld"], 2);
            let (status, _) = app.get_json(reader, &format!("/api/v1/surveys/{draft}")).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "drafts are the cio's");
            let (_, list) = app.get_json(reader, "/api/v1/surveys").await;
            assert_eq!(list.as_array().unwrap().len(), 1);
            let (status, _) = app.post_json(reader, "/api/v1/surveys", json!({"title": "Mine"})).await;
            assert_eq!(status, StatusCode::FORBIDDEN);
            let (status, _) = app.post_json(reader, &format!("/api/v1/surveys/{survey}/invitations"), json!({"invitations": [{}]})).await;
            assert_eq!(status, StatusCode::FORBIDDEN);
            let (status, _) = app.get_json(reader, "/api/v1/survey-compliments").await;
            assert_eq!(status, StatusCode::FORBIDDEN);
        }
        let (status, released) = app.post_json(&cio, &format!("/api/v1/surveys/{survey}/release-free-text"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(released["released"], 1, "the hidden one stays hidden");
        let body = results(&app, &staff, survey).await;
        assert_eq!(body["questions"][2]["texts"][0]["text"], "Unreleased words");
        assert_eq!(body["questions"][2]["texts_withheld"], 1);
        let staff_page = app.signed_in("peer@example.org").await.get_html(&format!("/surveys/{survey}")).await;
        assert!(staff_page.contains("Unreleased words") && !staff_page.contains("Hidden words"));
        let advisor_page = app.signed_in("advisor@example.org").await.get_html(&format!("/surveys/{survey}")).await;
        assert!(advisor_page.contains("Unreleased words") && !advisor_page.contains("Hidden words") && !advisor_page.contains("Hide</button>"));

        // Anonymous: only the form.
        let anonymous = app.browser();
        for page in [format!("/surveys/{survey}"), "/surveys".to_owned(), "/survey-compliments".to_owned()] {
            let response = anonymous.get(&page).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "{page}");
            assert!(response.headers()["location"].to_str().unwrap().starts_with("/sign-in"));
        }
        let response = app.api.get(app.url(&format!("/api/v1/surveys/{survey}/results"))).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(anonymous.get(&open).await.status(), StatusCode::OK);
        assert_eq!(anonymous.get(&format!("/respond/{draft}")).await.status(), StatusCode::NOT_FOUND);
        let _ = d;
    }
}

both_backends! {
    async fn client_compliments_reach_the_portal_only_through_the_cio(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let (survey, q) = open_survey(&app, &cio, None).await;
        let open = format!("/respond/{survey}");
        let (client, token) = client_at(&app, &open).await;
        let peer = d.peer.to_string();
        for (message, name) in [("Pat fixed my laptop kindly.", "Dana Client"), ("Pat again, thank you.", "")] {
            let response = post(&client, &open, &answers(&token, &q, &[
                ("compliment", message), ("compliment_person_id", &peer), ("giver_name", name), ("giver_affiliation", "Library"),
            ])).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER);
        }
        let staff = app.signed_in("eng@example.org").await;
        assert!(!staff.get_html("/portal").await.contains("Pat fixed my laptop"), "nothing reaches the portal without the cio");
        let (_, queue) = app.get_json(&cio, "/api/v1/survey-compliments").await;
        let queue = queue.as_array().unwrap().clone();
        assert_eq!(queue.len(), 2);
        assert_eq!(queue[0]["person"]["name"], "Pat Peer");
        assert_eq!(queue[0]["giver_name"], "Dana Client");

        let first = queue[0]["id"].as_i64().unwrap();
        let (status, posted) = app.post_json(&cio, &format!("/api/v1/survey-compliments/{first}/post"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{posted}");
        assert_eq!(posted["channel"], "client_survey");
        let (status, problem) = app.post_json(&cio, &format!("/api/v1/survey-compliments/{first}/post"), json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{problem}");
        let portal = staff.get_html("/portal").await;
        assert!(portal.contains("Pat fixed my laptop kindly.") && portal.contains("Dana Client"));

        let second = queue[1]["id"].as_i64().unwrap();
        let browser = app.signed_in("cio@example.org").await;
        let response = browser.post_form("/survey-compliments", &format!("/survey-compliments/{second}/dismiss"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert!(!staff.get_html("/portal").await.contains("Pat again"));
        let (_, queue) = app.get_json(&cio, "/api/v1/survey-compliments").await;
        assert_eq!(queue, json!([]));
    }
}

both_backends! {
    async fn the_results_page_reads_in_a_fixed_number_of_statements(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let fixture = app.plan_and_cycle(&cio).await;
        let (survey, q) = open_survey(&app, &cio, Some(fixture.objectives[1])).await;
        invitations(&app, &cio, survey, json!([{}, {}])).await;
        let open = format!("/respond/{survey}");
        let (client, token) = client_at(&app, &open).await;
        let text_field = format!("q_{}", q[2]);
        let browser = app.signed_in("cio@example.org").await;
        let mut counts = Vec::new();
        for round in 0..3 {
            for _ in 0..round * 3 {
                let response = post(&client, &open, &answers(&token, &q, &[(&text_field, "Fine.")])).await;
                assert_eq!(response.status(), StatusCode::SEE_OTHER);
            }
            let before = app.db().statements_run();
            browser.get_html(&format!("/surveys/{survey}")).await;
            counts.push(app.db().statements_run() - before);
        }
        assert_eq!(counts[0], counts[1], "{counts:?}");
        assert_eq!(counts[1], counts[2], "{counts:?}");
        assert!(counts[0] <= 14, "{counts:?}");
    }
}

both_backends! {
    async fn the_plan_shows_each_measure_against_its_target(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let fixture = app.plan_and_cycle(&cio).await;
        let (survey, q) = open_survey(&app, &cio, Some(fixture.objectives[1])).await;
        let browser = app.signed_in("peer@example.org").await;
        let plan = format!("/plans/{}", fixture.plan);
        let html = browser.get_html(&plan).await;
        assert!(html.contains("no recent responses"), "{html}");

        let open = format!("/respond/{survey}");
        let (client, token) = client_at(&app, &open).await;
        for score in ["4", "5"] {
            let fields = vec![("csrf_token".to_owned(), token.clone()), (format!("q_{}", q[0]), score.to_owned())];
            assert_eq!(post(&client, &open, &fields).await.status(), StatusCode::SEE_OTHER);
        }
        let html = browser.get_html(&plan).await;
        let month = chrono::Utc::now().format("%b %Y").to_string();
        assert!(html.contains(&format!("4.5 in {month} (n = 2) against a target of 4.5 of 5")), "{html}");
        let _ = q;
    }
}

fn cio_actor(id: i32) -> staffdev::auth::Actor {
    staffdev::auth::Actor {
        person_id: id,
        name: "Carla CIO".to_owned(),
        email: "cio@example.org".to_owned(),
        role: staffdev::people::Role::Cio,
        is_manager: true,
        csrf_token: None,
        session_id: None,
    }
}

fn at(day: &str) -> chrono::DateTime<chrono::Utc> {
    format!("{day}T10:00:00Z").parse().unwrap()
}

/// Answers the survey at `day` (rating and yes/no) through the service, as the form would.
async fn answer_on(
    app: &TestApp,
    target: staffdev::feedback::respond::Target,
    q: &[i64],
    rating: &str,
    yes: &str,
    day: &str,
) {
    let mut input = staffdev::feedback::respond::ResponseInput::default();
    input.answers.insert(q[0], rating.to_owned());
    input.answers.insert(q[1], yes.to_owned());
    input
        .answers
        .insert(q[2], "Free text stays out of summaries.".to_owned());
    let submitted = staffdev::feedback::respond::submit(app.db(), &target, input, at(day))
        .await
        .expect("submit");
    assert!(submitted.is_ok(), "{day}: {submitted:?}");
}

/// The small history of the summary's client-feedback tests, the rating question linked to
/// G1.2 with a target of 4.5. The period is March–April 2025 (61 days), so the previous one
/// is 30 Dec 2024 – 28 Feb 2025.
/// - Before: 2 invitations sent on 1 Feb, one answered on 10 Feb (4, yes); an open answer
///   on 12 Feb (3, no). Mean 3.5 (n = 2); response rate 1 of 2 = 50%.
/// - March: 4 invitations sent on 5 Mar, two answered (4, yes) and (4, yes), one withdrawn,
///   one never answered. April: open answers 5, 5, 4, 5.
///   Mean 27 / 6 = 4.5 (n = 6): March 4.0 (n = 2), April 4.75 (n = 4); response rate
///   2 of (4 − 1) = 66.7%; responses 6 against 2 (+4).
async fn feedback_history(app: &TestApp) -> (Department, i64) {
    use staffdev::feedback::{self, InvitationInput, respond::Target};
    let d = app.department().await;
    let cio = app.token("cio@example.org").await;
    let fixture = app.plan_and_cycle(&cio).await;
    let (survey, q) = open_survey(app, &cio, Some(fixture.objectives[1])).await;
    let actor = cio_actor(d.cio);
    let before = feedback::invite(
        app.db(),
        &actor,
        survey,
        vec![InvitationInput::default(); 2],
        30,
        at("2025-02-01"),
    )
    .await
    .expect("invite");
    answer_on(
        app,
        Target::Invitation(before[0].token.clone()),
        &q,
        "4",
        "yes",
        "2025-02-10",
    )
    .await;
    answer_on(app, Target::Open(survey), &q, "3", "no", "2025-02-12").await;
    let march = feedback::invite(
        app.db(),
        &actor,
        survey,
        vec![InvitationInput::default(); 4],
        30,
        at("2025-03-05"),
    )
    .await
    .expect("invite");
    answer_on(
        app,
        Target::Invitation(march[0].token.clone()),
        &q,
        "4",
        "yes",
        "2025-03-06",
    )
    .await;
    answer_on(
        app,
        Target::Invitation(march[1].token.clone()),
        &q,
        "4",
        "yes",
        "2025-03-07",
    )
    .await;
    feedback::withdraw(app.db(), &actor, march[2].invitation.id, at("2025-03-08"))
        .await
        .expect("withdraw");
    for (rating, day) in [
        ("5", "2025-04-02"),
        ("5", "2025-04-03"),
        ("4", "2025-04-20"),
        ("5", "2025-04-21"),
    ] {
        answer_on(app, Target::Open(survey), &q, rating, "yes", day).await;
    }
    (d, survey)
}

const FEEDBACK_PERIOD: &str = "from=2025-03-01&to=2025-04-30";

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-9)
}

both_backends! {
    async fn the_summary_measures_client_feedback_against_targets_and_the_previous_period(app) {
        // The cio's figures are exact (an advisor's are below).
        let (_, survey) = feedback_history(&app).await;
        let cio = app.token("cio@example.org").await;
        let (status, summary) = app.get_json(&cio, &format!("/api/v1/summaries?{FEEDBACK_PERIOD}")).await;
        assert_eq!(status, StatusCode::OK, "{summary}");
        let f = &summary["client_feedback"];
        assert_eq!(f["measures"].as_array().unwrap().len(), 1, "only the linked rating: {f}");
        let m = &f["measures"][0];
        assert_eq!(m["objective_code"], "G1.2");
        assert_eq!(m["survey_id"], survey);
        assert_eq!(m["kind"], "rating");
        assert!(close(&m["target"], 4.5), "{m}");
        assert!(close(&m["value"]["now"], 4.5) && close(&m["value"]["before"], 3.5) && close(&m["value"]["change"], 1.0), "{m}");
        assert_eq!(m["responses"]["now"], 6);
        assert_eq!(m["responses"]["before"], 2);
        assert_eq!(m["months"], json!([
            {"month": "2025-03", "responses": 2, "value": 4.0, "withheld": false},
            {"month": "2025-04", "responses": 4, "value": 4.75, "withheld": false}
        ]));
        assert_eq!(f["responses"], json!({"now": 6, "before": 2, "change": 4, "withheld": false}));
        assert_eq!(f["invitations_sent"]["now"], 4);
        assert_eq!(f["invitations_sent"]["before"], 2);
        assert_eq!(f["invitations_answered"]["now"], 2);
        assert!(close(&f["response_rate"]["now"], 200.0 / 3.0) && close(&f["response_rate"]["before"], 50.0), "{f}");
        assert_eq!(f["months"], json!([
            {"month": "2025-03", "responses": 2, "invited": 2, "invitations_sent": 4, "invitations_answered": 2, "withheld": false},
            {"month": "2025-04", "responses": 4, "invited": 0, "invitations_sent": 0, "invitations_answered": 0, "withheld": false}
        ]));
        assert!(!f.to_string().contains("Free text stays out"), "no free text in a summary");

        // The page and the printable page: the figures, the change, the chart with its table.
        let browser = app.signed_in("cio@example.org").await;
        for path in [format!("/summaries?{FEEDBACK_PERIOD}"), format!("/summaries/print?{FEEDBACK_PERIOD}")] {
            let html = browser.get_html(&path).await;
            assert!(html.contains(r#"<h2 id="summary-client-feedback">Client feedback</h2>"#), "{path}");
            assert!(html.contains("<td>4.5 of 5</td>\n      <td>4.5 <small>(n = 6)</small></td>\n      <td>3.5 <small>(n = 2)</small></td>\n      <td>+1.0</td>"), "{html}");
            assert!(html.contains("<th scope=\"row\">Response rate for invitations</th><td>67%</td><td>50%</td>"), "{html}");
            assert!(html.contains("The mean rating each month of the period, against the target."), "the measure's chart: {html}");
            assert!(html.contains("target 4.5"), "drawn against its target");
            assert_eq!(html.matches(r#"<details class="chart-data">"#).count(), html.matches(r#"role="img""#).count(), "each chart has its table");
            assert!(html.contains("<th scope=\"row\">Mar 2025</th><td>2</td><td>2</td><td>4</td><td>2</td>"), "{html}");
            assert!(!html.contains("Free text stays out"), "no free text in a summary");
        }

        // The CSV, parsed back.
        let response = browser.get(&format!("/summaries/client_feedback.csv?{FEEDBACK_PERIOD}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
        let body = response.text().await.unwrap();
        assert!(body.contains("\r\n"), "RFC 4180 line ends");
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(header, ["figure", "objective", "question", "month", "now", "before", "change", "target", "answers", "answers_before"]);
        let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
        let row = |figure: &str, month: &str| rows.iter().find(|r| r[0] == figure && r[3] == month).unwrap_or_else(|| panic!("{figure} {month}: {rows:?}")).clone();
        let measure = row("measure", "");
        assert!(measure[1].starts_with("G1.2 "), "{measure:?}");
        assert_eq!(measure[2], "Did we explain it in words you understood?");
        assert_eq!(measure[4..], ["4.50", "3.50", "1.00", "4.50", "6", "2"]);
        assert_eq!(row("measure_in_month", "2025-04")[4], "4.75");
        assert_eq!(row("measure_in_month", "2025-04")[8], "4");
        assert_eq!(row("responses", "")[4..7], ["6", "2", "4"]);
        assert_eq!(row("response_rate_percent", "")[4..6], ["66.67", "50.00"]);
        assert_eq!(row("responses_in_month", "2025-03")[4], "2");
        assert_eq!(row("invitations_sent_in_month", "2025-03")[4], "4");
        assert!(!body.contains("Free text stays out"));

        // An advisor: March rests on two responses (both through invitations, which may
        // name a colleague), so it is withheld, and April with it (6 − April would give
        // March); zeros stay. The previous period (two responses) is withheld too.
        let advisor = app.token("advisor@example.org").await;
        let (_, summary) = app.get_json(&advisor, &format!("/api/v1/summaries?{FEEDBACK_PERIOD}")).await;
        let f = &summary["client_feedback"];
        assert_eq!(f["responses"], json!({"now": 6, "withheld": false}));
        assert_eq!(f["invitations_answered"], json!({"withheld": true}), "two answered");
        assert_eq!(f["response_rate"], json!({}), "the rate rests on the two");
        assert_eq!(f["invitations_sent"]["now"], 4, "invitations are no responses");
        assert_eq!(f["months"], json!([
            {"month": "2025-03", "invitations_sent": 4, "withheld": true},
            {"month": "2025-04", "invited": 0, "invitations_sent": 0, "invitations_answered": 0, "withheld": true}
        ]));
        let m = &f["measures"][0];
        assert!(close(&m["value"]["now"], 4.5) && m["value"]["before"].is_null(), "{m}");
        assert_eq!(m["responses"], json!({"now": 6, "withheld": false}));
        assert_eq!(m["months"], json!([
            {"month": "2025-03", "withheld": true},
            {"month": "2025-04", "withheld": true}
        ]));
        let browser = app.signed_in("advisor@example.org").await;
        let html = browser.get_html(&format!("/summaries?{FEEDBACK_PERIOD}")).await;
        assert!(html.contains("<th scope=\"row\">Mar 2025</th><td>hidden for privacy (fewer than 3)</td><td>hidden for privacy (fewer than 3)</td><td>4</td><td>hidden for privacy (fewer than 3)</td>"), "{html}");
        let body = browser.get(&format!("/summaries/client_feedback.csv?{FEEDBACK_PERIOD}")).await.text().await.unwrap();
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
        let row = |figure: &str, month: &str| rows.iter().find(|r| r[0] == figure && r[3] == month).unwrap_or_else(|| panic!("{figure} {month}: {rows:?}")).clone();
        assert_eq!(row("responses_in_month", "2025-03")[4], "", "blank when withheld");
        assert_eq!(row("measure_in_month", "2025-03")[4], "");
        assert_eq!(row("measure", "")[4..], ["4.50", "", "", "4.50", "6", ""]);
    }
}

/// `n` open answers in January 2025 and five in February, as an advisor sees the months
/// of the two (responses in each, the measure's in each).
async fn january_as_advisor(app: &TestApp, n: usize) -> Value {
    use staffdev::feedback::respond::Target;
    app.department().await;
    let cio = app.token("cio@example.org").await;
    let fixture = app.plan_and_cycle(&cio).await;
    let (survey, q) = open_survey(app, &cio, Some(fixture.objectives[1])).await;
    for i in 0..n {
        answer_on(
            app,
            Target::Open(survey),
            &q,
            "4",
            "yes",
            &format!("2025-01-{:02}", i + 10),
        )
        .await;
    }
    for i in 0..5 {
        answer_on(
            app,
            Target::Open(survey),
            &q,
            "5",
            "yes",
            &format!("2025-02-{:02}", i + 10),
        )
        .await;
    }
    let advisor = app.token("advisor@example.org").await;
    let (status, summary) = app
        .get_json(&advisor, "/api/v1/summaries?from=2025-01-01&to=2025-02-28")
        .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    let f = &summary["client_feedback"];
    json!({
        "responses": f["responses"]["now"],
        "months": f["months"].as_array().unwrap().iter().map(|m| m["responses"].clone()).collect::<Vec<_>>(),
        "measure": f["measures"][0]["months"].as_array().unwrap().iter().map(|m| m["responses"].clone()).collect::<Vec<_>>(),
    })
}

both_backends! {
    async fn a_month_below_k_responses_is_withheld_with_its_complement(app) {
        // k − 1: January is withheld, and February with it, or 7 − 5 gives January.
        assert_eq!(january_as_advisor(&app, 2).await, json!({"responses": 7, "months": [null, null], "measure": [null, null]}));
    }
}

both_backends! {
    async fn a_month_of_k_responses_is_shown(app) {
        assert_eq!(january_as_advisor(&app, 3).await, json!({"responses": 8, "months": [3, 5], "measure": [3, 5]}));
    }
}

both_backends! {
    async fn a_month_of_k_plus_one_responses_is_shown(app) {
        assert_eq!(january_as_advisor(&app, 4).await, json!({"responses": 9, "months": [4, 5], "measure": [4, 5]}));
    }
}

both_backends! {
    async fn a_report_published_before_client_feedback_still_reads(app) {
        // The stored JSON of an older report has no client_feedback: it reads as empty.
        let (_, _) = feedback_history(&app).await;
        let advisor = app.token("advisor@example.org").await;
        let _ = advisor;
        let summary = staffdev::summaries::public_summary(
            app.db(),
            staffdev::summaries::Period::days("2025-03-01".parse().unwrap(), "2025-04-30".parse().unwrap()),
            staffdev::summaries::Period::days("2024-12-30".parse().unwrap(), "2025-02-28".parse().unwrap()),
            3,
        ).await.expect("summary");
        assert_eq!(summary.client_feedback.responses.now, Some(6));
        assert_eq!(summary.client_feedback.months[0].responses, None, "a report keeps what anyone may see: March rests on two");
        let mut stored = serde_json::to_value(&summary).unwrap();
        stored.as_object_mut().unwrap().remove("client_feedback");
        let old: staffdev::summaries::Summary = serde_json::from_value(stored).expect("an old report reads");
        assert!(old.client_feedback.measures.is_empty());
        assert_eq!(old.client_feedback.responses.now, None);
    }
}

both_backends! {
    async fn the_cached_form_shows_a_question_edit_and_a_close_at_once(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let (survey, _) = open_survey(&app, &cio, None).await;
        let open = format!("/respond/{survey}");
        let client = app.browser();
        let first = client.get_html(&open).await;
        assert!(first.contains("Solved the first time?"));
        // Shown again a moment later: from the cache, no statement at all.
        let before = app.db().statements_run();
        let again = client.get_html(&open).await;
        assert_eq!(app.db().statements_run() - before, 0, "the open link's form is shared");
        assert!(again.contains("Solved the first time?"));
        // Links to surveys that do not exist are asked afresh each time, never kept, so a
        // scan of made-up numbers cannot crowd out the forms people answer.
        for _ in 0..2 {
            let before = app.db().statements_run();
            assert_eq!(client.get(&format!("/respond/{}", survey + 1000)).await.status(), StatusCode::NOT_FOUND);
            assert!(app.db().statements_run() > before, "a missing survey is not cached");
        }
        let before = app.db().statements_run();
        client.get_html(&open).await;
        assert_eq!(app.db().statements_run() - before, 0, "the real one is still shared");

        let response = app.api.put(app.url(&format!("/api/v1/surveys/{survey}/questions"))).bearer_auth(&cio)
            .json(&json!({"questions": [{"kind": "rating", "prompt": "Was the wait reasonable?", "required": true}]}))
            .send().await.expect("request");
        assert_eq!(response.status(), StatusCode::OK);
        let edited = client.get_html(&open).await;
        assert!(edited.contains("Was the wait reasonable?"), "{edited}");
        assert!(!edited.contains("Solved the first time?"), "{edited}");

        let (status, body) = app.patch_json(&cio, &format!("/api/v1/surveys/{survey}"), json!({"status": "closed"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let closed = client.get(&open).await;
        assert_eq!(closed.status(), StatusCode::GONE);
        assert!(closed.text().await.unwrap().contains("This survey is closed"));
    }
}

both_backends! {
    async fn another_instance_shows_a_closed_survey_within_the_form_caches_time_to_live(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let (survey, _) = open_survey(&app, &cio, None).await;
        let mut settings = Settings::for_database(app.database.url.clone());
        settings.bind = "127.0.0.1:0".parse().unwrap();
        settings.db_max_connections = 3;
        let second = App::build(settings).await.expect("a second instance");
        let second_address = format!("http://127.0.0.1:{}", second.port());
        tokio::spawn(second.run_until(std::future::pending()));
        let form = format!("{second_address}/respond/{survey}");
        let client = reqwest::Client::new();
        // The other instance shares the form for a moment.
        assert_eq!(client.get(&form).send().await.unwrap().status(), StatusCode::OK);

        let (status, body) = app.patch_json(&cio, &format!("/api/v1/surveys/{survey}"), json!({"status": "closed"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // This instance wrote it, so shows it at once; the other within the time to live.
        assert_eq!(app.browser().get(&format!("/respond/{survey}")).await.status(), StatusCode::GONE);
        tokio::time::sleep(staffdev::feedback::respond::FORM_CACHE_TTL + std::time::Duration::from_millis(200)).await;
        let response = client.get(&form).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::GONE);
        assert!(response.text().await.unwrap().contains("This survey is closed"));
    }
}
