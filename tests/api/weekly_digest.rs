//! The weekly digest: items wait for Monday morning and go in one email per person, once
//! a week however many instances build it; a hidden item is left out; the digest's own
//! unsubscribe link turns off what was read in it.

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::json;
use staffdev::{
    db::Db,
    notifications::{digest, sender},
};

use crate::helpers::{TestApp, scalar, smtp::smtp_server};
use crate::notifications::{delivery_of, kudos, outbox_rows, put_json, sender_for};

/// The next Monday 08:01 UTC after now: when this week's items are due in a digest.
fn next_monday_morning() -> DateTime<Utc> {
    let (monday, _) = digest::due_week(Utc::now() + Duration::days(7), chrono_tz::Tz::UTC);
    monday.and_hms_opt(8, 1, 0).unwrap().and_utc()
}

async fn read_weekly(app: &TestApp, token: &str, kinds: &[&str]) {
    let preferences: Vec<_> = kinds
        .iter()
        .map(|kind| json!({"kind": kind, "delivery": "digest"}))
        .collect();
    let (status, body) = put_json(
        app,
        token,
        "/api/v1/me/notifications",
        json!({"preferences": preferences}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

both_backends! {
    async fn items_wait_for_monday_then_go_in_one_email_per_person(app) {
        let Some(smtp) = smtp_server() else { return };
        let d = app.department().await;
        let engineer = app.token("eng@example.org").await;
        let peer = app.token("peer@example.org").await;
        read_weekly(&app, &peer, &["kudos_received"]).await;
        kudos(&app, &engineer, &[d.peer, d.lead], "Thanks for the <b>migration</b>").await;
        kudos(&app, &engineer, &[d.peer], "Thanks for the runbook").await;
        kudos(&app, &engineer, &[d.peer], "Thanks for the demo").await;
        let sender = sender_for(&app, &smtp.settings());

        // Before Monday: the lead's email goes at once, the peer's items wait.
        assert_eq!(sender::work_due(app.db(), &sender, Utc::now()).await.unwrap(), 1);
        assert_eq!(smtp.wait_for(&app.state.installation_id, 1).await.len(), 1);
        let (_, outbox) = app.get_json(&app.token("cio@example.org").await, "/api/v1/notifications/outbox").await;
        let waiting: Vec<&str> = outbox["items"].as_array().unwrap().iter().filter(|n| n["person_id"] == d.peer).map(|n| n["status"].as_str().unwrap()).collect();
        assert_eq!(waiting, vec!["in_digest"; 3], "{outbox}");

        // Monday morning: one email for the peer with the three, marked sent with it.
        let monday = next_monday_morning();
        assert_eq!(sender::work_due(app.db(), &sender, monday).await.unwrap(), 1);
        let received = smtp.wait_for(&app.state.installation_id, 2).await;
        let digest = received.iter().find(|r| r.to.contains("peer@example.org")).expect("the digest");
        assert_eq!(digest.subject, "Your staffdev week: 3 things that happened for you");
        for message in ["Thanks for the runbook", "Thanks for the demo", "Thanks for the <b>migration</b>"] {
            assert!(digest.text.contains(message), "{}", digest.text);
        }
        assert!(digest.html.contains("&#60;b&#62;migration"), "shown as text: {}", digest.html);
        assert!(digest.list_unsubscribe.contains(&format!("/notifications/unsubscribe/{}/weekly_digest/", d.peer)), "{}", digest.list_unsubscribe);
        let rows = outbox_rows(app.db()).await;
        let digests: Vec<_> = rows.iter().filter(|r| r.kind == "weekly_digest").collect();
        assert_eq!(digests.len(), 1);
        assert!(digests[0].sent && digests[0].person_id == d.peer && digests[0].channel == "email");
        assert!(rows.iter().filter(|r| r.channel == "digest").all(|r| r.sent), "{rows:?}");

        // Later the same week, and again: nothing more is built or sent.
        for later in [monday, monday + Duration::hours(30)] {
            assert_eq!(sender::work_due(app.db(), &sender, later).await.unwrap(), 0);
        }
        assert_eq!(smtp.received_from(&app.state.installation_id).len(), 2);
        let (_, outbox) = app.get_json(&app.token("cio@example.org").await, "/api/v1/notifications/outbox").await;
        assert_eq!(outbox["items"][0]["kind"], "weekly_digest", "{outbox}");
        assert_eq!(outbox["items"][0]["status"], "sent", "{outbox}");
        let page = app.signed_in("cio@example.org").await.get_html("/notifications").await;
        assert!(page.contains("Your weekly digest"), "the outbox page names it");
    }
}

both_backends! {
    async fn two_instances_build_one_digest_per_person_a_week(app) {
        let d = app.department().await;
        let engineer = app.token("eng@example.org").await;
        for (email, person) in [("peer@example.org", d.peer), ("lead@example.org", d.lead), ("cio@example.org", d.cio)] {
            read_weekly(&app, &app.token(email).await, &["kudos_received"]).await;
            for i in 0..5 {
                kudos(&app, &engineer, &[person], &format!("Thanks, number {i}")).await;
            }
        }
        let monday = next_monday_morning();
        let mut builders = Vec::new();
        for _ in 0..2 {
            let db = Db::connect(&app.database.url, 2).await.unwrap();
            builders.push(tokio::spawn(async move {
                let mut built = 0;
                for _ in 0..3 {
                    built += digest::build_due(&db, chrono_tz::Tz::UTC, monday).await.unwrap();
                }
                built
            }));
        }
        let mut built = 0;
        for b in builders {
            built += b.await.unwrap();
        }
        assert_eq!(built, 3, "one digest for each of three people");
        let rows = outbox_rows(app.db()).await;
        let mut people: Vec<i32> = rows.iter().filter(|r| r.kind == "weekly_digest").map(|r| r.person_id).collect();
        people.sort();
        let mut expected = vec![d.peer, d.lead, d.cio];
        expected.sort();
        assert_eq!(people, expected);
        let unfolded: i64 = scalar(app.db(), "SELECT COUNT(*) FROM outbox WHERE channel = 'digest' AND digest_id IS NULL").await;
        assert_eq!(unfolded, 0, "every item is in its person's digest");
        let mismatched: i64 = scalar(app.db(), "SELECT COUNT(*) FROM outbox i JOIN outbox d ON d.id = i.digest_id WHERE d.person_id <> i.person_id").await;
        assert_eq!(mismatched, 0, "and only in their own");
    }
}

both_backends! {
    async fn a_hidden_item_is_left_out_and_a_digest_with_nothing_left_is_not_sent(app) {
        let Some(smtp) = smtp_server() else { return };
        let d = app.department().await;
        let engineer = app.token("eng@example.org").await;
        let cio = app.token("cio@example.org").await;
        read_weekly(&app, &app.token("peer@example.org").await, &["kudos_received"]).await;
        read_weekly(&app, &app.token("lead@example.org").await, &["kudos_received"]).await;
        let kept = kudos(&app, &engineer, &[d.peer], "Thanks for the on-call week").await;
        let hidden = kudos(&app, &engineer, &[d.peer], "An inside joke about the printer").await;
        let (status, _) = app.post_json(&cio, &format!("/api/v1/kudos/{hidden}/hide"), json!({"reason": "Not for the portal"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let lead_only = kudos(&app, &engineer, &[d.lead], "A second inside joke").await;

        // The digests are built; then the lead's only item is hidden before it goes.
        let monday = next_monday_morning();
        assert_eq!(digest::build_due(app.db(), chrono_tz::Tz::UTC, monday).await.unwrap(), 2);
        let (status, _) = app.post_json(&cio, &format!("/api/v1/kudos/{lead_only}/hide"), json!({"reason": "Not for the portal"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let sender = sender_for(&app, &smtp.settings());
        assert_eq!(sender::send_due(app.db(), &sender, monday).await.unwrap(), 2);

        let received = smtp.wait_for(&app.state.installation_id, 1).await;
        assert_eq!(received.len(), 1, "only the peer's digest went: {received:?}");
        assert!(received[0].text.contains("Thanks for the on-call week"));
        assert!(!received[0].text.contains("printer"), "{}", received[0].text);
        assert_eq!(received[0].subject, "Your staffdev week: Kudos from Erin Engineer");
        let rows = outbox_rows(app.db()).await;
        let lead_digest = rows.iter().find(|r| r.kind == "weekly_digest" && r.person_id == d.lead).unwrap();
        assert!(lead_digest.gave_up && !lead_digest.sent, "{lead_digest:?}");
        assert_eq!(lead_digest.last_error.as_deref(), Some(digest::NOTHING_LEFT));
        let _ = kept;
    }
}

both_backends! {
    async fn the_digest_unsubscribe_link_turns_off_what_was_read_in_it(app) {
        let Some(smtp) = smtp_server() else { return };
        let d = app.department().await;
        let engineer = app.token("eng@example.org").await;
        let peer = app.token("peer@example.org").await;
        read_weekly(&app, &peer, &["kudos_received", "goal_reviewed"]).await;
        kudos(&app, &engineer, &[d.peer], "Thanks for the handover").await;
        let sender = sender_for(&app, &smtp.settings());
        let monday = next_monday_morning();
        sender::work_due(app.db(), &sender, monday).await.unwrap();
        let received = smtp.wait_for(&app.state.installation_id, 1).await;
        let link = received[0].list_unsubscribe.trim_matches(|c| c == '<' || c == '>').to_owned();
        let path = link.strip_prefix(&app.address).unwrap().to_owned();

        // A forged link for another person opens nothing.
        let signature = path.rsplit('/').next().unwrap();
        let forged = format!("/notifications/unsubscribe/{}/weekly_digest/{signature}", d.lead);
        let anonymous = app.browser();
        assert_eq!(anonymous.get(&forged).await.status(), StatusCode::NOT_FOUND);

        // An item waiting for next week's digest when the peer stops it.
        kudos(&app, &engineer, &[d.peer], "Thanks for the other handover").await;
        let page = anonymous.get_html(&path).await;
        assert!(page.contains("Stop the weekly digest"), "{page}");
        let response = app.api.post(&link).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let (_, mine) = app.get_json(&peer, "/api/v1/me/notifications").await;
        assert_eq!(delivery_of(&mine, "kudos_received"), "off");
        assert_eq!(delivery_of(&mine, "goal_reviewed"), "off");
        assert_eq!(delivery_of(&mine, "trophy_received"), "immediate", "what came at once stays");
        let rows = outbox_rows(app.db()).await;
        let dropped = rows.last().unwrap();
        assert!(dropped.channel == "digest" && dropped.gave_up, "{dropped:?}");
        assert_eq!(sender::work_due(app.db(), &sender, monday + Duration::days(7)).await.unwrap(), 0, "no digest next week");
    }
}
