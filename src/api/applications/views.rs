//! What the API shows of an application.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{kind_of, status_of};
use crate::auth::{Caller, Role};
use crate::checklists::StoredChecklist;
use crate::db::models::{Answer, Application, Certificate, EvidenceMeta, Premises, Score};
use crate::db::schema::{advisors, answers, certificates, evidence, scores, users};
use crate::db::{DbConnection, to_utc};
use crate::domain::application::{AnswerStatus, ApplicationStatus};
use crate::domain::scoring::{AssessmentResult, ConditionDraft, Outcome};
use crate::domain::tier::{PremisesKind, Tier};
use crate::error::ApiError;

/// What completion stored on the application.
#[derive(Serialize, Deserialize, Clone)]
pub struct StoredAssessment {
    pub result: AssessmentResult,
    pub conditions: Vec<ConditionDraft>,
}

#[derive(Serialize, ToSchema)]
pub struct PremisesSummary {
    pub id: String,
    pub name: String,
    pub kind: PremisesKind,
    pub town: String,
    pub postcode: String,
    pub capacity: i32,
}

#[derive(Serialize, ToSchema)]
pub struct AdvisorSummary {
    pub id: String,
    pub name: String,
    pub accreditation_number: String,
}

#[derive(Serialize, ToSchema)]
pub struct CertificateSummary {
    pub number: String,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
}

impl From<&Certificate> for CertificateSummary {
    fn from(c: &Certificate) -> Self {
        CertificateSummary {
            number: c.number.clone(),
            issued_at: to_utc(c.issued_at),
            expires_at: to_utc(c.expires_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AnswerView {
    pub status: AnswerStatus,
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct ScoreView {
    /// Null: the advisor marked the item not applicable.
    pub score: Option<i32>,
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct EvidenceView {
    pub id: String,
    pub item_id: Option<String>,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    #[serde(with = "time::serde::rfc3339")]
    pub uploaded_at: time::OffsetDateTime,
}

impl From<&EvidenceMeta> for EvidenceView {
    fn from(e: &EvidenceMeta) -> Self {
        EvidenceView {
            id: e.id.clone(),
            item_id: e.item_id.clone(),
            filename: e.filename.clone(),
            content_type: e.content_type.clone(),
            size_bytes: e.size_bytes,
            sha256: e.sha256.clone(),
            uploaded_at: to_utc(e.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ItemView {
    pub id: String,
    pub section: String,
    pub section_title: String,
    pub text: String,
    pub guidance: String,
    pub critical: bool,
    pub evidence_required: bool,
    pub weight: u32,
    pub max_score: u8,
    pub answer: Option<AnswerView>,
    /// Shown to operators only once the assessment is completed.
    pub score: Option<ScoreView>,
    pub evidence: Vec<EvidenceView>,
}

#[derive(Serialize, ToSchema)]
pub struct Progress {
    pub items: usize,
    pub answered: usize,
    pub scored: usize,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: String,
    pub status: ApplicationStatus,
    pub organisation_id: String,
    pub premises: PremisesSummary,
    pub checklist_id: String,
    pub checklist_hash: String,
    /// The tier the premises was assessed at, fixed when the application started.
    pub tier: Tier,
    pub advisor: Option<AdvisorSummary>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub assigned_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub completed_at: Option<time::OffsetDateTime>,
    pub outcome: Option<Outcome>,
    pub result: Option<AssessmentResult>,
    pub conditions: Vec<ConditionDraft>,
    pub certificate: Option<CertificateSummary>,
    pub progress: Progress,
    /// The checklist items that apply to this premises' tier (detail view only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<ItemView>>,
    /// Evidence not tied to one item (detail view only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub general_evidence: Option<Vec<EvidenceView>>,
}

pub(crate) fn tier_of(app: &Application) -> Tier {
    Tier::parse(&app.tier).unwrap_or(Tier::Standard)
}

/// Builds the view; `detail` adds the items with answers, scores and evidence.
pub(crate) fn build(
    conn: &mut DbConnection,
    caller: &Caller,
    app: &Application,
    prem: &Premises,
    checklist: &StoredChecklist,
    detail: bool,
) -> Result<ApplicationView, ApiError> {
    let status = status_of(app)?;
    let tier = tier_of(app);
    let applicable = checklist.checklist.applicable_items(tier);
    let answer_rows: Vec<Answer> = answers::table
        .filter(answers::application_id.eq(&app.id))
        .select(answers::all_columns)
        .load(conn)?;
    let score_rows: Vec<Score> = scores::table
        .filter(scores::application_id.eq(&app.id))
        .select(scores::all_columns)
        .load(conn)?;
    let applicable_ids: std::collections::HashSet<&str> = applicable
        .iter()
        .map(|(_, item)| item.id.as_str())
        .collect();
    let progress = Progress {
        items: applicable.len(),
        answered: answer_rows
            .iter()
            .filter(|a| applicable_ids.contains(a.item_id.as_str()))
            .count(),
        scored: score_rows
            .iter()
            .filter(|s| applicable_ids.contains(s.item_id.as_str()))
            .count(),
    };
    let advisor = match &app.advisor_id {
        Some(id) => users::table
            .inner_join(advisors::table)
            .filter(users::id.eq(id))
            .select((users::id, users::name, advisors::accreditation_number))
            .first::<(String, String, String)>(conn)
            .optional()?
            .map(|(id, name, accreditation_number)| AdvisorSummary {
                id,
                name,
                accreditation_number,
            }),
        None => None,
    };
    let certificate: Option<Certificate> = certificates::table
        .filter(certificates::application_id.eq(&app.id))
        .select(certificates::all_columns)
        .first(conn)
        .optional()?;
    let stored: Option<StoredAssessment> = app
        .result
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| ApiError::internal(anyhow::anyhow!("stored result of {}: {e}", app.id)))?;
    let outcome = app.outcome.as_deref().and_then(Outcome::parse);
    let (items, general_evidence) = if detail {
        let evidence_rows: Vec<EvidenceMeta> = evidence::table
            .filter(evidence::application_id.eq(&app.id))
            .select((
                evidence::id,
                evidence::application_id,
                evidence::item_id,
                evidence::filename,
                evidence::content_type,
                evidence::size_bytes,
                evidence::sha256,
                evidence::uploaded_by,
                evidence::created_at,
            ))
            .order(evidence::created_at.asc())
            .load(conn)?;
        let show_scores = caller.role != Role::Operator || status == ApplicationStatus::Completed;
        let answers_by: HashMap<&str, &Answer> = answer_rows
            .iter()
            .map(|a| (a.item_id.as_str(), a))
            .collect();
        let scores_by: HashMap<&str, &Score> =
            score_rows.iter().map(|s| (s.item_id.as_str(), s)).collect();
        let items = applicable
            .iter()
            .map(|(section, item)| ItemView {
                id: item.id.clone(),
                section: section.id.clone(),
                section_title: section.title.clone(),
                text: item.text.clone(),
                guidance: item.guidance.clone(),
                critical: item.critical,
                evidence_required: item.evidence_required,
                weight: item.weight,
                max_score: checklist.checklist.scoring.max_score,
                answer: answers_by.get(item.id.as_str()).and_then(|a| {
                    AnswerStatus::parse(&a.status).map(|status| AnswerView {
                        status,
                        note: a.note.clone(),
                    })
                }),
                score: scores_by
                    .get(item.id.as_str())
                    .filter(|_| show_scores)
                    .map(|s| ScoreView {
                        score: s.score,
                        note: s.note.clone(),
                    }),
                evidence: evidence_rows
                    .iter()
                    .filter(|e| e.item_id.as_deref() == Some(item.id.as_str()))
                    .map(EvidenceView::from)
                    .collect(),
            })
            .collect();
        let general = evidence_rows
            .iter()
            .filter(|e| e.item_id.is_none())
            .map(EvidenceView::from)
            .collect();
        (Some(items), Some(general))
    } else {
        (None, None)
    };
    Ok(ApplicationView {
        id: app.id.clone(),
        status,
        organisation_id: app.organisation_id.clone(),
        premises: PremisesSummary {
            id: prem.id.clone(),
            name: prem.name.clone(),
            kind: kind_of(prem),
            town: prem.town.clone(),
            postcode: prem.postcode.clone(),
            capacity: prem.capacity,
        },
        checklist_id: app.checklist_id.clone(),
        checklist_hash: checklist.hash.clone(),
        tier,
        advisor,
        created_at: to_utc(app.created_at),
        submitted_at: app.submitted_at.map(to_utc),
        assigned_at: app.assigned_at.map(to_utc),
        completed_at: app.completed_at.map(to_utc),
        outcome,
        result: stored.as_ref().map(|s| s.result.clone()),
        conditions: stored.map(|s| s.conditions).unwrap_or_default(),
        certificate: certificate.as_ref().map(CertificateSummary::from),
        progress,
        items,
        general_evidence,
    })
}
