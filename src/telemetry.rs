//! Logging and shutdown signals.

use std::time::Instant;

use poem::{Endpoint, IntoResponse, Middleware, Request, Response, middleware::ReqId};
use tracing::Instrument;
use tracing_subscriber::{EnvFilter, fmt};

use crate::config::LogFormat;

/// Paths that carry a secret after this prefix (a survey invitation's token, the private
/// link of a calendar app or a feed reader), cut from logs.
const SECRET_PATHS: [&str; 2] = ["/invitation/", "/feeds/"];

/// The request's path and query as logged: the secret part of a secret path is replaced
/// by `[redacted]`, and so is any query (it may carry anything).
pub fn loggable_uri(uri: &poem::http::Uri) -> String {
    let path = uri.path();
    let path = SECRET_PATHS
        .iter()
        .find_map(|prefix| {
            path.starts_with(prefix)
                .then(|| format!("{prefix}[redacted]"))
        })
        .unwrap_or_else(|| path.to_owned());
    match uri.query() {
        Some(_) if path.ends_with("[redacted]") => path,
        Some(query) => format!("{path}?{query}"),
        None => path,
    }
}

/// poem's `Tracing` (a span per request with its id, a line per response), with the
/// address written by `loggable_uri` so secrets in paths never reach the logs.
pub struct RequestLog;

impl<E: Endpoint> Middleware<E> for RequestLog {
    type Output = RequestLogEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        RequestLogEndpoint { inner: ep }
    }
}

pub struct RequestLogEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for RequestLogEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let uri = loggable_uri(req.original_uri());
        let request_id = req
            .extensions()
            .get::<ReqId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        let span = tracing::info_span!(
            "request",
            remote_addr = %req.remote_addr(),
            version = ?req.version(),
            method = %req.method(),
            uri = %uri,
            request_id = %request_id,
        );
        async move {
            let started = Instant::now();
            let result = self.inner.call(req).await;
            let duration = started.elapsed();
            match result {
                Ok(response) => {
                    let response = response.into_response();
                    tracing::info!(status = %response.status(), duration = ?duration, "response");
                    Ok(response)
                }
                Err(err) => {
                    tracing::info!(status = %err.status(), error = %err, duration = ?duration, "error");
                    Err(err)
                }
            }
        }
        .instrument(span)
        .await
    }
}

/// Hands the request's id (from poem's RequestId middleware) to the audit trail for the
/// whole request (`audit::within_request`), so services record it without seeing HTTP.
pub async fn audit_request_id<E: Endpoint>(
    ep: std::sync::Arc<E>,
    req: Request,
) -> poem::Result<Response> {
    let request_id = req.extensions().get::<ReqId>().map(|id| id.to_string());
    crate::audit::within_request(request_id, async move {
        ep.call(req).await.map(IntoResponse::into_response)
    })
    .await
}

/// Installs the global logger. Every line inside a request carries its request id, from
/// the span that poem's RequestId middleware opens.
pub fn init_logging(format: LogFormat, filter: &str) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(filter)
        .map_err(|err| anyhow::anyhow!("the log filter {filter:?} is not valid: {err}"))?;
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(true)
            .try_init(),
    };
    installed.map_err(|err| anyhow::anyhow!("could not install the logger: {err}"))
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitation_tokens_never_reach_the_logs() {
        let uri: poem::http::Uri = "/invitation/abcDEF123_-x?y=1".parse().unwrap();
        assert_eq!(loggable_uri(&uri), "/invitation/[redacted]");
        let uri: poem::http::Uri = "/respond/3?notice=x".parse().unwrap();
        assert_eq!(loggable_uri(&uri), "/respond/3?notice=x");
        let uri: poem::http::Uri = "/feeds/s3cr3t/meetings.ics".parse().unwrap();
        assert_eq!(loggable_uri(&uri), "/feeds/[redacted]");
    }
}
