//! Chat webhooks: each public event reaches exactly the webhooks subscribed to it, in the
//! body of each webhook's format, through a real HTTP receiver started by the test; hidden
//! items never go; failures are retried and delivered once, refusals given up with the
//! answer shown to the cio; only the cio configures them, and bad input names its field.

use std::sync::{Arc, Mutex};

use chrono::{Duration, Utc};
use poem::{
    EndpointExt, Request, Response, Route, handler,
    listener::{Acceptor, Listener, TcpListener},
    web::Data,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use staffdev::notifications::webhooks::sender::{self, Poster};

use crate::helpers::{TestApp, error_fields};

// ---------------------------------------------------------------------------------------
// A receiver: records every post by its path. `/ok/…` answers 204; `/flaky/N/…` answers
// 500 to its first N posts, then 200; `/gone/…` answers 404 with a Slack-like reason.

#[derive(Clone, Default)]
struct Receiver {
    address: String,
    posts: Arc<Mutex<Vec<Post>>>,
}

#[derive(Debug, Clone)]
struct Post {
    path: String,
    body: Value,
    content_type: String,
    status: u16,
}

impl Receiver {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    fn all(&self, path: &str) -> Vec<Post> {
        let posts = self.posts.lock().unwrap();
        posts.iter().filter(|p| p.path == path).cloned().collect()
    }

    /// The bodies a path accepted (answered 2xx).
    fn accepted(&self, path: &str) -> Vec<Value> {
        self.all(path)
            .into_iter()
            .filter(|p| p.status < 300)
            .map(|p| p.body)
            .collect()
    }
}

#[handler]
async fn receive(req: &Request, body: poem::Body, Data(r): Data<&Receiver>) -> Response {
    let path = req.uri().path().to_owned();
    let content_type = req.header("content-type").unwrap_or_default().to_owned();
    let bytes = body.into_vec().await.unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let mut posts = r.posts.lock().unwrap();
    let earlier = posts.iter().filter(|p| p.path == path).count();
    let (status, answer) = match path.split('/').nth(1) {
        Some("flaky") => {
            let failures: usize = path.split('/').nth(2).unwrap().parse().unwrap();
            if earlier < failures {
                (500, "upstream hiccup")
            } else {
                (200, "ok")
            }
        }
        Some("gone") => (
            404,
            "no_service: this webhook was revoked\n\n  by the workspace admin",
        ),
        _ => (204, ""),
    };
    posts.push(Post {
        path,
        body,
        content_type,
        status,
    });
    Response::builder()
        .status(poem::http::StatusCode::from_u16(status).unwrap())
        .body(answer)
}

async fn start_receiver() -> Receiver {
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let port = acceptor.local_addr()[0].as_socket_addr().unwrap().port();
    let receiver = Receiver {
        address: format!("http://127.0.0.1:{port}"),
        ..Receiver::default()
    };
    let app = Route::new()
        .at("/*path", poem::post(receive))
        .data(receiver.clone());
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    receiver
}

fn poster_for(app: &TestApp) -> Poster {
    Poster::new(
        format!("{}/", app.address),
        std::time::Duration::from_millis(50),
    )
    .unwrap()
}

/// Runs the sender until nothing more is due at `now`; answers how many rows it claimed.
async fn send_all(app: &TestApp, now: chrono::DateTime<Utc>) -> usize {
    let poster = poster_for(app);
    let mut claimed = 0;
    loop {
        match sender::send_due(app.db(), &poster, now).await.unwrap() {
            0 => return claimed,
            n => claimed += n,
        }
    }
}

async fn add_webhook(app: &TestApp, cio: &str, body: Value) -> i64 {
    let (status, hook) = app
        .post_json(cio, "/api/v1/notifications/webhooks", body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    hook["id"].as_i64().unwrap()
}

async fn kudos(app: &TestApp, token: &str, to: &[i32], message: &str) -> i64 {
    let (status, body) = app
        .post_json(
            token,
            "/api/v1/kudos",
            json!({"recipient_ids": to, "message": message}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().unwrap()
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = app.api.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    crate::helpers::split(request.send().await.unwrap()).await
}

fn events_of(bodies: &[Value]) -> Vec<String> {
    let mut events: Vec<String> = bodies
        .iter()
        .map(|b| b["event"].as_str().unwrap_or_default().to_owned())
        .collect();
    events.sort();
    events
}

both_backends! {
    async fn each_public_event_reaches_exactly_its_webhooks_in_their_format(app) {
        let receiver = start_receiver().await;
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let all = ["kudos", "trophy_passed", "compliment", "announcement", "meeting_published", "report_published"];
        add_webhook(&app, &cio, json!({"name": "Everything", "url": receiver.url("/ok/generic"), "format": "generic", "events": all})).await;
        add_webhook(&app, &cio, json!({"name": "Team room", "url": receiver.url("/ok/slack"), "format": "slack", "events": ["kudos", "trophy_passed"]})).await;
        add_webhook(&app, &cio, json!({"name": "Leadership", "url": receiver.url("/ok/teams"), "format": "teams", "events": ["announcement", "report_published"]})).await;
        add_webhook(&app, &cio, json!({"name": "Town square", "url": receiver.url("/ok/mattermost"), "format": "mattermost", "events": ["compliment", "meeting_published"]})).await;
        add_webhook(&app, &cio, json!({"name": "Paused", "url": receiver.url("/ok/off"), "format": "generic", "events": all, "enabled": false})).await;

        // One of each public event.
        let kudos_id = kudos(&app, &engineer, &[d.peer, d.lead], "Thanks for the migration").await;
        let (status, trophy) = app.post_json(&cio, "/api/v1/trophies", json!({"name": "The Big Ugly Trophy", "description": "Inflatable.", "holder_id": d.engineer})).await;
        assert_eq!(status, StatusCode::CREATED, "{trophy}");
        let (status, _) = app.post_json(&engineer, &format!("/api/v1/trophies/{}/passes", trophy["id"]), json!({"receiver_id": d.peer, "message": "For the calm during the outage"})).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = app.post_json(&cio, "/api/v1/compliments", json!({"person_id": d.peer, "giver_name": "Dana Client", "giver_affiliation": "Finance office", "channel": "email", "received_on": "2026-01-05", "message": "Fixed my laptop in minutes"})).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = app.post_json(&cio, "/api/v1/announcements", json!({"kind": "upgrade", "title": "New printers", "body": "On every floor."})).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, meeting) = app.post_json(&cio, "/api/v1/meetings", json!({"kind": "other", "title": "Service review", "starts_at": "2027-03-02T09:00:00Z", "duration_minutes": 60, "location": "Library, room 2", "facilitator_id": d.engineer})).await;
        assert_eq!(status, StatusCode::CREATED, "{meeting}");
        let (status, _) = app.post_json(&cio, &format!("/api/v1/meetings/{}/publish", meeting["id"]), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, report) = app.post_json(&cio, "/api/v1/reports", json!({"title": "Our year", "introduction": "", "from": "2025-01-01", "to": "2025-12-31"})).await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        // A draft meeting and the trophy's creation are not events.
        let (status, _) = app.post_json(&cio, "/api/v1/meetings", json!({"kind": "other", "title": "Draft", "starts_at": "2027-04-02T09:00:00Z", "duration_minutes": 60, "facilitator_id": d.engineer})).await;
        assert_eq!(status, StatusCode::CREATED);

        assert_eq!(send_all(&app, Utc::now()).await, 6 + 2 + 2 + 2);
        assert_eq!(send_all(&app, Utc::now()).await, 0, "nothing is due twice");

        // Generic: every event, once each, with its kind, text, link and details.
        let generic = receiver.accepted("/ok/generic");
        assert_eq!(events_of(&generic), vec!["announcement", "compliment", "kudos", "meeting_published", "report_published", "trophy_passed"]);
        let site = format!("{}/", app.address);
        let by_event = |event: &str| generic.iter().find(|b| b["event"] == event).unwrap().clone();
        let k = by_event("kudos");
        assert_eq!(k["url"], json!(format!("{site}portal")));
        assert_eq!(k["payload"]["kudos_id"], json!(kudos_id));
        assert_eq!(k["payload"]["message"], "Thanks for the migration");
        assert!(k["text"].as_str().unwrap().starts_with("Erin Engineer sent kudos to Lee Lead and Pat Peer."), "{k}");
        let t = by_event("trophy_passed");
        assert_eq!(t["url"], json!(format!("{site}trophies/{}", trophy["id"])));
        assert!(t["text"].as_str().unwrap().contains("Erin Engineer passed The Big Ugly Trophy to Pat Peer."), "{t}");
        assert_eq!(by_event("meeting_published")["url"], json!(format!("{site}meetings/{}", meeting["id"])));
        assert!(by_event("meeting_published")["text"].as_str().unwrap().contains("When: Tue 2 Mar 2027, 09:00 (UTC), 60 minutes"), "{generic:?}");
        assert_eq!(by_event("report_published")["url"], json!(format!("{site}reports/{}", report["id"])));
        assert!(by_event("compliment")["text"].as_str().unwrap().contains("A compliment for Pat Peer from Dana Client (Finance office)."));
        assert!(receiver.all("/ok/generic").iter().all(|p| p.content_type.starts_with("application/json")));

        // Slack: kudos and the trophy, as mrkdwn text with the link as <url|label>.
        let slack = receiver.accepted("/ok/slack");
        assert_eq!(slack.len(), 2, "{slack:?}");
        assert!(slack.iter().all(|b| b.as_object().unwrap().keys().collect::<Vec<_>>() == vec!["text"]), "{slack:?}");
        assert!(slack.iter().any(|b| b["text"].as_str().unwrap().ends_with(&format!("<{site}portal|See them on the portal>"))), "{slack:?}");
        // Teams: MessageCards for the news and the report.
        let teams = receiver.accepted("/ok/teams");
        assert_eq!(teams.len(), 2, "{teams:?}");
        for card in &teams {
            assert_eq!((card["@type"].as_str(), card["@context"].as_str()), (Some("MessageCard"), Some("https://schema.org/extensions")));
        }
        let mut summaries: Vec<&str> = teams.iter().map(|c| c["summary"].as_str().unwrap()).collect();
        summaries.sort();
        assert_eq!(summaries, vec!["Annual report published: Our year", "Upgrade: New printers"]);
        // Mattermost: the compliment and the meeting, Markdown links.
        let mattermost = receiver.accepted("/ok/mattermost");
        assert_eq!(mattermost.len(), 2, "{mattermost:?}");
        assert!(mattermost.iter().any(|b| b["text"].as_str().unwrap().ends_with(&format!("[See the agenda]({site}meetings/{})", meeting["id"]))), "{mattermost:?}");
        // A webhook that is off gets nothing.
        assert!(receiver.all("/ok/off").is_empty());

        // The cio sees every delivery as sent.
        let (status, deliveries) = app.get_json(&cio, "/api/v1/notifications/webhook-deliveries?limit=200").await;
        assert_eq!(status, StatusCode::OK, "{deliveries}");
        let items = deliveries["items"].as_array().unwrap();
        assert_eq!(items.len(), 12);
        assert!(items.iter().all(|i| i["status"] == "sent" && i["attempts"] == 1 && i.get("last_error").is_none()), "{deliveries}");
    }
}

both_backends! {
    async fn script_in_kudos_arrives_as_text_in_slack(app) {
        let receiver = start_receiver().await;
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        add_webhook(&app, &cio, json!({"name": "Team room", "url": receiver.url("/ok/slack"), "format": "slack", "events": ["kudos"]})).await;
        kudos(&app, &engineer, &[d.peer], "<script>alert('hi')</script> & <!channel> <https://evil.example|click me>").await;
        send_all(&app, Utc::now()).await;
        let slack = receiver.accepted("/ok/slack");
        assert_eq!(slack.len(), 1);
        let text = slack[0]["text"].as_str().unwrap();
        assert!(text.contains("> &lt;script&gt;alert('hi')&lt;/script&gt; &amp; &lt;!channel&gt; &lt;https://evil.example|click me&gt;"), "{text}");
        assert!(!text.contains("<script>") && !text.contains("<!channel>") && !text.contains("<https://evil"), "{text}");
    }
}

both_backends! {
    async fn hidden_items_are_never_posted(app) {
        let receiver = start_receiver().await;
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        add_webhook(&app, &cio, json!({"name": "Everything", "url": receiver.url("/ok/all"), "format": "generic", "events": ["kudos", "announcement", "compliment"]})).await;
        let hidden = kudos(&app, &engineer, &[d.peer], "An inside joke").await;
        let shown = kudos(&app, &engineer, &[d.peer], "Thanks for the docs").await;
        let (_, news) = app.post_json(&cio, "/api/v1/announcements", json!({"kind": "upgrade", "title": "Secret printers"})).await;
        // The cio hides the kudos and the news before the sender runs.
        let (status, _) = app.post_json(&cio, &format!("/api/v1/kudos/{hidden}/hide"), json!({"reason": "Not for the portal"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = app.post_json(&cio, &format!("/api/v1/announcements/{}/hide", news["id"]), json!({"reason": "Too early"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);

        assert_eq!(send_all(&app, Utc::now()).await, 1);
        let posted = receiver.accepted("/ok/all");
        assert_eq!(posted.len(), 1);
        assert_eq!(posted[0]["payload"]["kudos_id"], json!(shown));
        let (_, deliveries) = app.get_json(&cio, "/api/v1/notifications/webhook-deliveries").await;
        let withdrawn: Vec<&Value> = deliveries["items"].as_array().unwrap().iter().filter(|i| i["status"] == "gave_up").collect();
        assert_eq!(withdrawn.len(), 2, "{deliveries}");
        assert!(withdrawn.iter().all(|i| i["last_error"].as_str().unwrap().starts_with("withdrawn") && i["attempts"] == 0), "{deliveries}");

        // Bringing the kudos back does not post it late.
        let (status, _) = app.post_json(&cio, &format!("/api/v1/kudos/{hidden}/unhide"), json!({"reason": "Pat asked for it"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(send_all(&app, Utc::now()).await, 0);
    }
}

both_backends! {
    async fn a_receiver_that_fails_three_times_then_succeeds_gets_the_message_once(app) {
        let receiver = start_receiver().await;
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        add_webhook(&app, &cio, json!({"name": "Flaky", "url": receiver.url("/flaky/3"), "format": "slack", "events": ["kudos"]})).await;
        kudos(&app, &engineer, &[d.peer], "Thanks for the night shift").await;
        let poster = poster_for(&app);
        let start = Utc::now();
        for (attempt, at) in [(1, start), (2, start + Duration::seconds(31)), (3, start + Duration::seconds(92))] {
            assert_eq!(sender::send_due(app.db(), &poster, at).await.unwrap(), 1, "attempt {attempt}");
            let (_, deliveries) = app.get_json(&cio, "/api/v1/notifications/webhook-deliveries").await;
            let row = &deliveries["items"][0];
            assert_eq!((row["status"].as_str(), row["attempts"].as_i64()), (Some("waiting"), Some(attempt)), "{row}");
            assert_eq!(row["last_error"], "the webhook answered 500 Internal Server Error: upstream hiccup");
            assert!(row.get("next_attempt_at").is_some(), "{row}");
            // Not due again at once.
            assert_eq!(sender::send_due(app.db(), &poster, at).await.unwrap(), 0);
        }
        assert_eq!(sender::send_due(app.db(), &poster, start + Duration::seconds(400)).await.unwrap(), 1);
        assert_eq!(sender::send_due(app.db(), &poster, start + Duration::hours(2)).await.unwrap(), 0);
        assert_eq!(receiver.all("/flaky/3").len(), 4, "three failures and one success");
        assert_eq!(receiver.accepted("/flaky/3").len(), 1, "delivered once");
        let (_, deliveries) = app.get_json(&cio, "/api/v1/notifications/webhook-deliveries").await;
        let row = &deliveries["items"][0];
        assert_eq!((row["status"].as_str(), row["attempts"].as_i64()), (Some("sent"), Some(4)), "{row}");
        assert!(row.get("last_error").is_none(), "{row}");
    }
}

both_backends! {
    async fn a_refusing_webhook_is_given_up_at_once_with_its_answer_shown_to_the_cio(app) {
        let receiver = start_receiver().await;
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        add_webhook(&app, &cio, json!({"name": "Revoked room", "url": receiver.url("/gone/T0/B0/secret-part"), "format": "slack", "events": ["kudos"]})).await;
        // And one nobody listens on: no answer is retried.
        let dead_port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).unwrap().port();
        add_webhook(&app, &cio, json!({"name": "Nobody home", "url": format!("http://127.0.0.1:{dead_port}/hook/secret-part"), "format": "generic", "events": ["kudos"]})).await;
        kudos(&app, &engineer, &[d.peer], "Thanks for the review").await;
        assert_eq!(send_all(&app, Utc::now()).await, 2);
        assert_eq!(receiver.all("/gone/T0/B0/secret-part").len(), 1);
        let poster = poster_for(&app);
        assert_eq!(sender::send_due(app.db(), &poster, Utc::now() + Duration::hours(1)).await.unwrap(), 1, "only the unreachable one is tried again");
        assert_eq!(receiver.all("/gone/T0/B0/secret-part").len(), 1, "a refusal is not retried");

        let (_, deliveries) = app.get_json(&cio, "/api/v1/notifications/webhook-deliveries").await;
        let of = |name: &str| deliveries["items"].as_array().unwrap().iter().find(|i| i["webhook_name"] == name).unwrap().clone();
        let refused = of("Revoked room");
        assert_eq!(refused["status"], "gave_up");
        assert_eq!(refused["last_error"], "the webhook answered 404 Not Found: no_service: this webhook was revoked by the workspace admin");
        let unreached = of("Nobody home");
        assert_eq!((unreached["status"].as_str(), unreached["attempts"].as_i64()), (Some("waiting"), Some(2)));
        let error = unreached["last_error"].as_str().unwrap();
        assert!(error.starts_with("the webhook could not be reached"), "{error}");
        assert!(!error.contains("secret-part"), "the address is a secret: {error}");

        // After a day it is given up too.
        send_all(&app, Utc::now() + Duration::hours(25)).await;
        let (_, deliveries) = app.get_json(&cio, "/api/v1/notifications/webhook-deliveries").await;
        assert!(deliveries["items"].as_array().unwrap().iter().all(|i| i["status"] == "gave_up"), "{deliveries}");

        let page = app.signed_in("cio@example.org").await.get_html("/notifications/webhooks").await;
        assert!(page.contains("no_service: this webhook was revoked by the workspace admin"), "the cio's page shows the error");
        assert!(page.contains("Revoked room") && page.contains("Gave up"), "{page}");
    }
}

both_backends! {
    async fn only_the_cio_reads_or_changes_webhooks(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let id = add_webhook(&app, &cio, json!({"name": "Team room", "url": "https://hooks.example.org/services/T0/B0/x", "format": "slack", "events": ["kudos"]})).await;
        let body = json!({"name": "Changed", "url": "https://hooks.example.org/x", "format": "generic", "events": ["kudos"]});
        let one = format!("/api/v1/notifications/webhooks/{id}");
        for email in ["lead@example.org", "eng@example.org", "advisor@example.org"] {
            let token = app.token(email).await;
            for (method, path, body) in [
                (reqwest::Method::GET, "/api/v1/notifications/webhooks", None),
                (reqwest::Method::POST, "/api/v1/notifications/webhooks", Some(body.clone())),
                (reqwest::Method::GET, one.as_str(), None),
                (reqwest::Method::PUT, one.as_str(), Some(body.clone())),
                (reqwest::Method::DELETE, one.as_str(), None),
                (reqwest::Method::GET, "/api/v1/notifications/webhook-deliveries", None),
            ] {
                let (status, _) = send(&app, method.clone(), &token, path, body).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{email} {method} {path}");
            }
            let browser = app.signed_in(email).await;
            for page in ["/notifications/webhooks".to_owned(), format!("/notifications/webhooks/{id}"), format!("/notifications/webhooks/{id}/delete")] {
                assert_eq!(browser.get(&page).await.status(), StatusCode::NOT_FOUND, "{email} {page}");
            }
            let response = browser.post_form("/account/notifications", "/notifications/webhooks", &[("name", "Mine"), ("url", "https://hooks.example.org/y"), ("format", "slack"), ("events.kudos", "on")]).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{email}");
        }
        let anonymous = app.api.get(app.url("/api/v1/notifications/webhooks")).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

        // Nothing changed; the cio reads, changes and deletes.
        let (status, list) = app.get_json(&cio, "/api/v1/notifications/webhooks").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        assert_eq!(list["items"][0]["name"], "Team room");
        let (status, changed) = send(&app, reqwest::Method::PUT, &cio, &one, Some(json!({"name": "Changed", "url": "https://hooks.example.org/x", "format": "teams", "events": ["compliment", "kudos"], "enabled": false}))).await;
        assert_eq!(status, StatusCode::OK, "{changed}");
        assert_eq!((changed["name"].as_str(), changed["format"].as_str(), changed["enabled"].as_bool()), (Some("Changed"), Some("teams"), Some(false)));
        assert_eq!(changed["events"], json!(["kudos", "compliment"]));
        let (status, read) = app.get_json(&cio, &one).await;
        assert_eq!((status, &read["events"]), (StatusCode::OK, &json!(["kudos", "compliment"])));
        let (status, _) = send(&app, reqwest::Method::DELETE, &cio, &one, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
            let (status, _) = send(&app, method, &cio, &one, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "gone");
        }
        let (status, _) = send(&app, reqwest::Method::PUT, &cio, &one, Some(body)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Each change is on the audit trail, with the address's host and never its secret.
        let (_, trail) = app.get_json(&cio, "/api/v1/audit").await;
        let kinds: Vec<&str> = trail["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, vec!["webhook_deleted", "webhook_changed", "webhook_added"], "{trail}");
        assert_eq!(trail["items"][2]["after"]["host"], "hooks.example.org");
        assert!(!trail.to_string().contains("/services/T0/B0/x"), "{trail}");
    }
}

both_backends! {
    async fn bad_webhooks_are_refused_with_the_field_named(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let good = json!({"name": "Team room", "url": "https://hooks.example.org/services/x", "format": "slack", "events": ["kudos"]});
        let with = |field: &str, value: Value| {
            let mut body = good.clone();
            body[field] = value;
            body
        };
        let cases = [
            ("a url that is not one", with("url", json!("hooks.example.org/services/x")), "url"),
            ("an ftp url", with("url", json!("ftp://files.example.org/hook")), "url"),
            ("a url without a host", with("url", json!("https://")), "url"),
            ("no events", with("events", json!([])), "events"),
            ("an unknown event", with("events", json!(["kudos", "birthdays"])), "events"),
            ("an unknown format", with("format", json!("irc")), "format"),
            ("a name too long", with("name", json!("x".repeat(101))), "name"),
            ("an empty name", with("name", json!("  ")), "name"),
            ("no url", { let mut b = good.clone(); b.as_object_mut().unwrap().remove("url"); b }, "url"),
        ];
        let id = add_webhook(&app, &cio, good.clone()).await;
        for (case, body, field) in cases {
            for (method, path) in [(reqwest::Method::POST, "/api/v1/notifications/webhooks".to_owned()), (reqwest::Method::PUT, format!("/api/v1/notifications/webhooks/{id}"))] {
                let (status, problem) = send(&app, method.clone(), &cio, &path, Some(body.clone())).await;
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case} {method}: {problem}");
                let fields = error_fields(&problem);
                assert!(fields.iter().all(|f| f.starts_with(field)) && !fields.is_empty(), "{case} {method}: {problem}");
            }
        }
        // Nothing half written.
        let (_, list) = app.get_json(&cio, "/api/v1/notifications/webhooks").await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        assert_eq!(list["items"][0]["url"], "https://hooks.example.org/services/x");
        // The page's form names the field beside it too.
        let browser = app.signed_in("cio@example.org").await;
        let response = browser.post_form("/notifications/webhooks", "/notifications/webhooks", &[("name", "Room"), ("url", "ftp://files.example.org/hook"), ("format", "slack")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = response.text().await.unwrap();
        assert!(page.contains(r#"id="url-error""#) && page.contains("not ftp://"), "{page}");
        assert!(page.contains(r#"id="events-error""#) && page.contains("Choose at least one event to send."), "{page}");
        assert!(page.contains(r#"value="ftp://files.example.org/hook""#), "what was typed is kept");
    }
}

both_backends! {
    async fn the_cio_adds_changes_and_deletes_a_webhook_on_the_pages(app) {
        let receiver = start_receiver().await;
        let d = app.department().await;
        let browser = app.signed_in("cio@example.org").await;
        let notifications = browser.get_html("/notifications").await;
        assert!(notifications.contains(r#"href="/notifications/webhooks""#), "the Notifications page links to the webhooks");
        let page = browser.get_html("/notifications/webhooks").await;
        assert!(page.contains("No webhook is set up yet"), "{page}");
        let url = receiver.url("/ok/room");
        let response = browser.post_form("/notifications/webhooks", "/notifications/webhooks", &[("name", "Team room"), ("url", &url), ("format", "mattermost"), ("events.kudos", "on"), ("events.trophy_passed", "on"), ("enabled", "on")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let cio = app.token("cio@example.org").await;
        let (_, list) = app.get_json(&cio, "/api/v1/notifications/webhooks").await;
        let hook = &list["items"][0];
        assert_eq!((hook["name"].as_str(), hook["format"].as_str(), hook["enabled"].as_bool()), (Some("Team room"), Some("mattermost"), Some(true)));
        assert_eq!(hook["events"], json!(["kudos", "trophy_passed"]));
        let id = hook["id"].as_i64().unwrap();
        let page = browser.get_html("/notifications/webhooks").await;
        assert!(page.contains("Team room") && page.contains("Kudos on the portal, A trophy passed or reassigned"), "{page}");

        // Changed on its page: turned off, so the next kudos goes nowhere.
        let edit = format!("/notifications/webhooks/{id}");
        let form = browser.get_html(&edit).await;
        assert!(form.contains(r#"name="events.kudos" value="on" checked"#), "{form}");
        let response = browser.post_form(&edit, &edit, &[("name", "Team room"), ("url", &url), ("format", "mattermost"), ("events.kudos", "on")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, hook) = app.get_json(&cio, &format!("/api/v1/notifications/webhooks/{id}")).await;
        assert_eq!((hook["enabled"].as_bool(), &hook["events"]), (Some(false), &json!(["kudos"])));
        kudos(&app, &app.token("eng@example.org").await, &[d.peer], "Thanks").await;
        assert_eq!(send_all(&app, Utc::now()).await, 0, "an unticked 'On' posts nothing");

        // Deleting asks first.
        let confirm = browser.get_html(&format!("/notifications/webhooks/{id}/delete")).await;
        assert!(confirm.contains("Delete the webhook Team room?"), "{confirm}");
        let delete = format!("/notifications/webhooks/{id}/delete");
        let response = browser.post_form(&delete, &delete, &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, list) = app.get_json(&cio, "/api/v1/notifications/webhooks").await;
        assert_eq!(list["items"], json!([]));
    }
}

both_backends! {
    async fn a_serving_instance_posts_webhooks_on_its_own_without_a_mail_server(app, settings = |s: &mut staffdev::config::Settings| {
        s.send_webhooks = true;
        s.notification_idle = std::time::Duration::from_millis(50);
    }) {
        let receiver = start_receiver().await;
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        add_webhook(&app, &cio, json!({"name": "Team room", "url": receiver.url("/ok/room"), "format": "generic", "events": ["kudos"]})).await;
        kudos(&app, &app.token("eng@example.org").await, &[d.peer], "Thanks for the upgrade").await;
        let mut waited = 0;
        while receiver.accepted("/ok/room").is_empty() && waited < 200 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            waited += 1;
        }
        assert_eq!(receiver.accepted("/ok/room").len(), 1, "the app's own sender posted it");
        assert!(app.state.settings.smtp.is_none());
    }
}

both_backends! {
    async fn a_meeting_cancelled_before_its_post_goes_is_never_posted(app) {
        let receiver = start_receiver().await;
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        add_webhook(&app, &cio, json!({"name": "Meetings", "url": receiver.url("/ok/meetings"), "format": "generic", "events": ["meeting_published"]})).await;
        let mut ids = Vec::new();
        for title in ["Quarterly all-staff", "Retreat planning"] {
            let (status, meeting) = app.post_json(&cio, "/api/v1/meetings", json!({"kind": "other", "title": title, "starts_at": "2027-03-02T09:00:00Z", "duration_minutes": 60, "facilitator_id": d.engineer})).await;
            assert_eq!(status, StatusCode::CREATED, "{meeting}");
            let (status, _) = app.post_json(&cio, &format!("/api/v1/meetings/{}/publish", meeting["id"]), json!({})).await;
            assert_eq!(status, StatusCode::OK);
            ids.push(meeting["id"].clone());
        }
        let (status, _) = app.post_json(&cio, &format!("/api/v1/meetings/{}/cancel", ids[1]), json!({})).await;
        assert_eq!(status, StatusCode::OK);

        assert_eq!(send_all(&app, Utc::now()).await, 1);
        let posted = receiver.accepted("/ok/meetings");
        assert_eq!(posted.len(), 1);
        assert_eq!(posted[0]["payload"]["meeting_id"], ids[0]);
        let (_, deliveries) = app.get_json(&cio, "/api/v1/notifications/webhook-deliveries").await;
        let withdrawn: Vec<&Value> = deliveries["items"].as_array().unwrap().iter().filter(|i| i["status"] == "gave_up").collect();
        assert_eq!(withdrawn.len(), 1, "{deliveries}");
        assert_eq!(withdrawn[0]["last_error"], staffdev::notifications::WITHDRAWN_CANCELLED);
    }
}
