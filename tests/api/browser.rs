//! The pages in a real browser: headless Chromium driven through chromedriver, against
//! the app from `spawn_app()`. What the HTTP-level page tests cannot show: that the forms
//! as a browser submits them (a multiple select, checkboxes, a CSRF field) do what people
//! expect, that a bad field keeps what was typed, that the Content-Security-Policy lets
//! the stylesheet in, and that a message holding markup stays text and runs nothing.
//!
//! They need `chromedriver` and Chromium (Debian: `apt-get install chromium
//! chromium-driver`; another driver with `STAFFDEV_CHROMEDRIVER=/path`). Without them each
//! test says it skipped and passes, so `cargo test` works on a fresh machine; with
//! `STAFFDEV_BROWSER_TESTS=required`, as `.ci/run` sets after installing them, a missing
//! driver fails the test instead.

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::feedback::{invitations, open_survey, path_of};
use crate::helpers::*;
use crate::recognition::{trophy_for, values_plan};

const REQUIRED_ENV: &str = "STAFFDEV_BROWSER_TESTS";
const DRIVER_ENV: &str = "STAFFDEV_CHROMEDRIVER";

/// chromedriver: `STAFFDEV_CHROMEDRIVER`, or the first on the PATH.
fn chromedriver() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(DRIVER_ENV) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromedriver"))
        .find(|candidate| candidate.is_file())
}

/// A chromedriver process in a process group of its own, killed with every browser it
/// started when dropped, even when the test fails halfway.
struct DriverProcess(Child);

impl Drop for DriverProcess {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts chromedriver on a free port and waits until it says it listens there. A port
/// found free can be taken before the driver binds it (tests run in parallel); the driver
/// then exits, and is started again on another, so a test never talks to another test's
/// driver.
async fn start_driver(path: &Path, log: &Path) -> (DriverProcess, u16) {
    for _ in 0..5 {
        let port = {
            let probe = TcpListener::bind("127.0.0.1:0").expect("a free port");
            probe.local_addr().expect("its address").port()
        };
        let mut child = Command::new(path)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", path.display()));
        let stdout = child.stdout.take().expect("chromedriver's output");
        let driver = DriverProcess(child);
        // Its few lines of output say whether it started; then the rest is drained (until
        // it exits) so that it never blocks on a full pipe.
        let started = tokio::task::spawn_blocking(move || {
            let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
            let started = lines.any(|line| line.contains("started successfully"));
            if started {
                std::thread::spawn(move || lines.for_each(drop));
            }
            started
        });
        match tokio::time::timeout(Duration::from_secs(30), started).await {
            Ok(Ok(true)) => return (driver, port),
            // It exited (the port was taken) or hung: try another port.
            _ => drop(driver),
        }
    }
    let log = std::fs::read_to_string(log).unwrap_or_default();
    panic!("chromedriver did not start in five tries; its log:\n{log}")
}

/// One headless Chromium with its own empty profile, pointed at one test app.
pub struct Chrome {
    client: Client,
    address: String,
    // Dropped after the client: the driver takes the browser with it, then the profile goes.
    _driver: DriverProcess,
    _profile: tempfile::TempDir,
}

impl Chrome {
    /// Starts chromedriver and a browser for `app`, or None (after saying so) when
    /// chromedriver is not installed and browser tests are not required.
    pub async fn launch(app: &TestApp) -> Option<Chrome> {
        let Some(driver_path) = chromedriver() else {
            let required = std::env::var(REQUIRED_ENV).is_ok_and(|v| v == "required");
            assert!(
                !required,
                "{REQUIRED_ENV}=required, but chromedriver is not installed \
                 (apt-get install chromium chromium-driver)"
            );
            eprintln!(
                "chromedriver is not installed: skipping this browser test \
                 (apt-get install chromium chromium-driver to run it)"
            );
            return None;
        };
        let profile = tempfile::tempdir().expect("a profile directory");
        let log = profile.path().join("chromedriver.log");
        let (driver, port) = start_driver(&driver_path, &log).await;
        let mut options = json!({
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--disable-crash-reporter",
                "--disable-breakpad",
                "--no-first-run",
                "--window-size=1280,1024",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        });
        if let Ok(binary) = std::env::var("STAFFDEV_CHROMIUM") {
            options["binary"] = json!(binary);
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".to_owned(), options);
        // The driver takes a moment to listen, and Chromium longer to start on a busy machine.
        let deadline = Instant::now() + Duration::from_secs(60);
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break client,
                Err(e) if Instant::now() > deadline => {
                    let log = std::fs::read_to_string(&log).unwrap_or_default();
                    panic!("start Chromium: {e}\nchromedriver's log:\n{log}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Some(Chrome {
            client,
            address: app.address.clone(),
            _driver: driver,
            _profile: profile,
        })
    }

    /// Resizes the window (WebDriver's `POST /session/{id}/window/rect`), as a phone's
    /// screen would be.
    pub async fn resize(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .unwrap_or_else(|e| panic!("resize to {width}×{height}: {e}"));
    }

    /// How wide the page is and the window it is in, when the page is the wider.
    pub async fn overflow(&self) -> Option<(u64, u64)> {
        let widths = self
            .run("return [document.documentElement.scrollWidth, window.innerWidth]")
            .await;
        let (scroll, inner) = (widths[0].as_u64()?, widths[1].as_u64()?);
        (scroll > inner).then_some((scroll, inner))
    }

    /// Nothing on the page is wider than the window (no sideways scrolling).
    pub async fn assert_nothing_overflows(&self) {
        if let Some((scroll, inner)) = self.overflow().await {
            panic!(
                "the page is {scroll} px wide in a window of {inner} px on {}",
                self.location().await
            );
        }
    }

    /// Ends the browser session the polite way; dropping a Chrome kills it instead.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    pub async fn visit(&self, path: &str) {
        self.client
            .goto(&format!("{}{}", self.address, path))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// The path and query of the page on screen.
    pub async fn location(&self) -> String {
        let url = self.client.current_url().await.expect("the current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    pub async fn find(&self, css: &str) -> Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("find {css} on {}: {e}", self.location().await),
        }
    }

    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .expect("find_all")
            .len()
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    pub async fn prop(&self, css: &str, name: &str) -> Option<String> {
        self.find(css).await.prop(name).await.expect("property")
    }

    /// Types into a field as a person would, replacing what was there.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("click");
    }

    /// Clicks a button or link that loads another page, and waits until that page is in.
    pub async fn click_and_wait(&self, css: &str) {
        self.mark_page().await;
        self.click(css).await;
        self.wait_for_new_page(css).await;
    }

    /// Presses keys that load another page (Enter on a link or button), and waits for it.
    pub async fn press_and_wait(&self, keys: &str) {
        self.mark_page().await;
        self.press(keys).await;
        self.wait_for_new_page("a key press").await;
    }

    /// Marks the page on screen, so `wait_for_new_page` knows when another replaced it.
    async fn mark_page(&self) {
        self.run("window.__staffdev_previous_page = true; return null")
            .await;
    }

    async fn wait_for_new_page(&self, after: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            // Asked while the page changes, the driver may answer with an error: not yet.
            let loaded = self
                .client
                .execute(
                    "return window.__staffdev_previous_page === undefined \
                     && document.readyState === 'complete'",
                    Vec::new(),
                )
                .await;
            if matches!(loaded, Ok(Value::Bool(true))) {
                return;
            }
            assert!(Instant::now() < deadline, "no new page after {after}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Forgets the session, as signing out would.
    pub async fn sign_out(&self) {
        self.client
            .delete_all_cookies()
            .await
            .expect("forget the session");
    }

    /// Presses keys on whatever has the focus, as a person at the keyboard would.
    pub async fn press(&self, keys: &str) {
        let focused = self
            .client
            .active_element()
            .await
            .expect("something has the focus");
        focused.send_keys(keys).await.expect("press keys");
    }

    /// Presses Tab until the focus is on `css` (at most 80 times), as someone without a
    /// mouse would reach it, and checks that the focus shows there.
    pub async fn tab_to(&self, css: &str) {
        let tab = char::from(fantoccini::key::Key::Tab).to_string();
        let test = format!(
            "return document.activeElement !== null && document.activeElement.matches({})",
            json!(css)
        );
        for _ in 0..80 {
            if self.run(&test).await == json!(true) {
                let outline = self
                    .run("const s = getComputedStyle(document.activeElement); return s.outlineStyle + ' ' + s.outlineWidth")
                    .await;
                let outline = outline.as_str().unwrap_or_default().to_owned();
                assert!(
                    !outline.starts_with("none") && !outline.ends_with(" 0px"),
                    "the focus on {css} cannot be seen: {outline}"
                );
                return;
            }
            self.press(&tab).await;
        }
        panic!("Tab never reached {css} on {}", self.location().await);
    }

    /// Runs script in the page through the driver (not subject to the page's CSP).
    pub async fn run(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("run {script}: {e}"))
    }

    /// Signs in through the sign-in form, as `email` with the tests' password.
    pub async fn sign_in(&self, email: &str) {
        self.sign_out().await;
        self.visit("/sign-in").await;
        self.fill("#email", email).await;
        self.fill("#password", PASSWORD).await;
        self.click_and_wait("form[action='/sign-in'] button[type=submit]")
            .await;
        assert!(
            !self.location().await.starts_with("/sign-in"),
            "{email} is signed in"
        );
    }

    /// No script planted in a message ran, and the page's own stylesheet loaded under the
    /// Content-Security-Policy. (The CSP alone would stop an inline script; the tests check
    /// the escaping itself by the elements on the page and the text shown.)
    pub async fn assert_nothing_ran_and_styles_loaded(&self) {
        assert_eq!(
            self.run("return window.__pwned === undefined").await,
            json!(true),
            "a planted script ran on {}",
            self.location().await
        );
        let rules = self
            .run(
                "return Array.from(document.styleSheets)\
                 .reduce((n, sheet) => n + sheet.cssRules.length, 0)",
            )
            .await;
        assert!(
            rules.as_u64().is_some_and(|n| n > 0),
            "the stylesheet applies"
        );
    }
}

/// Markup that would set `window.__pwned` if the page ran it instead of showing it.
const PAYLOAD: &str = "Thanks! <script>window.__pwned = 'script'</script> \
    <img src=x onerror=\"window.__pwned = 'img'\"> <b>bold?</b>";

both_backends! {
    async fn kudos_given_in_the_browser_reach_the_wall_as_plain_text(app) {
        let Some(chrome) = Chrome::launch(&app).await else { return };
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        values_plan(&app, &cio).await;
        chrome.sign_in("eng@example.org").await;

        // A first try with nobody chosen: the error sits by the field and the words stay.
        chrome.visit("/kudos/new").await;
        chrome.fill("#message", PAYLOAD).await;
        chrome.click_and_wait("form[action='/kudos'] button[type=submit]").await;
        assert!(chrome.text("#recipient_ids-error").await.contains("Choose at least one colleague"));
        assert_eq!(chrome.prop("#recipient_ids", "ariaInvalid").await.as_deref(), Some("true"));
        assert_eq!(chrome.prop("#message", "value").await.as_deref(), Some(PAYLOAD), "what was typed is kept");

        // The name filter (a script of our own, under the CSP) narrows the list as one
        // types; a chosen colleague stays in sight.
        chrome.click(&format!("#recipient_ids input[value='{}']", d.peer)).await;
        chrome.fill("#people-filter", "lee").await;
        assert_eq!(chrome.prop("label[data-name='lee lead']", "hidden").await.as_deref(), Some("false"));
        assert_eq!(chrome.prop("label[data-name='pat peer']", "hidden").await.as_deref(), Some("false"), "chosen, so still shown");
        assert_eq!(chrome.prop("label[data-name='carla cio']", "hidden").await.as_deref(), Some("true"));
        assert_eq!(chrome.text("#people-filter-count").await, "2 colleagues shown.");
        // Two colleagues from the checkboxes grouped by team, and a value.
        chrome.click(&format!("#recipient_ids input[value='{}']", d.lead)).await;
        chrome.click("input[name=values][value='Plain language']").await;
        chrome.click_and_wait("form[action='/kudos'] button[type=submit]").await;
        assert_eq!(chrome.location().await, "/portal?notice=kudos");

        let wall = "section[aria-labelledby=kudos-heading]";
        assert_eq!(chrome.count(&format!("{wall} li")).await, 1);
        assert_eq!(chrome.text(&format!("{wall} li .message")).await, PAYLOAD, "the markup shows as text");
        assert_eq!(chrome.count(&format!("{wall} img, {wall} script, {wall} b")).await, 0, "no element came from the message");
        let meta = chrome.text(&format!("{wall} li .meta")).await;
        assert!(meta.starts_with("Erin Engineer thanked"), "{meta}");
        assert!(meta.contains("Lee Lead") && meta.contains("Pat Peer") && meta.contains("Plain language"), "{meta}");
        chrome.assert_nothing_ran_and_styles_loaded().await;

        // The colleagues see it when they sign in.
        chrome.sign_in("peer@example.org").await;
        chrome.visit("/portal").await;
        assert_eq!(chrome.text(&format!("{wall} li .message")).await, PAYLOAD);
        chrome.assert_nothing_ran_and_styles_loaded().await;
        chrome.close().await;
    }
}

both_backends! {
    async fn the_trophy_passes_in_the_browser_and_a_stale_page_is_told_who_has_it(app) {
        let Some(chrome) = Chrome::launch(&app).await else { return };
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let trophy = trophy_for(&app, &cio, d.engineer).await;
        chrome.sign_in("eng@example.org").await;

        // From the portal's card to the pass form.
        chrome.visit("/portal").await;
        chrome.click_and_wait(&format!("a[href='/trophies/{trophy}#pass']")).await;
        assert_eq!(chrome.location().await, format!("/trophies/{trophy}"));

        // Too short for the notebook: the choice and the words survive the error.
        chrome.find("#receiver_id").await.select_by_value(&d.peer.to_string()).await.expect("choose");
        chrome.fill("#message", "Thanks!").await;
        chrome.click_and_wait("#pass button[type=submit]").await;
        assert!(chrome.text("#message-error").await.contains("at least 10"), "{}", chrome.text("#message-error").await);
        assert_eq!(chrome.prop("#receiver_id", "value").await, Some(d.peer.to_string()), "the receiver stays chosen");
        assert_eq!(chrome.prop("#message", "value").await.as_deref(), Some("Thanks!"));

        chrome.fill("#message", PAYLOAD).await;
        chrome.click_and_wait("#pass button[type=submit]").await;
        assert_eq!(chrome.location().await, format!("/trophies/{trophy}?notice=passed"));
        assert!(chrome.text(".trophy").await.starts_with("Pat Peer has held it since"));
        assert_eq!(chrome.count("#pass").await, 0, "the form went with the trophy");
        let newest = "ol.notebook li:first-child";
        assert!(chrome.text(&format!("{newest} .meta")).await.contains("Erin Engineer → Pat Peer"));
        assert_eq!(chrome.text(&format!("{newest} .message")).await, PAYLOAD);
        assert_eq!(chrome.count("ol.notebook img, ol.notebook script, ol.notebook b").await, 0);
        chrome.assert_nothing_ran_and_styles_loaded().await;

        // The new holder opens the form, then passes from another tab (the API here)
        // before sending it: the stale form is told who holds the trophy now.
        chrome.sign_in("peer@example.org").await;
        chrome.visit(&format!("/trophies/{trophy}")).await;
        chrome.find("#receiver_id").await.select_by_value(&d.engineer.to_string()).await.expect("choose");
        chrome.fill("#message", "Back to you for the printer fleet").await;
        let peer = app.token("peer@example.org").await;
        let (status, body) = app.post_json(&peer, &format!("/api/v1/trophies/{trophy}/passes"), json!({"receiver_id": d.lead, "message": "For the night on call"})).await;
        assert_eq!(status, reqwest::StatusCode::CREATED, "{body}");
        chrome.click_and_wait("#pass button[type=submit]").await;
        let alert = chrome.text("[role=alert]").await;
        assert!(alert.contains("Lee Lead holds The Big Ugly Trophy now"), "{alert}");
        assert!(chrome.text(".trophy").await.starts_with("Lee Lead has held it since"));
        assert!(staffdev::recognition::chain_is_unbroken(app.db(), trophy as i32).await.unwrap());

        // The printable notebook has every entry, first first.
        chrome.visit(&format!("/trophies/{trophy}/notebook/print")).await;
        let print = chrome.text("body").await;
        let (start, first_pass, second_pass) = (print.find("starts with Erin Engineer"), print.find("Erin Engineer → Pat Peer"), print.find("Pat Peer → Lee Lead"));
        assert!(start < first_pass && first_pass < second_pass && start.is_some(), "{print}");
        chrome.assert_nothing_ran_and_styles_loaded().await;
        chrome.close().await;
    }
}

both_backends! {
    async fn a_client_answers_an_invitation_on_a_phone_sized_window(app) {
        let Some(chrome) = Chrome::launch(&app).await else { return };
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let (survey, q) = open_survey(&app, &cio, None).await;
        let made = invitations(&app, &cio, survey, json!([{"staff_id": d.engineer}])).await;
        let path = path_of(made[0]["url"].as_str().unwrap());

        // An anonymous client on a phone: 390 px wide, nothing wider than the screen.
        chrome.resize(390, 844).await;
        chrome.visit(&path).await;
        let width = chrome.run("return window.innerWidth").await;
        assert!(width.as_u64().is_some_and(|w| w <= 390), "a phone-sized window: {width}");
        assert_eq!(chrome.text("h1").await, "How did we do?");
        chrome.assert_nothing_overflows().await;
        chrome.assert_nothing_ran_and_styles_loaded().await;

        // Sent with the required rating missing: the error sits by it, the rest is kept.
        chrome.click(&format!("input[name=q_{}][value=yes]", q[1])).await;
        chrome.fill(&format!("#q_{}", q[2]), PAYLOAD).await;
        chrome.click_and_wait("form button[type=submit]").await;
        assert!(chrome.text(&format!("#q_{}-error", q[0])).await.contains("Please answer this question"));
        assert_eq!(chrome.prop(&format!("#q_{}", q[2]), "value").await.as_deref(), Some(PAYLOAD));
        chrome.assert_nothing_overflows().await;

        // A rating, yes, a few words and a compliment for Erin, who served this client.
        chrome.click(&format!("input[name=q_{}][value='4']", q[0])).await;
        chrome.fill("#compliment", "Erin explained it all patiently.").await;
        chrome.click_and_wait("form button[type=submit]").await;
        assert_eq!(chrome.location().await, "/respond/thanks");
        assert_eq!(chrome.text("h1").await, "Thank you");
        chrome.assert_nothing_overflows().await;
        chrome.assert_nothing_ran_and_styles_loaded().await;

        // Counted once, with every answer.
        let (status, results) = app.get_json(&cio, &format!("/api/v1/surveys/{survey}/results")).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{results}");
        assert_eq!(results["survey"]["responses"], 1);
        assert_eq!(results["invitations"]["answered"], 1);
        assert_eq!(results["questions"][0]["total"]["mean"], 4.0);
        assert_eq!(results["questions"][1]["total"]["yes_share"], 100.0);
        assert_eq!(results["questions"][2]["texts"][0]["text"], PAYLOAD);
        let (_, queue) = app.get_json(&cio, "/api/v1/survey-compliments").await;
        assert_eq!(queue[0]["person"]["name"], "Erin Engineer");

        // The link is used up: opening it again says so.
        chrome.visit(&path).await;
        assert!(chrome.text("h1").await.contains("already received"));
        chrome.close().await;
    }
}
