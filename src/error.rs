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
    /// 503: the database cannot be reached.
    #[error("The service is temporarily unavailable.")]
    Unavailable(#[source] anyhow::Error),
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
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
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

    /// Seconds to wait, for a 429.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests { retry_after } => Some(retry_after.as_secs().max(1)),
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
            AppError::Internal(cause) | AppError::Unavailable(cause) => cause,
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
        match err {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => {
                AppError::Unavailable(anyhow::Error::new(err).context("database connection"))
            }
            other => AppError::Internal(anyhow::Error::new(other).context("database query")),
        }
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(app) => app,
        }
    }
}
