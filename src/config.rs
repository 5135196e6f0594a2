//! Settings from flags and `STAFFDEV_*` environment variables. The defaults work on a
//! fresh machine: an SQLite file in the working directory and a loopback address.

use std::{net::SocketAddr, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "staffdev",
    version,
    about = "Develop and recognise the people of a service department."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Database URL: sqlite://FILE (created if missing) or postgres://USER@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "STAFFDEV_DATABASE_URL",
        default_value = "sqlite://staffdev.db"
    )]
    pub database_url: String,
    /// Largest number of pooled database connections per instance [default: twice the
    /// cores for SQLite, at most 10; 10 for PostgreSQL].
    #[arg(long, global = true, env = "STAFFDEV_DB_MAX_CONNECTIONS")]
    pub db_max_connections: Option<u32>,
    /// Log format: text for people, json for log collectors.
    #[arg(long, global = true, env = "STAFFDEV_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Log filter, in tracing's EnvFilter syntax (for example "info,sqlx=warn").
    #[arg(
        long,
        global = true,
        env = "STAFFDEV_LOG",
        default_value = "info,sqlx=warn,sea_orm=warn"
    )]
    pub log: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve the web pages and the JSON API.
    Serve(ServeArgs),
    /// Apply or revert migrations, or show their status.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Add a person who can sign in; the password is read from standard input or a prompt.
    CreateUser(CreateUserArgs),
    /// Print the OpenAPI document of the JSON API.
    Openapi,
    /// Load a demo IT department into an empty database and say how to sign in.
    Demo,
    /// Write a consistent copy of the SQLite database to FILE, safe while serving
    /// (PostgreSQL: use pg_dump).
    Backup {
        /// Where to write the copy; it must not exist yet.
        file: std::path::PathBuf,
    },
    /// Put a backup written by `staffdev backup` in place of an empty SQLite database.
    Restore {
        /// The backup to restore.
        file: std::path::PathBuf,
    },
    /// Write the whole department to FILE as JSON lines, from either backend, safe while
    /// serving (sessions, API tokens and private links are left out).
    Export {
        /// Where to write the export; it must not exist yet.
        file: std::path::PathBuf,
    },
    /// Load a file written by `staffdev export` into an empty database of either backend.
    Import {
        /// The export to load.
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Revert the most recent migrations; asks for --yes before dropping tables that hold rows.
    Down {
        /// How many migrations to revert.
        #[arg(long, default_value_t = 1)]
        steps: u32,
        /// Revert even when that drops tables holding rows, and their rows with them.
        #[arg(long, default_value_t = false)]
        yes: bool,
    },
    /// List migrations and whether each is applied; a missing database file is an error.
    Status,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "STAFFDEV_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// The address people use to reach the service; an https URL makes cookies Secure.
    #[arg(long, env = "STAFFDEV_PUBLIC_URL")]
    pub public_url: Option<url::Url>,
    /// Minutes of inactivity after which a session ends (1 to a year).
    #[arg(long, env = "STAFFDEV_SESSION_IDLE_MINUTES", default_value_t = 120)]
    pub session_idle_minutes: u64,
    /// Hours after sign-in after which a session ends, active or not (1 to a year).
    #[arg(long, env = "STAFFDEV_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: u64,
    /// Take the client address from the last X-Forwarded-For entry (behind a proxy you trust).
    #[arg(long, env = "STAFFDEV_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,
    /// Seconds that in-flight requests get to finish after SIGTERM or Ctrl-C; 0 stops at
    /// once, cutting them off.
    #[arg(long, env = "STAFFDEV_SHUTDOWN_GRACE_SECONDS", default_value_t = 30)]
    pub shutdown_grace_seconds: u64,
    /// Email of the first cio account, created with a random password when nobody can
    /// administer the service yet.
    #[arg(
        long,
        env = "STAFFDEV_FIRST_CIO_EMAIL",
        default_value = "cio@staffdev.local"
    )]
    pub first_cio_email: String,
    /// Load the demo department first when the database is empty.
    #[arg(long, env = "STAFFDEV_DEMO", default_value_t = false)]
    pub demo: bool,
    /// The smallest group advisors see a figure for; smaller groups show "fewer than k".
    #[arg(long, env = "STAFFDEV_PRIVACY_K", default_value_t = 3, value_parser = clap::value_parser!(i64).range(1..=1000))]
    pub privacy_k: i64,
    /// Show the portal (trophies, kudos, compliments, announcements) and its Atom feed to
    /// visitors who are not signed in, read-only.
    #[arg(long, env = "STAFFDEV_PORTAL_PUBLIC", default_value_t = false)]
    pub portal_public: bool,
    /// The department's time zone, an IANA name such as Europe/Paris: meeting times are
    /// shown and typed in it, and the weekly digest goes on Monday at 08:00 there.
    #[arg(long, env = "STAFFDEV_TIME_ZONE", default_value = "UTC")]
    pub time_zone: String,
    /// Days a client survey invitation can be answered after it is made (1 to 365).
    #[arg(long, env = "STAFFDEV_SURVEY_INVITATION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=365))]
    pub survey_invitation_days: i64,
    /// Survey submissions accepted per client address in ten minutes, shared by every
    /// instance; past it the answer is 429.
    #[arg(long, env = "STAFFDEV_SURVEY_RATE_LIMIT", default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=100000))]
    pub survey_rate_limit: i64,
    /// The SMTP server notifications are emailed through; without it nothing is sent and
    /// notifications wait in the outbox (the cio's Notifications page says so).
    #[arg(long, env = "STAFFDEV_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// The SMTP server's port (default: 587 with starttls, 465 with tls, 25 with none).
    #[arg(long, env = "STAFFDEV_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// How the SMTP connection is protected.
    #[arg(
        long,
        env = "STAFFDEV_SMTP_TLS",
        value_enum,
        default_value = "starttls"
    )]
    pub smtp_tls: crate::notifications::email::SmtpTls,
    /// The SMTP account, when the server asks for one.
    #[arg(long, env = "STAFFDEV_SMTP_USER")]
    pub smtp_user: Option<String>,
    /// The SMTP account's password; never logged. Prefer the variable to the flag, which
    /// other users of the machine can read in the process list.
    #[arg(long, env = "STAFFDEV_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// The address emails come from, e.g. "staffdev <staffdev@example.org>".
    #[arg(long, env = "STAFFDEV_SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// Post the chat webhooks the cio set up from this instance; false leaves them to the
    /// other instances (or, with none, waiting in the outbox).
    #[arg(long, env = "STAFFDEV_SEND_WEBHOOKS", default_value_t = true, action = clap::ArgAction::Set)]
    pub send_webhooks: bool,
}

#[derive(Debug, Args)]
pub struct CreateUserArgs {
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: String,
    /// staff, cio or advisor.
    #[arg(long, default_value = "staff")]
    pub role: String,
    /// Email of the person's manager.
    #[arg(long)]
    pub manager: Option<String>,
    #[arg(long, default_value = "")]
    pub job_title: String,
    #[arg(long, default_value = "")]
    pub team: String,
}

/// The SMTP settings the flags give: none without a host; a host without a from address
/// (or the other settings without a host) is a mistake said in one sentence.
fn smtp_settings(
    serve: &ServeArgs,
) -> Result<Option<crate::notifications::email::SmtpSettings>, String> {
    let Some(host) = serve.smtp_host.as_ref().filter(|h| !h.trim().is_empty()) else {
        if serve.smtp_from.is_some() || serve.smtp_user.is_some() || serve.smtp_password.is_some() {
            return Err(
                "--smtp-host (STAFFDEV_SMTP_HOST) is needed with the other --smtp-* \
                        settings: without it no email is sent"
                    .to_owned(),
            );
        }
        return Ok(None);
    };
    let Some(from) = serve.smtp_from.as_ref().filter(|f| !f.trim().is_empty()) else {
        return Err(
            "--smtp-from (STAFFDEV_SMTP_FROM) is needed with --smtp-host: the address \
                    emails come from, e.g. \"staffdev <staffdev@example.org>\""
                .to_owned(),
        );
    };
    if from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(format!(
            "--smtp-from (STAFFDEV_SMTP_FROM) must be an email address such as \
             \"staffdev <staffdev@example.org>\", not {from:?}"
        ));
    }
    if serve.smtp_password.is_some() && serve.smtp_user.is_none() {
        return Err(
            "--smtp-password (STAFFDEV_SMTP_PASSWORD) needs --smtp-user (STAFFDEV_SMTP_USER)"
                .to_owned(),
        );
    }
    Ok(Some(crate::notifications::email::SmtpSettings {
        host: host.trim().to_owned(),
        port: serve.smtp_port.unwrap_or(serve.smtp_tls.default_port()),
        tls: serve.smtp_tls,
        user: serve.smtp_user.clone(),
        password: serve
            .smtp_password
            .clone()
            .map(crate::notifications::email::Secret),
        from: from.trim().to_owned(),
    }))
}

/// The longest a session may last: longer is a credential that never ends (and a huge
/// value wraps a cookie's Max-Age round to "already expired").
const LONGEST_SESSION: Duration = Duration::from_secs(366 * 24 * 3600);

/// What the running service needs, independent of how it was configured, so that tests
/// can build the app directly.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub db_max_connections: u32,
    pub bind: SocketAddr,
    pub public_url: Option<url::Url>,
    pub session_idle: Duration,
    pub session_max_age: Duration,
    pub trust_forwarded_for: bool,
    pub shutdown_grace: Duration,
    pub first_cio_email: Option<String>,
    /// Load the demo department when the database is empty.
    pub demo: bool,
    /// The smallest group advisors see a figure for.
    pub privacy_k: i64,
    /// Anonymous visitors may read the portal and its feed.
    pub portal_public: bool,
    /// The department's time zone (IANA name), checked by `check`; see `Settings::zone`.
    pub time_zone: String,
    /// Days a survey invitation can be answered.
    pub survey_invitation_days: i64,
    /// Survey submissions per client address in ten minutes.
    pub survey_rate_limit: i64,
    /// Where notifications are emailed through; `None`: nothing is sent.
    pub smtp: Option<crate::notifications::email::SmtpSettings>,
    /// A mistake in the `--smtp-*` flags, which `check` reports before anything starts.
    pub smtp_problem: Option<String>,
    /// How long the notification sender waits when nothing is due.
    pub notification_idle: Duration,
    /// Whether this instance runs the chat webhook sender (`--send-webhooks`, on by
    /// default for `serve`); tests and commands that do not serve leave it off, and tests
    /// drive it themselves (`webhooks::sender::send_due`).
    pub send_webhooks: bool,
}

impl Settings {
    pub fn from_args(global: &GlobalArgs, serve: &ServeArgs) -> Self {
        let (smtp, smtp_problem) = match smtp_settings(serve) {
            Ok(smtp) => (smtp, None),
            Err(problem) => (None, Some(problem)),
        };
        Settings {
            database_url: global.database_url.clone(),
            db_max_connections: global
                .db_max_connections
                .unwrap_or_else(|| crate::db::default_max_connections(&global.database_url)),
            bind: serve.bind,
            public_url: serve.public_url.clone(),
            session_idle: Duration::from_secs(serve.session_idle_minutes.saturating_mul(60)),
            session_max_age: Duration::from_secs(serve.session_max_hours.saturating_mul(3600)),
            trust_forwarded_for: serve.trust_forwarded_for,
            shutdown_grace: Duration::from_secs(serve.shutdown_grace_seconds),
            first_cio_email: Some(serve.first_cio_email.clone()),
            demo: serve.demo,
            privacy_k: serve.privacy_k,
            portal_public: serve.portal_public,
            time_zone: serve.time_zone.clone(),
            survey_invitation_days: serve.survey_invitation_days,
            survey_rate_limit: serve.survey_rate_limit,
            smtp,
            smtp_problem,
            notification_idle: Duration::from_secs(2),
            send_webhooks: serve.send_webhooks,
        }
    }

    /// Settings for a given database with every other value at its default; used by tests
    /// and by commands that do not serve.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        let database_url = database_url.into();
        Settings {
            db_max_connections: crate::db::default_max_connections(&database_url),
            database_url,
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            session_idle: Duration::from_secs(120 * 60),
            session_max_age: Duration::from_secs(12 * 3600),
            trust_forwarded_for: false,
            shutdown_grace: Duration::from_secs(30),
            first_cio_email: None,
            demo: false,
            privacy_k: 3,
            portal_public: false,
            time_zone: "UTC".to_owned(),
            survey_invitation_days: 30,
            survey_rate_limit: 30,
            smtp: None,
            smtp_problem: None,
            notification_idle: Duration::from_secs(2),
            send_webhooks: false,
        }
    }

    /// Refuses, in one sentence naming the flag, settings that make no sense: no database
    /// connections, sessions that end at once or never, a public URL that is not a web
    /// address. A shutdown grace of 0 is allowed: it means stop at once.
    pub fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.db_max_connections > 0,
            "--db-max-connections (STAFFDEV_DB_MAX_CONNECTIONS) must be at least 1: without a \
             connection nothing can be read or written"
        );
        let (idle, max_age) = (self.session_idle.as_secs(), self.session_max_age.as_secs());
        anyhow::ensure!(
            (60..=LONGEST_SESSION.as_secs()).contains(&idle),
            "--session-idle-minutes (STAFFDEV_SESSION_IDLE_MINUTES) must be between 1 and {} \
             (a year): a session would end at once, or a cookie could not say when it ends",
            LONGEST_SESSION.as_secs() / 60
        );
        anyhow::ensure!(
            (3600..=LONGEST_SESSION.as_secs()).contains(&max_age),
            "--session-max-hours (STAFFDEV_SESSION_MAX_HOURS) must be between 1 and {} \
             (a year): a session would end at once, or a cookie could not say when it ends",
            LONGEST_SESSION.as_secs() / 3600
        );
        if let Some(url) = &self.public_url {
            anyhow::ensure!(
                matches!(url.scheme(), "http" | "https") && url.has_host(),
                "--public-url (STAFFDEV_PUBLIC_URL) must be an http:// or https:// address, \
                 not {url}"
            );
        }
        if let Some(problem) = &self.smtp_problem {
            anyhow::bail!("{problem}");
        }
        anyhow::ensure!(
            self.time_zone.parse::<chrono_tz::Tz>().is_ok(),
            "--time-zone (STAFFDEV_TIME_ZONE) must be an IANA time zone name such as \
             Europe/Paris or America/New_York, not {:?}",
            self.time_zone
        );
        Ok(())
    }

    /// The department's time zone; UTC if `check` was skipped and the name is unknown.
    pub fn zone(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::Tz::UTC)
    }

    /// Cookies carry the Secure flag when people reach the service over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|url| url.scheme() == "https")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spoils one setting of otherwise good settings.
    type Spoil = fn(&mut Settings);

    #[test]
    fn settings_that_make_no_sense_are_refused_naming_the_flag() {
        let base = || Settings::for_database("sqlite::memory:");
        assert!(base().check().is_ok());
        let cases: [(Spoil, &str); 8] = [
            (|s| s.db_max_connections = 0, "--db-max-connections"),
            (
                |s| s.session_idle = Duration::ZERO,
                "--session-idle-minutes",
            ),
            (
                |s| s.session_idle = Duration::from_secs(59),
                "--session-idle-minutes",
            ),
            (
                |s| s.session_max_age = Duration::ZERO,
                "--session-max-hours",
            ),
            (|s| s.session_max_age = Duration::MAX, "--session-max-hours"),
            (
                |s| s.public_url = "ftp://example.org/".parse().ok(),
                "--public-url",
            ),
            (
                |s| s.public_url = "mailto:cio@example.org".parse().ok(),
                "--public-url",
            ),
            (
                |s| s.time_zone = "Mars/Olympus_Mons".to_owned(),
                "--time-zone",
            ),
        ];
        for (spoil, flag) in cases {
            let mut settings = base();
            spoil(&mut settings);
            let message = settings.check().map_err(|e| e.to_string()).unwrap_err();
            assert!(message.starts_with(flag), "{flag}: {message}");
            assert!(!message.contains('\n'), "{message}");
        }
        let mut settings = base();
        settings.shutdown_grace = Duration::ZERO;
        settings.public_url = "https://staffdev.example.org/".parse().ok();
        assert!(settings.check().is_ok(), "a grace of 0 means stop at once");
        settings.time_zone = "Europe/Paris".to_owned();
        assert!(settings.check().is_ok());
        assert_eq!(settings.zone(), chrono_tz::Europe::Paris);
    }
}
