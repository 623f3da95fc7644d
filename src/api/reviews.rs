//! Part 4 (advisor oversight). `/api/v1/reviews`: certificates flagged because
//! their advisor's accreditation was suspended or withdrawn, and the admin's
//! resolution of each (confirm, or order a reassessment).

use actix_web::web;

use super::extract::{Json, Query};
use super::problem::{ApiError, Problem};
use crate::auth::Caller;
use crate::service::oversight::{self, ResolveReviewRequest, ReviewQuery, ReviewView};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/reviews", tag = "reviews", params(ReviewQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "open reviews, the longest waiting first (or, with `status=resolved`, resolved ones, the newest first)", body = Vec<ReviewView>),
        (status = 400, description = "an unknown query parameter", body = Problem),
        (status = 403, description = "admins only", body = Problem),
        (status = 422, description = "a bad `status`, `limit` or `offset`, named in `errors`", body = Problem)))]
pub async fn list_reviews(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<ReviewQuery>,
) -> Result<web::Json<Vec<ReviewView>>, ApiError> {
    Ok(web::Json(oversight::list(&state, &caller, &query).await?))
}

#[utoipa::path(get, path = "/api/v1/reviews/{id}", tag = "reviews",
    params(("id" = String, Path, description = "the review's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReviewView),
        (status = 403, description = "admins only", body = Problem),
        (status = 404, body = Problem)))]
pub async fn get_review(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<ReviewView>, ApiError> {
    Ok(web::Json(oversight::show(&state, &caller, &path).await?))
}

#[utoipa::path(post, path = "/api/v1/reviews/{id}/confirm", tag = "reviews",
    params(("id" = String, Path, description = "the review's id")),
    request_body = ResolveReviewRequest, security(("bearer" = [])),
    responses(
        (status = 200, description = "closed as `confirmed`: the certificate stands as issued; the note shows on its record", body = ReviewView),
        (status = 403, description = "admins only", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "`review_resolved`: closed already; `review_changed`: changed meanwhile", body = Problem),
        (status = 422, description = "no note, or too long", body = Problem)))]
pub async fn confirm(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<ResolveReviewRequest>,
) -> Result<web::Json<ReviewView>, ApiError> {
    let view = oversight::confirm(&state, &caller, &path, body.into_inner());
    Ok(web::Json(view.await?))
}

#[utoipa::path(post, path = "/api/v1/reviews/{id}/reassess", tag = "reviews",
    params(("id" = String, Path, description = "the review's id")),
    request_body = ResolveReviewRequest, security(("bearer" = [])),
    responses(
        (status = 200, description = "closed as `reassessment_ordered`: the operator and the designated senior individual are emailed what to do and by when (`reassess_by`, `reassessment_within_days` from today); the certificate stays valid, marked on its record", body = ReviewView),
        (status = 403, description = "admins only", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "`review_resolved`: closed already; `review_changed`: changed meanwhile", body = Problem),
        (status = 422, description = "no note, or too long", body = Problem)))]
pub async fn reassess(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<ResolveReviewRequest>,
) -> Result<web::Json<ReviewView>, ApiError> {
    let view = oversight::order_reassessment(&state, &caller, &path, body.into_inner());
    Ok(web::Json(view.await?))
}
