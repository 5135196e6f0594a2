//! A real SMTP server for the notification tests: aiosmtpd (Python), started once per run
//! of the test binary, storing what it receives in a Maildir that tests read back.
//!
//! Tests share the one server and tell their emails apart by the `Message-ID`, which
//! names the installation that sent it (every test app has an installation of its own).
//! The server reads its standard input until it closes, so it ends with the test process
//! however that ends.
//!
//! Where Python with aiosmtpd is: `STAFFDEV_TEST_SMTP_PYTHON`, else
//! `target/smtp-venv/bin/python` (what `.ci/run` installs). Without it the notification
//! tests say so and pass without running, unless `STAFFDEV_SMTP_TESTS=required`.

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Mutex, OnceLock},
    time::Duration,
};

use staffdev::notifications::email::{SmtpSettings, SmtpTls};

const SERVER: &str = r#"
import sys
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
class Handler(Mailbox):
    # A mailbox that does not exist: any address starting with "bounce" is refused for
    # good (550), as a real server refuses an unknown user.
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"
controller = Controller(Handler(sys.argv[1]), hostname="127.0.0.1", port=int(sys.argv[2]))
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
"#;

pub struct SmtpServer {
    pub port: u16,
    maildir: PathBuf,
    // Kept so the server's standard input stays open for the life of the process.
    _child: Mutex<Child>,
}

/// One received email, decoded.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub list_unsubscribe: String,
    pub list_unsubscribe_post: String,
    pub text: String,
    pub html: String,
}

fn python() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("STAFFDEV_TEST_SMTP_PYTHON") {
        return Some(PathBuf::from(path));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/smtp-venv/bin/python");
    venv.exists().then_some(venv)
}

/// The run's SMTP server, started on first use; None (after saying why) when aiosmtpd is
/// not installed and the tests are not required.
pub fn smtp_server() -> Option<&'static SmtpServer> {
    static SERVER_ONCE: OnceLock<Option<SmtpServer>> = OnceLock::new();
    SERVER_ONCE.get_or_init(start).as_ref()
}

fn start() -> Option<SmtpServer> {
    let required = std::env::var("STAFFDEV_SMTP_TESTS").is_ok_and(|v| v == "required");
    let Some(python) = python() else {
        assert!(
            !required,
            "STAFFDEV_SMTP_TESTS=required but no Python with aiosmtpd: set STAFFDEV_TEST_SMTP_PYTHON \
             or create target/smtp-venv (python3 -m venv target/smtp-venv && target/smtp-venv/bin/pip install aiosmtpd)"
        );
        eprintln!(
            "no Python with aiosmtpd: skipping the notification tests that need an SMTP server"
        );
        return None;
    };
    let maildir = std::env::temp_dir().join(format!("staffdev-smtp-{}", std::process::id()));
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut child = Command::new(&python)
        .args(["-c", SERVER])
        .arg(&maildir)
        .arg(port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start aiosmtpd");
    let stdout = child.stdout.take().expect("aiosmtpd's output");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("aiosmtpd says it is ready");
    assert_eq!(line.trim(), "ready", "aiosmtpd did not start");
    Some(SmtpServer {
        port,
        maildir,
        _child: Mutex::new(child),
    })
}

impl SmtpServer {
    /// Settings that send through this server, in plain SMTP.
    pub fn settings(&self) -> SmtpSettings {
        SmtpSettings {
            host: "127.0.0.1".to_owned(),
            port: self.port,
            tls: SmtpTls::None,
            user: None,
            password: None,
            from: "staffdev <staffdev@example.org>".to_owned(),
        }
    }

    /// Every email received so far from the installation `installation_id`.
    pub fn received_from(&self, installation_id: &str) -> Vec<Received> {
        let marker = format!(".{installation_id}@staffdev>");
        let mut found = Vec::new();
        for folder in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.join(folder)) else {
                continue;
            };
            for entry in entries.flatten() {
                let Ok(bytes) = std::fs::read(entry.path()) else {
                    continue;
                };
                let Ok(mail) = mailparse::parse_mail(&bytes) else {
                    continue;
                };
                let header = |name: &str| {
                    mailparse::MailHeaderMap::get_first_value(mail.headers.as_slice(), name)
                        .unwrap_or_default()
                };
                if !header("Message-ID").ends_with(&marker) {
                    continue;
                }
                let part = |mime: &str| {
                    mail.subparts
                        .iter()
                        .find(|p| p.ctype.mimetype == mime)
                        .and_then(|p| p.get_body().ok())
                        .unwrap_or_default()
                };
                found.push(Received {
                    to: header("To"),
                    subject: header("Subject"),
                    message_id: header("Message-ID"),
                    list_unsubscribe: header("List-Unsubscribe"),
                    list_unsubscribe_post: header("List-Unsubscribe-Post"),
                    text: part("text/plain"),
                    html: part("text/html"),
                });
            }
        }
        found
    }

    /// Waits until `count` emails from the installation have arrived (or ten seconds have
    /// passed), then answers them all.
    pub async fn wait_for(&self, installation_id: &str, count: usize) -> Vec<Received> {
        self.wait_for_long(installation_id, count, Duration::from_secs(10))
            .await
    }

    /// `wait_for` with a longer patience, for bursts.
    pub async fn wait_for_long(
        &self,
        installation_id: &str,
        count: usize,
        patience: Duration,
    ) -> Vec<Received> {
        let deadline = std::time::Instant::now() + patience;
        while std::time::Instant::now() < deadline {
            // Counting files is cheap; parse only once there can be enough of them.
            if self.files() >= count {
                let received = self.received_from(installation_id);
                if received.len() >= count {
                    return received;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.received_from(installation_id)
    }

    fn files(&self) -> usize {
        ["new", "cur"]
            .iter()
            .filter_map(|folder| std::fs::read_dir(self.maildir.join(folder)).ok())
            .map(|entries| entries.count())
            .sum()
    }
}
