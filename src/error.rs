//! One error type for the whole service. Services return `AppError`; it is mapped once to
//! `application/problem+json` (RFC 9457) for the API and once to an HTML page for browsers
//! (see `web::error_page`).

use std::time::Duration;

use http::StatusCode;
use sea_orm::DbErr;
use serde::Serialize;

/// A problem with one input field, shown next to the field in forms and listed in 422s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request could not be read at all (malformed JSON, a bad parameter).
    #[error("{0}")]
    BadRequest(String),
    /// 401: nobody is signed in, or the credentials are not valid.
    #[error("Sign in to continue.")]
    Unauthenticated,
    /// 401 on sign-in: the one message for an unknown email and a wrong password alike.
    #[error("The email or password is not correct.")]
    BadCredentials,
    /// 403: the caller may see the resource but not do this to it.
    #[error("{0}")]
    Forbidden(String),
    /// 404: the resource does not exist, or the caller may not see it.
    #[error("Not found.")]
    NotFound,
    /// 409: the request conflicts with the current state (a duplicate, a locked record).
    #[error("{message}")]
    Conflict {
        message: String,
        errors: Vec<FieldError>,
    },
    /// 422: the request was read but some fields are not acceptable.
    #[error("Some fields are not valid.")]
    Invalid(Vec<FieldError>),
    /// 429: too many attempts; try again after the given time.
    #[error("Too many attempts. Try again later.")]
    TooManyRequests { retry_after: Duration },
    /// 503: the database cannot be reached, or the connection a request ran on was lost
    /// (answered with Retry-After).
    #[error("The service is temporarily unavailable.")]
    Unavailable(#[source] anyhow::Error),
    /// 503: the database's storage is full, so nothing can be saved (answered with
    /// Retry-After). 503 rather than 507, which belongs to WebDAV: clients and load
    /// balancers know 503 as "try again later", which is what the person can do.
    #[error(
        "staffdev cannot save changes at the moment because its storage is full. Nothing was saved; please try again later."
    )]
    StorageFull(#[source] anyhow::Error),
    /// 500: anything else. The cause is logged, never shown.
    #[error("Something went wrong on our side.")]
    Internal(#[source] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        AppError::Conflict {
            message: message.into(),
            errors: Vec::new(),
        }
    }

    pub fn conflict_on(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::Conflict {
            errors: vec![FieldError::new(field, message.clone())],
            message,
        }
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(err.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) | AppError::StorageFull(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Field errors carried by a 409 or a 422.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            AppError::Invalid(errors) | AppError::Conflict { errors, .. } => errors,
            _ => &[],
        }
    }

    /// Seconds to wait, for a 429 or a 503.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests { retry_after } => Some(retry_after.as_secs().max(1)),
            AppError::Unavailable(_) => Some(UNAVAILABLE_RETRY_AFTER.as_secs()),
            AppError::StorageFull(_) => Some(STORAGE_FULL_RETRY_AFTER.as_secs()),
            _ => None,
        }
    }

    /// The error as one sentence for a terminal, naming the fields at fault; server
    /// errors keep their cause chain.
    pub fn into_anyhow(self) -> anyhow::Error {
        let fields: Vec<String> = self
            .field_errors()
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        match self {
            AppError::Internal(cause)
            | AppError::Unavailable(cause)
            | AppError::StorageFull(cause) => cause,
            other if fields.is_empty() => anyhow::anyhow!("{other}"),
            other => anyhow::anyhow!("{} ({})", other, fields.join("; ")),
        }
    }

    /// The message shown to the person: for server errors a generic sentence, never the cause.
    pub fn public_message(&self) -> String {
        self.to_string()
    }

    /// Server-side failures are logged with their whole cause chain, once, wherever the
    /// error is turned into a response.
    pub fn log(&self) {
        match self {
            AppError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "request failed")
            }
            AppError::Unavailable(cause) => {
                tracing::warn!(error = format!("{cause:#}"), "database unavailable")
            }
            // Someone has to free space: as loud as a bug.
            AppError::StorageFull(cause) => {
                tracing::error!(error = format!("{cause:#}"), "database storage full")
            }
            _ => {}
        }
    }

    /// Turns a unique-constraint violation on the named index into `then()`, and any
    /// other database error into the usual mapping. SQLite names the columns, not the
    /// index, in its message, so both are matched.
    pub fn on_unique(
        err: DbErr,
        index: &str,
        columns: &str,
        then: impl FnOnce() -> AppError,
    ) -> AppError {
        if let Some(sea_orm::SqlErr::UniqueConstraintViolation(message)) = err.sql_err()
            && (message.contains(index) || message.contains(columns))
        {
            return then();
        }
        AppError::from(err)
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        match DbFailure::of(&err) {
            DbFailure::StorageFull => {
                AppError::StorageFull(anyhow::Error::new(err).context("database storage"))
            }
            DbFailure::ConnectionLost | DbFailure::Storage | DbFailure::Unreachable => {
                AppError::Unavailable(anyhow::Error::new(err).context("database connection"))
            }
            DbFailure::Query => {
                AppError::Internal(anyhow::Error::new(err).context("database query"))
            }
        }
    }
}

/// What a database error says about the database, as opposed to about the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbFailure {
    /// The connection died under the statement (the server ended it, the network went):
    /// a read may run again on another connection.
    ConnectionLost,
    /// No connection could be had (the pool timed out or is closed, the server refuses).
    Unreachable,
    /// The storage is full (SQLITE_FULL, PostgreSQL's disk_full).
    StorageFull,
    /// The storage failed otherwise (an I/O error).
    Storage,
    /// Anything else: the statement itself failed (a constraint, bad SQL, a decode).
    Query,
}

impl DbFailure {
    pub fn of(err: &DbErr) -> DbFailure {
        use sea_orm::{RuntimeErr, sqlx::Error as Sqlx};
        let sqlx = match err {
            DbErr::ConnectionAcquire(_) => return DbFailure::Unreachable,
            DbErr::Conn(RuntimeErr::SqlxError(e))
            | DbErr::Exec(RuntimeErr::SqlxError(e))
            | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
            DbErr::Conn(_) => return DbFailure::Unreachable,
            _ => return DbFailure::Query,
        };
        match &**sqlx {
            Sqlx::Io(_) | Sqlx::Tls(_) | Sqlx::Protocol(_) | Sqlx::WorkerCrashed => {
                DbFailure::ConnectionLost
            }
            Sqlx::PoolTimedOut | Sqlx::PoolClosed => DbFailure::Unreachable,
            Sqlx::Database(db) => {
                let sqlite = db
                    .try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>()
                    .is_some();
                match db.code() {
                    Some(code) => Self::of_code(&code, sqlite),
                    None => DbFailure::Query,
                }
            }
            _ => DbFailure::Query,
        }
    }

    /// From a SQLite (extended) result code, or else a PostgreSQL SQLSTATE.
    fn of_code(code: &str, sqlite: bool) -> DbFailure {
        if sqlite {
            let Ok(sqlite) = code.parse::<i32>() else {
                return DbFailure::Query;
            };
            // The primary result code is the low byte of the extended one.
            return match sqlite & 0xff {
                SQLITE_FULL => DbFailure::StorageFull,
                SQLITE_IOERR => DbFailure::Storage,
                _ => DbFailure::Query,
            };
        }
        match code {
            "53100" => DbFailure::StorageFull,
            "58030" => DbFailure::Storage,
            // admin_shutdown, crash_shutdown: the server ended this connection.
            "57P01" | "57P02" => DbFailure::ConnectionLost,
            // cannot_connect_now (starting up or shutting down), too_many_connections.
            "57P03" | "53300" => DbFailure::Unreachable,
            // Class 08: connection exceptions.
            _ if code.starts_with("08") => DbFailure::ConnectionLost,
            _ => DbFailure::Query,
        }
    }
}

const SQLITE_IOERR: i32 = 10;
const SQLITE_FULL: i32 = 13;

/// How long to wait after a 503 because the database could not be reached or a
/// connection was lost: long enough for a pool to reconnect or a server to restart.
const UNAVAILABLE_RETRY_AFTER: Duration = Duration::from_secs(5);
/// How long to wait after a 503 because the storage is full: someone has to free space.
const STORAGE_FULL_RETRY_AFTER: Duration = Duration::from_secs(60);

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(app) => app,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_codes_say_what_failed() {
        for (code, sqlite, failure) in [
            ("13", true, DbFailure::StorageFull),
            ("778", true, DbFailure::Storage), // SQLITE_IOERR_WRITE
            ("2067", true, DbFailure::Query),  // SQLITE_CONSTRAINT_UNIQUE
            ("5", true, DbFailure::Query),     // SQLITE_BUSY: a lock, not a broken database
            ("53100", false, DbFailure::StorageFull),
            ("57P01", false, DbFailure::ConnectionLost),
            ("08006", false, DbFailure::ConnectionLost),
            ("57P03", false, DbFailure::Unreachable),
            ("23505", false, DbFailure::Query),
        ] {
            assert_eq!(DbFailure::of_code(code, sqlite), failure, "{code}");
        }
    }

    #[test]
    fn lost_connections_and_full_storage_are_503s_with_retry_after() {
        let lost = AppError::from(DbErr::Conn(sea_orm::RuntimeErr::SqlxError(
            std::sync::Arc::new(sea_orm::sqlx::Error::Io(std::io::Error::from(
                std::io::ErrorKind::ConnectionReset,
            ))),
        )));
        assert_eq!(lost.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(lost.retry_after_secs(), Some(5));
        let full = AppError::StorageFull(anyhow::anyhow!("disk full"));
        assert_eq!(full.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(full.public_message().contains("storage is full"));
        assert!(full.retry_after_secs().is_some());
    }
}
