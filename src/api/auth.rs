//! Sign-up for venue operators, log-in for everyone, and "who am I".

use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::validate::Check;
use crate::api::extract::Json;
use crate::auth::{Caller, Role, password};
use crate::db::models::{Advisor, Organisation, User};
use crate::db::schema::{advisors, organisations, users};
use crate::db::sequences::{Change, audit};
use crate::db::{DbConnection, now, write_tx};
use crate::error::ApiError;
use crate::startup::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/signup").route(web::post().to(signup)))
        .service(web::resource("/auth/login").route(web::post().to(login)))
        .service(web::resource("/me").route(web::get().to(me)));
}

#[derive(Deserialize, ToSchema)]
pub struct SignupRequest {
    /// The operator's organisation (the venue operator or event organiser).
    pub organisation: String,
    pub name: String,
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct AccreditationView {
    pub accreditation_number: String,
    pub accredited_until: time::Date,
    pub scopes: Vec<String>,
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub organisation: Option<OrganisationView>,
    pub accreditation: Option<AccreditationView>,
}

/// Creates a user row with a hashed password; the caller checked the input.
pub(crate) fn insert_user(
    tx: &mut DbConnection,
    name: &str,
    email: &str,
    password_hash: &str,
    role: Role,
    organisation_id: Option<&str>,
) -> Result<User, ApiError> {
    let taken: i64 = users::table
        .filter(users::email.eq(email))
        .count()
        .get_result(tx)?;
    if taken > 0 {
        return Err(ApiError::conflict(
            "email_taken",
            "email: an account with this email address already exists",
        ));
    }
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        organisation_id: organisation_id.map(str::to_string),
        role: role.as_str().to_string(),
        name: name.to_string(),
        email: email.to_string(),
        password_hash: password_hash.to_string(),
        created_at: now(),
    };
    diesel::insert_into(users::table)
        .values(&user)
        .execute(tx)?;
    Ok(user)
}

#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = SignupRequest,
    responses((status = 201, body = MeView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn signup(
    state: web::Data<AppState>,
    body: Json<SignupRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut check = Check::new();
    let organisation = check.text("organisation", &body.organisation, 200);
    let name = check.text("name", &body.name, 200);
    let email = check.email("email", &body.email);
    check.password("password", &body.password);
    check.finish()?;
    let view = state
        .db
        .run(move |conn| {
            let hash = password::hash(&body.password)?;
            write_tx(conn, |tx| {
                let org = Organisation {
                    id: uuid::Uuid::new_v4().to_string(),
                    name: organisation,
                    created_at: now(),
                };
                diesel::insert_into(organisations::table).values(&org).execute(tx)?;
                let user = insert_user(tx, &name, &email, &hash, Role::Operator, Some(&org.id))?;
                audit(
                    tx,
                    None,
                    Change::new("organisation.signed_up", "organisation", &org.id)
                        .after(serde_json::json!({"name": org.name, "operator": user.id, "email": user.email})),
                )?;
                Ok(MeView {
                    id: user.id,
                    name: user.name,
                    email: user.email,
                    role: Role::Operator,
                    organisation: Some(OrganisationView {
                        id: org.id,
                        name: org.name,
                    }),
                    accreditation: None,
                })
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub role: Role,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::error::Problem)))]
pub async fn login(
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> Result<web::Json<LoginResponse>, ApiError> {
    let LoginRequest {
        email,
        password: given,
    } = body.into_inner();
    let email = email.trim().to_lowercase();
    let user = state
        .db
        .run(move |conn| {
            let user: Option<User> = users::table
                .filter(users::email.eq(&email))
                .select(users::all_columns)
                .first(conn)
                .optional()?;
            // Verify against a dummy hash for unknown emails: same time, no account probing.
            let stored = user
                .as_ref()
                .map_or(password::dummy_hash(), |u| u.password_hash.as_str());
            let ok = password::verify(&given, stored);
            Ok(user.filter(|_| ok))
        })
        .await?
        .ok_or_else(|| ApiError::Unauthenticated("the email or password is wrong".into()))?;
    let role = Role::parse(&user.role)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("user {} has unknown role", user.id)))?;
    let (token, expires_at) =
        state
            .tokens
            .issue(&user.id, role.as_str(), user.organisation_id.as_deref())?;
    Ok(web::Json(LoginResponse {
        token,
        role,
        expires_at,
    }))
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MeView), (status = 401, body = crate::error::Problem)))]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> Result<web::Json<MeView>, ApiError> {
    let view = state
        .db
        .run(move |conn| {
            let user: User = users::table
                .find(&caller.user_id)
                .select(users::all_columns)
                .first(conn)
                .optional()?
                .ok_or_else(|| ApiError::Unauthenticated("the account no longer exists".into()))?;
            let organisation = match &user.organisation_id {
                Some(id) => organisations::table
                    .find(id)
                    .select(organisations::all_columns)
                    .first::<Organisation>(conn)
                    .optional()?
                    .map(|o| OrganisationView {
                        id: o.id,
                        name: o.name,
                    }),
                None => None,
            };
            let accreditation = advisors::table
                .find(&user.id)
                .select(advisors::all_columns)
                .first::<Advisor>(conn)
                .optional()?
                .map(|a| AccreditationView {
                    scopes: a.scope_list(),
                    accreditation_number: a.accreditation_number,
                    accredited_until: a.accredited_until,
                    status: a.status,
                });
            Ok(MeView {
                id: user.id,
                name: user.name,
                email: user.email,
                role: caller.role,
                organisation,
                accreditation,
            })
        })
        .await?;
    Ok(web::Json(view))
}
