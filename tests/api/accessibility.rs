//! Accessibility, checked in the browser: axe-core (the npm package) runs inside headless
//! Chromium on every page the navigation offers a role, and on the pages those link to,
//! in the demo department, as staff, a team lead, the cio and an advisor. No page may
//! have a serious or critical violation, run wider than the window at 1280 px or at
//! 390 px, and every link offered to a role must lead somewhere that role may go (not to
//! an error page).
//!
//! axe-core comes from `STAFFDEV_AXE` (the path of `axe.min.js`) or from
//! `target/axe/node_modules/axe-core/axe.min.js` (`npm install --prefix target/axe
//! axe-core@4.11.0`, as `.ci/run` does). Without it the test says it skipped, unless
//! browser tests are required.

use std::{
    collections::{BTreeSet, VecDeque},
    path::PathBuf,
    time::{Duration, Instant},
};

use serde_json::Value;

use crate::browser::Chrome;

const AXE_ENV: &str = "STAFFDEV_AXE";
/// The pages visited per role at most: the navigation and what it links to.
const MAX_PAGES: usize = 45;

pub fn axe_source() -> Option<String> {
    let path = std::env::var(AXE_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/axe/node_modules/axe-core/axe.min.js")
        });
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(e) => {
            let required = std::env::var("STAFFDEV_BROWSER_TESTS").is_ok_and(|v| v == "required");
            assert!(
                !required,
                "browser tests are required but axe-core is not at {} ({e}): \
                 npm install --prefix target/axe axe-core@4.11.0",
                path.display()
            );
            eprintln!(
                "axe-core is not at {}: skipping the accessibility test",
                path.display()
            );
            None
        }
    }
}

async fn sign_in_to_demo(chrome: &Chrome, email: &str) {
    chrome.visit("/sign-in").await;
    chrome.fill("#email", email).await;
    chrome.fill("#password", staffdev::demo::PASSWORD).await;
    chrome
        .click_and_wait("form[action='/sign-in'] button[type=submit]")
        .await;
    assert!(
        !chrome.location().await.starts_with("/sign-in"),
        "{email} is signed in"
    );
}

/// The serious and critical violations axe finds on the page on screen, one line each.
pub async fn violations(chrome: &Chrome, axe: &str) -> Vec<String> {
    let loaded = chrome.run("return typeof window.axe !== 'undefined'").await;
    if loaded != Value::Bool(true) {
        chrome.run(&format!("{axe}\n;return null")).await;
    }
    chrome
        .run(
            "window.__axe = undefined; \
             axe.run(document, {resultTypes: ['violations']}) \
               .then(r => { window.__axe = r.violations \
                 .filter(v => v.impact === 'serious' || v.impact === 'critical') \
                 .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' \
                   + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')); }, \
                 e => { window.__axe = ['axe failed: ' + e]; }); \
             return null",
        )
        .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let found = chrome
            .run("return window.__axe === undefined ? null : window.__axe")
            .await;
        if let Value::Array(lines) = found {
            return lines
                .iter()
                .filter_map(|l| l.as_str().map(str::to_owned))
                .collect();
        }
        assert!(
            Instant::now() < deadline,
            "axe did not finish on {}",
            chrome.location().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The same-site pages a page links to that a person would open: not files, feeds,
/// the API, sign-out or another page's anchors.
async fn links(chrome: &Chrome) -> Vec<String> {
    let found = chrome
        .run(
            "return Array.from(document.querySelectorAll('a[href]')) \
               .map(a => new URL(a.href)) \
               .filter(u => u.origin === location.origin) \
               .map(u => u.pathname)",
        )
        .await;
    let Value::Array(paths) = found else {
        return Vec::new();
    };
    paths
        .iter()
        .filter_map(Value::as_str)
        .filter(|p| {
            let skipped = [".csv", ".ics", ".atom", ".json"];
            !p.starts_with("/api")
                && !p.starts_with("/static")
                && !p.starts_with("/feeds")
                && !p.starts_with("/invitation")
                && !p.starts_with("/sign-")
                && !skipped.iter().any(|s| p.ends_with(s))
        })
        .map(str::to_owned)
        .collect()
}

/// Visits the navigation's pages and the pages they link to (breadth first, up to
/// `MAX_PAGES`) and answers the problems found, one line each.
async fn audit(chrome: &Chrome, axe: &str, email: &str) -> Vec<String> {
    sign_in_to_demo(chrome, email).await;
    let mut queue: VecDeque<(String, usize)> = VecDeque::new();
    let mut seen = BTreeSet::new();
    for path in links(chrome).await {
        if seen.insert(path.clone()) {
            queue.push_back((path, 0));
        }
    }
    let mut problems = Vec::new();
    let mut visited = 0;
    while let Some((path, depth)) = queue.pop_front() {
        if visited == MAX_PAGES {
            break;
        }
        visited += 1;
        chrome.visit(&path).await;
        let heading = chrome
            .run("return document.querySelector('p.muted') ? document.body.innerText : ''")
            .await;
        if heading
            .as_str()
            .is_some_and(|t| t.contains("Error 4") || t.contains("Error 5"))
        {
            problems.push(format!("{email}: {path} is offered but answers an error"));
            continue;
        }
        for v in violations(chrome, axe).await {
            problems.push(format!("{email}: {path}: {v}"));
        }
        // Nothing wider than the window, on a phone and at a desk (the page reflows in
        // place; axe ran at the desk's width, where the next page is checked too).
        for (width, height) in [(390, 844), (1280, 1024)] {
            chrome.resize(width, height).await;
            if let Some((wide, window)) = chrome.overflow().await {
                problems.push(format!(
                    "{email}: {path} is {wide} px wide in a window of {window} px"
                ));
            }
        }
        if depth == 0 {
            for next in links(chrome).await {
                if seen.insert(next.clone()) {
                    queue.push_back((next, 1));
                }
            }
        }
    }
    assert!(visited > 5, "{email} reached only {visited} pages");
    problems
}

both_backends! {
    async fn every_page_offered_to_each_role_passes_axe_and_leads_somewhere_it_may_go(app) {
        let Some(axe) = axe_source() else { return };
        staffdev::demo::load(app.db()).await.expect("the demo loads");
        // The demo hides nothing; one hidden kudos puts the cio's list of hidden items and
        // its "Unhide…" page in the audit too.
        let cio_id = staffdev::people::id_by_email(app.db(), staffdev::demo::CIO_EMAIL).await.unwrap().expect("the demo's cio");
        let cio = staffdev::auth::Actor { person_id: cio_id, name: "Morgan Reyes".into(), email: staffdev::demo::CIO_EMAIL.into(), role: staffdev::people::Role::Cio, is_manager: true, csrf_token: None, session_id: None };
        let wall = staffdev::recognition::kudos_wall(app.db(), staffdev::recognition::Reader::of(Some(&cio), false), Some(1), None).await.unwrap();
        let kudos_id = wall.items[0].id;
        staffdev::recognition::hide(app.db(), &cio, staffdev::recognition::Hideable::Kudos(kudos_id), Some("Names a client"), chrono::Utc::now()).await.expect("hidden");
        let mut problems = Vec::new();
        for email in [
            "sam.ito@example.org",
            "priya.shah@example.org",
            "morgan.reyes@example.org",
            "alan.grant@example.org",
        ] {
            let Some(chrome) = Chrome::launch(&app).await else { return };
            problems.extend(audit(&chrome, &axe, email).await);
            chrome.close().await;
        }
        assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    }
}
