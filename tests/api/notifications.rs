//! Notifications: kudos and trophies reach exactly the right people by email through a
//! real SMTP server (aiosmtpd), choices and the department's switch are honoured, the
//! unsubscribe link works and cannot be forged, failures are retried and given up, hiding
//! withdraws what has not gone, and two senders on one database send each email once.

use std::time::Duration;

use chrono::Utc;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use staffdev::{
    db::Db,
    notifications::{
        email::{Mailer, SmtpSettings, SmtpTls},
        sender::{self, Sender},
    },
};

use crate::helpers::{TestApp, error_fields, smtp::smtp_server};

/// A sender for the test's app through `settings`, with a short pause when idle.
pub(crate) fn sender_for(app: &TestApp, settings: &SmtpSettings) -> Sender {
    Sender {
        mailer: Mailer::new(settings).expect("a mailer"),
        site: format!("{}/", app.address),
        installation_id: app.state.installation_id.clone(),
        idle: Duration::from_millis(50),
        zone: chrono_tz::Tz::UTC,
    }
}

/// A mail server nobody listens on.
pub(crate) fn dead_server() -> SmtpSettings {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    SmtpSettings {
        host: "127.0.0.1".to_owned(),
        port,
        tls: SmtpTls::None,
        user: None,
        password: None,
        from: "staffdev <staffdev@example.org>".to_owned(),
    }
}

#[derive(Debug, PartialEq)]
pub(crate) struct Row {
    pub kind: String,
    pub channel: String,
    pub person_id: i32,
    pub attempts: i32,
    pub sent: bool,
    pub gave_up: bool,
    pub last_error: Option<String>,
}

pub(crate) async fn outbox_rows(db: &Db) -> Vec<Row> {
    let rows = db
        .conn()
        .query_all_raw(Statement::from_string(
            db.backend(),
            "SELECT kind, channel, person_id, attempts, sent_at IS NOT NULL AS sent, \
             gave_up_at IS NOT NULL AS gave_up, last_error FROM outbox ORDER BY id",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| Row {
            kind: r.try_get("", "kind").unwrap(),
            channel: r.try_get("", "channel").unwrap(),
            person_id: r.try_get("", "person_id").unwrap(),
            attempts: r.try_get("", "attempts").unwrap(),
            sent: r.try_get("", "sent").unwrap(),
            gave_up: r.try_get("", "gave_up").unwrap(),
            last_error: r.try_get("", "last_error").unwrap(),
        })
        .collect()
}

pub(crate) async fn kudos(app: &TestApp, token: &str, to: &[i32], message: &str) -> i64 {
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

both_backends! {
    async fn kudos_reach_each_recipient_once_with_script_shown_as_text(app) {
        let Some(smtp) = smtp_server() else { return };
        let d = app.department().await;
        let engineer = app.token("eng@example.org").await;
        let message = "<script>alert('hi')</script> Thanks for the migration & the docs!";
        kudos(&app, &engineer, &[d.peer, d.lead], message).await;

        let sender = sender_for(&app, &smtp.settings());
        assert_eq!(sender::send_due(app.db(), &sender, Utc::now()).await.unwrap(), 2);
        let received = smtp.wait_for(&app.state.installation_id, 2).await;
        assert_eq!(received.len(), 2, "{received:?}");
        let mut to: Vec<&str> = received.iter().map(|r| r.to.as_str()).collect();
        to.sort();
        assert!(to[0].contains("lead@example.org") && to[1].contains("peer@example.org"), "{to:?}");
        for email in &received {
            assert_eq!(email.subject, "Kudos from Erin Engineer");
            assert!(!email.html.contains("<script>"), "{}", email.html);
            assert!(email.html.contains("&#60;script&#62;"), "shown as text: {}", email.html);
            assert!(email.text.contains(message), "{}", email.text);
            assert!(email.list_unsubscribe.starts_with(&format!("<{}/notifications/unsubscribe/", app.address)), "{}", email.list_unsubscribe);
            assert_eq!(email.list_unsubscribe_post, "List-Unsubscribe=One-Click");
        }
        let lead_email = received.iter().find(|r| r.to.contains("lead@")).unwrap();
        assert!(lead_email.text.contains("Also thanked: Pat Peer"), "{}", lead_email.text);
        assert!(!lead_email.text.contains("Also thanked: Lee Lead"), "{}", lead_email.text);

        // Nothing more is due: a second round sends nothing again.
        assert_eq!(sender::send_due(app.db(), &sender, Utc::now()).await.unwrap(), 0);
        assert!(outbox_rows(app.db()).await.iter().all(|r| r.sent && r.attempts == 1));
        // The giver hears nothing of their own kudos.
        assert!(outbox_rows(app.db()).await.iter().all(|r| r.person_id != d.engineer));
    }
}

both_backends! {
    async fn choices_and_the_department_switch_decide_who_hears(app) {
        let d = app.department().await;
        let engineer = app.token("eng@example.org").await;
        let peer = app.token("peer@example.org").await;
        let lead = app.token("lead@example.org").await;
        let cio = app.token("cio@example.org").await;

        // The peer wants kudos in the digest, the lead not at all.
        let (status, body) = put_json(&app, &peer, "/api/v1/me/notifications", json!({"preferences": [{"kind": "kudos_received", "delivery": "digest"}]})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let chosen = body["preferences"].as_array().unwrap().iter().find(|p| p["kind"] == "kudos_received").unwrap().clone();
        assert_eq!((chosen["delivery"].as_str(), chosen["department_on"].as_bool()), (Some("digest"), Some(true)));
        let (status, _) = put_json(&app, &lead, "/api/v1/me/notifications", json!({"preferences": [{"kind": "kudos_received", "delivery": "off"}]})).await;
        assert_eq!(status, StatusCode::OK);
        kudos(&app, &engineer, &[d.peer, d.lead, d.cio], "Thanks, all three of you").await;
        let rows = outbox_rows(app.db()).await;
        let mut seen: Vec<(i32, &str)> = rows.iter().map(|r| (r.person_id, r.channel.as_str())).collect();
        seen.sort();
        let mut expected = vec![(d.cio, "email"), (d.peer, "digest")];
        expected.sort();
        assert_eq!(seen, expected, "the lead turned kudos off; the peer gets a digest item");

        // The cio turns kudos off for the department: nobody hears of the next ones.
        let (status, body) = put_json(&app, &cio, "/api/v1/notifications/settings", json!({"switches": [{"kind": "kudos_received", "on": false}]})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (_, mine) = app.get_json(&peer, "/api/v1/me/notifications").await;
        assert_eq!(mine["preferences"].as_array().unwrap().iter().find(|p| p["kind"] == "kudos_received").unwrap()["department_on"], json!(false));
        kudos(&app, &engineer, &[d.peer, d.cio], "Thanks again").await;
        assert_eq!(outbox_rows(app.db()).await.len(), 2, "no row for kudos while the kind is off");
        // Trophy passes are still on.
        let (status, trophy) = app.post_json(&cio, "/api/v1/trophies", json!({"name": "The Big Ugly Trophy", "description": "Inflatable.", "holder_id": d.engineer})).await;
        assert_eq!(status, StatusCode::CREATED, "{trophy}");
        let path = format!("/api/v1/trophies/{}/passes", trophy["id"]);
        let (status, _) = app.post_json(&engineer, &path, json!({"receiver_id": d.peer, "message": "For the calm during the outage"})).await;
        assert_eq!(status, StatusCode::CREATED);
        let rows = outbox_rows(app.db()).await;
        assert_eq!(rows.last().map(|r| (r.kind.as_str(), r.person_id, r.channel.as_str())), Some(("trophy_received", d.peer, "email")));
    }
}

both_backends! {
    async fn bad_choices_are_refused_with_the_field_named_and_nothing_changed(app) {
        app.department().await;
        let peer = app.token("peer@example.org").await;
        let cases = [
            (json!({"preferences": [{"kind": "kudos_received", "delivery": "hourly"}]}), "preferences"),
            (json!({"preferences": [{"kind": "everything", "delivery": "off"}]}), "preferences"),
            (json!({"preferences": "off"}), "preferences"),
            (json!({}), "preferences"),
        ];
        for (body, field) in cases {
            let (status, problem) = put_json(&app, &peer, "/api/v1/me/notifications", body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {problem}");
            assert!(error_fields(&problem).iter().any(|f| f.starts_with(field)), "{body}: {problem}");
        }
        let (_, mine) = app.get_json(&peer, "/api/v1/me/notifications").await;
        assert!(mine["preferences"].as_array().unwrap().iter().all(|p| p["delivery"] == "immediate"), "{mine}");
        // Half a change is no change: one good kind beside a bad one writes nothing.
        let (status, _) = put_json(&app, &peer, "/api/v1/me/notifications", json!({"preferences": [{"kind": "kudos_received", "delivery": "off"}, {"kind": "trophy_received", "delivery": "never"}]})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (_, mine) = app.get_json(&peer, "/api/v1/me/notifications").await;
        assert!(mine["preferences"].as_array().unwrap().iter().all(|p| p["delivery"] == "immediate"), "{mine}");
        // A kind named twice is not a mistake: the last choice counts.
        let (status, mine) = put_json(&app, &peer, "/api/v1/me/notifications", json!({"preferences": [{"kind": "kudos_received", "delivery": "off"}, {"kind": "kudos_received", "delivery": "digest"}]})).await;
        assert_eq!(status, StatusCode::OK, "{mine}");
        assert_eq!(delivery_of(&mine, "kudos_received"), "digest");
        let cio = app.token("cio@example.org").await;
        let (status, switches) = put_json(&app, &cio, "/api/v1/notifications/settings", json!({"switches": [{"kind": "trophy_received", "on": false}, {"kind": "trophy_received", "on": true}]})).await;
        assert_eq!(status, StatusCode::OK, "{switches}");
        assert!(switches["switches"].as_array().unwrap().iter().all(|s| s["on"] == true), "{switches}");
    }
}

both_backends! {
    async fn only_the_cio_sees_the_outbox_and_the_switches(app) {
        app.department().await;
        for (email, allowed) in [("cio@example.org", true), ("lead@example.org", false), ("eng@example.org", false), ("advisor@example.org", false)] {
            let token = app.token(email).await;
            for path in ["/api/v1/notifications/outbox", "/api/v1/notifications/settings"] {
                let (status, _) = app.get_json(&token, path).await;
                assert_eq!(status, if allowed { StatusCode::OK } else { StatusCode::NOT_FOUND }, "{email} {path}");
            }
            let (status, _) = put_json(&app, &token, "/api/v1/notifications/settings", json!({"switches": [{"kind": "kudos_received", "on": false}]})).await;
            assert_eq!(status, if allowed { StatusCode::OK } else { StatusCode::NOT_FOUND }, "{email}");
            let (status, _) = app.get_json(&token, "/api/v1/me/notifications").await;
            assert_eq!(status, StatusCode::OK, "everyone chooses their own: {email}");
            let browser = app.signed_in(email).await;
            let page = browser.get("/notifications").await;
            assert_eq!(page.status(), if allowed { StatusCode::OK } else { StatusCode::NOT_FOUND }, "{email}");
            assert_eq!(browser.get("/account/notifications").await.status(), StatusCode::OK, "{email}");
        }
        let anonymous = app.api.get(app.url("/api/v1/notifications/outbox")).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        let anonymous = app.api.get(app.url("/api/v1/me/notifications")).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    }
}

both_backends! {
    async fn the_pages_save_choices_and_switches(app) {
        let d = app.department().await;
        let peer = app.signed_in("peer@example.org").await;
        let page = peer.get_html("/account/notifications").await;
        assert!(page.contains("no mail server set up"), "the page says nothing is emailed yet");
        let response = peer.post_form("/account/notifications", "/account/notifications", &[("kudos_received", "digest"), ("trophy_received", "off")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let page = peer.get_html("/account/notifications?saved=1").await;
        assert!(page.contains(r#"name="kudos_received" value="digest" checked"#), "{page}");
        assert!(page.contains(r#"name="trophy_received" value="off" checked"#), "{page}");
        let response = peer.post_form("/account/notifications", "/account/notifications", &[("kudos_received", "hourly")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let cio = app.signed_in("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        kudos(&app, &engineer, &[d.cio], "Thanks for the budget").await;
        let page = cio.get_html("/notifications").await;
        assert!(page.contains("No mail server is set up"), "{page}");
        assert!(page.contains("Carla CIO") && page.contains("Kudos you receive"), "the outbox lists the row");
        // Only trophy_received ticked: kudos go off.
        let response = cio.post_form("/notifications", "/notifications/settings", &[("trophy_received", "on")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let cio_token = app.token("cio@example.org").await;
        let (_, switches) = app.get_json(&cio_token, "/api/v1/notifications/settings").await;
        let on: Vec<(&str, bool)> = switches["switches"].as_array().unwrap().iter().map(|s| (s["kind"].as_str().unwrap(), s["on"].as_bool().unwrap())).collect();
        assert_eq!(on[..5], [("kudos_received", false), ("trophy_received", true), ("compliment_received", false), ("goal_reviewed", false), ("idea_answered", false)], "every kind not ticked is off");
        assert!(on[5..].iter().all(|(_, on)| !on), "{on:?}");
    }
}

both_backends! {
    async fn the_unsubscribe_link_turns_off_one_kind_and_cannot_be_forged(app) {
        let Some(smtp) = smtp_server() else { return };
        let d = app.department().await;
        let engineer = app.token("eng@example.org").await;
        kudos(&app, &engineer, &[d.peer], "Thanks for the review").await;
        let sender = sender_for(&app, &smtp.settings());
        sender::send_due(app.db(), &sender, Utc::now()).await.unwrap();
        let received = smtp.wait_for(&app.state.installation_id, 1).await;
        let link = received[0].list_unsubscribe.trim_matches(|c| c == '<' || c == '>').to_owned();
        let path = link.strip_prefix(&app.address).unwrap().to_owned();

        // Opening the link changes nothing (mail scanners open links); it asks.
        let anonymous = app.browser();
        let page = anonymous.get_html(&path).await;
        assert!(page.contains("Stop emails from staffdev about"), "{page}");
        let peer = app.token("peer@example.org").await;
        let (_, mine) = app.get_json(&peer, "/api/v1/me/notifications").await;
        assert_eq!(delivery_of(&mine, "kudos_received"), "immediate");

        // Forged: another person, another kind, a changed signature.
        let signature = path.rsplit('/').next().unwrap();
        let forged = [
            format!("/notifications/unsubscribe/{}/kudos_received/{signature}", d.lead),
            format!("/notifications/unsubscribe/{}/trophy_received/{signature}", d.peer),
            format!("/notifications/unsubscribe/{}/kudos_received/{}", d.peer, "A".repeat(43)),
            format!("/notifications/unsubscribe/{}/kudos_received/not-base64!", d.peer),
        ];
        for forged in forged {
            assert_eq!(anonymous.get(&forged).await.status(), StatusCode::NOT_FOUND, "{forged}");
            let response = app.api.post(app.url(&forged)).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{forged}");
        }
        let (_, lead_choices) = app.get_json(&app.token("lead@example.org").await, "/api/v1/me/notifications").await;
        assert_eq!(delivery_of(&lead_choices, "kudos_received"), "immediate");

        // The mail program's one-click post (RFC 8058), no session and no CSRF token.
        let response = app.api.post(&link).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let (_, mine) = app.get_json(&peer, "/api/v1/me/notifications").await;
        assert_eq!(delivery_of(&mine, "kudos_received"), "off");
        assert_eq!(delivery_of(&mine, "trophy_received"), "immediate", "only the one kind");
        kudos(&app, &engineer, &[d.peer], "Thanks once more").await;
        assert_eq!(outbox_rows(app.db()).await.len(), 1, "nothing more for the peer");
    }
}

both_backends! {
    async fn a_failing_mail_server_is_retried_then_given_up_after_a_day(app) {
        let Some(smtp) = smtp_server() else { return };
        let d = app.department().await;
        let engineer = app.token("eng@example.org").await;
        kudos(&app, &engineer, &[d.peer], "Thanks for the night shift").await;
        let down = sender_for(&app, &dead_server());
        let up = sender_for(&app, &smtp.settings());
        let start = Utc::now();

        // Three failures, each pushing the next try further off.
        for (attempt, at) in [(1, start), (2, start + chrono::Duration::seconds(31)), (3, start + chrono::Duration::seconds(92))] {
            assert_eq!(sender::send_due(app.db(), &down, at).await.unwrap(), 1, "attempt {attempt}");
            let row = &outbox_rows(app.db()).await[0];
            assert_eq!((row.attempts, row.sent, row.gave_up), (attempt, false, false));
            assert!(row.last_error.as_deref().unwrap_or_default().contains("mail server"), "{row:?}");
            // Not due again at once.
            assert_eq!(sender::send_due(app.db(), &up, at).await.unwrap(), 0);
        }
        // The server is back: the fourth try goes, once.
        assert_eq!(sender::send_due(app.db(), &up, start + chrono::Duration::seconds(400)).await.unwrap(), 1);
        assert_eq!(smtp.wait_for(&app.state.installation_id, 1).await.len(), 1);
        let row = &outbox_rows(app.db()).await[0];
        assert_eq!((row.attempts, row.sent, row.last_error.as_deref()), (4, true, None));

        // Another that keeps failing is given up after a day, with its last error kept.
        kudos(&app, &engineer, &[d.lead], "Thanks for covering").await;
        assert_eq!(sender::send_due(app.db(), &down, Utc::now()).await.unwrap(), 1);
        let later = Utc::now() + chrono::Duration::hours(25);
        sender::send_due(app.db(), &down, later).await.unwrap();
        let row = &outbox_rows(app.db()).await[1];
        assert!(row.gave_up && !row.sent, "{row:?}");
        assert!(row.last_error.as_deref().unwrap_or_default().contains("mail server"), "{row:?}");
        let cio = app.token("cio@example.org").await;
        let (_, outbox) = app.get_json(&cio, "/api/v1/notifications/outbox").await;
        assert_eq!((outbox["waiting"].as_i64(), outbox["gave_up"].as_i64()), (Some(0), Some(1)), "{outbox}");
        assert_eq!(outbox["items"][0]["status"], "gave_up");
        assert_eq!(smtp.received_from(&app.state.installation_id).len(), 1, "nothing more was sent");
    }
}

both_backends! {
    async fn hiding_kudos_withdraws_what_has_not_gone(app) {
        let d = app.department().await;
        let engineer = app.token("eng@example.org").await;
        let cio = app.token("cio@example.org").await;
        let id = kudos(&app, &engineer, &[d.peer, d.lead], "An inside joke").await;
        let (status, _) = app.post_json(&cio, &format!("/api/v1/kudos/{id}/hide"), json!({"reason": "Not for the portal"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let rows = outbox_rows(app.db()).await;
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.gave_up && !r.sent && r.last_error.as_deref().is_some_and(|e| e.starts_with("withdrawn"))), "{rows:?}");
    }
}

both_backends! {
    async fn two_senders_on_one_database_send_a_burst_of_kudos_exactly_once(app) {
        let Some(smtp) = smtp_server() else { return };
        let d = app.department().await;
        let giver = crate::helpers::actor(d.engineer, "Erin Engineer", "eng@example.org", staffdev::people::Role::Staff, false);
        let burst = 1000;
        for i in 0..burst {
            staffdev::recognition::give_kudos(
                app.db(),
                &giver,
                staffdev::recognition::KudosInput {
                    recipient_ids: Some(vec![if i % 2 == 0 { d.peer } else { d.lead }]),
                    message: Some(format!("Thanks, number {i}")),
                    values: None,
                },
                Utc::now(),
            )
            .await
            .unwrap();
        }
        // Two instances: two pools on the same database, each with its own sender.
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut senders = Vec::new();
        for _ in 0..2 {
            let db = Db::connect(&app.database.url, 4).await.unwrap();
            senders.push(tokio::spawn(sender::run(db, sender_for(&app, &smtp.settings()), stopped.clone())));
        }
        let received = smtp.wait_for_long(&app.state.installation_id, burst, Duration::from_secs(120)).await;
        let _ = stop.send(true);
        for s in senders {
            s.await.unwrap();
        }
        assert_eq!(received.len(), burst, "every email arrived");
        let mut ids: Vec<&str> = received.iter().map(|r| r.message_id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), burst, "and none twice");
        let rows = outbox_rows(app.db()).await;
        assert!(rows.iter().all(|r| r.sent && r.attempts == 1), "each row claimed once");
    }
}

pub(crate) fn delivery_of(choices: &Value, kind: &str) -> String {
    choices["preferences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == kind)
        .unwrap()["delivery"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn put_json(
    app: &TestApp,
    token: &str,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = app
        .api
        .put(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    crate::helpers::split(response).await
}

both_backends! {
    async fn a_serving_instance_with_a_mail_server_emails_a_trophy_pass_on_its_own(app, settings = |s: &mut staffdev::config::Settings| {
        if let Some(smtp) = smtp_server() {
            s.smtp = Some(smtp.settings());
            s.notification_idle = Duration::from_millis(50);
        }
    }) {
        let Some(smtp) = smtp_server() else { return };
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let (status, trophy) = app.post_json(&cio, "/api/v1/trophies", json!({"name": "The Big Ugly Trophy", "description": "Inflatable.", "holder_id": d.engineer})).await;
        assert_eq!(status, StatusCode::CREATED, "{trophy}");
        let path = format!("/api/v1/trophies/{}/passes", trophy["id"]);
        let (status, _) = app.post_json(&engineer, &path, json!({"receiver_id": d.peer, "message": "For keeping calm in the outage"})).await;
        assert_eq!(status, StatusCode::CREATED);
        let received = smtp.wait_for(&app.state.installation_id, 1).await;
        assert_eq!(received.len(), 1, "the app's own sender emailed it");
        assert!(received[0].to.contains("peer@example.org"));
        assert_eq!(received[0].subject, "The Big Ugly Trophy is on your desk");
        assert!(received[0].text.contains("Erin Engineer passed The Big Ugly Trophy to you."), "{}", received[0].text);
        assert!(received[0].text.contains(&format!("{}/trophies/{}", app.address, trophy["id"])), "{}", received[0].text);
        let page = app.signed_in("cio@example.org").await.get_html("/notifications").await;
        assert!(!page.contains("No mail server is set up"), "the cio's page knows a server is set up");
    }
}

both_backends! {
    async fn compliments_goal_reviews_and_answered_ideas_reach_their_person_by_email(app) {
        let Some(smtp) = smtp_server() else { return };
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let lead = app.token("lead@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let advisor = app.token("advisor@example.org").await;

        let (status, _) = app.post_json(&cio, "/api/v1/compliments", json!({"person_id": d.peer, "giver_name": "Dana Client", "giver_affiliation": "Finance office", "channel": "email", "received_on": "2026-01-05", "message": "Fixed my laptop <b>in minutes</b>"})).await;
        assert_eq!(status, StatusCode::CREATED);
        let f = app.plan_and_cycle(&cio).await;
        let agreed = app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        let (status, _) = app.post_json(&lead, &format!("/api/v1/goals/{agreed}/agree"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let sent_back = app.propose_goal(&engineer, f.cycle, f.objectives[0], "Be better").await;
        let (status, _) = app.post_json(&lead, &format!("/api/v1/goals/{sent_back}/send-back"), json!({"comment": "Say how you will measure it."})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, idea) = app.post_json(&advisor, "/api/v1/ideas", json!({"title": "Office hours for students", "text": "A weekly walk-in hour."})).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = app.post_json(&cio, &format!("/api/v1/ideas/{}/answer", idea["id"]), json!({"status": "under_consideration", "reply": "We will try it next term."})).await;
        assert_eq!(status, StatusCode::OK);

        let sender = sender_for(&app, &smtp.settings());
        // Four, and the two goals waiting for the lead as they were proposed.
        assert_eq!(sender::send_due(app.db(), &sender, Utc::now()).await.unwrap(), 6);
        let received = smtp.wait_for(&app.state.installation_id, 6).await;
        let mut seen: Vec<(String, String)> = received.iter().map(|r| (r.to.clone(), r.subject.clone())).collect();
        seen.sort();
        let to = |who: &str| seen.iter().filter(|(to, _)| to.contains(who)).map(|(_, s)| s.as_str()).collect::<Vec<_>>();
        assert_eq!(to("peer@"), vec!["A compliment from Dana Client"]);
        assert_eq!(to("eng@"), vec!["Your goal is agreed: Answer faster", "Your goal needs a change: Be better"]);
        assert_eq!(to("advisor@"), vec!["Your idea was answered: Office hours for students"]);
        assert_eq!(to("lead@"), vec!["A goal waits for your agreement: Answer faster", "A goal waits for your agreement: Be better"]);
        let compliment = received.iter().find(|r| r.to.contains("peer@")).unwrap();
        assert!(compliment.html.contains("&#60;b&#62;in minutes&#60;/b&#62;"), "{}", compliment.html);
        let back = received.iter().find(|r| r.subject.contains("needs a change")).unwrap();
        assert!(back.text.contains("Say how you will measure it.") && back.text.contains(&format!("/goals/{sent_back}")), "{}", back.text);
    }
}

both_backends! {
    async fn a_mailbox_the_server_refuses_for_good_is_given_up_at_once(app) {
        let Some(smtp) = smtp_server() else { return };
        let d = app.department().await;
        let bounce = app.add_person_fast("bounce.back@example.org", "Bo Back", d.lead).await;
        let engineer = app.token("eng@example.org").await;
        kudos(&app, &engineer, &[bounce, d.peer], "Thanks for the cabling").await;
        let sender = sender_for(&app, &smtp.settings());
        assert_eq!(sender::send_due(app.db(), &sender, Utc::now()).await.unwrap(), 2);
        assert_eq!(smtp.wait_for(&app.state.installation_id, 1).await.len(), 1, "the peer's went");
        let rows = outbox_rows(app.db()).await;
        let refused = rows.iter().find(|r| r.person_id == bounce).unwrap();
        assert!(refused.gave_up && !refused.sent && refused.attempts == 1, "not retried for a day: {refused:?}");
        assert!(refused.last_error.as_deref().unwrap_or_default().contains("for good"), "{refused:?}");
        assert!(refused.last_error.as_deref().unwrap_or_default().contains("550"), "{refused:?}");
    }
}

both_backends! {
    async fn a_sender_killed_after_claiming_leaves_its_rows_to_the_next_once_the_claim_runs_out(app) {
        let Some(smtp) = smtp_server() else { return };
        let d = app.department().await;
        let engineer = app.token("eng@example.org").await;
        kudos(&app, &engineer, &[d.peer], "Thanks for staying late").await;
        // What a sender killed (kill -9) between claiming and marking leaves behind: the
        // row claimed for fifteen minutes, one attempt counted, nothing marked.
        let now = Utc::now();
        app.db()
            .conn()
            .execute_raw(Statement::from_sql_and_values(
                app.db().backend(),
                "UPDATE outbox SET claimed_until = $1, attempts = 1",
                [(now + chrono::Duration::minutes(15)).into()],
            ))
            .await
            .unwrap();
        let sender = sender_for(&app, &smtp.settings());
        assert_eq!(sender::send_due(app.db(), &sender, now).await.unwrap(), 0, "nobody takes a claimed row");
        assert_eq!(sender::send_due(app.db(), &sender, now + chrono::Duration::minutes(14)).await.unwrap(), 0);
        // The claim runs out: the next sender (a restarted instance, or another) sends it.
        assert_eq!(sender::send_due(app.db(), &sender, now + chrono::Duration::minutes(16)).await.unwrap(), 1);
        let received = smtp.wait_for(&app.state.installation_id, 1).await;
        assert_eq!(received.len(), 1);
        let row = &outbox_rows(app.db()).await[0];
        assert_eq!((row.attempts, row.sent), (2, true), "{row:?}");
    }
}
