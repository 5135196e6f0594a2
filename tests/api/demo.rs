//! The demo department loads into an empty database and into no other.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use staffdev::entities::{
    announcement, compliment, kudos, kudos_recipient, notebook_entry, person, trophy,
};

use crate::helpers::TestApp;

/// An API token for a demo account (the demo has its own password).
async fn demo_token(app: &TestApp, email: &str) -> String {
    let response = app
        .api
        .post(app.url("/api/v1/auth/tokens"))
        .json(&serde_json::json!({"email": email, "password": staffdev::demo::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

both_backends! {
    async fn the_demo_department_loads_once_and_is_believable(app) {
        staffdev::demo::load(app.db()).await.expect("the demo loads");
        let cio = demo_token(&app, staffdev::demo::CIO_EMAIL).await;
        let (_, people) = app.get_json(&cio, "/api/v1/people?limit=200").await;
        assert_eq!(people["items"].as_array().unwrap().len(), 25);
        let (_, cycles) = app.get_json(&cio, "/api/v1/cycles").await;
        let phases: Vec<&str> = cycles.as_array().unwrap().iter().map(|c| c["phase"].as_str().unwrap()).collect();
        assert_eq!(phases, ["in_progress", "closed"]);
        let (_, plan) = app.get_json(&cio, &format!("/api/v1/plans/{}", cycles[0]["plan_id"])).await;
        let objectives: usize = plan["goals"].as_array().unwrap().iter().map(|g| g["objectives"].as_array().unwrap().len()).sum();
        assert_eq!(objectives, 10);
        let (_, team) = app.get_json(&cio, &format!("/api/v1/team?cycle_id={}", cycles[1]["id"])).await;
        let reviewed = team["members"].as_array().unwrap().iter().filter(|m| m["self_evaluation"] == "reviewed").count();
        assert!(reviewed >= 3, "{reviewed} reviewed self-evaluations");
        let (_, skills) = app.get_json(&cio, "/api/v1/skills").await;
        assert_eq!(skills.as_array().unwrap().len(), 12);
        assert!(staffdev::demo::load(app.db()).await.is_err(), "never into a database with people");
    }
}

both_backends! {
    async fn a_year_of_recognition_comes_with_the_demo_and_keeps_the_rules(app) {
        staffdev::demo::load(app.db()).await.expect("the demo loads");
        let conn = app.db().conn();
        let now = Utc::now();
        let people = person::Entity::find().all(conn).await.unwrap();
        let cio_id = people.iter().find(|p| p.email == staffdev::demo::CIO_EMAIL).unwrap().id;
        let staff: HashSet<i32> = people.iter().filter(|p| p.active && p.role != "advisor").map(|p| p.id).collect();
        assert_eq!(staff.len(), 23);

        // One trophy; its notebook is one numbered chain through most of the department.
        let trophies = trophy::Entity::find().all(conn).await.unwrap();
        assert_eq!(trophies.len(), 1);
        let trophy = &trophies[0];
        assert_eq!(trophy.name, "The Big Ugly Trophy");
        assert!(staffdev::recognition::chain_is_unbroken(app.db(), trophy.id).await.unwrap());
        let entries = notebook_entry::Entity::find()
            .filter(notebook_entry::Column::TrophyId.eq(trophy.id))
            .order_by_asc(notebook_entry::Column::Seq)
            .all(conn)
            .await
            .unwrap();
        assert_eq!(entries.len(), 37, "the README promises 37 notebook entries");
        let first = &entries[0];
        assert_eq!((first.seq, first.kind.as_str(), first.giver_id, first.recorded_by_id), (1, "created", None, cio_id));
        assert!(first.created_at < now - Duration::days(360), "created about a year ago");
        assert_eq!(first.created_at, trophy.created_at);
        for pair in entries.windows(2) {
            let (before, entry) = (&pair[0], &pair[1]);
            assert_eq!(entry.seq, before.seq + 1);
            assert_eq!(entry.kind, "pass");
            assert_eq!(entry.giver_id, Some(before.receiver_id));
            assert_eq!(entry.recorded_by_id, before.receiver_id);
            assert_ne!(entry.receiver_id, before.receiver_id, "never to oneself");
            assert!(entry.created_at > before.created_at, "seq {} comes after seq {}", entry.seq, before.seq);
            assert!((10..=2000).contains(&entry.message.chars().count()), "{}", entry.message);
        }
        let last = entries.last().unwrap();
        assert_eq!((trophy.holder_id, trophy.held_since, trophy.entries as usize), (last.receiver_id, last.created_at, entries.len()));
        assert!(last.created_at < now, "nothing in the future");
        let holders: HashSet<i32> = entries.iter().map(|e| e.receiver_id).collect();
        assert!(holders.is_subset(&staff));
        assert!(holders.len() * 4 >= staff.len() * 3, "{} of {} people held the trophy", holders.len(), staff.len());

        // A few hundred kudos from staff to one to three colleagues, tagged with the plan's values.
        let all_kudos = kudos::Entity::find().all(conn).await.unwrap();
        assert_eq!(all_kudos.len(), 300, "the README promises 300 kudos");
        let recipients = kudos_recipient::Entity::find().all(conn).await.unwrap();
        let mut to: HashMap<i64, Vec<i32>> = HashMap::new();
        for r in &recipients {
            to.entry(r.kudos_id).or_default().push(r.person_id);
        }
        let values = ["Service first", "Plain language", "Proactive care", "Learning every day", "One team"];
        let mut tagged = 0;
        let mut recent: HashMap<i32, usize> = staff.iter().map(|id| (*id, 0)).collect();
        for k in &all_kudos {
            assert!(staff.contains(&k.giver_id));
            let mine = &to[&k.id];
            assert!((1..=3).contains(&mine.len()), "kudos {} has {} recipients", k.id, mine.len());
            assert!(mine.iter().all(|p| *p != k.giver_id && staff.contains(p)), "kudos {}", k.id);
            assert!(k.created_at < now && k.created_at > now - Duration::days(370));
            assert!(k.hidden_at.is_none());
            if !k.value_tags.is_empty() {
                tagged += 1;
                assert!(k.value_tags.split('\n').all(|t| values.contains(&t)), "{:?}", k.value_tags);
            }
            if k.created_at > now - Duration::days(90) {
                for p in mine {
                    *recent.get_mut(p).unwrap() += 1;
                }
            }
        }
        assert!(tagged > 50 && tagged < all_kudos.len(), "{tagged} tagged kudos");
        let mut by_time = all_kudos.clone();
        by_time.sort_by_key(|k| k.created_at);
        assert!(by_time.windows(2).all(|p| p[0].id < p[1].id), "ids grow with time");
        // The recognition balance has something to show: some receive many, a couple none.
        let counts: Vec<usize> = recent.values().copied().collect();
        assert!(counts.iter().filter(|c| **c >= 7).count() >= 2, "{recent:?}");
        assert!(counts.iter().filter(|c| **c == 0).count() >= 2, "{recent:?}");

        // A dozen compliments from outside IT, and one a client gave in the survey, posted
        // by the cio shortly after.
        let compliments = compliment::Entity::find().all(conn).await.unwrap();
        assert_eq!(compliments.len(), 13);
        let (from_clients, compliments): (Vec<_>, Vec<_>) =
            compliments.into_iter().partition(|c| c.channel == "client_survey");
        assert_eq!(from_clients.len(), 1, "one client compliment already posted from the survey queue");
        assert!(from_clients.iter().all(|c| c.posted_by_id == cio_id && c.created_at.date_naive() >= c.received_on));
        for c in &compliments {
            assert_eq!(c.posted_by_id, cio_id);
            assert!(staff.contains(&c.person_id));
            assert!(c.channel.parse::<staffdev::recognition::Channel>().is_ok(), "{}", c.channel);
            let posted = c.created_at.date_naive();
            assert!(posted > c.received_on && posted <= c.received_on + Duration::days(4), "{c:?}");
            assert!(c.created_at < now && c.hidden_at.is_none());
        }
        let announcements = announcement::Entity::find().all(conn).await.unwrap();
        assert_eq!(announcements.len(), 6);
        assert!(announcements.iter().all(|a| a.posted_by_id == cio_id && a.created_at < now && a.hidden_at.is_none()));

        // The portal shows it.
        let cio = demo_token(&app, staffdev::demo::CIO_EMAIL).await;
        let (status, portal) = app.get_json(&cio, "/api/v1/portal").await;
        assert_eq!(status, StatusCode::OK, "{portal}");
        assert_eq!(portal["trophies"][0]["name"], "The Big Ugly Trophy");
        assert_eq!(portal["trophies"][0]["entries"], entries.len());
        assert_eq!(portal["kudos"]["items"].as_array().unwrap().len(), 20);
        assert_eq!(portal["notebook"][0]["seq"], last.seq);
        assert_eq!(portal["compliments"].as_array().unwrap().len(), 5);
        assert_eq!(portal["announcements"].as_array().unwrap().len(), 5);
    }
}

both_backends! {
    async fn the_demo_tells_a_story_across_last_cycle_and_this_one(app) {
        use chrono::NaiveDate;
        use staffdev::entities::{skill, skill_assessment};
        staffdev::demo::load(app.db()).await.expect("the demo loads");
        let conn = app.db().conn();
        let now = Utc::now();

        // Two advisors: a faculty member and a student.
        let people = person::Entity::find().all(conn).await.unwrap();
        let advisors: Vec<(&str, &str)> = people.iter().filter(|p| p.role == "advisor").map(|p| (p.name.as_str(), p.job_title.as_str())).collect();
        assert_eq!(advisors, [("Alan Grant", "Advisory Committee (Faculty)"), ("Sofia Lind", "Advisory Committee (Students)")]);

        // A handful of ideas in each status, answered by the cio; one adopted idea feeds an
        // objective, one was taken up at the retreat's ideas item.
        let advisor = demo_token(&app, "alan.grant@example.org").await;
        for status in ["new", "under_consideration", "adopted", "declined"] {
            let (code, page) = app.get_json(&advisor, &format!("/api/v1/ideas?status={status}")).await;
            assert_eq!(code, StatusCode::OK, "{page}");
            let items = page["items"].as_array().unwrap();
            assert!(items.len() >= 2, "{} {status} ideas", items.len());
            for idea in items {
                assert_eq!(idea["reply"].is_string(), status != "new", "{idea}");
                if status != "new" {
                    assert_eq!(idea["replied_by"]["name"], "Morgan Reyes");
                }
            }
            if status == "adopted" {
                assert!(items.iter().any(|i| i["objective"]["code"] == "G4.2"), "{page}");
                assert!(items.iter().any(|i| i["meeting_item"]["meeting_title"] == "Annual retreat"), "{page}");
            }
        }
        let (_, all) = app.get_json(&advisor, "/api/v1/ideas?limit=200").await;
        let submitters: HashSet<&str> = all["items"].as_array().unwrap().iter().map(|i| i["submitted_by"]["name"].as_str().unwrap()).collect();
        assert!(submitters.contains("Alan Grant") && submitters.contains("Sofia Lind") && submitters.len() > 2, "{submitters:?}");

        // One objective nobody works on, in either cycle.
        let cio = demo_token(&app, staffdev::demo::CIO_EMAIL).await;
        let (_, cycles) = app.get_json(&cio, "/api/v1/cycles").await;
        for cycle in cycles.as_array().unwrap() {
            let (_, plan) = app.get_json(&cio, &format!("/api/v1/plans/{}?cycle_id={}", cycle["plan_id"], cycle["id"])).await;
            let uncovered: Vec<&str> = plan["goals"].as_array().unwrap().iter()
                .flat_map(|g| g["objectives"].as_array().unwrap().iter())
                .filter(|o| o["linked_goals"] == 0)
                .map(|o| o["code"].as_str().unwrap())
                .collect();
            assert_eq!(uncovered, ["G4.2"], "cycle {}", cycle["name"]);
        }

        // Communication skills rising: the average current level of communication skills
        // (each person's latest assessment within the cycle) is higher this cycle than last.
        let communication: HashSet<i32> = skill::Entity::find().all(conn).await.unwrap().into_iter().filter(|s| s.category == "communication").map(|s| s.id).collect();
        let assessments = skill_assessment::Entity::find().order_by_asc(skill_assessment::Column::AssessedOn).order_by_asc(skill_assessment::Column::Id).all(conn).await.unwrap();
        let average_current = |from: NaiveDate, to: NaiveDate| {
            let mut current: HashMap<(i32, i32), i16> = HashMap::new();
            for a in assessments.iter().filter(|a| communication.contains(&a.skill_id) && a.assessed_on >= from && a.assessed_on <= to) {
                current.insert((a.person_id, a.skill_id), a.level);
            }
            assert!(current.len() >= 10, "{} people and skills assessed", current.len());
            current.values().map(|l| f64::from(*l)).sum::<f64>() / current.len() as f64
        };
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let (last, this) = (average_current(date(cycles[1]["starts_on"].as_str().unwrap()), date(cycles[1]["ends_on"].as_str().unwrap())), average_current(date(cycles[0]["starts_on"].as_str().unwrap()), date(cycles[0]["ends_on"].as_str().unwrap())));
        assert!(this > last + 0.5, "communication: {last:.2} last cycle, {this:.2} this cycle");

        // Kudos spreading to more people: more distinct receivers in the last three months
        // than in the first three.
        let kudos_at: HashMap<i64, chrono::DateTime<Utc>> = kudos::Entity::find().all(conn).await.unwrap().into_iter().map(|k| (k.id, k.created_at)).collect();
        let receivers = kudos_recipient::Entity::find().all(conn).await.unwrap();
        let distinct = |from: chrono::DateTime<Utc>, to: chrono::DateTime<Utc>| {
            receivers.iter().filter(|r| (from..to).contains(&kudos_at[&r.kudos_id])).map(|r| r.person_id).collect::<HashSet<i32>>().len()
        };
        let first = *kudos_at.values().min().unwrap();
        let early = distinct(first, first + Duration::days(91));
        let recent = distinct(now - Duration::days(91), now);
        assert!(recent > early + 3, "{early} people thanked in the first three months, {recent} in the last three");
    }
}

both_backends! {
    async fn the_demo_publishes_last_years_report_and_its_retreat_reviews_the_year(app) {
        let started = std::time::Instant::now();
        staffdev::demo::load(app.db()).await.expect("the demo loads");
        eprintln!("demo loaded in {:?}", started.elapsed());
        let advisor = demo_token(&app, "alan.grant@example.org").await;
        let (_, cycles) = app.get_json(&advisor, "/api/v1/cycles").await;
        let closed = cycles.as_array().unwrap().iter().find(|c| c["phase"] == "closed").unwrap();
        let (status, list) = app.get_json(&advisor, "/api/v1/reports").await;
        assert_eq!(status, StatusCode::OK);
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{list}");
        assert_eq!((&items[0]["period_from"], &items[0]["period_to"]), (&closed["starts_on"], &closed["ends_on"]));
        let (_, report) = app.get_json(&advisor, &format!("/api/v1/reports/{}", items[0]["id"])).await;
        assert_eq!(report["summary"]["period"]["cycle_id"], closed["id"]);
        assert!(report["introduction"].as_str().unwrap().len() > 100, "{report}");
        let row = staffdev::entities::annual_report::Entity::find().one(app.db().conn()).await.unwrap().unwrap();
        let cio = person::Entity::find().filter(person::Column::Email.eq(staffdev::demo::CIO_EMAIL)).one(app.db().conn()).await.unwrap().unwrap();
        assert_eq!(row.published_by_id, cio.id, "published by the cio");
        let (_, portal) = app.get_json(&advisor, "/api/v1/portal").await;
        assert_eq!(portal["latest_report"]["id"], items[0]["id"]);

        let (_, meetings) = app.get_json(&advisor, "/api/v1/meetings").await;
        let retreat = meetings.as_array().or_else(|| meetings["items"].as_array()).unwrap().iter().find(|m| m["kind"] == "retreat").unwrap()["id"].as_i64().unwrap();
        let browser = app.browser();
        let response = browser.post_form("/sign-in", "/sign-in", &[("email", "alan.grant@example.org"), ("password", staffdev::demo::PASSWORD), ("next", "/")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let html = browser.get_html(&format!("/meetings/{retreat}")).await;
        assert!(html.contains("The year in review: "), "{html}");
        // G4.2 has nobody working on it: the report lists it or says the list is hidden,
        // and never says every objective is covered.
        let html = browser.get_html(&format!("/reports/{}", items[0]["id"])).await;
        assert!(html.contains("Annual report 2025–26"), "{html}");
        assert!(!html.contains("Every objective has someone working on it."), "{html}");
    }
}

/// The goal and skill figures (each `now` and `before`) the cio sees, and how many of
/// them `reader` does not.
fn withheld_share(cio: &serde_json::Value, reader: &serde_json::Value) -> (usize, usize) {
    use serde_json::Value;
    match (cio, reader) {
        (Value::Object(c), Value::Object(r)) => {
            let mut counted = (0, 0);
            for (key, value) in c {
                if (key == "now" || key == "before") && !value.is_null() {
                    counted.0 += 1;
                    counted.1 += usize::from(r.get(key).is_none_or(Value::is_null));
                } else if key != "change" {
                    let (all, hidden) = withheld_share(value, r.get(key).unwrap_or(&Value::Null));
                    counted = (counted.0 + all, counted.1 + hidden);
                }
            }
            counted
        }
        (Value::Array(c), Value::Array(r)) if c.len() == r.len() => {
            c.iter().zip(r).fold((0, 0), |(all, hidden), (c, r)| {
                let (a, h) = withheld_share(c, r);
                (all + a, hidden + h)
            })
        }
        _ => (0, 0),
    }
}

both_backends! {
    async fn an_advisor_reads_the_demo_story_in_this_cycles_summary(app) {
        staffdev::demo::load(app.db()).await.expect("the demo loads");
        let advisor = demo_token(&app, "alan.grant@example.org").await;
        let cio = demo_token(&app, staffdev::demo::CIO_EMAIL).await;
        let (_, cycles) = app.get_json(&cio, "/api/v1/cycles").await;
        let this = cycles.as_array().unwrap().iter().find(|c| c["phase"] == "in_progress").unwrap();
        let path = format!("/api/v1/summaries?cycle_id={}", this["id"]);
        let (status, exact) = app.get_json(&cio, &path).await;
        assert_eq!(status, StatusCode::OK, "{exact}");
        let (status, summary) = app.get_json(&advisor, &path).await;
        assert_eq!(status, StatusCode::OK, "{summary}");
        assert_eq!(summary["exact"], false);
        let mut all = 0;
        let mut hidden = 0;
        for section in ["coverage", "skills"] {
            let (a, h) = withheld_share(&exact[section], &summary[section]);
            eprintln!("{section}: {h} of {a} figures withheld from an advisor");
            (all, hidden) = (all + a, hidden + h);
        }
        eprintln!("goals and skills: {hidden} of {all} figures withheld ({:.0}%)", 100.0 * hidden as f64 / all as f64);

        // Communication skills: the category's current average and the people assessed.
        let communication = summary["skills"]["categories"].as_array().unwrap().iter().find(|c| c["category"] == "communication").unwrap();
        let exact_communication = exact["skills"]["categories"].as_array().unwrap().iter().find(|c| c["category"] == "communication").unwrap();
        assert_eq!(communication["assessed"]["now"], exact_communication["assessed"]["now"], "{communication}");
        assert_eq!(communication["current"]["now"], exact_communication["current"]["now"], "{communication}");
        assert!(communication["current"]["change"].as_f64().is_some_and(|c| c > 0.0), "rising: {communication}");

        // G4.2 nobody works on, and the list says so.
        let uncovered: Vec<&str> = summary["coverage"]["uncovered"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect();
        assert!(uncovered.iter().any(|u| u.starts_with("G4.2 ")), "{uncovered:?}");
        let g42 = summary["coverage"]["goals"].as_array().unwrap().iter().flat_map(|g| g["objectives"].as_array().unwrap()).find(|o| o["code"] == "G4.2").unwrap();
        assert_eq!(g42["outcomes"]["linked"]["now"], 0, "{g42}");

        // Kudos are public: their figures are shown.
        let r = &summary["recognition"];
        assert!(r["kudos"]["now"].as_i64().is_some_and(|k| k > 0), "{r}");
        assert!(r["receivers"]["now"].as_i64().is_some_and(|k| k > 0), "{r}");
        assert!(hidden * 2 < all, "{hidden} of {all} figures withheld");

        // The summary page lists it too.
        let browser = app.browser();
        let response = browser.post_form("/sign-in", "/sign-in", &[("email", "alan.grant@example.org"), ("password", staffdev::demo::PASSWORD), ("next", "/")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let html = browser.get_html(&format!("/summaries?cycle_id={}", this["id"])).await;
        let listed = html.split("Objectives nobody works on:").nth(1).unwrap_or_else(|| panic!("{html}"));
        assert!(listed.split("</ul>").next().unwrap().contains("G4.2"), "{html}");

        // Last year's published report, frozen as an anonymous reader sees it, tells the
        // committee about communication skills too.
        let last = cycles.as_array().unwrap().iter().find(|c| c["phase"] == "closed").unwrap();
        let (_, exact) = app.get_json(&cio, &format!("/api/v1/summaries?cycle_id={}", last["id"])).await;
        let (_, list) = app.get_json(&advisor, "/api/v1/reports").await;
        let (_, report) = app.get_json(&advisor, &format!("/api/v1/reports/{}", list["items"][0]["id"])).await;
        let (all, hidden) = ["coverage", "skills"].iter().fold((0, 0), |(a, h), section| {
            let (all, hidden) = withheld_share(&exact[section], &report["summary"][section]);
            (a + all, h + hidden)
        });
        eprintln!("last year's report: {hidden} of {all} goal and skill figures withheld");
        let communication = report["summary"]["skills"]["categories"].as_array().unwrap().iter().find(|c| c["category"] == "communication").unwrap();
        assert!(communication["assessed"]["now"].as_i64().is_some_and(|n| n > 0), "{communication}");
        assert!(communication["current"]["now"].is_number(), "{communication}");
        assert!(hidden * 2 < all, "{hidden} of {all} figures withheld from the report");
    }
}

both_backends! {
    async fn the_demo_closed_year_reads_as_finished(app) {
        staffdev::demo::load(app.db()).await.expect("the demo loads");
        let cio = demo_token(&app, staffdev::demo::CIO_EMAIL).await;
        let (_, cycles) = app.get_json(&cio, "/api/v1/cycles").await;
        let closed = cycles.as_array().unwrap().iter().find(|c| c["phase"] == "closed").unwrap().clone();
        let day = |s: &serde_json::Value| chrono::NaiveDate::parse_from_str(s.as_str().unwrap(), "%Y-%m-%d").unwrap();
        let (starts, ends) = (day(&closed["starts_on"]), day(&closed["ends_on"]));
        let inside = |what: String, at: &serde_json::Value| {
            let at = chrono::DateTime::parse_from_rfc3339(at.as_str().unwrap_or_else(|| panic!("{what}: no date"))).unwrap().date_naive();
            assert!(starts <= at && at <= ends, "{what} on {at}, outside {starts} to {ends}");
        };
        let (_, team) = app.get_json(&cio, &format!("/api/v1/team?cycle_id={}", closed["id"])).await;
        let members = team["members"].as_array().unwrap();
        assert!(members.len() >= 20, "{} members", members.len());
        let mut goals_seen = 0;
        for m in members {
            let name = m["person"]["name"].as_str().unwrap();
            let (status, evaluation) = app.get_json(&cio, &format!("/api/v1/cycles/{}/self-evaluations/{}", closed["id"], m["person"]["id"])).await;
            assert_eq!(status, StatusCode::OK);
            if name == "Morgan Reyes" {
                // Nobody above the cio reviews the cio: the one honest exception.
                assert_eq!(m["self_evaluation"], "not_started");
                continue;
            }
            assert_eq!(m["self_evaluation"], "reviewed", "{name}");
            inside(format!("{name}'s submission"), &evaluation["submitted_at"]);
            inside(format!("{name}'s review"), &evaluation["review"]["reviewed_at"]);
            for r in evaluation["reopenings"].as_array().unwrap() {
                inside(format!("{name}'s reopening"), &r["at"]);
            }
            for g in m["goals"].as_array().unwrap() {
                assert!(["achieved", "partially_achieved", "not_achieved", "dropped"].contains(&g["status"].as_str().unwrap()), "{name}: {g}");
                let (_, goal) = app.get_json(&cio, &format!("/api/v1/goals/{}", g["id"])).await;
                inside(format!("{name}'s goal {} proposed", g["id"]), &goal["created_at"]);
                inside(format!("{name}'s goal {} agreed", g["id"]), &goal["agreed_at"]);
                goals_seen += 1;
            }
        }
        assert!(goals_seen >= 30, "{goals_seen} goals");

        // The pages say so: a staff member's year was submitted and reviewed in it; the cio's
        // is marked as left undone, not as work still waiting.
        let staff = app.browser();
        staff.sign_in(staffdev::demo::STAFF_EMAIL, staffdev::demo::PASSWORD).await;
        let (_, me) = app.get_json(&demo_token(&app, staffdev::demo::STAFF_EMAIL).await, "/api/v1/me").await;
        let html = staff.get_html(&format!("/cycles/{}/self-evaluations/{}", closed["id"], me["id"])).await;
        assert!(html.contains("Reviewed"), "{html}");
        let submitted = html.split("· submitted ").nth(1).and_then(|rest| rest.split('<').next()).unwrap_or_else(|| panic!("{html}"));
        assert!(submitted.ends_with(" May 2026") || submitted.ends_with(" Jun 2026"), "submitted {submitted}");
        let boss = app.browser();
        boss.sign_in(staffdev::demo::CIO_EMAIL, staffdev::demo::PASSWORD).await;
        let (_, cio_me) = app.get_json(&cio, "/api/v1/me").await;
        let html = boss.get_html(&format!("/cycles/{}/self-evaluations/{}", closed["id"], cio_me["id"])).await;
        assert!(html.contains("Not submitted before the cycle closed"), "{html}");
    }
}
