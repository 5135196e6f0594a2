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
