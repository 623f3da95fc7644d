//! Applications, with their answers (the operator's self-assessment) and scores
//! (the advisor's).

use std::collections::HashMap;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::models::{Answer, Application, Premises, Score};
use super::schema::{answers, applications, premises, scores};
use super::{DbConnection, Page};
use crate::domain::application::ApplicationStatus;
use crate::domain::scope::ApplicationScope;
use crate::domain::scoring::Outcome;

pub fn insert(conn: &mut DbConnection, app: &Application) -> QueryResult<()> {
    diesel::insert_into(applications::table)
        .values(app)
        .execute(conn)
        .map(drop)
}

pub fn find_with_premises(
    conn: &mut DbConnection,
    id: &str,
) -> QueryResult<Option<(Application, Premises)>> {
    applications::table
        .inner_join(premises::table)
        .filter(applications::id.eq(id))
        .select((applications::all_columns, premises::all_columns))
        .first(conn)
        .optional()
}

/// Draft, submitted or in-review applications of the premises.
pub fn count_open(conn: &mut DbConnection, premises_id: &str) -> QueryResult<i64> {
    applications::table
        .filter(applications::premises_id.eq(premises_id))
        .filter(applications::status.eq_any(ApplicationStatus::OPEN))
        .count()
        .get_result(conn)
}

/// How many applications have `status`.
pub fn count_with_status(conn: &mut DbConnection, status: ApplicationStatus) -> QueryResult<i64> {
    applications::table
        .filter(applications::status.eq(status))
        .count()
        .get_result(conn)
}

/// The applications in `scope` (one query, whatever the scope), newest first.
pub fn list(
    conn: &mut DbConnection,
    scope: &ApplicationScope,
    status: Option<ApplicationStatus>,
    page: Page,
) -> QueryResult<Vec<(Application, Premises)>> {
    let mut q = applications::table
        .inner_join(premises::table)
        .select((applications::all_columns, premises::all_columns))
        .into_boxed();
    match scope {
        ApplicationScope::All => {}
        ApplicationScope::Organisation(org) => {
            q = q.filter(applications::organisation_id.eq(org.clone()));
        }
        ApplicationScope::Advisor {
            advisor_id,
            queue: None,
        } => {
            q = q.filter(applications::advisor_id.eq(advisor_id.clone()));
        }
        // A status no queue holds leaves only the advisor's own: said so, the
        // database reads them from the advisor's index instead of walking every
        // application in that status (a million completed ones) for theirs.
        ApplicationScope::Advisor {
            advisor_id,
            queue: Some(_),
        } if status.is_some_and(|s| !ApplicationStatus::QUEUED.contains(&s)) => {
            q = q.filter(applications::advisor_id.eq(advisor_id.clone()));
        }
        ApplicationScope::Advisor {
            advisor_id,
            queue: Some(queue),
        } => {
            let excluded = queue.excluded_organisation.clone().unwrap_or_default();
            q = q.filter(
                applications::advisor_id
                    .eq(advisor_id.clone())
                    .or(applications::status
                        .eq_any(ApplicationStatus::QUEUED)
                        .and(premises::kind.eq_any(queue.kinds.clone()))
                        .and(applications::organisation_id.ne(excluded))
                        .nullable()),
            );
        }
    }
    if let Some(s) = status {
        q = q.filter(applications::status.eq(s));
    }
    q.order((applications::created_at.desc(), applications::id.asc()))
        .limit(page.limit)
        .offset(page.offset)
        .load(conn)
}

/// Moves the application to `to` only if it is still in one of `from`: the
/// row-level guard against two requests (or instances) racing the same change.
/// `advisor`: Some(id) also assigns it. Returns whether the row changed.
pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    from: &[ApplicationStatus],
    to: ApplicationStatus,
    advisor: Option<&str>,
    at: PrimitiveDateTime,
) -> QueryResult<bool> {
    let target = applications::table
        .filter(applications::id.eq(id))
        .filter(applications::status.eq_any(from.to_vec()));
    let updated = match (to, advisor) {
        (ApplicationStatus::Submitted, _) => diesel::update(target)
            .set((
                applications::status.eq(to),
                applications::submitted_at.eq(Some(at)),
                applications::updated_at.eq(at),
            ))
            .execute(conn)?,
        (_, Some(advisor_id)) => diesel::update(target)
            .set((
                applications::status.eq(to),
                applications::advisor_id.eq(Some(advisor_id)),
                applications::assigned_at.eq(Some(at)),
                applications::updated_at.eq(at),
            ))
            .execute(conn)?,
        (_, None) => diesel::update(target)
            .set((applications::status.eq(to), applications::updated_at.eq(at)))
            .execute(conn)?,
    };
    Ok(updated == 1)
}

/// Records the outcome of an application still in review; returns whether it was.
pub fn complete(
    conn: &mut DbConnection,
    id: &str,
    outcome: Outcome,
    result_json: &str,
    at: PrimitiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        applications::table
            .filter(applications::id.eq(id))
            .filter(applications::status.eq(ApplicationStatus::InReview)),
    )
    .set((
        applications::status.eq(ApplicationStatus::Completed),
        applications::outcome.eq(Some(outcome)),
        applications::result.eq(Some(result_json)),
        applications::completed_at.eq(Some(at)),
        applications::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn touch(conn: &mut DbConnection, id: &str, at: PrimitiveDateTime) -> QueryResult<()> {
    diesel::update(applications::table.find(id))
        .set(applications::updated_at.eq(at))
        .execute(conn)
        .map(drop)
}

/// The newest completed application of the premises (a renewal starts from its answers).
pub fn latest_completed(
    conn: &mut DbConnection,
    premises_id: &str,
) -> QueryResult<Option<Application>> {
    applications::table
        .filter(applications::premises_id.eq(premises_id))
        .filter(applications::status.eq(ApplicationStatus::Completed))
        .order(applications::completed_at.desc())
        .select(applications::all_columns)
        .first(conn)
        .optional()
}

pub fn answers(conn: &mut DbConnection, application_id: &str) -> QueryResult<Vec<Answer>> {
    answers::table
        .filter(answers::application_id.eq(application_id))
        .select(answers::all_columns)
        .load(conn)
}

pub fn upsert_answer(conn: &mut DbConnection, answer: &Answer) -> QueryResult<()> {
    let updated = diesel::update(answers::table.find((&answer.application_id, &answer.item_id)))
        .set((
            answers::status.eq(answer.status),
            answers::note.eq(&answer.note),
            answers::updated_at.eq(answer.updated_at),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(answers::table)
            .values(answer)
            .execute(conn)?;
    }
    Ok(())
}

pub fn scores(conn: &mut DbConnection, application_id: &str) -> QueryResult<Vec<Score>> {
    scores::table
        .filter(scores::application_id.eq(application_id))
        .select(scores::all_columns)
        .load(conn)
}

/// The items marked not applicable (a null score) on these applications, in item order.
pub fn not_applicable_of(
    conn: &mut DbConnection,
    application_ids: &[&str],
) -> QueryResult<Vec<Score>> {
    scores::table
        .filter(scores::application_id.eq_any(application_ids))
        .filter(scores::score.is_null())
        .order((scores::application_id, scores::item_id))
        .select(scores::all_columns)
        .load(conn)
}

pub fn upsert_score(conn: &mut DbConnection, score: &Score) -> QueryResult<()> {
    let updated = diesel::update(scores::table.find((&score.application_id, &score.item_id)))
        .set((
            scores::score.eq(score.score),
            scores::note.eq(&score.note),
            scores::updated_at.eq(score.updated_at),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(scores::table)
            .values(score)
            .execute(conn)?;
    }
    Ok(())
}

pub fn clear_scores(conn: &mut DbConnection, application_id: &str) -> QueryResult<usize> {
    diesel::delete(scores::table.filter(scores::application_id.eq(application_id))).execute(conn)
}

/// The item ids an application has answered, and those it has scores for.
#[derive(Debug, Default, Clone)]
pub struct Progress {
    pub answered: Vec<String>,
    pub scored: Vec<String>,
}

/// The progress of each application in `ids`, in two queries, for listings.
pub fn progress_of(
    conn: &mut DbConnection,
    ids: &[&str],
) -> QueryResult<HashMap<String, Progress>> {
    let mut out: HashMap<String, Progress> = HashMap::new();
    let answered: Vec<(String, String)> = answers::table
        .filter(answers::application_id.eq_any(ids))
        .select((answers::application_id, answers::item_id))
        .load(conn)?;
    for (app, item) in answered {
        out.entry(app).or_default().answered.push(item);
    }
    let scored: Vec<(String, String)> = scores::table
        .filter(scores::application_id.eq_any(ids))
        .select((scores::application_id, scores::item_id))
        .load(conn)?;
    for (app, item) in scored {
        out.entry(app).or_default().scored.push(item);
    }
    Ok(out)
}

/// Every application of one premises, newest first.
/// Withdrawn applications of the premises that an advisor had begun to score,
/// newest first, each with how many items were scored.
pub fn withdrawn_after_scoring(
    conn: &mut DbConnection,
    premises_id: &str,
) -> QueryResult<Vec<(Application, i64)>> {
    let withdrawn: Vec<Application> = applications::table
        .filter(applications::premises_id.eq(premises_id))
        .filter(applications::status.eq(ApplicationStatus::Withdrawn))
        .filter(applications::advisor_id.is_not_null())
        .order((applications::updated_at.desc(), applications::id.asc()))
        .select(applications::all_columns)
        .load(conn)?;
    let mut out = Vec::new();
    for app in withdrawn {
        let scored: i64 = scores::table
            .filter(scores::application_id.eq(&app.id))
            .count()
            .get_result(conn)?;
        if scored > 0 {
            out.push((app, scored));
        }
    }
    Ok(out)
}

/// How many items of the application have a score.
pub fn count_scores(conn: &mut DbConnection, application_id: &str) -> QueryResult<i64> {
    scores::table
        .filter(scores::application_id.eq(application_id))
        .count()
        .get_result(conn)
}

pub fn of_premises(
    conn: &mut DbConnection,
    premises_id: &str,
) -> QueryResult<Vec<(Application, Premises)>> {
    applications::table
        .inner_join(premises::table)
        .filter(applications::premises_id.eq(premises_id))
        .select((applications::all_columns, premises::all_columns))
        .order((applications::created_at.desc(), applications::id.asc()))
        .load(conn)
}
