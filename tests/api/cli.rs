//! The command line, run as the real binary: settings errors are one sentence and a
//! non-zero exit, never a panic; create-user reads the password from standard input;
//! serve stops gracefully on SIGTERM.

use std::{
    io::{BufRead, BufReader, Write},
    process::{Command, Stdio},
};

fn staffdev() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_staffdev"));
    // The environment of whoever runs the tests must not leak into these.
    for (key, _) in std::env::vars() {
        if key.starts_with("STAFFDEV_") {
            command.env_remove(key);
        }
    }
    command
}

fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("cli.db").display())
}

fn assert_one_sentence_failure(output: &std::process::Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "should fail: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("staffdev: "), "{stderr}");
    assert!(last.contains(expected), "expected {expected:?} in {last:?}");
}

#[test]
fn openapi_prints_the_document() {
    let output = staffdev().arg("openapi").output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        staffdev::api::spec_json()
    );
}

#[test]
fn bad_settings_exit_with_one_sentence() {
    let output = staffdev()
        .args(["migrate", "status", "--database-url", "mysql://localhost/x"])
        .output()
        .unwrap();
    assert_one_sentence_failure(&output, "is not supported");

    let output = staffdev()
        .args([
            "migrate",
            "status",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/x",
        ])
        .output()
        .unwrap();
    assert_one_sentence_failure(
        &output,
        "could not connect to the database at postgres://nobody@127.0.0.1:1/x",
    );

    let output = staffdev()
        .env(
            "STAFFDEV_DATABASE_URL",
            "postgres://someone:secret@127.0.0.1:1/x",
        )
        .args(["migrate", "up"])
        .output()
        .unwrap();
    assert_one_sentence_failure(&output, "could not connect");
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("secret"),
        "the password is never shown"
    );

    let output = staffdev()
        .args(["serve", "--bind", "not-an-address"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--bind"));
}

#[test]
fn a_taken_port_exits_with_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let output = staffdev()
        .args([
            "serve",
            "--database-url",
            &sqlite_url(&dir),
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .output()
        .unwrap();
    assert_one_sentence_failure(&output, &format!("could not listen on 127.0.0.1:{port}"));
}

#[test]
fn create_user_reads_the_password_from_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let run = |email: &str, password: &str, manager: Option<&str>| {
        let mut command = staffdev();
        command.args([
            "create-user",
            "--database-url",
            &url,
            "--email",
            email,
            "--name",
            "Casey CLI",
            "--role",
            "cio",
        ]);
        if let Some(manager) = manager {
            command.args(["--manager", manager]);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let output = run("casey@example.org", "a long enough password", None);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("Created Casey CLI <casey@example.org> as cio")
    );

    let output = run("CASEY@example.org", "a long enough password", None);
    assert_one_sentence_failure(
        &output,
        "email: Someone in the directory already has this email address.",
    );
    let output = run("short@example.org", "short", None);
    assert_one_sentence_failure(&output, "password: Use at least 10 characters.");
    let output = run(
        "report@example.org",
        "a long enough password",
        Some("nobody@example.org"),
    );
    assert_one_sentence_failure(&output, "there is nobody with the email nobody@example.org");
    let output = run(
        "report@example.org",
        "a long enough password",
        Some("casey@example.org"),
    );
    assert!(output.status.success());

    let output = staffdev()
        .args(["migrate", "status", "--database-url", &url])
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&output.stdout);
    assert!(
        status.lines().count() >= 2 && status.lines().all(|l| l.starts_with("applied ")),
        "{status}"
    );
}

#[test]
fn serve_logs_json_with_request_ids_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    // With a cio already there, serve creates none and prints only log lines.
    let mut create = staffdev()
        .args([
            "create-user",
            "--database-url",
            &url,
            "--email",
            "cio@example.org",
            "--name",
            "C",
            "--role",
            "cio",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    create
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    assert!(create.wait().unwrap().success());

    let mut server = staffdev()
        .args([
            "serve",
            "--database-url",
            &url,
            "--bind",
            "127.0.0.1:0",
            "--log-format",
            "json",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let mut port = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        let event: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        if event["message"] == "staffdev is serving" {
            port = event["port"].as_u64();
            break;
        }
    }
    let port = port.expect("the server said where it listens");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let status = runtime.block_on(async {
        reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, reqwest::StatusCode::OK);

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    let exit = server.wait().unwrap();
    assert!(exit.success(), "exit {exit:?}: {rest:?}");
    let request_line = rest
        .iter()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|_| panic!("not JSON: {l}"))
        })
        .find(|event| event["message"] == "response")
        .expect("the request was logged");
    let spans = request_line["spans"].to_string();
    assert!(spans.contains("request_id"), "{request_line}");
    assert!(rest.iter().any(|l| l.contains("shutting down")), "{rest:?}");
}
