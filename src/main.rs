//! The command line: parse, load settings, dispatch. Every failure ends in one sentence
//! on standard error and a non-zero exit code, never a panic.

use std::{
    io::{BufRead, IsTerminal},
    process::ExitCode,
};

use anyhow::Context;
use clap::Parser;
use staffdev::validate::Word;
use staffdev::{
    app::App,
    config::{Cli, Command, CreateUserArgs, MigrateAction, Settings},
    db::Db,
    error::AppError,
    people::{self, PersonInput},
    telemetry,
};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("staffdev: could not start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("staffdev: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each cause only when it adds something: sqlx and
/// sea-orm wrap an error in another that repeats its text, which printed whole says
/// "unable to open database file: … unable to open database file".
fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if text.is_empty() || line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let global = cli.global;
    match cli.command {
        Command::Demo => {
            let db = Db::connect(&global.database_url, 2).await?;
            db.migrate_up().await?;
            let result = staffdev::demo::load(&db)
                .await
                .map_err(AppError::into_anyhow);
            db.close().await;
            result?;
            println!("{}", staffdev::demo::sign_in_help("http://127.0.0.1:8080/"));
            println!("Start the service with: staffdev serve");
            Ok(())
        }
        Command::Openapi => {
            print!("{}", staffdev::api::spec_json());
            Ok(())
        }
        Command::Backup { file } => {
            let copy = staffdev::backup::backup(&global.database_url, &file).await?;
            println!(
                "Backed up {} people to {} ({} bytes); the integrity check is clean.",
                copy.people,
                copy.path.display(),
                copy.bytes
            );
            Ok(())
        }
        Command::Restore { file } => {
            let copy = staffdev::backup::restore(&global.database_url, &file).await?;
            println!(
                "Restored {} people from {} into {}; the integrity check is clean.",
                copy.people,
                file.display(),
                copy.path.display()
            );
            Ok(())
        }
        Command::Export { file } => {
            let exported = staffdev::portable::export(&global.database_url, &file).await?;
            println!(
                "Exported {} rows of {} tables to {} ({} bytes).",
                exported.rows,
                exported.tables,
                exported.path.display(),
                exported.bytes
            );
            Ok(())
        }
        Command::Import { file } => {
            let imported = staffdev::portable::import(&global.database_url, &file).await?;
            println!(
                "Imported {} rows of {} tables from {}.",
                imported.rows,
                imported.tables,
                file.display()
            );
            Ok(())
        }
        Command::Serve(args) => {
            telemetry::init_logging(global.log_format, &global.log)?;
            let settings = Settings::from_args(&global, &args);
            let app = App::build(settings).await?;
            tracing::info!(
                address = %args.bind,
                port = app.port(),
                database = %staffdev::db::redacted_url(&global.database_url),
                "staffdev is serving"
            );
            app.run_until(telemetry::shutdown_signal())
                .await
                .context("the server stopped with an error")
        }
        Command::Migrate { action } => {
            // Looking, or taking away, must not leave an empty database file behind.
            if !matches!(action, MigrateAction::Up)
                && let Some(path) = staffdev::db::missing_sqlite_file(&global.database_url)
            {
                anyhow::bail!(
                    "the database file {} does not exist; `staffdev migrate up` creates it",
                    path.display()
                );
            }
            let db = Db::connect(&global.database_url, 1).await?;
            let result = migrate(&db, action).await;
            db.close().await;
            result
        }
        Command::CreateUser(args) => {
            let db = Db::connect(&global.database_url, 1).await?;
            db.migrate_up().await?;
            let result = create_user(&db, args).await;
            db.close().await;
            result
        }
    }
}

async fn migrate(db: &Db, action: MigrateAction) -> anyhow::Result<()> {
    match action {
        MigrateAction::Up => {
            db.migrate_up().await?;
            println!("All migrations are applied.");
        }
        MigrateAction::Down { steps, yes } => {
            anyhow::ensure!(steps > 0, "--steps must be at least 1");
            if !yes {
                let losing = db.tables_losing_rows(steps).await?;
                let (what, them) = match losing.len() {
                    1 => ("a table that holds rows", "it with its rows"),
                    _ => ("tables that hold rows", "them with their rows"),
                };
                anyhow::ensure!(
                    losing.is_empty(),
                    "reverting would drop {what} ({}); run again with --yes to drop {them}",
                    losing.join(", ")
                );
            }
            let reverted = db.migrate_down(steps).await?;
            for name in &reverted {
                println!("reverted {name}");
            }
            let count = reverted.len();
            if count == 0 {
                println!("No migration is applied, so there was nothing to revert.");
            } else if count < steps as usize {
                println!(
                    "Reverted {count} migration{}, every one that was applied (--steps asked for {steps}).",
                    if count == 1 { "" } else { "s" }
                );
            } else {
                println!(
                    "Reverted {count} migration{}.",
                    if count == 1 { "" } else { "s" }
                );
            }
        }
        MigrateAction::Status => {
            for (name, applied) in db.migration_status().await? {
                println!("{} {name}", if applied { "applied" } else { "pending" });
            }
        }
    }
    Ok(())
}

async fn create_user(db: &Db, args: CreateUserArgs) -> anyhow::Result<()> {
    let manager_id = match &args.manager {
        Some(email) => Some(
            people::id_by_email(db, email)
                .await
                .map_err(AppError::into_anyhow)?
                .with_context(|| {
                    format!("there is nobody with the email {email} to be the manager")
                })?,
        ),
        None => None,
    };
    let password = read_password()?;
    let person = people::create_unchecked(
        db,
        PersonInput {
            email: Some(args.email),
            name: Some(args.name),
            job_title: Some(args.job_title),
            team: Some(args.team),
            role: Some(args.role),
            manager_id,
            password: Some(password),
        },
    )
    .await
    .map_err(AppError::into_anyhow)?;
    println!(
        "Created {} <{}> as {}; they can sign in now.",
        person.name,
        person.email,
        person.role.as_str()
    );
    Ok(())
}

/// The password from a prompt (typed twice, not echoed) or the first line of standard input.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (at least 10 characters): ")
            .context("could not read the password")?;
        let second = rpassword::prompt_password("Password again: ")
            .context("could not read the password")?;
        anyhow::ensure!(first == second, "the two passwords differ");
        anyhow::ensure!(
            !first.is_empty(),
            "type a password, or the person could not sign in"
        );
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("could not read the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        anyhow::ensure!(!password.is_empty(), "give the password on standard input");
        Ok(password)
    }
}
