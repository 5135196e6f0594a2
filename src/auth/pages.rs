//! Sign-in, sign-out and the account page (password and API tokens).

use std::convert::Infallible;

use askama::Template;
use chrono::{DateTime, Utc};
use poem::{
    IntoResponse, Request, Response, handler,
    web::{Data, Html, Path, Query},
};
use serde::Deserialize;

use crate::{
    app::AppState,
    auth::{
        self, Actor,
        extract::{
            MaybeActor, SESSION_COOKIE, SignInClient, device_cookie, removal_cookie, session_cookie,
        },
        secrets,
    },
    calendar::pages::{LinksSection, SiteAddress, links_section},
    error::{AppError, AppResult},
    web::{
        self, CsrfForm, EmptyForm, FormErrors, Layout, NoticeQuery, SIGN_IN_CSRF_COOKIE,
        form_outcome, render, see_other,
    },
};

#[derive(Template)]
#[template(path = "auth/sign_in.html")]
struct SignInPage {
    layout: Layout,
    csrf_token: String,
    next: String,
    email: String,
    problem: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// The CSRF token of the sign-in form: the one in the browser's cookie, or a new one.
fn sign_in_csrf(req: &Request, state: &AppState) -> AppResult<String> {
    if let Some(existing) = req.cookie().get(SIGN_IN_CSRF_COOKIE) {
        return Ok(existing.value_str().to_owned());
    }
    let token = secrets::random_token()?;
    let mut cookie = session_cookie(state, &token);
    cookie.set_name(SIGN_IN_CSRF_COOKIE);
    req.cookie().add(cookie);
    Ok(token)
}

fn sign_in_page(
    req: &Request,
    state: &AppState,
    next: String,
    email: String,
    problem: Option<String>,
) -> AppResult<Html<String>> {
    render(&SignInPage {
        layout: Layout::new(None, "Sign in", "sign-in"),
        csrf_token: sign_in_csrf(req, state)?,
        next,
        email,
        problem,
    })
}

#[handler]
pub async fn sign_in_form(
    req: &Request,
    state: Data<&AppState>,
    actor: MaybeActor,
    Query(query): Query<NextQuery>,
) -> AppResult<Response> {
    let next = web::local_path(query.next.as_deref());
    if actor.0.is_some() {
        return Ok(see_other(next));
    }
    Ok(sign_in_page(req, &state, next, String::new(), None)?.into_response())
}

#[handler]
pub async fn sign_in(
    req: &Request,
    state: Data<&AppState>,
    client: SignInClient,
    CsrfForm(form): CsrfForm<SignInForm>,
) -> AppResult<Response> {
    let next = web::local_path(form.next.as_deref());
    match auth::check_credentials(&state.db, &form.email, &form.password, &client.0).await {
        Ok(signed_in) => {
            let previous = req
                .cookie()
                .get(SESSION_COOKIE)
                .map(|c| c.value_str().to_owned());
            let started = auth::start_session(&state.db, &signed_in, previous.as_deref()).await?;
            req.cookie()
                .add(session_cookie(&state, &started.session.cookie_value));
            if let Some(device) = &started.device_cookie {
                req.cookie().add(device_cookie(&state, device));
            }
            req.cookie().add(removal_cookie(SIGN_IN_CSRF_COOKIE));
            Ok(see_other(next))
        }
        Err(err @ (AppError::BadCredentials | AppError::TooManyRequests { .. })) => {
            let status = err.status();
            let page = sign_in_page(req, &state, next, form.email, Some(err.public_message()))?;
            Ok(web::with_retry_after(
                page.with_status(status).into_response(),
                &err,
            ))
        }
        Err(other) => Err(other),
    }
}

#[handler]
pub async fn sign_out(
    req: &Request,
    state: Data<&AppState>,
    actor: MaybeActor,
    form: poem::Result<CsrfForm<EmptyForm>>,
) -> poem::Result<Response> {
    // With the session already over there is nothing to forge: just tidy the browser up.
    if actor.0.is_some() {
        form?;
        if let Some(cookie) = req.cookie().get(SESSION_COOKIE) {
            auth::end_session(&state.db, cookie.value_str()).await?;
        }
    }
    req.cookie().add(removal_cookie(SESSION_COOKIE));
    Ok(see_other("/sign-in"))
}

struct TokenRow {
    id: i32,
    name: String,
    created: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "auth/account.html")]
struct AccountPage {
    layout: Layout,
    notice: Option<&'static str>,
    errors: FormErrors,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    token_name: String,
    private_links: LinksSection,
}

fn when(at: DateTime<Utc>) -> String {
    format!("{} UTC", at.format(crate::dates::DAY_TIME))
}

async fn account_page(
    state: &AppState,
    actor: &Actor,
    site: &SiteAddress,
    notice: Option<&'static str>,
    errors: FormErrors,
    new_token: Option<String>,
    token_name: String,
) -> AppResult<Html<String>> {
    let tokens = auth::list_tokens(&state.db, actor)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            created: when(t.created_at),
            last_used: t
                .last_used_at
                .map(when)
                .unwrap_or_else(|| "never".to_owned()),
        })
        .collect();
    render(&AccountPage {
        layout: Layout::new(Some(actor), "Your account", "account"),
        notice,
        errors,
        tokens,
        new_token,
        token_name,
        private_links: links_section(state, actor, site).await?,
    })
}

#[handler]
pub async fn account(
    state: Data<&AppState>,
    actor: Actor,
    site: SiteAddress,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Html<String>> {
    let notice = match q.notice.as_deref() {
        Some("password") => Some("Your password has been changed."),
        Some("password-tokens") => {
            Some("Your password has been changed and your API tokens revoked.")
        }
        Some("revoked") => Some("The token has been revoked."),
        Some("links-reset") => {
            Some("Your calendar and feed links have been replaced; the old ones no longer work.")
        }
        _ => None,
    };
    account_page(
        &state,
        &actor,
        &site,
        notice,
        FormErrors::default(),
        None,
        String::new(),
    )
    .await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    /// The "Also revoke my API tokens" checkbox: sent only when ticked.
    #[serde(default)]
    revoke_tokens: Option<String>,
}

#[handler]
pub async fn change_password(
    state: Data<&AppState>,
    actor: Actor,
    site: SiteAddress,
    client: SignInClient,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> AppResult<Response> {
    let revoke_tokens = form.revoke_tokens.is_some();
    let result = auth::change_password(
        &state.db,
        &actor,
        &form.current_password,
        &form.new_password,
        revoke_tokens,
        &client.0,
    )
    .await;
    form_outcome(
        result,
        |()| {
            if revoke_tokens {
                "/account?notice=password-tokens".to_owned()
            } else {
                "/account?notice=password".to_owned()
            }
        },
        // Passwords are never shown again, so the form comes back empty.
        |errors| account_page(&state, &actor, &site, None, errors, None, String::new()),
    )
    .await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

#[handler]
pub async fn create_token(
    state: Data<&AppState>,
    actor: Actor,
    site: SiteAddress,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> AppResult<Response> {
    match auth::create_token(&state.db, &actor, Some(&form.name)).await {
        // The secret is shown on this response only, so no redirect.
        Ok(created) => Ok(account_page(
            &state,
            &actor,
            &site,
            None,
            FormErrors::default(),
            Some(created.secret),
            String::new(),
        )
        .await?
        .into_response()),
        // A refusal ends as every form's does (this one has no redirect to make).
        Err(err) => {
            form_outcome(
                Err::<Infallible, _>(err),
                |never| match never {},
                |errors| account_page(&state, &actor, &site, None, errors, None, form.name),
            )
            .await
        }
    }
}

#[handler]
pub async fn revoke_token(
    state: Data<&AppState>,
    actor: Actor,
    site: SiteAddress,
    Path(id): Path<i32>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    form_outcome(
        auth::revoke_token(&state.db, &actor, id).await,
        |()| "/account?notice=revoked".to_owned(),
        |errors| account_page(&state, &actor, &site, None, errors, None, String::new()),
    )
    .await
}

/// This area's pages, added to the site's routes by `app::page_routes`.
pub fn routes(route: poem::Route) -> poem::Route {
    use poem::{get, post};
    route
        .at("/sign-in", get(sign_in_form).post(sign_in))
        .at("/sign-out", post(sign_out))
        .at("/account", get(account))
        .at("/account/password", post(change_password))
        .at("/account/tokens", post(create_token))
        .at("/account/tokens/:id/revoke", post(revoke_token))
}
