//! Personal API tokens: created with an email and password, listed and revoked with a token.

use crate::api::JsonBody;
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, Tags, param::Path, payload::Json};

use crate::{
    api::{ApiResult, BearerAuth},
    app::AppState,
    auth::{self, SignInInput, TokenInfo, extract::SignInClient},
};

#[derive(Tags)]
enum AuthTags {
    /// Personal API tokens.
    Auth,
}

/// Credentials to exchange for a token.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CreateTokenBody {
    pub email: String,
    #[oai(write_only)]
    pub password: String,
    /// A name to recognise the token by, such as the script that uses it.
    #[oai(validator(max_length = 100))]
    pub name: Option<String>,
}

/// A token just created. `token` is shown this once; only its hash is kept.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewTokenBody {
    pub id: i32,
    pub name: String,
    pub token: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TokenBody {
    pub id: i32,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(ApiResponse)]
pub enum CreatedToken {
    /// The token was created.
    #[oai(status = 201)]
    Created(Json<NewTokenBody>),
}

#[derive(ApiResponse)]
pub enum Revoked {
    /// The token no longer works.
    #[oai(status = 204)]
    NoContent,
}

fn token_body(info: TokenInfo) -> TokenBody {
    TokenBody {
        id: info.id,
        name: info.name,
        created_at: info.created_at,
        last_used_at: info.last_used_at,
    }
}

pub struct AuthApi;

#[OpenApi(tag = "AuthTags::Auth")]
impl AuthApi {
    /// Exchange an email and password for a personal API token. Failed attempts are
    /// throttled per account, per address and per device (429 with Retry-After; see the
    /// README's security notes).
    #[oai(path = "/auth/tokens", method = "post", operation_id = "create_token")]
    async fn create(
        &self,
        state: Data<&AppState>,
        client: SignInClient,
        body: JsonBody<CreateTokenBody>,
    ) -> ApiResult<CreatedToken> {
        let created = auth::create_token_with_password(
            &state.db,
            SignInInput {
                email: &body.email,
                password: &body.password,
            },
            body.name.as_deref(),
            &client.0,
        )
        .await?;
        Ok(CreatedToken::Created(Json(NewTokenBody {
            id: created.info.id,
            name: created.info.name,
            token: created.secret,
            created_at: created.info.created_at,
        })))
    }

    /// The signed-in person's tokens (never the secrets).
    #[oai(path = "/auth/tokens", method = "get", operation_id = "list_tokens")]
    async fn list(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
    ) -> ApiResult<Json<Vec<TokenBody>>> {
        let tokens = auth::list_tokens(&state.db, &auth.0).await?;
        Ok(Json(tokens.into_iter().map(token_body).collect()))
    }

    /// Revoke one of the signed-in person's tokens.
    #[oai(
        path = "/auth/tokens/:id",
        method = "delete",
        operation_id = "revoke_token"
    )]
    async fn revoke(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Revoked> {
        auth::revoke_token(&state.db, &auth.0, id.0).await?;
        Ok(Revoked::NoContent)
    }
}
