//! Hardening at the edge of the service: bodies without a Content-Length are bounded as
//! they stream, private responses are never stored by a cache, and an https public URL
//! asks browsers for https only.

use std::{
    io::{Read, Write},
    net::TcpStream,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use reqwest::{StatusCode, cookie::CookieStore};
use serde_json::json;

use crate::helpers::*;

/// Larger than the service's limit (6 MiB) with room to spare: a server that read it all
/// would take the whole of it in, which is what the limit is there to prevent.
const FAR_TOO_LARGE: usize = 48 * 1024 * 1024;

/// What a raw HTTP/1.1 exchange produced.
struct RawAnswer {
    status: u16,
    head: String,
    body: String,
    /// Bytes of the request body written before the server answered or stopped reading.
    sent: usize,
}

impl RawAnswer {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }
}

/// Posts `prefix`, `filler` bytes of `a` and `suffix` as one chunked body (no
/// Content-Length), in 64 KiB chunks, while another thread reads the answer; stops
/// writing as soon as the answer's head has arrived or the server stops reading.
async fn post_chunked(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
    prefix: &[u8],
    filler: usize,
    suffix: &[u8],
) -> RawAnswer {
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let (prefix, suffix) = (prefix.to_vec(), suffix.to_vec());
    tokio::task::spawn_blocking(move || {
        let mut writer = TcpStream::connect(&address).unwrap();
        writer
            .set_write_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut reader = writer.try_clone().unwrap();
        reader
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let answered = Arc::new(AtomicBool::new(false));
        let seen = answered.clone();
        let reading = std::thread::spawn(move || {
            let mut received = Vec::new();
            let mut buffer = [0_u8; 16 * 1024];
            // A reset after the answer is fine: what arrived before it is kept.
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                received.extend_from_slice(&buffer[..n]);
                if received.windows(4).any(|w| w == b"\r\n\r\n") {
                    seen.store(true, Ordering::SeqCst);
                }
            }
            received
        });

        writer.write_all(head.as_bytes()).unwrap();
        let filler_chunk = vec![b'a'; 64 * 1024];
        let mut pieces: Vec<&[u8]> = vec![&prefix];
        let mut left = filler;
        while left > 0 {
            let n = left.min(filler_chunk.len());
            pieces.push(&filler_chunk[..n]);
            left -= n;
        }
        pieces.push(&suffix);
        let mut sent = 0;
        let mut finished = true;
        for piece in pieces.into_iter().filter(|p| !p.is_empty()) {
            if answered.load(Ordering::SeqCst) {
                finished = false;
                break;
            }
            let framed = [format!("{:x}\r\n", piece.len()).as_bytes(), piece, b"\r\n"].concat();
            if writer.write_all(&framed).is_err() {
                finished = false;
                break;
            }
            sent += piece.len();
        }
        if finished {
            let _ = writer.write_all(b"0\r\n\r\n");
        }
        let received = reading.join().unwrap();
        let text = String::from_utf8_lossy(&received).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("no answer after {sent} bytes: {text:?}"));
        RawAnswer {
            status,
            head: head.to_owned(),
            body: body.to_owned(),
            sent,
        }
    })
    .await
    .unwrap()
}

both_backends! {
    async fn a_chunked_body_over_the_limit_is_refused_as_it_streams(app) {
        app.department().await;
        // The API, before sign-in: a token request whose password never ends.
        let answer = post_chunked(
            &app,
            "/api/v1/auth/tokens",
            &[("Content-Type", "application/json")],
            br#"{"email": "eng@example.org", "password": ""#,
            FAR_TOO_LARGE,
            br#"", "name": "big"}"#,
        )
        .await;
        assert_eq!(answer.status, 413, "{}", answer.head);
        assert_eq!(answer.header("content-type").as_deref(), Some("application/problem+json"));
        assert!(answer.body.contains("\"status\":413"), "{}", answer.body);
        assert!(answer.sent < FAR_TOO_LARGE, "the server read the whole body");

        // A page form, before sign-in.
        let answer = post_chunked(
            &app,
            "/sign-in",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            b"email=eng%40example.org&password=",
            FAR_TOO_LARGE,
            b"",
        )
        .await;
        assert_eq!(answer.status, 413, "{}", answer.head);
        assert!(answer.header("content-type").unwrap_or_default().starts_with("text/html"), "{}", answer.head);
        assert!(answer.body.contains("Error 413"), "{}", answer.body);
        assert!(answer.sent < FAR_TOO_LARGE, "the server read the whole body");

        // A multipart upload, signed in as someone who may upload.
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let browser = Browser {
            client: reqwest::Client::builder()
                .cookie_provider(jar.clone())
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            address: app.address.clone(),
        };
        assert_eq!(browser.sign_in("cio@example.org", PASSWORD).await.status(), StatusCode::SEE_OTHER);
        let cookies = jar.cookies(&app.address.parse().unwrap()).unwrap();
        let answer = post_chunked(
            &app,
            "/skills/import",
            &[
                ("Content-Type", "multipart/form-data; boundary=xyz"),
                ("Cookie", cookies.to_str().unwrap()),
            ],
            b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n",
            FAR_TOO_LARGE,
            b"\r\n--xyz--\r\n",
        )
        .await;
        assert_eq!(answer.status, 413, "{}", answer.head);
        assert!(answer.body.contains("Error 413"), "{}", answer.body);
        assert!(answer.sent < FAR_TOO_LARGE, "the server read the whole body");
    }
}

both_backends! {
    async fn a_chunked_body_under_the_limit_is_read_as_before(app) {
        app.department().await;
        let body = json!({"email": "eng@example.org", "password": PASSWORD, "name": "chunked"}).to_string();
        let (start, end) = body.split_at(10);
        // Padding inside the JSON (spaces) makes the body large but still acceptable.
        let answer = post_chunked(
            &app,
            "/api/v1/auth/tokens",
            &[("Content-Type", "application/json")],
            start.as_bytes(),
            0,
            format!("{}{end}", " ".repeat(1024 * 1024)).as_bytes(),
        )
        .await;
        assert_eq!(answer.status, 201, "{} {}", answer.head, answer.body);
        assert!(answer.body.contains("sdv_"), "{}", answer.body);
    }
}

both_backends! {
    async fn private_responses_are_never_stored_and_the_stylesheet_is(app) {
        app.department().await;
        let token = app.token("eng@example.org").await;
        let signed_in = app.signed_in("eng@example.org").await;
        for path in ["/people", "/", "/account"] {
            let response = signed_in.get(path).await;
            assert_eq!(response.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "{path}");
        }
        for path in ["/api/v1/people", "/api/v1/auth/tokens"] {
            let response = app.api.get(app.url(path)).bearer_auth(&token).send().await.unwrap();
            assert_eq!(response.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "{path}");
        }
        // Refusals and anonymous pages are not stored either: a cache cannot tell them apart.
        for path in ["/api/v1/people", "/sign-in", "/no-such-page"] {
            let response = app.api.get(app.url(path)).send().await.unwrap();
            assert_eq!(response.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "{path}");
        }
        let response = app.api.get(app.url("/static/style.css")).send().await.unwrap();
        assert_eq!(response.headers()["cache-control"], "public, max-age=3600");
        // Under plain http nobody is asked to insist on https.
        assert!(!response.headers().contains_key("strict-transport-security"));
        let response = signed_in.get("/people").await;
        assert!(!response.headers().contains_key("strict-transport-security"));
    }
}

both_backends! {
    async fn an_https_public_url_asks_for_https_on_every_response(
        app,
        settings = |s: &mut staffdev::config::Settings| s.public_url = Some("https://staffdev.example.org/".parse().unwrap())
    ) {
        app.department().await;
        let token = app.token("eng@example.org").await;
        for path in ["/sign-in", "/healthz", "/readyz", "/static/style.css", "/no-such-page", "/api/v1/people", "/api/openapi.json"] {
            let response = app.api.get(app.url(path)).send().await.unwrap();
            assert_eq!(
                response.headers().get("strict-transport-security").map(|v| v.to_str().unwrap()),
                Some("max-age=31536000; includeSubDomains"),
                "{path}"
            );
        }
        let response = app.api.get(app.url("/api/v1/people")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
    }
}

both_backends! {
    async fn an_http_public_url_does_not_ask_for_https(
        app,
        settings = |s: &mut staffdev::config::Settings| s.public_url = Some("http://staffdev.example.org/".parse().unwrap())
    ) {
        for path in ["/sign-in", "/healthz", "/api/v1/people"] {
            let response = app.api.get(app.url(path)).send().await.unwrap();
            assert!(!response.headers().contains_key("strict-transport-security"), "{path}");
        }
    }
}
