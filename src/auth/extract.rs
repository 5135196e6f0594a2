//! Getting the actor out of a request: the session cookie for pages, the bearer token for
//! the API (see `crate::api::BearerAuth`), and who is signing in, for the throttle.

use std::net::IpAddr;

use poem::{FromRequest, Request, RequestBody, web::cookie::Cookie, web::cookie::SameSite};

use crate::{
    app::AppState,
    auth::{Actor, throttle},
    error::AppError,
};

pub const SESSION_COOKIE: &str = "staffdev_session";

/// The session's actor, resolved once per request by `web::resolve_session` and kept in
/// the request's extensions.
#[derive(Clone)]
pub struct MaybeActor(pub Option<Actor>);

impl<'a> FromRequest<'a> for MaybeActor {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        Ok(req
            .extensions()
            .get::<MaybeActor>()
            .cloned()
            .unwrap_or(MaybeActor(None)))
    }
}

/// A page handler that takes an `Actor` requires someone signed in; anonymous requests
/// are sent to the sign-in page.
impl<'a> FromRequest<'a> for Actor {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        MaybeActor::from_request(req, body)
            .await?
            .0
            .ok_or_else(|| AppError::Unauthenticated.into())
    }
}

/// The cookie that marks a browser as one that signed in to an account before (see
/// `throttle`): it only lets the throttle tell its owner from a guesser, never signs in.
pub const DEVICE_COOKIE: &str = "staffdev_device";

/// Who is signing in, for the throttle: the address a request came from (behind a proxy
/// that is trusted, a setting, the last X-Forwarded-For entry, which that proxy
/// appended) and the device cookie, if any. API clients may send the cookie too.
pub struct SignInClient(pub throttle::Client);

impl<'a> FromRequest<'a> for SignInClient {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let device = req
            .cookie()
            .get(DEVICE_COOKIE)
            .map(|c| c.value_str().to_owned());
        let trust_forwarded = req
            .data::<AppState>()
            .is_some_and(|state| state.settings.trust_forwarded_for);
        if trust_forwarded
            && let Some(forwarded) = req
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse::<IpAddr>().ok())
        {
            return Ok(SignInClient(throttle::Client {
                address: forwarded.to_string(),
                device,
            }));
        }
        let address = req
            .remote_addr()
            .as_socket_addr()
            .map(|addr| addr.ip().to_string())
            .unwrap_or_else(|| "unknown".to_owned());
        Ok(SignInClient(throttle::Client { address, device }))
    }
}

/// The device cookie: like the session's, but it outlives sessions (for as long as the
/// throttle honours it) and goes only with same-site requests.
pub fn device_cookie(state: &AppState, value: &str) -> Cookie {
    let mut cookie = Cookie::new_with_str(DEVICE_COOKIE, value);
    cookie.set_path("/");
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Strict);
    cookie.set_secure(state.settings.secure_cookies());
    cookie.set_max_age(throttle::DEVICE_LIFETIME);
    cookie
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure when served over https, and no
/// longer-lived than the session itself.
pub fn session_cookie(state: &AppState, value: &str) -> Cookie {
    let mut cookie = Cookie::new_with_str(SESSION_COOKIE, value);
    cookie.set_path("/");
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_secure(state.settings.secure_cookies());
    cookie.set_max_age(state.settings.session_max_age);
    cookie
}

pub fn removal_cookie(name: &str) -> Cookie {
    let mut cookie = Cookie::new_with_str(name, "");
    cookie.set_path("/");
    cookie.make_removal();
    cookie
}
