//! Calendars and private links: the personal calendar feed and the portal's Atom feed
//! read through a secret address without a session, the links' reset, and meetings as
//! iCalendar read back with a parser that did not write them.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// The person's private links through the API.
async fn links(app: &TestApp, token: &str) -> Value {
    let (status, body) = app.get_json(token, "/api/v1/me/feeds").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// The path of a whole URL the service handed out (tests reach it at its own address).
fn path_of(app: &TestApp, url: &Value) -> String {
    let url = url.as_str().expect("a URL");
    assert!(
        url.starts_with(&app.address),
        "{url} is a whole address on this site"
    );
    url.trim_start_matches(&app.address).to_owned()
}

/// GET without any cookie or token, as a calendar app or a feed reader would.
async fn fetch(app: &TestApp, path: &str) -> reqwest::Response {
    app.api.get(app.url(path)).send().await.expect("request")
}

/// Some portal news: kudos from the engineer and an announcement from the cio.
async fn portal_news(app: &TestApp, d: &Department) {
    let cio = app.token("cio@example.org").await;
    let engineer = app.token("eng@example.org").await;
    let (status, _) = app
        .post_json(
            &engineer,
            "/api/v1/kudos",
            json!({"recipient_ids": [d.peer], "message": "Thanks for the runbook"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .post_json(
            &cio,
            "/api/v1/announcements",
            json!({"kind": "new_service", "title": "Laptop loans"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

fn entry_ids(xml: &str) -> Vec<String> {
    let feed = atom_syndication::Feed::read_from(xml.as_bytes()).expect("the feed parses as Atom");
    feed.entries().iter().map(|e| e.id().to_owned()).collect()
}

both_backends! {
    async fn a_private_link_reads_the_portal_feed_without_a_session(app) {
        let d = app.department().await;
        portal_news(&app, &d).await;
        let engineer = app.token("eng@example.org").await;
        let body = links(&app, &engineer).await;
        let portal = path_of(&app, &body["portal_feed_url"]);
        assert!(portal.starts_with("/feeds/") && portal.ends_with("/portal.atom"), "{portal}");

        let response = fetch(&app, &portal).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/atom+xml; charset=utf-8");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let by_link = response.text().await.unwrap();

        // The same entries as the feed read signed in.
        let session = app.signed_in("eng@example.org").await.get_html("/portal/feed.atom").await;
        let ids = entry_ids(&by_link);
        assert_eq!(ids.len(), 2, "{by_link}");
        assert_eq!(ids, entry_ids(&session));
        assert!(by_link.contains("Thanks for the runbook") && by_link.contains("Laptop loans"));
        // Its own address stays the private one, so a reader follows it, not the session's.
        let feed = atom_syndication::Feed::read_from(by_link.as_bytes()).unwrap();
        let own = feed.links().iter().find(|l| l.rel() == "self").unwrap().href().to_owned();
        assert_eq!(own, body["portal_feed_url"].as_str().unwrap());
        // Without the link the feed still needs a session.
        assert_eq!(fetch(&app, "/portal/feed.atom").await.status(), StatusCode::SEE_OTHER);
    }
}

both_backends! {
    async fn the_links_stay_the_same_until_reset_and_then_the_old_ones_answer_404(app) {
        let d = app.department().await;
        portal_news(&app, &d).await;
        let engineer = app.token("eng@example.org").await;
        let first = links(&app, &engineer).await;
        assert_eq!(links(&app, &engineer).await, first, "shown again, unchanged");
        let old_portal = path_of(&app, &first["portal_feed_url"]);
        let old_calendar = path_of(&app, &first["calendar_url"]);
        assert_eq!(old_portal.trim_end_matches("portal.atom"), old_calendar.trim_end_matches("meetings.ics"), "one secret for both");
        assert_eq!(fetch(&app, &old_portal).await.status(), StatusCode::OK);

        let (status, reset) = app.post_json(&engineer, "/api/v1/me/feeds/reset", json!({})).await;
        assert_eq!(status, StatusCode::OK, "{reset}");
        assert_ne!(reset["portal_feed_url"], first["portal_feed_url"]);
        assert_ne!(reset["calendar_url"], first["calendar_url"]);
        assert_eq!(links(&app, &engineer).await, reset);
        assert_eq!(fetch(&app, &old_portal).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(fetch(&app, &old_calendar).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(fetch(&app, &path_of(&app, &reset["portal_feed_url"])).await.status(), StatusCode::OK);
        // Someone else's links did not move.
        let peer = app.token("peer@example.org").await;
        let peers = links(&app, &peer).await;
        assert_ne!(peers["portal_feed_url"], reset["portal_feed_url"]);
        assert_eq!(fetch(&app, &path_of(&app, &peers["portal_feed_url"])).await.status(), StatusCode::OK);
    }
}

both_backends! {
    async fn the_account_page_shows_both_links_and_its_button_resets_them(app) {
        app.department().await;
        let engineer = app.token("eng@example.org").await;
        let browser = app.signed_in("eng@example.org").await;
        let html = browser.get_html("/account").await;
        let before = links(&app, &engineer).await;
        assert!(html.contains("Calendar and feed links"), "{html}");
        for url in [&before["calendar_url"], &before["portal_feed_url"]] {
            assert!(html.contains(url.as_str().unwrap()), "the page shows {url}");
        }
        assert!(html.contains("Both old links stop working"));

        // A forged post (no CSRF token) changes nothing.
        let forged = browser.post_raw("/account/links/reset", &[]).await;
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        assert_eq!(links(&app, &engineer).await, before);

        let response = browser.post_form("/account", "/account/links/reset", &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let next = response.headers()["location"].to_str().unwrap().to_owned();
        let html = browser.get_html(&next).await;
        assert!(html.contains("Your calendar and feed links have been replaced"));
        let after = links(&app, &engineer).await;
        assert_ne!(after, before);
        assert!(html.contains(after["calendar_url"].as_str().unwrap()));
        assert_eq!(fetch(&app, &path_of(&app, &before["portal_feed_url"])).await.status(), StatusCode::NOT_FOUND);
    }
}

both_backends! {
    async fn unknown_and_malformed_secrets_answer_404(app) {
        let d = app.department().await;
        portal_news(&app, &d).await;
        let engineer = app.token("eng@example.org").await;
        let real = path_of(&app, &links(&app, &engineer).await["portal_feed_url"]);
        let secret = real.trim_start_matches("/feeds/").trim_end_matches("/portal.atom").to_owned();
        let mut flipped = secret.clone().into_bytes();
        flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        for bad in [
            "x".to_owned(),
            "A".repeat(43),
            flipped,
            format!("{secret}A"),
            secret[..42].to_owned(),
            format!("{}%2E", &secret[..40]),
            "..%2F..%2Fportal".to_owned(),
        ] {
            for file in ["portal.atom", "meetings.ics"] {
                let response = fetch(&app, &format!("/feeds/{bad}/{file}")).await;
                assert_eq!(response.status(), StatusCode::NOT_FOUND, "{bad}/{file}");
            }
        }
        assert_eq!(fetch(&app, &real).await.status(), StatusCode::OK);
    }
}

both_backends! {
    async fn the_links_of_someone_who_leaves_answer_404(app) {
        let d = app.department().await;
        portal_news(&app, &d).await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let body = links(&app, &engineer).await;
        let portal = path_of(&app, &body["portal_feed_url"]);
        let calendar = path_of(&app, &body["calendar_url"]);
        assert_eq!(fetch(&app, &portal).await.status(), StatusCode::OK);
        let (status, _) = app.patch_json(&cio, &format!("/api/v1/people/{}", d.engineer), json!({"active": false})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(fetch(&app, &portal).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(fetch(&app, &calendar).await.status(), StatusCode::NOT_FOUND);
    }
}

both_backends! {
    async fn advisors_have_links_to_the_portal_too(app) {
        let d = app.department().await;
        portal_news(&app, &d).await;
        let advisor = app.token("advisor@example.org").await;
        let body = links(&app, &advisor).await;
        let response = fetch(&app, &path_of(&app, &body["portal_feed_url"])).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.text().await.unwrap().contains("Laptop loans"));
        let (status, _) = app.get_json("not-a-token", "/api/v1/me/feeds").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

both_backends! {
    async fn a_second_instance_on_the_same_database_answers_the_same_links(app) {
        let d = app.department().await;
        portal_news(&app, &d).await;
        let engineer = app.token("eng@example.org").await;
        let here = links(&app, &engineer).await;
        // Another instance (or this one restarted) shares nothing with the first but the
        // database.
        let mut settings = staffdev::config::Settings::for_database(app.database.url.clone());
        settings.bind = "127.0.0.1:0".parse().unwrap();
        settings.db_max_connections = 2;
        let other = staffdev::app::App::build(settings).await.expect("the second instance builds");
        let other_address = format!("http://127.0.0.1:{}", other.port());
        tokio::spawn(other.run_until(std::future::pending()));
        let response = app.api.get(format!("{other_address}/api/v1/me/feeds")).bearer_auth(&engineer).send().await.unwrap();
        let there: Value = response.json().await.unwrap();
        let path = |body: &Value, address: &str| body["portal_feed_url"].as_str().unwrap().trim_start_matches(address).to_owned();
        assert_eq!(path(&there, &other_address), path(&here, &app.address));
        let response = app.api.get(format!("{other_address}{}", path(&here, &app.address))).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}

both_backends! {
    async fn links_are_whole_addresses_under_the_public_url(app, settings = |s: &mut staffdev::config::Settings| s.public_url = "https://staffdev.example.org/".parse().ok()) {
        app.department().await;
        let engineer = app.token("eng@example.org").await;
        let body = links(&app, &engineer).await;
        let calendar = body["calendar_url"].as_str().unwrap();
        assert!(calendar.starts_with("https://staffdev.example.org/feeds/") && calendar.ends_with("/meetings.ics"), "{calendar}");
    }
}

// ---------------------------------------------------------------------------------------
// Meetings as iCalendar

/// Reads iCalendar text with `ical`, a parser that shares nothing with the writer.
fn parse_ics(text: &str) -> ical::parser::ical::component::IcalCalendar {
    let mut calendars = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let calendar = calendars.next().expect("a calendar").expect("it parses");
    assert!(calendars.next().is_none(), "one calendar");
    calendar
}

fn prop<'a>(properties: &'a [ical::property::Property], name: &str) -> Option<&'a str> {
    properties
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
}

/// (UID, SEQUENCE, STATUS, SUMMARY) of every event, in the feed's order.
fn events(
    calendar: &ical::parser::ical::component::IcalCalendar,
) -> Vec<(String, u32, String, String)> {
    calendar
        .events
        .iter()
        .map(|e| {
            let get = |name: &str| {
                prop(&e.properties, name)
                    .unwrap_or_else(|| panic!("{name}"))
                    .to_owned()
            };
            (
                get("UID"),
                get("SEQUENCE").parse().unwrap(),
                get("STATUS"),
                get("SUMMARY"),
            )
        })
        .collect()
}

/// A meeting planned by the cio; published when asked. Its id.
async fn meeting(
    app: &TestApp,
    cio: &str,
    title: &str,
    days: i64,
    facilitator: i32,
    publish: bool,
) -> i64 {
    let starts_at = (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339();
    let (status, body) = app
        .post_json(cio, "/api/v1/meetings", json!({"kind": "quarterly", "title": title, "starts_at": starts_at, "location": "Library, room 2", "facilitator_id": facilitator}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap();
    if publish {
        let (status, body) = app
            .post_json(cio, &format!("/api/v1/meetings/{id}/publish"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    id
}

/// The personal calendar feed of `email`, read without a session: its text.
async fn calendar_feed(app: &TestApp, email: &str) -> String {
    let token = app.token(email).await;
    let path = path_of(app, &links(app, &token).await["calendar_url"]);
    let response = fetch(app, &path).await;
    assert_eq!(response.status(), StatusCode::OK, "{email}'s feed");
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.text().await.unwrap()
}

both_backends! {
    async fn the_personal_feed_lists_published_meetings_and_never_a_draft(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let winter = meeting(&app, &cio, "Winter meeting", 30, d.engineer, true).await;
        let draft = meeting(&app, &cio, "Secret draft", 60, d.engineer, false).await;
        let spring = meeting(&app, &cio, "Spring meeting", 90, d.lead, true).await;
        let (status, _) = app.post_json(&cio, &format!("/api/v1/meetings/{spring}/cancel"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        // A draft cancelled before it was ever published never reached a calendar.
        let never = meeting(&app, &cio, "Never shown", 100, d.lead, false).await;
        app.post_json(&cio, &format!("/api/v1/meetings/{never}/cancel"), json!({})).await;

        // The same for everyone, the draft's own facilitator and the cio included.
        let mut seen = Vec::new();
        for email in ["eng@example.org", "peer@example.org", "advisor@example.org", "cio@example.org"] {
            let text = calendar_feed(&app, email).await;
            assert!(!text.contains("Secret draft") && !text.contains("Never shown"), "{email} sees no draft");
            let calendar = parse_ics(&text);
            assert_eq!(prop(&calendar.properties, "METHOD"), Some("PUBLISH"));
            assert_eq!(prop(&calendar.properties, "X-WR-CALNAME"), Some("Department meetings"));
            seen.push(events(&calendar));
        }
        assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:?}");
        let listed = &seen[0];
        assert_eq!(listed.len(), 2, "{listed:?}");
        let uids: Vec<&str> = listed.iter().map(|e| e.0.as_str()).collect();
        assert!(uids[0].starts_with(&format!("meeting-{winter}-")) && uids[1].starts_with(&format!("meeting-{spring}-")), "{uids:?}");
        assert!(!uids.iter().any(|u| u.starts_with(&format!("meeting-{draft}-"))));
        assert_eq!((listed[0].2.as_str(), listed[0].3.as_str()), ("CONFIRMED", "Winter meeting"));
        assert_eq!((listed[1].2.as_str(), listed[1].3.as_str()), ("CANCELLED", "Cancelled: Spring meeting"));
    }
}

both_backends! {
    async fn uids_stay_the_same_and_the_sequence_grows_with_every_change(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let id = meeting(&app, &cio, "Winter meeting", 30, d.engineer, true).await;
        let first = events(&parse_ics(&calendar_feed(&app, "eng@example.org").await));
        let again = events(&parse_ics(&calendar_feed(&app, "eng@example.org").await));
        assert_eq!(first, again, "nothing changed, nothing moves");

        let (status, _) = app.patch_json(&cio, &format!("/api/v1/meetings/{id}"), json!({"title": "Winter meeting, moved", "location": "Hall; east wing"})).await;
        assert_eq!(status, StatusCode::OK);
        let edited = parse_ics(&calendar_feed(&app, "eng@example.org").await);
        let after = events(&edited);
        assert_eq!(after[0].0, first[0].0, "the same UID: calendars update the event");
        assert!(after[0].1 > first[0].1, "SEQUENCE grows: {} then {}", first[0].1, after[0].1);
        assert_eq!(after[0].3, r"Winter meeting\, moved", "escaped as TEXT");
        assert_eq!(prop(&edited.events[0].properties, "LOCATION"), Some(r"Hall\; east wing"));

        let (status, _) = app.post_json(&cio, &format!("/api/v1/meetings/{id}/cancel"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let cancelled = events(&parse_ics(&calendar_feed(&app, "eng@example.org").await));
        assert_eq!(cancelled[0].0, first[0].0);
        assert!(cancelled[0].1 > after[0].1, "the cancellation is a newer version");
        assert_eq!(cancelled[0].2, "CANCELLED");
    }
}

both_backends! {
    async fn a_meeting_downloads_as_one_event_and_a_cancelled_one_as_a_cancellation(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let id = meeting(&app, &cio, "Winter meeting", 30, d.engineer, true).await;
        let browser = app.signed_in("peer@example.org").await;
        let response = browser.get(&format!("/meetings/{id}/calendar.ics")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/calendar; charset=utf-8");
        let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.starts_with("attachment; filename=\"winter-meeting-") && disposition.ends_with(".ics\""), "{disposition}");
        let calendar = parse_ics(&response.text().await.unwrap());
        assert_eq!(prop(&calendar.properties, "METHOD"), Some("PUBLISH"));
        assert_eq!(calendar.events.len(), 1);
        let event = &calendar.events[0].properties;
        assert_eq!(prop(event, "STATUS"), Some("CONFIRMED"));
        assert!(prop(event, "DTSTART").unwrap().ends_with('Z'), "in UTC");
        assert_eq!(prop(event, "URL"), Some(format!("{}/meetings/{id}", app.address).as_str()));
        let feed_uid = events(&parse_ics(&calendar_feed(&app, "peer@example.org").await))[0].0.clone();
        assert_eq!(prop(event, "UID"), Some(feed_uid.as_str()), "the download and the feed are one event");

        app.post_json(&cio, &format!("/api/v1/meetings/{id}/cancel"), json!({})).await;
        let text = browser.get_html(&format!("/meetings/{id}/calendar.ics")).await;
        let calendar = parse_ics(&text);
        assert_eq!(prop(&calendar.properties, "METHOD"), Some("CANCEL"));
        assert_eq!(prop(&calendar.events[0].properties, "STATUS"), Some("CANCELLED"));
        assert_eq!(prop(&calendar.events[0].properties, "UID"), Some(feed_uid.as_str()));

        // The API's twin answers the same file.
        let response = app.api.get(app.url(&format!("/api/v1/meetings/{id}/calendar.ics"))).bearer_auth(&cio).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/calendar; charset=utf-8");
        assert!(response.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"winter-meeting-"));
        let calendar = parse_ics(&response.text().await.unwrap());
        assert_eq!(prop(&calendar.properties, "METHOD"), Some("CANCEL"));
    }
}

both_backends! {
    async fn only_a_meeting_that_was_published_downloads_and_only_for_the_signed_in(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let draft = meeting(&app, &cio, "Secret draft", 30, d.engineer, false).await;
        let published = meeting(&app, &cio, "Winter meeting", 40, d.engineer, true).await;
        // A calendar never shows a draft: not even its facilitator or the cio download it.
        for (email, draft_status) in [
            ("cio@example.org", StatusCode::NOT_FOUND),
            ("eng@example.org", StatusCode::NOT_FOUND),
            ("lead@example.org", StatusCode::NOT_FOUND),
            ("peer@example.org", StatusCode::NOT_FOUND),
            ("advisor@example.org", StatusCode::NOT_FOUND),
        ] {
            let token = app.token(email).await;
            let browser = app.signed_in(email).await;
            for (id, expected) in [(draft, draft_status), (published, StatusCode::OK), (999_999, StatusCode::NOT_FOUND)] {
                let page = browser.get(&format!("/meetings/{id}/calendar.ics")).await;
                assert_eq!(page.status(), expected, "{email} downloads {id}");
                let api = app.api.get(app.url(&format!("/api/v1/meetings/{id}/calendar.ics"))).bearer_auth(&token).send().await.unwrap();
                assert_eq!(api.status(), expected, "{email} downloads {id} through the API");
            }
        }
        let anonymous = app.browser().get(&format!("/meetings/{published}/calendar.ics")).await;
        assert_eq!(anonymous.status(), StatusCode::SEE_OTHER, "sent to sign in");
        let anonymous = fetch(&app, &format!("/api/v1/meetings/{published}/calendar.ics")).await;
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    }
}

both_backends! {
    async fn a_reset_or_a_departure_closes_the_calendar_feed(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        meeting(&app, &cio, "Winter meeting", 30, d.engineer, true).await;
        let engineer = app.token("eng@example.org").await;
        let old = path_of(&app, &links(&app, &engineer).await["calendar_url"]);
        assert_eq!(fetch(&app, &old).await.status(), StatusCode::OK);
        let (_, reset) = app.post_json(&engineer, "/api/v1/me/feeds/reset", json!({})).await;
        let new = path_of(&app, &reset["calendar_url"]);
        assert_eq!(fetch(&app, &old).await.status(), StatusCode::NOT_FOUND);
        let response = fetch(&app, &new).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.text().await.unwrap().contains("Winter meeting"));
        app.patch_json(&cio, &format!("/api/v1/people/{}", d.engineer), json!({"active": false})).await;
        assert_eq!(fetch(&app, &new).await.status(), StatusCode::NOT_FOUND);
    }
}

both_backends! {
    async fn the_calendar_feed_reads_in_a_fixed_number_of_statements(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let path = path_of(&app, &links(&app, &engineer).await["calendar_url"]);
        let measure = || async {
            let before = app.db().statements_run();
            let response = fetch(&app, &path).await;
            assert_eq!(response.status(), StatusCode::OK);
            let events = parse_ics(&response.text().await.unwrap()).events.len();
            (events, app.db().statements_run() - before)
        };
        let first = meeting(&app, &cio, "First", 30, d.engineer, true).await;
        app.post_json(&cio, &format!("/api/v1/meetings/{first}/items"), json!({"kind": "other", "title": "Welcome", "planned_minutes": 15})).await;
        let (one, few) = measure().await;
        for n in 0..8 {
            let id = meeting(&app, &cio, &format!("Meeting {n}"), 40 + n, d.lead, true).await;
            for title in ["Welcome", "What are our values?", "Break"] {
                app.post_json(&cio, &format!("/api/v1/meetings/{id}/items"), json!({"kind": "other", "title": title, "planned_minutes": 20})).await;
            }
        }
        let (nine, many) = measure().await;
        assert_eq!((one, nine), (1, 9));
        assert_eq!(few, many, "statements for 1 meeting and for 9 with their agendas");
        eprintln!("the calendar feed reads in {many} statements");
    }
}
