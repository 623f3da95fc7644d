//! Staff accounts (police and admin), created by an admin.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::insert_user;
use super::validate::Check;
use crate::api::extract::Json;
use crate::auth::{Caller, Role, password};
use crate::db::sequences::{Change, audit};
use crate::db::write_tx;
use crate::error::ApiError;
use crate::startup::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/users").route(web::post().to(create_user)));
}

#[derive(Deserialize, ToSchema)]
pub struct CreateUserRequest {
    pub name: String,
    pub email: String,
    pub password: String,
    /// `police` or `admin`; advisors are accredited through `POST /advisors`.
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUserRequest, security(("bearer" = [])),
    responses((status = 201, body = UserView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let body = body.into_inner();
    let mut check = Check::new();
    let name = check.text("name", &body.name, 200);
    let email = check.email("email", &body.email);
    check.password("password", &body.password);
    let role = match Role::parse(body.role.trim()) {
        Some(r @ (Role::Police | Role::Admin)) => Some(r),
        _ => {
            check.fail(
                "role",
                "must be `police` or `admin` (advisors: POST /api/v1/advisors; operators sign up)",
            );
            None
        }
    };
    check.finish()?;
    let role = role.ok_or_else(|| ApiError::field("role", "must be `police` or `admin`"))?;
    let view = state
        .db
        .run(move |conn| {
            let hash = password::hash(&body.password)?;
            write_tx(conn, |tx| {
                let user = insert_user(tx, &name, &email, &hash, role, None)?;
                audit(
                    tx,
                    Some(&caller),
                    Change::new("user.created", "user", &user.id)
                        .after(serde_json::json!({"email": user.email, "role": user.role})),
                )?;
                Ok(UserView {
                    id: user.id,
                    name: user.name,
                    email: user.email,
                    role,
                })
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Creates an admin from the command line (`protectcert admin create`), for a fresh install.
pub fn create_admin_cli(
    db: &crate::db::Db,
    name: &str,
    email: &str,
    password_text: &str,
) -> anyhow::Result<String> {
    let mut check = Check::new();
    let name = check.text("name", name, 200);
    let email = check.email("email", email);
    check.password("password", password_text);
    check
        .finish()
        .map_err(|e| anyhow::anyhow!("{}", e.problem().detail))?;
    let hash = password::hash(password_text)?;
    let mut conn = db.get()?;
    let user = write_tx(&mut conn, |tx| {
        let user = insert_user(tx, &name, &email, &hash, Role::Admin, None)?;
        audit(
            tx,
            None,
            Change::new("user.created", "user", &user.id)
                .after(serde_json::json!({"email": user.email, "role": "admin", "via": "cli"})),
        )?;
        Ok::<_, ApiError>(user)
    })
    .map_err(|e| anyhow::anyhow!("{}", e.problem().detail))?;
    Ok(user.id)
}
