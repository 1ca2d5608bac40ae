//! `/api/v1/tokens…`: your own API tokens.

use super::types::{CreatedToken, NewToken, Token};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

/// Your API tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    responses((status = 200, body = Vec<Token>), (status = 401, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<Json<Vec<Token>>, ApiError> {
    Ok(Json(
        s.store
            .tokens(u.user_id)
            .await?
            .into_iter()
            .map(Token::from)
            .collect(),
    ))
}

/// Create a token; its secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let (token, secret) = s
        .store
        .create_token(&u.who(), u.user_id, &body.name)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: token.into(),
            secret,
        }),
    ))
}

/// Revoke one of your tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn revoke(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    s.store.revoke_token(&u.who(), u.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
