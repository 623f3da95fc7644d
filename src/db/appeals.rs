//! Appeals, the reviewer's scores of the appealed items, the evidence sent with an
//! appeal, and the operator's right-to-reply statements.

use std::collections::HashMap;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::models::{Application, Premises};
use super::schema::{appeal_evidence, appeal_scores, appeals, applications, premises, replies};
use super::{DbConnection, Page};
use crate::domain::appeal::{AppealScope, AppealState, Consequence};
use crate::domain::scoring::Outcome;

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = appeals)]
pub struct Appeal {
    pub id: String,
    pub application_id: String,
    pub organisation_id: String,
    pub state: AppealState,
    /// The appealed item ids, a JSON array.
    pub items: String,
    pub grounds: String,
    pub original_outcome: Outcome,
    pub lodged_by: String,
    pub lodged_at: PrimitiveDateTime,
    pub window_closes_at: PrimitiveDateTime,
    pub reviewer_id: Option<String>,
    pub claimed_at: Option<PrimitiveDateTime>,
    pub decided_at: Option<PrimitiveDateTime>,
    pub outcome: Option<Outcome>,
    /// What the decision computed (a `StoredAssessment` as JSON).
    pub result: Option<String>,
    pub consequence: Option<Consequence>,
    /// The assessment on appeal, recorded as an application of its own when the
    /// decision issues a certificate (a certificate belongs to one application).
    pub decision_application_id: Option<String>,
    pub certificate_number: Option<String>,
    pub withdrawn_certificate_number: Option<String>,
    pub updated_at: PrimitiveDateTime,
}

impl Appeal {
    pub fn item_ids(&self) -> Vec<String> {
        serde_json::from_str(&self.items).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = appeal_scores)]
pub struct AppealScore {
    pub appeal_id: String,
    pub item_id: String,
    pub score: Option<i32>,
    pub note: String,
    pub updated_at: PrimitiveDateTime,
}

/// Appeal evidence without its bytes.
#[derive(Debug, Clone, Queryable)]
pub struct AppealEvidenceMeta {
    pub id: String,
    pub appeal_id: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = replies)]
pub struct Reply {
    pub application_id: String,
    pub statement: String,
    pub updated_by: String,
    pub updated_at: PrimitiveDateTime,
}

pub fn insert(conn: &mut DbConnection, appeal: &Appeal) -> QueryResult<()> {
    diesel::insert_into(appeals::table)
        .values(appeal)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Appeal>> {
    appeals::table
        .find(id)
        .select(appeals::all_columns)
        .first(conn)
        .optional()
}

/// An appeal with the application appealed against and its premises.
pub fn find_with_application(
    conn: &mut DbConnection,
    id: &str,
) -> QueryResult<Option<(Appeal, Application, Premises)>> {
    appeals::table
        .inner_join(applications::table.inner_join(premises::table))
        .filter(appeals::id.eq(id))
        .select((
            appeals::all_columns,
            applications::all_columns,
            premises::all_columns,
        ))
        .first(conn)
        .optional()
}

/// The appeal against an application, if any.
pub fn of_application(
    conn: &mut DbConnection,
    application_id: &str,
) -> QueryResult<Option<Appeal>> {
    appeals::table
        .filter(appeals::application_id.eq(application_id))
        .select(appeals::all_columns)
        .first(conn)
        .optional()
}

/// The appeal whose decision is recorded as application `application_id`.
pub fn deciding(conn: &mut DbConnection, application_id: &str) -> QueryResult<Option<Appeal>> {
    appeals::table
        .filter(appeals::decision_application_id.eq(application_id))
        .select(appeals::all_columns)
        .first(conn)
        .optional()
}

/// The appeals in `scope` (one query), newest first.
pub fn list(
    conn: &mut DbConnection,
    scope: &AppealScope,
    page: Page,
) -> QueryResult<Vec<(Appeal, Application, Premises)>> {
    let mut q = appeals::table
        .inner_join(applications::table.inner_join(premises::table))
        .select((
            appeals::all_columns,
            applications::all_columns,
            premises::all_columns,
        ))
        .into_boxed();
    match scope {
        AppealScope::All => {}
        AppealScope::Organisation(org) => {
            q = q.filter(appeals::organisation_id.eq(org.clone()));
        }
        AppealScope::Advisor { advisor_id, queue } => {
            let mine = appeals::reviewer_id.eq(advisor_id.clone());
            match queue {
                None => q = q.filter(mine),
                Some(queue) => {
                    let excluded = queue.excluded_organisation.clone().unwrap_or_default();
                    let open = appeals::state
                        .eq(AppealState::Lodged)
                        .and(premises::kind.eq_any(queue.kinds.clone()))
                        .and(appeals::organisation_id.ne(excluded))
                        .and(
                            applications::advisor_id
                                .ne(advisor_id.clone())
                                .or(applications::advisor_id.is_null()),
                        );
                    q = q.filter(mine.or(open));
                }
            }
        }
    }
    q.order((appeals::lodged_at.desc(), appeals::id.desc()))
        .limit(page.limit)
        .offset(page.offset)
        .load(conn)
}

/// Moves the appeal from `from` to `to` (only if still in `from`), with a reviewer
/// when claimed; returns whether it moved.
pub fn claim(
    conn: &mut DbConnection,
    id: &str,
    reviewer_id: &str,
    at: PrimitiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        appeals::table
            .filter(appeals::id.eq(id))
            .filter(appeals::state.eq(AppealState::Lodged)),
    )
    .set((
        appeals::state.eq(AppealState::InReview),
        appeals::reviewer_id.eq(Some(reviewer_id)),
        appeals::claimed_at.eq(Some(at)),
        appeals::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Hands back the appeals `reviewer_id` has claimed and not decided (their
/// accreditation was suspended or withdrawn): lodged again, for another advisor,
/// with the scores given so far cleared. Returns their ids.
pub fn release_claims_of(
    conn: &mut DbConnection,
    reviewer_id: &str,
    at: PrimitiveDateTime,
) -> QueryResult<Vec<String>> {
    let ids: Vec<String> = appeals::table
        .filter(appeals::reviewer_id.eq(reviewer_id))
        .filter(appeals::state.eq(AppealState::InReview))
        .select(appeals::id)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(ids);
    }
    diesel::delete(appeal_scores::table.filter(appeal_scores::appeal_id.eq_any(&ids)))
        .execute(conn)?;
    diesel::update(
        appeals::table
            .filter(appeals::id.eq_any(&ids))
            .filter(appeals::state.eq(AppealState::InReview)),
    )
    .set((
        appeals::state.eq(AppealState::Lodged),
        appeals::reviewer_id.eq(None::<String>),
        appeals::claimed_at.eq(None::<PrimitiveDateTime>),
        appeals::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(ids)
}

/// What the decision recorded.
pub struct Decision<'a> {
    pub outcome: Outcome,
    pub result_json: &'a str,
    pub consequence: Consequence,
    pub decision_application_id: Option<&'a str>,
    pub certificate_number: Option<&'a str>,
    pub withdrawn_certificate_number: Option<&'a str>,
    pub at: PrimitiveDateTime,
}

/// Records the decision of an appeal still in review; returns whether it was.
pub fn decide(conn: &mut DbConnection, id: &str, d: &Decision<'_>) -> QueryResult<bool> {
    let n = diesel::update(
        appeals::table
            .filter(appeals::id.eq(id))
            .filter(appeals::state.eq(AppealState::InReview)),
    )
    .set((
        appeals::state.eq(AppealState::Decided),
        appeals::decided_at.eq(Some(d.at)),
        appeals::outcome.eq(Some(d.outcome)),
        appeals::result.eq(Some(d.result_json)),
        appeals::consequence.eq(Some(d.consequence)),
        appeals::decision_application_id.eq(d.decision_application_id),
        appeals::certificate_number.eq(d.certificate_number),
        appeals::withdrawn_certificate_number.eq(d.withdrawn_certificate_number),
        appeals::updated_at.eq(d.at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn scores(conn: &mut DbConnection, appeal_id: &str) -> QueryResult<Vec<AppealScore>> {
    appeal_scores::table
        .filter(appeal_scores::appeal_id.eq(appeal_id))
        .select(appeal_scores::all_columns)
        .order(appeal_scores::item_id.asc())
        .load(conn)
}

pub fn upsert_score(conn: &mut DbConnection, score: &AppealScore) -> QueryResult<()> {
    let updated = diesel::update(appeal_scores::table.find((&score.appeal_id, &score.item_id)))
        .set((
            appeal_scores::score.eq(score.score),
            appeal_scores::note.eq(&score.note),
            appeal_scores::updated_at.eq(score.updated_at),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(appeal_scores::table)
            .values(score)
            .execute(conn)?;
    }
    Ok(())
}

pub fn insert_evidence(
    conn: &mut DbConnection,
    meta: &AppealEvidenceMeta,
    data: &[u8],
) -> QueryResult<()> {
    diesel::insert_into(appeal_evidence::table)
        .values((
            appeal_evidence::id.eq(&meta.id),
            appeal_evidence::appeal_id.eq(&meta.appeal_id),
            appeal_evidence::filename.eq(&meta.filename),
            appeal_evidence::content_type.eq(&meta.content_type),
            appeal_evidence::size_bytes.eq(meta.size_bytes),
            appeal_evidence::sha256.eq(&meta.sha256),
            appeal_evidence::data.eq(data),
            appeal_evidence::uploaded_by.eq(&meta.uploaded_by),
            appeal_evidence::created_at.eq(meta.created_at),
        ))
        .execute(conn)
        .map(drop)
}

/// The evidence of the appeals in `ids`, without bytes, oldest first.
pub fn evidence_of(
    conn: &mut DbConnection,
    ids: &[&str],
) -> QueryResult<HashMap<String, Vec<AppealEvidenceMeta>>> {
    let rows: Vec<AppealEvidenceMeta> = appeal_evidence::table
        .filter(appeal_evidence::appeal_id.eq_any(ids))
        .select((
            appeal_evidence::id,
            appeal_evidence::appeal_id,
            appeal_evidence::filename,
            appeal_evidence::content_type,
            appeal_evidence::size_bytes,
            appeal_evidence::sha256,
            appeal_evidence::uploaded_by,
            appeal_evidence::created_at,
        ))
        .order(appeal_evidence::created_at.asc())
        .load(conn)?;
    let mut out: HashMap<String, Vec<AppealEvidenceMeta>> = HashMap::new();
    for r in rows {
        out.entry(r.appeal_id.clone()).or_default().push(r);
    }
    Ok(out)
}

/// One file: (filename, content type, bytes).
pub fn evidence_file(
    conn: &mut DbConnection,
    appeal_id: &str,
    evidence_id: &str,
) -> QueryResult<Option<(String, String, Vec<u8>)>> {
    appeal_evidence::table
        .filter(appeal_evidence::id.eq(evidence_id))
        .filter(appeal_evidence::appeal_id.eq(appeal_id))
        .select((
            appeal_evidence::filename,
            appeal_evidence::content_type,
            appeal_evidence::data,
        ))
        .first(conn)
        .optional()
}

pub fn reply(conn: &mut DbConnection, application_id: &str) -> QueryResult<Option<Reply>> {
    replies::table
        .find(application_id)
        .select(replies::all_columns)
        .first(conn)
        .optional()
}

/// Sets the statement, replacing any earlier one.
pub fn put_reply(conn: &mut DbConnection, reply: &Reply) -> QueryResult<()> {
    let updated = diesel::update(replies::table.find(&reply.application_id))
        .set((
            replies::statement.eq(&reply.statement),
            replies::updated_by.eq(&reply.updated_by),
            replies::updated_at.eq(reply.updated_at),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(replies::table)
            .values(reply)
            .execute(conn)?;
    }
    Ok(())
}

/// The appeals against, or decided as, any of the applications in `ids`.
pub fn touching_applications(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<Vec<Appeal>> {
    appeals::table
        .filter(
            appeals::application_id
                .eq_any(ids)
                .or(appeals::decision_application_id.eq_any(ids)),
        )
        .select(appeals::all_columns)
        .load(conn)
}

/// The replies on any of the applications in `ids`.
pub fn replies_of(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<Vec<Reply>> {
    replies::table
        .filter(replies::application_id.eq_any(ids))
        .select(replies::all_columns)
        .load(conn)
}
