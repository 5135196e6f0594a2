//! The notifications of the review year and of meetings: a goal or a self-evaluation
//! waiting for the manager, the self-evaluation phase opening, the reminders before its
//! deadline (once each, however many senders run, never to someone who submitted, never
//! before their day), and published meetings with their `.ics` attached, each reaching
//! exactly the right people through a real SMTP server (aiosmtpd).

use std::time::Duration;

use chrono::{Duration as Days, Utc};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use staffdev::{
    db::Db,
    notifications::{
        self,
        sender::{self, Sender},
    },
};

use crate::helpers::{TestApp, error_fields, scalar, smtp::smtp_server};

fn sender_for(app: &TestApp) -> Option<Sender> {
    Some(crate::notifications::sender_for(
        app,
        &smtp_server()?.settings(),
    ))
}

/// (kind, person) of every outbox row of `kind`, in the order written.
async fn told(db: &Db, kind: &str) -> Vec<i32> {
    let rows = db
        .conn()
        .query_all_raw(Statement::from_sql_and_values(
            db.backend(),
            "SELECT person_id FROM outbox WHERE kind = $1 ORDER BY id",
            [kind.into()],
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get::<i32>("", "person_id").unwrap())
        .collect()
}

/// Sends everything due at `at` (0 without an SMTP server); answers how many went.
async fn send_all(app: &TestApp, at: chrono::DateTime<Utc>) -> usize {
    let Some(sender) = sender_for(app) else {
        return 0;
    };
    let mut sent = 0;
    loop {
        let n = sender::send_due(app.db(), &sender, at).await.unwrap();
        if n == 0 {
            return sent;
        }
        sent += n;
    }
}

fn sorted(mut ids: Vec<i32>) -> Vec<i32> {
    ids.sort();
    ids
}

async fn put_json(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
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

async fn turn_off(app: &TestApp, token: &str, kind: &str) {
    let (status, body) = put_json(
        app,
        token,
        "/api/v1/me/notifications",
        json!({"preferences": [{"kind": kind, "delivery": "off"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn switch(app: &TestApp, cio: &str, kind: &str, on: bool) {
    let (status, body) = put_json(
        app,
        cio,
        "/api/v1/notifications/settings",
        json!({"switches": [{"kind": kind, "on": on}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

both_backends! {
    async fn a_goal_proposed_or_changed_by_its_owner_reaches_their_manager_alone(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let lead = app.token("lead@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let peer = app.token("peer@example.org").await;
        let f = app.plan_and_cycle(&cio).await;

        let goal = app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        assert_eq!(told(app.db(), "goal_waiting").await, vec![d.lead], "the manager, not the cio, the peer or the owner");

        // Edits to a proposal the manager knows of are quiet.
        let (status, _) = app.patch_json(&engineer, &format!("/api/v1/goals/{goal}"), json!({"title": "Answer much faster"})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(told(app.db(), "goal_waiting").await.len(), 1);
        // Sent back, then answered by a change: it waits again.
        let (status, _) = app.post_json(&lead, &format!("/api/v1/goals/{goal}/send-back"), json!({"comment": "How will you measure it?"})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = app.patch_json(&engineer, &format!("/api/v1/goals/{goal}"), json!({"description": "First answer within an hour."})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(told(app.db(), "goal_waiting").await, vec![d.lead, d.lead]);
        // Agreed, then changed by its owner: proposed again, and the manager hears.
        let (status, _) = app.post_json(&lead, &format!("/api/v1/goals/{goal}/agree"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, changed) = app.patch_json(&engineer, &format!("/api/v1/goals/{goal}"), json!({"title": "Answer within the hour"})).await;
        assert_eq!((status, changed["status"].as_str()), (StatusCode::OK, Some("proposed")));
        assert_eq!(told(app.db(), "goal_waiting").await.len(), 3);

        // A goal the manager proposes for a report does not wait on them to hear of it;
        // the manager's own changes neither.
        let (status, given) = app.post_json(&lead, &format!("/api/v1/cycles/{}/goals", f.cycle), json!({"person_id": d.peer, "objective_id": f.objectives[1], "title": "Write the how-to", "category": "communication"})).await;
        assert_eq!(status, StatusCode::CREATED, "{given}");
        let (status, _) = app.patch_json(&lead, &format!("/api/v1/goals/{goal}"), json!({"title": "Answer within the hour, always"})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(told(app.db(), "goal_waiting").await.len(), 3);

        // The lead's own goal reaches the cio, their manager.
        app.propose_goal(&lead, f.cycle, f.objectives[2], "Replace the old switches").await;
        assert_eq!(told(app.db(), "goal_waiting").await.last(), Some(&d.cio));

        // A manager who turned the kind off hears nothing of it.
        turn_off(&app, &lead, "goal_waiting").await;
        app.propose_goal(&peer, f.cycle, f.objectives[0], "Shorter queues").await;
        assert_eq!(told(app.db(), "goal_waiting").await.len(), 4);

        let Some(sender) = sender_for(&app) else { return };
        let smtp = smtp_server().unwrap();
        let sent = sender::send_due(app.db(), &sender, Utc::now()).await.unwrap();
        let received = smtp.wait_for(&app.state.installation_id, sent).await;
        let waiting: Vec<_> = received.iter().filter(|r| r.subject.starts_with("A goal waits for your agreement")).collect();
        assert_eq!(waiting.len(), 4, "{received:?}");
        assert!(waiting.iter().any(|r| r.to.contains("lead@") && r.text.contains("Erin Engineer proposed the goal \"Answer faster\"") && r.text.contains(&format!("/goals/{goal}"))));
        assert!(waiting.iter().any(|r| r.to.contains("lead@") && r.text.contains("Erin Engineer changed their goal \"Answer within the hour\"")));
    }
}

both_backends! {
    async fn a_submitted_self_evaluation_reaches_the_manager_and_drafts_reach_nobody(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        app.move_cycle(&cio, f.cycle, "self_evaluation").await;
        let path = format!("/api/v1/cycles/{}/self-evaluations/{}", f.cycle, d.engineer);
        let (status, _) = put_json(&app, &engineer, &path, json!({"reflection": "A year of listening."})).await;
        assert_eq!(status, StatusCode::OK);
        assert!(told(app.db(), "evaluation_waiting").await.is_empty(), "a draft waits for nobody");
        let (status, _) = app.post_json(&engineer, &format!("{path}/submit"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(told(app.db(), "evaluation_waiting").await, vec![d.lead]);

        let Some(sender) = sender_for(&app) else { return };
        let smtp = smtp_server().unwrap();
        let sent = sender::send_due(app.db(), &sender, Utc::now()).await.unwrap();
        let received = smtp.wait_for(&app.state.installation_id, sent).await;
        let email = received.iter().find(|r| r.subject == "Erin Engineer submitted their self-evaluation").expect("the lead's email");
        assert!(email.to.contains("lead@"), "{}", email.to);
        assert!(email.text.contains(&format!("/cycles/{}/self-evaluations/{}", f.cycle, d.engineer)), "{}", email.text);
    }
}

both_backends! {
    async fn the_self_evaluation_phase_opening_reaches_everyone_who_writes_one(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let peer = app.token("peer@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        turn_off(&app, &peer, "self_evaluation_opened").await;
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        assert!(told(app.db(), "self_evaluation_opened").await.is_empty(), "only the self-evaluation phase is told");
        app.move_cycle(&cio, f.cycle, "self_evaluation").await;
        // Not the advisor (no self-evaluation), not the peer (turned it off), not the cio who moved it.
        assert_eq!(sorted(told(app.db(), "self_evaluation_opened").await), sorted(vec![d.lead, d.engineer]));

        // The cio's switch off: nobody hears of the next cycle's phase.
        switch(&app, &cio, "self_evaluation_opened", false).await;
        let (status, next) = app.post_json(&cio, "/api/v1/cycles", json!({"name": "Next year", "plan_id": f.plan, "starts_on": f.starts_on, "ends_on": f.ends_on})).await;
        assert_eq!(status, StatusCode::CREATED, "{next}");
        let next = next["id"].as_i64().unwrap();
        app.move_cycle(&cio, next, "in_progress").await;
        app.move_cycle(&cio, next, "self_evaluation").await;
        assert_eq!(told(app.db(), "self_evaluation_opened").await.len(), 2);
    }
}

both_backends! {
    async fn reminders_go_a_week_and_a_day_before_the_deadline_once_each_to_those_who_have_not_submitted(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let peer = app.token("peer@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let now = Utc::now();
        let due = now.date_naive() + Days::days(10);
        let (status, cycle) = app.patch_json(&cio, &format!("/api/v1/cycles/{}", f.cycle), json!({"self_evaluation_due_on": due})).await;
        assert_eq!(status, StatusCode::OK, "{cycle}");
        assert_eq!(cycle["self_evaluation_due_on"], json!(due));

        // Not in self-evaluation yet: no reminder, even on its day.
        assert_eq!(notifications::remind_due(app.db(), chrono_tz::Tz::UTC, now + Days::days(3)).await.unwrap(), 0);
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        app.move_cycle(&cio, f.cycle, "self_evaluation").await;
        // The peer submits; the engineer keeps a draft.
        let path = format!("/api/v1/cycles/{}/self-evaluations/{}", f.cycle, d.peer);
        put_json(&app, &peer, &path, json!({"reflection": "Done early."})).await;
        let (status, _) = app.post_json(&peer, &format!("{path}/submit"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let engineer = app.token("eng@example.org").await;
        put_json(&app, &engineer, &format!("/api/v1/cycles/{}/self-evaluations/{}", f.cycle, d.engineer), json!({"reflection": "Half done."})).await;

        // Before the week's day: nothing, and no write at all.
        let before = app.db().generation();
        assert_eq!(notifications::remind_due(app.db(), chrono_tz::Tz::UTC, now + Days::days(2)).await.unwrap(), 0);
        assert_eq!(app.db().generation(), before, "an idle look takes no write");
        assert!(told(app.db(), "self_evaluation_reminder").await.is_empty());

        // A week before: once, however often the sender goes round.
        let week = now + Days::days(3);
        assert_eq!(notifications::remind_due(app.db(), chrono_tz::Tz::UTC, week).await.unwrap(), 1);
        assert_eq!(notifications::remind_due(app.db(), chrono_tz::Tz::UTC, week).await.unwrap(), 0);
        assert_eq!(notifications::remind_due(app.db(), chrono_tz::Tz::UTC, week + Days::days(2)).await.unwrap(), 0);
        let expected = sorted(vec![d.cio, d.lead, d.engineer]);
        assert_eq!(sorted(told(app.db(), "self_evaluation_reminder").await), expected, "not the peer who submitted, not the advisor");
        let mut sent = send_all(&app, week).await;

        // The day before, two instances at once: one of them writes it.
        let other = Db::connect(&app.database.url, 2).await.unwrap();
        let day = now + Days::days(9);
        let (a, b) = tokio::join!(notifications::remind_due(app.db(), chrono_tz::Tz::UTC, day), notifications::remind_due(&other, chrono_tz::Tz::UTC, day));
        assert_eq!(a.unwrap() + b.unwrap(), 1, "exactly one instance reminded");
        assert_eq!(told(app.db(), "self_evaluation_reminder").await.len(), 6);
        // The deadline itself and after: nothing more.
        for later in [10, 11, 30] {
            assert_eq!(notifications::remind_due(app.db(), chrono_tz::Tz::UTC, now + Days::days(later)).await.unwrap(), 0);
        }
        assert_eq!(told(app.db(), "self_evaluation_reminder").await.len(), 6);

        sent += send_all(&app, day).await;
        let Some(smtp) = smtp_server() else { return };
        let received = smtp.wait_for(&app.state.installation_id, sent).await;
        let reminders: Vec<_> = received.iter().filter(|r| r.subject.starts_with("Your self-evaluation for This year is due")).collect();
        assert_eq!(reminders.len(), 6, "{received:?}");
        assert_eq!(reminders.iter().filter(|r| r.subject.ends_with("due in 7 days")).count(), 3);
        assert_eq!(reminders.iter().filter(|r| r.subject.ends_with("due tomorrow")).count(), 3);
        assert!(reminders.iter().all(|r| !r.to.contains("peer@")));
    }
}

both_backends! {
    async fn a_new_deadline_gets_its_own_reminders_and_the_last_day_alone_sends_one(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        app.move_cycle(&cio, f.cycle, "self_evaluation").await;
        let now = Utc::now();
        // Set one day ahead: the week's reminder never went, only the day's goes.
        let due = now.date_naive() + Days::days(1);
        let (status, _) = app.patch_json(&cio, &format!("/api/v1/cycles/{}", f.cycle), json!({"self_evaluation_due_on": due})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(notifications::remind_due(app.db(), chrono_tz::Tz::UTC, now).await.unwrap(), 1);
        assert_eq!(notifications::remind_due(app.db(), chrono_tz::Tz::UTC, now).await.unwrap(), 0);
        let members = sorted(vec![d.cio, d.lead, d.engineer, d.peer]);
        assert_eq!(sorted(told(app.db(), "self_evaluation_reminder").await), members);
        // Moved a week later: reminded again when its day comes.
        let (status, _) = app.patch_json(&cio, &format!("/api/v1/cycles/{}", f.cycle), json!({"self_evaluation_due_on": due + Days::days(7)})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(notifications::remind_due(app.db(), chrono_tz::Tz::UTC, now + Days::days(1)).await.unwrap(), 1);
        assert_eq!(told(app.db(), "self_evaluation_reminder").await.len(), 8);
        // Saving the cycle with the same deadline forgets nothing.
        let (status, _) = app.patch_json(&cio, &format!("/api/v1/cycles/{}", f.cycle), json!({"name": "This year", "self_evaluation_due_on": due + Days::days(7)})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(notifications::remind_due(app.db(), chrono_tz::Tz::UTC, now + Days::days(2)).await.unwrap(), 0);
        // No deadline: no reminder.
        let (status, cycle) = app.patch_json(&cio, &format!("/api/v1/cycles/{}", f.cycle), json!({"self_evaluation_due_on": null})).await;
        assert_eq!(status, StatusCode::OK);
        assert!(cycle.get("self_evaluation_due_on").is_none(), "{cycle}");
        assert_eq!(notifications::remind_due(app.db(), chrono_tz::Tz::UTC, now + Days::days(7)).await.unwrap(), 0);
    }
}

both_backends! {
    async fn a_bad_self_evaluation_deadline_is_refused_with_its_field_named(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let path = format!("/api/v1/cycles/{}", f.cycle);
        let cases = [
            json!({"self_evaluation_due_on": f.ends_on + Days::days(1)}),
            json!({"self_evaluation_due_on": f.starts_on - Days::days(1)}),
            json!({"self_evaluation_due_on": "next friday"}),
            json!({"self_evaluation_due_on": "2027-02-30"}),
            json!({"self_evaluation_due_on": 20270101}),
        ];
        for body in cases {
            let (status, problem) = app.patch_json(&cio, &path, body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {problem}");
            assert_eq!(error_fields(&problem), ["self_evaluation_due_on"], "{body}: {problem}");
        }
        // Moving the cycle's end before its deadline is refused on the deadline.
        let due = f.ends_on - Days::days(5);
        let (status, _) = app.patch_json(&cio, &path, json!({"self_evaluation_due_on": due})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, problem) = app.patch_json(&cio, &path, json!({"ends_on": due - Days::days(1)})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(error_fields(&problem), ["self_evaluation_due_on"]);
        let (_, cycle) = app.get_json(&cio, &path).await;
        assert_eq!((cycle["ends_on"].clone(), cycle["self_evaluation_due_on"].clone()), (json!(f.ends_on), json!(due)), "nothing changed");
        // On opening a cycle too.
        let (status, problem) = app.post_json(&cio, "/api/v1/cycles", json!({"name": "Next", "plan_id": f.plan, "starts_on": f.starts_on, "ends_on": f.ends_on, "self_evaluation_due_on": f.ends_on + Days::days(3)})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(error_fields(&problem), ["self_evaluation_due_on"]);

        // The pages: the same refusal next to the field, then the deadline shown.
        let browser = app.signed_in("cio@example.org").await;
        let edit = format!("/cycles/{}/edit", f.cycle);
        let fields = |due: String| vec![("name".to_owned(), "This year".to_owned()), ("starts_on".to_owned(), f.starts_on.to_string()), ("ends_on".to_owned(), f.ends_on.to_string()), ("self_evaluation_due_on".to_owned(), due)];
        let bad = fields((f.ends_on + Days::days(1)).to_string());
        let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let response = browser.post_form(&edit, &edit, &bad).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = response.text().await.unwrap();
        assert!(page.contains(r#"id="self_evaluation_due_on-error""#) && page.contains("Self-evaluations must be due within the cycle"), "{page}");
        let good_due = f.ends_on - Days::days(20);
        let good = fields(good_due.to_string());
        let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let response = browser.post_form(&edit, &edit, &good).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let shown = staffdev::dates::Shown::as_day(&good_due);
        let list = browser.get_html("/cycles").await;
        assert!(list.contains(&format!("self-evaluations due on {shown}")), "{list}");
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        app.move_cycle(&cio, f.cycle, "self_evaluation").await;
        let own = app.signed_in("eng@example.org").await.get_html(&format!("/cycles/{}/self-evaluations/{}", f.cycle, d.engineer)).await;
        assert!(own.contains(&format!("due on {shown}")), "{own}");
    }
}

/// Plans and publishes nothing: a draft quarterly meeting on a fixed day, with one item.
async fn draft_meeting(app: &TestApp, cio: &str, title: &str) -> i64 {
    let (status, meeting) = app.post_json(cio, "/api/v1/meetings", json!({"kind": "quarterly", "title": title, "starts_at": "2027-01-14T13:00:00Z", "location": "Library, room 2"})).await;
    assert_eq!(status, StatusCode::CREATED, "{meeting}");
    let id = meeting["id"].as_i64().unwrap();
    let (status, item) = app.post_json(cio, &format!("/api/v1/meetings/{id}/items"), json!({"kind": "question", "title": "Our values", "prompt": "What are our values?", "planned_minutes": 30})).await;
    assert_eq!(status, StatusCode::CREATED, "{item}");
    id
}

both_backends! {
    async fn a_published_meeting_reaches_everyone_with_its_calendar_file_and_so_do_its_changes(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        turn_off(&app, &engineer, "meeting_published").await;
        let id = draft_meeting(&app, &cio, "Winter meeting").await;
        let (status, _) = app.patch_json(&cio, &format!("/api/v1/meetings/{id}"), json!({"location": "Library, room 3"})).await;
        assert_eq!(status, StatusCode::OK);
        assert!(told(app.db(), "meeting_published").await.is_empty(), "a draft's changes are nobody's news");

        let (status, _) = app.post_json(&cio, &format!("/api/v1/meetings/{id}/publish"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        // Everyone active, the advisor included; not the engineer (turned off), not the cio who published.
        let everyone = sorted(vec![d.lead, d.peer, d.advisor]);
        assert_eq!(sorted(told(app.db(), "meeting_published").await), everyone);

        // A new place, then a new agenda item: each is a change, written to wait ten
        // minutes, and the later supersedes what the earlier left unsent. A new
        // facilitator alone is nobody's news.
        let (status, _) = app.patch_json(&cio, &format!("/api/v1/meetings/{id}"), json!({"location": "Main hall"})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(told(app.db(), "meeting_published").await.len(), 6);
        let (status, _) = app.post_json(&cio, &format!("/api/v1/meetings/{id}/items"), json!({"kind": "break", "title": "Coffee", "planned_minutes": 15})).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(told(app.db(), "meeting_published").await.len(), 9);
        let (status, _) = app.patch_json(&cio, &format!("/api/v1/meetings/{id}"), json!({"facilitator_id": d.lead})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(told(app.db(), "meeting_published").await.len(), 9);
        let superseded = scalar(app.db(), &format!("SELECT COUNT(*) FROM outbox WHERE last_error = '{}'", notifications::SUPERSEDED)).await;
        assert_eq!(superseded, 3, "the place's change is told with the agenda's");

        let Some(sender) = sender_for(&app) else { return };
        let smtp = smtp_server().unwrap();
        // Now only the publication goes; the change waits its ten minutes, then goes once.
        assert_eq!(send_all(&app, Utc::now()).await, 3);
        assert_eq!(send_all(&app, Utc::now() + notifications::MEETING_CHANGE_WAIT + chrono::Duration::seconds(30)).await, 3);
        let received = smtp.wait_for(&app.state.installation_id, 6).await;
        assert_eq!(received.len(), 6);
        let uid = format!("meeting-{id}-{}@staffdev", app.state.installation_id);
        let published: Vec<_> = received.iter().filter(|r| r.subject == "Meeting: Winter meeting").collect();
        assert_eq!(published.len(), 3);
        for email in &received {
            let calendar = parse_calendar(&email.calendar);
            assert_eq!(value(&calendar.properties, "METHOD"), Some("PUBLISH"), "{}", email.calendar);
            let event = &calendar.events[0];
            assert_eq!(value(&event.properties, "UID"), Some(uid.as_str()));
            assert_eq!(value(&event.properties, "DTSTART"), Some("20270114T130000Z"));
            assert!(email.calendar_type.starts_with("text/calendar") && email.calendar_type.contains("PUBLISH"), "{}", email.calendar_type);
            assert_eq!(email.calendar_filename, "winter-meeting-2027-01-14.ics");
            assert!(email.text.contains("When: Thursday 14 Jan 2027, 13:00 to 17:00 (UTC)"), "{}", email.text);
            assert!(!email.to.contains("eng@") && !email.to.contains("cio@"), "{}", email.to);
        }
        assert!(published.iter().all(|r| r.text.contains("Where: Library, room 3")));
        let latest: Vec<_> = received.iter().filter(|r| r.text.contains("Coffee")).collect();
        assert_eq!(latest.len(), 3, "the change carries the new agenda");
        assert!(latest.iter().all(|r| r.text.contains("Where: Main hall")), "and the new place");

        // Cancelled: everyone hears, and the file removes it from their calendar.
        let (status, _) = app.post_json(&cio, &format!("/api/v1/meetings/{id}/cancel"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(sender::send_due(app.db(), &sender, Utc::now()).await.unwrap(), 3);
        let received = smtp.wait_for(&app.state.installation_id, 9).await;
        let cancelled: Vec<_> = received.iter().filter(|r| r.subject == "Meeting cancelled: Winter meeting").collect();
        assert_eq!(cancelled.len(), 3);
        for email in cancelled {
            let calendar = parse_calendar(&email.calendar);
            assert_eq!(value(&calendar.properties, "METHOD"), Some("CANCEL"));
            assert_eq!(value(&calendar.events[0].properties, "STATUS"), Some("CANCELLED"));
        }
    }
}

both_backends! {
    async fn with_the_department_switch_off_nobody_hears_of_meetings(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        switch(&app, &cio, "meeting_published", false).await;
        let id = draft_meeting(&app, &cio, "Retreat planning").await;
        let (status, _) = app.post_json(&cio, &format!("/api/v1/meetings/{id}/publish"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = app.post_json(&cio, &format!("/api/v1/meetings/{id}/cancel"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert!(told(app.db(), "meeting_published").await.is_empty());
        // A draft cancelled is nobody's news either, switch or not.
        switch(&app, &cio, "meeting_published", true).await;
        let id = draft_meeting(&app, &cio, "Never held").await;
        let (status, _) = app.post_json(&cio, &format!("/api/v1/meetings/{id}/cancel"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert!(told(app.db(), "meeting_published").await.is_empty());
        let _ = d;
    }
}

fn parse_calendar(text: &str) -> ical::parser::ical::component::IcalCalendar {
    assert!(text.starts_with("BEGIN:VCALENDAR"), "{text}");
    ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()))
        .next()
        .expect("a calendar")
        .expect("the calendar parses")
}

fn value<'a>(properties: &'a [ical::property::Property], name: &str) -> Option<&'a str> {
    properties
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
}

both_backends! {
    async fn a_serving_instance_with_a_mail_server_sends_the_reminders_on_its_own(app, settings = |s: &mut staffdev::config::Settings| {
        if let Some(smtp) = smtp_server() {
            s.smtp = Some(smtp.settings());
            s.notification_idle = Duration::from_millis(50);
        }
    }) {
        let Some(smtp) = smtp_server() else { return };
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        switch(&app, &cio, "self_evaluation_opened", false).await;
        let due = Utc::now().date_naive() + Days::days(1);
        let (status, _) = app.patch_json(&cio, &format!("/api/v1/cycles/{}", f.cycle), json!({"self_evaluation_due_on": due})).await;
        assert_eq!(status, StatusCode::OK);
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        app.move_cycle(&cio, f.cycle, "self_evaluation").await;
        let received = smtp.wait_for(&app.state.installation_id, 4).await;
        assert_eq!(received.len(), 4, "the app's own sender wrote and sent the day's reminder: {received:?}");
        assert!(received.iter().all(|r| r.subject == "Your self-evaluation for This year is due tomorrow"));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(smtp.received_from(&app.state.installation_id).len(), 4, "and only once");
        assert_eq!(told(app.db(), "self_evaluation_reminder").await.len(), 4);
        let _ = d;
    }
}

both_backends! {
    async fn a_meeting_cancelled_while_a_change_waits_is_told_as_cancelled_only(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let id = draft_meeting(&app, &cio, "Spring meeting").await;
        let (status, _) = app.post_json(&cio, &format!("/api/v1/meetings/{id}/publish"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let Some(_) = sender_for(&app) else { return };
        let smtp = smtp_server().unwrap();
        assert_eq!(send_all(&app, Utc::now()).await, 4, "the publication went to the four others");
        let (status, _) = app.patch_json(&cio, &format!("/api/v1/meetings/{id}"), json!({"location": "Main hall"})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = app.post_json(&cio, &format!("/api/v1/meetings/{id}/cancel"), json!({})).await;
        assert_eq!(status, StatusCode::OK);

        // The waiting change never goes; the cancellation does, at once.
        assert_eq!(send_all(&app, Utc::now() + notifications::MEETING_CHANGE_WAIT * 2).await, 4);
        let received = smtp.wait_for(&app.state.installation_id, 8).await;
        assert_eq!(received.len(), 8);
        assert_eq!(received.iter().filter(|r| r.subject == "Meeting cancelled: Spring meeting").count(), 4);
        assert_eq!(received.iter().filter(|r| r.subject == "Meeting: Spring meeting").count(), 4, "the change was not told");
        let withdrawn = scalar(app.db(), &format!("SELECT COUNT(*) FROM outbox WHERE last_error = '{}'", notifications::WITHDRAWN_CANCELLED)).await;
        assert_eq!(withdrawn, 4);
    }
}
