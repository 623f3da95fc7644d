//! The operator's side: start an application, answer the self-assessment, read it back.

use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::views::{self, AnswerView, ApplicationView};
use super::{kind_of, load_visible, require_owner, require_status};
use crate::api::advisors::eligibility;
use crate::api::extract::{Json, Query};
use crate::api::validate::Check;
use crate::auth::{Caller, Role};
use crate::checklists::StoredChecklist;
use crate::db::models::{Answer, Application, Premises};
use crate::db::schema::{answers, applications, premises};
use crate::db::sequences::{Change, audit};
use crate::db::{DbConnection, now, write_tx};
use crate::domain::application::{AnswerStatus, ApplicationStatus};
use crate::error::ApiError;
use crate::startup::AppState;

#[derive(Deserialize, ToSchema)]
pub struct CreateApplicationRequest {
    pub premises_id: String,
}

pub(crate) fn checklist_for(
    state: &AppState,
    conn: &mut DbConnection,
    app: &Application,
) -> Result<StoredChecklist, ApiError> {
    state
        .checklists
        .get(conn, &app.checklist_id)?
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!("checklist {} missing", app.checklist_id))
        })
}

#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", request_body = CreateApplicationRequest,
    security(("bearer" = [])),
    responses((status = 201, body = ApplicationView), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn create_application(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateApplicationRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Operator])?;
    let premises_id = body.into_inner().premises_id;
    let st = state.clone();
    let view = state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let prem = crate::api::premises::load_visible(tx, &caller, &premises_id)
                    .map_err(|_| ApiError::field("premises_id", "no such premises in your organisation"))?;
                let open: i64 = applications::table
                    .filter(applications::premises_id.eq(&prem.id))
                    .filter(applications::status.eq_any(["draft", "submitted", "in_review"]))
                    .count()
                    .get_result(tx)?;
                if open > 0 {
                    return Err(already_open());
                }
                let checklist = st
                    .checklists
                    .latest(kind_of(&prem))
                    .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no checklist for {}", prem.kind)))?;
                let tier = checklist
                    .checklist
                    .tiers
                    .tier_for(u32::try_from(prem.capacity).unwrap_or(0), prem.place_of_worship);
                let at = now();
                let app = Application {
                    id: uuid::Uuid::new_v4().to_string(),
                    premises_id: prem.id.clone(),
                    organisation_id: prem.organisation_id.clone(),
                    checklist_id: checklist.id.clone(),
                    tier: tier.as_str().to_string(),
                    status: ApplicationStatus::Draft.as_str().to_string(),
                    advisor_id: None,
                    outcome: None,
                    result: None,
                    created_by: caller.user_id.clone(),
                    created_at: at,
                    submitted_at: None,
                    assigned_at: None,
                    completed_at: None,
                    updated_at: at,
                };
                // Two requests racing past the count above (PostgreSQL's default
                // isolation lets both see none) meet the one-open-per-premises index;
                // the id is a fresh UUID, so a unique violation can only be that one.
                diesel::insert_into(applications::table)
                    .values(&app)
                    .execute(tx)
                    .map_err(|e| match e {
                        diesel::result::Error::DatabaseError(
                            diesel::result::DatabaseErrorKind::UniqueViolation,
                            _,
                        ) => already_open(),
                        other => other.into(),
                    })?;
                audit(
                    tx,
                    Some(&caller),
                    Change::new("application.created", "application", &app.id).after(serde_json::json!({
                        "premises_id": app.premises_id, "checklist_id": app.checklist_id, "tier": app.tier,
                    })),
                )?;
                views::build(tx, &caller, &app, &prem, &checklist, true)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

fn already_open() -> ApiError {
    ApiError::conflict(
        "application_open",
        "these premises already have an open application; finish or withdraw it first",
    )
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// Only applications in this status.
    pub status: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<ApplicationView>), (status = 403, body = crate::error::Problem)))]
pub async fn list_applications(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<ListQuery>,
) -> Result<web::Json<Vec<ApplicationView>>, ApiError> {
    caller.require(&[Role::Operator, Role::Advisor, Role::Admin])?;
    let status = match query.into_inner().status {
        Some(s) => Some(ApplicationStatus::parse(s.trim()).ok_or_else(|| {
            ApiError::field(
                "status",
                "must be draft, submitted, in_review, completed or withdrawn",
            )
        })?),
        None => None,
    };
    let st = state.clone();
    let list = state
        .db
        .run(move |conn| {
            let mut q = applications::table
                .inner_join(premises::table)
                .select((applications::all_columns, premises::all_columns))
                .into_boxed();
            match caller.role {
                Role::Operator => {
                    q = q.filter(
                        applications::organisation_id
                            .eq(caller.organisation_id.clone().unwrap_or_default()),
                    );
                }
                // An advisor's list: the ones assigned to them and the queue they may claim.
                Role::Advisor => {
                    q = q.filter(
                        applications::advisor_id
                            .eq(caller.user_id.clone())
                            .or(applications::status.eq(ApplicationStatus::Submitted.as_str())),
                    );
                }
                _ => {}
            }
            if let Some(s) = status {
                q = q.filter(applications::status.eq(s.as_str()));
            }
            let rows: Vec<(Application, Premises)> =
                q.order(applications::created_at.desc()).load(conn)?;
            let mut out = Vec::with_capacity(rows.len());
            for (app, prem) in rows {
                if caller.is(Role::Advisor)
                    && app.advisor_id.as_deref() != Some(caller.user_id.as_str())
                    && eligibility(conn, &caller.user_id, kind_of(&prem), &app.organisation_id)?
                        .is_err()
                {
                    continue;
                }
                let checklist = checklist_for(&st, conn, &app)?;
                out.push(views::build(conn, &caller, &app, &prem, &checklist, false)?);
            }
            Ok(out)
        })
        .await?;
    Ok(web::Json(list))
}

#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ApplicationView), (status = 404, body = crate::error::Problem)))]
pub async fn get_application(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    let id = path.into_inner();
    let st = state.clone();
    let view = state
        .db
        .run(move |conn| {
            let (app, prem) = load_visible(conn, &caller, &id)?;
            let checklist = checklist_for(&st, conn, &app)?;
            views::build(conn, &caller, &app, &prem, &checklist, true)
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Deserialize, ToSchema)]
pub struct AnswerRequest {
    /// `in_place`, `partial`, `not_in_place` or `not_applicable`.
    pub status: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/applications/{id}/answers/{item_id}", tag = "applications",
    params(("id" = String, Path), ("item_id" = String, Path)), request_body = AnswerRequest, security(("bearer" = [])),
    responses((status = 200, body = AnswerView), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn put_answer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<AnswerRequest>,
) -> Result<web::Json<AnswerView>, ApiError> {
    let (id, item_id) = path.into_inner();
    let body = body.into_inner();
    let mut check = Check::new();
    let status = AnswerStatus::parse(body.status.trim());
    if status.is_none() {
        check.fail(
            "status",
            "must be in_place, partial, not_in_place or not_applicable",
        );
    }
    let note = check
        .optional_text("note", body.note.as_deref(), 4000)
        .unwrap_or_default();
    check.finish()?;
    let status = status.ok_or_else(|| ApiError::field("status", "unknown answer"))?;
    let st = state.clone();
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let (app, _) = load_visible(tx, &caller, &id)?;
                require_owner(&caller, &app)?;
                require_status(&app, &[ApplicationStatus::Draft])?;
                let checklist = checklist_for(&st, tx, &app)?;
                let applies = checklist
                    .checklist
                    .applicable_items(views::tier_of(&app))
                    .iter()
                    .any(|(_, item)| item.id == item_id);
                if !applies {
                    return Err(ApiError::not_found(format!(
                        "checklist item `{item_id}` for this application"
                    )));
                }
                let at = now();
                let updated = diesel::update(answers::table.find((&app.id, &item_id)))
                    .set((
                        answers::status.eq(status.as_str()),
                        answers::note.eq(&note),
                        answers::updated_at.eq(at),
                    ))
                    .execute(tx)?;
                if updated == 0 {
                    diesel::insert_into(answers::table)
                        .values(&Answer {
                            application_id: app.id.clone(),
                            item_id: item_id.clone(),
                            status: status.as_str().to_string(),
                            note: note.clone(),
                            updated_at: at,
                        })
                        .execute(tx)?;
                }
                diesel::update(applications::table.find(&app.id))
                    .set(applications::updated_at.eq(at))
                    .execute(tx)?;
                audit(
                    tx,
                    Some(&caller),
                    Change::new("application.answered", "application", &app.id)
                        .after(serde_json::json!({"item_id": item_id, "status": status.as_str()})),
                )?;
                Ok(AnswerView { status, note })
            })
        })
        .await
        .map(web::Json)
}
