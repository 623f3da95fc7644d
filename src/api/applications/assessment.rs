//! The advisor's side: score the items, then complete the assessment, which decides
//! the outcome from the scores alone and, when certified, issues the certificate.

use std::collections::HashMap;

use actix_web::web;
use diesel::prelude::*;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::self_assessment::checklist_for;
use super::views::{self, CertificateSummary, StoredAssessment};
use super::{load_visible, require_assigned, require_status};
use crate::api::advisors::eligibility;
use crate::api::extract::Json;
use crate::auth::Caller;
use crate::certificates::issue::issue_certificate;
use crate::db::models::Score;
use crate::db::schema::{applications, scores};
use crate::db::sequences::{Change, audit};
use crate::db::{now, to_utc, write_tx};
use crate::domain::application::ApplicationStatus;
use crate::domain::scoring::{self, AssessmentResult, ConditionDraft, Outcome, ScoringError};
use crate::error::{ApiError, FieldError};
use crate::startup::AppState;

/// Present-and-null differs from absent: null marks the item not applicable,
/// absent is a mistake the advisor is told about.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

#[derive(Deserialize, ToSchema)]
pub struct ScoreInput {
    pub item_id: String,
    /// 0..=max_score, or null for not applicable.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub score: Option<Option<i64>>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ScoresRequest {
    pub scores: Vec<ScoreInput>,
}

#[derive(Serialize, ToSchema)]
pub struct ScoresResponse {
    pub scored: usize,
    pub items: usize,
    /// Applicable items still without a score.
    pub unscored: Vec<String>,
}

#[utoipa::path(put, path = "/api/v1/applications/{id}/scores", tag = "assessment", params(("id" = String, Path)),
    request_body = ScoresRequest, security(("bearer" = [])),
    responses((status = 200, body = ScoresResponse), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn put_scores(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<ScoresRequest>,
) -> Result<web::Json<ScoresResponse>, ApiError> {
    let id = path.into_inner();
    let body = body.into_inner();
    if body.scores.is_empty() {
        return Err(ApiError::field("scores", "must hold at least one score"));
    }
    let st = state.clone();
    let response = state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let (app, _) = load_visible(tx, &caller, &id)?;
                require_assigned(&caller, &app)?;
                require_status(&app, &[ApplicationStatus::InReview])?;
                let checklist = checklist_for(&st, tx, &app)?;
                let tier = views::tier_of(&app);
                let max = checklist.checklist.scoring.max_score;
                let mut errors = Vec::new();
                let mut valid: Vec<(String, Option<i32>, String)> = Vec::new();
                for (i, input) in body.scores.iter().enumerate() {
                    let Some(score) = input.score else {
                        errors.push(FieldError::new(
                            format!("scores[{i}].score"),
                            "is required: a number, or null for not applicable",
                        ));
                        continue;
                    };
                    let as_u8 = match score {
                        None => None,
                        Some(s) if (0..=i64::from(max)).contains(&s) => Some(s as u8),
                        Some(_) => {
                            errors.push(FieldError::new(
                                format!("scores[{i}].score"),
                                format!("must be from 0 to {max}, or null"),
                            ));
                            continue;
                        }
                    };
                    match scoring::check_score(&checklist.checklist, tier, &input.item_id, as_u8) {
                        Ok(()) => valid.push((
                            input.item_id.clone(),
                            as_u8.map(i32::from),
                            input.note.clone().unwrap_or_default().trim().to_string(),
                        )),
                        Err(ScoringError::UnknownItem(item)) => errors.push(FieldError::new(
                            format!("scores[{i}].item_id"),
                            format!("`{item}` is not a checklist item of this application"),
                        )),
                        Err(e) => errors.push(FieldError::new(format!("scores[{i}].score"), score_message(&e))),
                    }
                    if input.note.as_deref().is_some_and(|n| n.chars().count() > 4000) {
                        errors.push(FieldError::new(format!("scores[{i}].note"), "must be at most 4000 characters"));
                    }
                }
                if !errors.is_empty() {
                    return Err(ApiError::Validation(errors));
                }
                let at = now();
                for (item_id, score, note) in &valid {
                    let updated = diesel::update(scores::table.find((&app.id, item_id)))
                        .set((scores::score.eq(score), scores::note.eq(note), scores::updated_at.eq(at)))
                        .execute(tx)?;
                    if updated == 0 {
                        diesel::insert_into(scores::table)
                            .values(&Score {
                                application_id: app.id.clone(),
                                item_id: item_id.clone(),
                                score: *score,
                                note: note.clone(),
                                updated_at: at,
                            })
                            .execute(tx)?;
                    }
                }
                audit(
                    tx,
                    Some(&caller),
                    Change::new("application.scored", "application", &app.id).after(
                        valid
                            .iter()
                            .map(|(item, score, _)| serde_json::json!({"item_id": item, "score": score}))
                            .collect::<Vec<_>>(),
                    ),
                )?;
                let scored: Vec<String> = scores::table
                    .filter(scores::application_id.eq(&app.id))
                    .select(scores::item_id)
                    .load(tx)?;
                let applicable = checklist.checklist.applicable_items(tier);
                let unscored: Vec<String> = applicable
                    .iter()
                    .map(|(_, item)| item.id.clone())
                    .filter(|id| !scored.contains(id))
                    .collect();
                Ok(ScoresResponse {
                    scored: applicable.len() - unscored.len(),
                    items: applicable.len(),
                    unscored,
                })
            })
        })
        .await?;
    Ok(web::Json(response))
}

fn score_message(e: &ScoringError) -> String {
    match e {
        ScoringError::OutOfRange { max, .. } => format!("must be from 0 to {max}, or null"),
        ScoringError::CriticalNotApplicable(_) => {
            "a critical item cannot be marked not applicable".to_string()
        }
        other => format!("{other:?}"),
    }
}

#[derive(Serialize, ToSchema)]
pub struct CompleteResponse {
    pub outcome: Outcome,
    /// Why: overall and per-section percentages, critical failures, reasons.
    pub result: AssessmentResult,
    pub conditions: Vec<ConditionDraft>,
    pub certificate: Option<CertificateSummary>,
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/complete", tag = "assessment", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = CompleteResponse), (status = 403, body = crate::error::Problem),
        (status = 409, description = "not in review, or items unscored (listed in `items`)", body = crate::error::Problem)))]
pub async fn complete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<CompleteResponse>, ApiError> {
    let id = path.into_inner();
    let st = state.clone();
    let response = state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let (app, prem) = load_visible(tx, &caller, &id)?;
                require_assigned(&caller, &app)?;
                require_status(&app, &[ApplicationStatus::InReview])?;
                if let Err(why) = eligibility(
                    tx,
                    &caller.user_id,
                    super::kind_of(&prem),
                    &app.organisation_id,
                )? {
                    return Err(ApiError::forbidden(why.to_string()));
                }
                let checklist = checklist_for(&st, tx, &app)?;
                let rows: Vec<Score> = scores::table
                    .filter(scores::application_id.eq(&app.id))
                    .select(scores::all_columns)
                    .load(tx)?;
                let by_item: HashMap<String, Option<u8>> = rows
                    .into_iter()
                    .map(|s| (s.item_id, s.score.and_then(|v| u8::try_from(v).ok())))
                    .collect();
                let completed_at = now();
                let assessment = match scoring::assess_until(
                    &checklist.checklist,
                    views::tier_of(&app),
                    &by_item,
                    to_utc(completed_at),
                    prem.event_end.map(to_utc),
                ) {
                    Ok(a) => a,
                    Err(ScoringError::Unscored(items)) => {
                        return Err(ApiError::Conflict {
                            code: "unscored_items",
                            detail: format!(
                                "{} checklist item(s) are not scored yet: {}",
                                items.len(),
                                items.join(", ")
                            ),
                            items,
                        });
                    }
                    Err(e) => {
                        return Err(ApiError::internal(anyhow::anyhow!(
                            "stored scores invalid: {e:?}"
                        )));
                    }
                };
                if let Some(end) = prem.event_end
                    && assessment.outcome != Outcome::Refused
                    && to_utc(end) <= to_utc(completed_at)
                {
                    return Err(ApiError::conflict(
                        "event_ended",
                        "the event has already ended, so no certificate can be issued for it",
                    ));
                }
                let conditions = if assessment.outcome == Outcome::CertifiedWithConditions {
                    assessment.conditions.clone()
                } else {
                    Vec::new()
                };
                let stored = StoredAssessment {
                    result: assessment.result.clone(),
                    conditions: conditions.clone(),
                };
                let updated = diesel::update(
                    applications::table
                        .filter(applications::id.eq(&app.id))
                        .filter(applications::status.eq(ApplicationStatus::InReview.as_str())),
                )
                .set((
                    applications::status.eq(ApplicationStatus::Completed.as_str()),
                    applications::outcome.eq(Some(assessment.outcome.as_str())),
                    applications::result.eq(Some(
                        serde_json::to_string(&stored).map_err(anyhow::Error::from)?,
                    )),
                    applications::completed_at.eq(Some(completed_at)),
                    applications::updated_at.eq(completed_at),
                ))
                .execute(tx)?;
                if updated != 1 {
                    return Err(ApiError::conflict(
                        "wrong_status",
                        "the application changed meanwhile",
                    ));
                }
                audit(
                    tx,
                    Some(&caller),
                    Change::new("application.completed", "application", &app.id)
                        .before(serde_json::json!({"status": app.status}))
                        .after(serde_json::json!({
                            "status": "completed",
                            "outcome": assessment.outcome.as_str(),
                            "overall_percent": assessment.result.overall_percent,
                        })),
                )?;
                let certificate = if assessment.outcome == Outcome::Refused {
                    None
                } else {
                    Some(issue_certificate(
                        tx,
                        &st.documents,
                        &caller,
                        &app,
                        &prem,
                        &checklist,
                        assessment.outcome,
                        &conditions,
                        completed_at,
                    )?)
                };
                Ok(CompleteResponse {
                    outcome: assessment.outcome,
                    result: assessment.result,
                    conditions,
                    certificate: certificate.as_ref().map(CertificateSummary::from),
                })
            })
        })
        .await?;
    Ok(web::Json(response))
}
