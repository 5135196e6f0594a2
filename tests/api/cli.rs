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

/// A port another socket holds: a serve that got as far as listening fails on it, so a
/// setting that should have been refused earlier shows up as the wrong sentence.
fn taken_port() -> (std::net::TcpListener, String) {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = taken.local_addr().unwrap().to_string();
    (taken, bind)
}

#[test]
fn settings_that_make_no_sense_are_refused_with_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let (_taken, bind) = taken_port();
    let cases: [(&[&str], &str); 7] = [
        (&["--db-max-connections", "0"], "--db-max-connections"),
        (&["--session-idle-minutes", "0"], "--session-idle-minutes"),
        (&["--session-max-hours", "0"], "--session-max-hours"),
        (&["--session-max-hours", "9000000"], "--session-max-hours"),
        (
            &["--session-idle-minutes", "900000000"],
            "--session-idle-minutes",
        ),
        (
            &["--public-url", "ftp://staffdev.example.org/"],
            "--public-url",
        ),
        (
            &["--public-url", "https://staffdev.example.org/"],
            "could not listen",
        ),
    ];
    for (flags, expected) in cases {
        let output = staffdev()
            .args(["serve", "--database-url", &url, "--bind", &bind])
            .args(flags)
            .output()
            .unwrap();
        assert_one_sentence_failure(&output, expected);
        if expected.starts_with("--") {
            // Refused before anything else ran, so nothing else was said.
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(stderr.lines().count(), 1, "{flags:?}: {stderr}");
        }
    }
    // The same from the environment, and before anything touches the database (the
    // sensible case above got as far as creating one).
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let output = staffdev()
        .env("STAFFDEV_SESSION_IDLE_MINUTES", "0")
        .env("STAFFDEV_DB_MAX_CONNECTIONS", "0")
        .args(["serve", "--database-url", &url, "--bind", &bind])
        .output()
        .unwrap();
    assert_one_sentence_failure(&output, "--db-max-connections");
    assert!(!dir.path().join("cli.db").exists());
}

#[test]
fn start_up_errors_say_their_cause_once() {
    let output = staffdev()
        .args([
            "migrate",
            "up",
            "--database-url",
            "sqlite:///no-such-directory/staffdev.db",
        ])
        .output()
        .unwrap();
    assert_one_sentence_failure(&output, "could not connect to the database");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.matches("unable to open database file").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn migrate_status_and_down_do_not_create_a_missing_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    for action in ["status", "down"] {
        let output = staffdev()
            .args(["migrate", action, "--database-url", &url])
            .output()
            .unwrap();
        assert_one_sentence_failure(&output, "does not exist");
        assert!(!dir.path().join("cli.db").exists(), "migrate {action}");
    }
}

fn migrate(url: &str, args: &[&str]) -> std::process::Output {
    staffdev()
        .args(["migrate", "--database-url", url])
        .args(args)
        .output()
        .unwrap()
}

fn stdout_of(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn migrate_down_says_how_many_it_really_reverted() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    stdout_of(&migrate(&url, &["up"]));
    let known = stdout_of(&migrate(&url, &["status"])).lines().count();
    assert!(known >= 2);

    let reverted = stdout_of(&migrate(&url, &["down", "--steps", "1"]));
    assert_eq!(
        reverted.lines().last(),
        Some("Reverted 1 migration."),
        "{reverted}"
    );

    let reverted = stdout_of(&migrate(&url, &["down", "--steps", "100"]));
    let expected = format!(
        "Reverted {} migrations, every one that was applied (--steps asked for 100).",
        known - 1
    );
    assert_eq!(
        reverted.lines().last(),
        Some(expected.as_str()),
        "{reverted}"
    );
    let status = stdout_of(&migrate(&url, &["status"]));
    assert!(
        status.lines().all(|l| l.starts_with("pending ")),
        "{status}"
    );

    let nothing = stdout_of(&migrate(&url, &["down"]));
    assert_eq!(
        nothing.trim(),
        "No migration is applied, so there was nothing to revert."
    );
}

#[test]
fn reverting_tables_that_hold_rows_asks_for_yes() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
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

    // The newest migration only adds indexes: nothing is lost, so nothing is asked.
    stdout_of(&migrate(&url, &["down"]));
    stdout_of(&migrate(&url, &["up"]));

    let output = migrate(&url, &["down", "--steps", "100"]);
    assert_one_sentence_failure(&output, "--yes");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("people"), "{stderr}");
    assert!(
        !stderr.contains("sessions"),
        "only tables with rows are named: {stderr}"
    );
    let status = stdout_of(&migrate(&url, &["status"]));
    assert!(
        status.lines().all(|l| l.starts_with("applied ")),
        "nothing was reverted: {status}"
    );

    let reverted = stdout_of(&migrate(&url, &["down", "--steps", "100", "--yes"]));
    assert!(
        reverted
            .lines()
            .last()
            .unwrap_or_default()
            .starts_with("Reverted "),
        "{reverted}"
    );
    let status = stdout_of(&migrate(&url, &["status"]));
    assert!(
        status.lines().all(|l| l.starts_with("pending ")),
        "{status}"
    );
}
