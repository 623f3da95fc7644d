//! What a reader sees of an application: the same view for the JSON API and the
//! pages. A listing is built from a constant number of queries, whatever its length.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::checklist_in;
use crate::auth::Caller;
use crate::checklists::{ChecklistStore, StoredChecklist};
use crate::db::models::{Answer, Application, Certificate, EvidenceMeta, Premises, Score};
use crate::db::{self, DbConnection, to_utc};
use crate::domain::application::{AnswerStatus, ApplicationStatus};
use crate::domain::checklist::Basis;
use crate::domain::scoring::{AssessmentResult, ConditionDraft, Outcome};
use crate::domain::tier::{PremisesKind, Tier};
use crate::service::access::{may_see_scores, may_see_withdrawals_after_scoring};
use crate::service::{ServiceError, ServiceResult};

/// What completion stored on the application.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct StoredAssessment {
    pub result: AssessmentResult,
    pub conditions: Vec<ConditionDraft>,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct PremisesSummary {
    pub id: String,
    pub name: String,
    pub kind: PremisesKind,
    pub town: String,
    pub postcode: String,
    pub capacity: i32,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct AdvisorSummary {
    pub id: String,
    pub name: String,
    pub accreditation_number: String,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
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

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct AnswerView {
    pub status: AnswerStatus,
    pub note: String,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct ScoreView {
    /// Null: the advisor marked the item not applicable.
    pub score: Option<i32>,
    pub note: String,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
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

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct ItemView {
    pub id: String,
    pub section: String,
    pub section_title: String,
    pub text: String,
    pub guidance: String,
    /// Critical at this application's tier (only duties can be critical).
    pub critical: bool,
    pub evidence_required: bool,
    pub weight: u32,
    pub max_score: u8,
    /// `statutory`: a duty under the Act at this tier, which decides the outcome;
    /// `good_practice`: scored and reported, never a refusal.
    pub basis: Basis,
    /// The section of the Act (e.g. `s.6(1)(a)`); null for good practice.
    pub statute: Option<String>,
    /// When the law does not apply, in plain words: then the item may be marked
    /// not applicable with a reason even if critical.
    pub not_applicable_when: Vec<String>,
    pub answer: Option<AnswerView>,
    /// Shown to operators only once the assessment is completed.
    pub score: Option<ScoreView>,
    pub evidence: Vec<EvidenceView>,
}

impl ItemView {
    /// What submit refuses: evidence is required and none is attached to the
    /// item, unless the operator answered "not applicable".
    pub fn lacks_evidence(&self) -> bool {
        self.evidence_required
            && self.evidence.is_empty()
            && self.answer.as_ref().map(|a| a.status) != Some(AnswerStatus::NotApplicable)
    }
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Progress {
    pub items: usize,
    pub answered: usize,
    pub scored: usize,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
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
    /// Earlier applications for the same premises that the operator withdrew
    /// after an advisor had begun to score them (detail view, for advisors and
    /// admins only): a withdrawal may be a way to escape a poor assessment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn_after_scoring: Option<Vec<WithdrawnAfterScoring>>,
    // Part 3: the second sign-off.
    /// For premises that need a second sign-off: who assessed it and when, and who
    /// signed it off (or returned it) and when. Null where no sign-off was needed.
    pub sign_off: Option<super::sign_off::SignOffView>,
    // issue 11 part 2: appeals
    /// The appeal window, the appeal and its decision, and the operator's right to
    /// reply (detail view only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appeal_and_reply: Option<crate::service::appeals::AppealAndReply>,
}

/// An application withdrawn by its operator after an advisor had scored some of it.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct WithdrawnAfterScoring {
    pub application_id: String,
    pub advisor: Option<AdvisorSummary>,
    /// How many items had a score when it was withdrawn.
    pub scored_items: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub withdrawn_at: time::OffsetDateTime,
}

/// What completion stored on the application, read back.
pub(crate) fn stored_assessment(app: &Application) -> ServiceResult<Option<StoredAssessment>> {
    app.result
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| ServiceError::internal(anyhow::anyhow!("stored result of {}: {e}", app.id)))
}

/// The full view of one application: items with answers, scores and evidence.
pub(crate) fn build(
    conn: &mut DbConnection,
    caller: &Caller,
    app: &Application,
    prem: &Premises,
    checklist: &StoredChecklist,
) -> ServiceResult<ApplicationView> {
    let answers = db::applications::answers(conn, &app.id)?;
    let scores = db::applications::scores(conn, &app.id)?;
    let evidence = db::evidence::list(conn, &app.id)?;
    let advisor = advisor_summaries(conn, std::slice::from_ref(app))?;
    let certificate = db::certificates::by_applications(conn, &[app.id.as_str()])?;
    let answered: Vec<String> = answers.iter().map(|a| a.item_id.clone()).collect();
    let scored: Vec<String> = scores.iter().map(|s| s.item_id.clone()).collect();
    let mut view = summary(
        app,
        prem,
        checklist,
        (&answered, &scored),
        &advisor,
        certificate.get(&app.id),
    )?;
    view.sign_off = super::sign_off::latest_views(conn, &[app.id.as_str()])?.remove(&app.id);
    for_reader(std::slice::from_mut(&mut view), caller);
    let show_scores = may_see_scores(caller, app.status == ApplicationStatus::Completed);
    let answers_by: HashMap<&str, &Answer> =
        answers.iter().map(|a| (a.item_id.as_str(), a)).collect();
    let scores_by: HashMap<&str, &Score> = scores.iter().map(|s| (s.item_id.as_str(), s)).collect();
    let items = checklist
        .checklist
        .applicable_items(app.tier)
        .iter()
        .map(|(section, item)| ItemView {
            id: item.id.clone(),
            section: section.id.clone(),
            section_title: section.title.clone(),
            text: item.text.clone(),
            guidance: item.guidance.clone(),
            critical: item.critical_at(app.tier),
            evidence_required: item.evidence_required,
            weight: item.weight,
            max_score: checklist.checklist.scoring.max_score,
            basis: item.basis_at(app.tier),
            statute: item.statute_at(app.tier).map(str::to_string),
            not_applicable_when: item.not_applicable_rules(),
            answer: answers_by.get(item.id.as_str()).map(|a| AnswerView {
                status: a.status,
                note: a.note.clone(),
            }),
            score: scores_by
                .get(item.id.as_str())
                .filter(|_| show_scores)
                .map(|s| ScoreView {
                    score: s.score,
                    note: s.note.clone(),
                }),
            evidence: evidence
                .iter()
                .filter(|e| e.item_id.as_deref() == Some(item.id.as_str()))
                .map(EvidenceView::from)
                .collect(),
        })
        .collect();
    view.items = Some(items);
    if may_see_withdrawals_after_scoring(caller) {
        let earlier: Vec<(Application, i64)> =
            db::applications::withdrawn_after_scoring(conn, &prem.id)?
                .into_iter()
                .filter(|(a, _)| a.id != app.id)
                .collect();
        let apps: Vec<Application> = earlier.iter().map(|(a, _)| a.clone()).collect();
        let names = advisor_summaries(conn, &apps)?;
        view.withdrawn_after_scoring = Some(
            earlier
                .into_iter()
                .map(|(a, scored_items)| WithdrawnAfterScoring {
                    advisor: a.advisor_id.as_ref().and_then(|id| names.get(id).cloned()),
                    application_id: a.id,
                    scored_items,
                    withdrawn_at: to_utc(a.updated_at),
                })
                .collect(),
        );
    }
    view.general_evidence = Some(
        evidence
            .iter()
            .filter(|e| e.item_id.is_none())
            .map(EvidenceView::from)
            .collect(),
    );
    Ok(view)
}

/// Summary views of many applications in five queries (answers, scores,
/// advisors, certificates; checklists come from the in-memory store).
pub(crate) fn build_list(
    checklists: &ChecklistStore,
    conn: &mut DbConnection,
    rows: &[(Application, Premises)],
) -> ServiceResult<Vec<ApplicationView>> {
    let apps: Vec<Application> = rows.iter().map(|(a, _)| a.clone()).collect();
    let ids: Vec<&str> = apps.iter().map(|a| a.id.as_str()).collect();
    let progress = db::applications::progress_of(conn, &ids)?;
    let advisors = advisor_summaries(conn, &apps)?;
    let certificates = db::certificates::by_applications(conn, &ids)?;
    let mut sign_offs = super::sign_off::latest_views(conn, &ids)?;
    let none = db::applications::Progress::default();
    rows.iter()
        .map(|(app, prem)| {
            let checklist = checklist_in(checklists, conn, app)?;
            let p = progress.get(&app.id).unwrap_or(&none);
            summary(
                app,
                prem,
                &checklist,
                (&p.answered, &p.scored),
                &advisors,
                certificates.get(&app.id),
            )
            .map(|mut view| {
                view.sign_off = sign_offs.remove(&app.id);
                view
            })
        })
        .collect()
}

/// What an operator may not see yet (part 3): while an assessment awaits its
/// second sign-off the outcome is not decided, so operators see the status alone,
/// and never the note between reviewer and assessor.
pub(crate) fn for_reader(views: &mut [ApplicationView], caller: &Caller) {
    if caller.role != crate::domain::actor::Role::Operator {
        return;
    }
    for view in views {
        if view.status == ApplicationStatus::AwaitingSignOff {
            view.outcome = None;
            view.result = None;
            view.conditions.clear();
        }
        if let Some(s) = view.sign_off.as_mut() {
            s.note.clear();
        }
    }
}

fn advisor_summaries(
    conn: &mut DbConnection,
    apps: &[Application],
) -> ServiceResult<HashMap<String, AdvisorSummary>> {
    let ids: Vec<&str> = apps
        .iter()
        .filter_map(|a| a.advisor_id.as_deref())
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(db::advisors::names(conn, &ids)?
        .into_iter()
        .map(|(id, (name, accreditation_number))| {
            (
                id.clone(),
                AdvisorSummary {
                    id,
                    name,
                    accreditation_number,
                },
            )
        })
        .collect())
}

fn summary(
    app: &Application,
    prem: &Premises,
    checklist: &StoredChecklist,
    (answered, scored): (&[String], &[String]),
    advisors: &HashMap<String, AdvisorSummary>,
    certificate: Option<&Certificate>,
) -> ServiceResult<ApplicationView> {
    let applicable: HashSet<&str> = checklist
        .checklist
        .applicable_items(app.tier)
        .iter()
        .map(|(_, item)| item.id.as_str())
        .collect();
    let count = |ids: &[String]| {
        ids.iter()
            .filter(|id| applicable.contains(id.as_str()))
            .count()
    };
    let stored = stored_assessment(app)?;
    Ok(ApplicationView {
        id: app.id.clone(),
        status: app.status,
        organisation_id: app.organisation_id.clone(),
        premises: PremisesSummary {
            id: prem.id.clone(),
            name: prem.name.clone(),
            kind: prem.kind,
            town: prem.town.clone(),
            postcode: prem.postcode.clone(),
            capacity: prem.capacity,
        },
        checklist_id: app.checklist_id.clone(),
        checklist_hash: checklist.hash.clone(),
        tier: app.tier,
        advisor: app
            .advisor_id
            .as_deref()
            .and_then(|id| advisors.get(id))
            .cloned(),
        created_at: to_utc(app.created_at),
        submitted_at: app.submitted_at.map(to_utc),
        assigned_at: app.assigned_at.map(to_utc),
        completed_at: app.completed_at.map(to_utc),
        outcome: app.outcome,
        result: stored.as_ref().map(|s| s.result.clone()),
        conditions: stored.map(|s| s.conditions).unwrap_or_default(),
        certificate: certificate.map(CertificateSummary::from),
        progress: Progress {
            items: applicable.len(),
            answered: count(answered),
            scored: count(scored),
        },
        items: None,
        general_evidence: None,
        withdrawn_after_scoring: None,
        sign_off: None,
        appeal_and_reply: None,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use diesel::Connection;
    use diesel::connection::InstrumentationEvent;

    use super::*;
    use crate::db::{Page, now};
    use crate::domain::actor::Role;
    use crate::domain::scope::ApplicationScope;
    use crate::domain::tier::PremisesKind;
    use crate::service::fixtures::*;

    /// Lists `n` applications (each with an answer) and counts the queries.
    fn queries_to_list(n: usize) -> (usize, usize) {
        let t = test_db();
        let mut conn = t.db.get().expect("conn");
        organisation(&mut conn, "org");
        user(&mut conn, "op", Role::Operator, Some("org"));
        for i in 0..n {
            let prem = premises(&mut conn, &format!("p{i}"), "org", PremisesKind::Building);
            let app = application(
                &mut conn,
                &t.checklists,
                &format!("a{i}"),
                &prem,
                ApplicationStatus::Draft,
                None,
                "op",
            );
            let checklist = t
                .checklists
                .latest(PremisesKind::Building)
                .expect("checklist");
            let item = checklist.checklist.sections[0].items[0].id.clone();
            db::applications::upsert_answer(
                &mut conn,
                &Answer {
                    application_id: app.id.clone(),
                    item_id: item,
                    status: AnswerStatus::InPlace,
                    note: String::new(),
                    updated_at: now(),
                },
            )
            .expect("answer");
        }
        let count = Arc::new(Mutex::new(0usize));
        let seen = count.clone();
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { .. } = event
                && let Ok(mut n) = seen.lock()
            {
                *n += 1;
            }
        });
        let scope = ApplicationScope::Organisation("org".into());
        let page = Page {
            limit: 200,
            offset: 0,
        };
        let rows = db::applications::list(&mut conn, &scope, None, page).expect("list");
        let views = build_list(&t.checklists, &mut conn, &rows).expect("views");
        assert!(views.iter().all(|v| v.progress.answered == 1));
        let queries = *count.lock().expect("count");
        (views.len(), queries)
    }

    #[test]
    fn a_listing_costs_the_same_queries_whatever_its_length() {
        let (one, for_one) = queries_to_list(1);
        let (many, for_many) = queries_to_list(25);
        assert_eq!((one, many), (1, 25));
        assert_eq!(for_one, for_many, "queries must not grow with the rows");
        assert!(for_many <= 6, "{for_many} queries for a listing");
    }
}
