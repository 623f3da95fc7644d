//! The operator's side: start an application, answer the self-assessment, read it back.

use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::evidence::{self, Upload};
use super::views::{self, AnswerView, ApplicationView};
use super::{applies, checklist_for, load_visible, require_status, scope_of};
use crate::auth::{Caller, Role};
use crate::checklists::StoredChecklist;
use crate::db::models::{Answer, Application, Premises};
use crate::db::sequences::{Change, audit};
use crate::db::{self, DbConnection, now, write_tx};
use crate::domain::application::{AnswerStatus, ApplicationStatus};
use crate::domain::tier::PremisesKind;
use crate::service::access::{require_operator, require_owner, require_role};
use crate::service::page::{given, read_page};
use crate::service::validate::Check;
use crate::service::{ServiceError, ServiceResult};
use crate::state::AppState;

#[derive(Deserialize, ToSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct CreateApplicationRequest {
    pub premises_id: String,
}

fn already_open() -> ServiceError {
    ServiceError::conflict(
        "application_open",
        "these premises already have an open application; finish or withdraw it first",
    )
}

/// Starts an application for the caller's premises against the newest checklist.
pub async fn apply(
    state: &AppState,
    caller: &Caller,
    input: CreateApplicationRequest,
) -> ServiceResult<ApplicationView> {
    require_operator(caller)?;
    let (st, caller) = (state.clone(), caller.clone());
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let prem = crate::service::premises::load_visible(tx, &caller, &input.premises_id)
                    .map_err(|_| {
                        ServiceError::field("premises_id", "no such premises in your organisation")
                    })?;
                let (app, checklist) = start(tx, &st, &caller, &prem)?;
                audit(
                    tx,
                    Some(&caller),
                    Change::new("application.created", "application", &app.id).after(
                        serde_json::json!({
                            "premises_id": app.premises_id, "checklist_id": app.checklist_id,
                            "tier": app.tier.as_str(),
                        }),
                    ),
                )?;
                views::build(tx, &caller, &app, &prem, &checklist)
            })
        })
        .await
}

/// Renews a building's certificate: a new application for the same premises
/// against the newest checklist, with the answers and notes of the last completed
/// application filled in for the items that still apply (evidence is attached
/// afresh). Events are certified once: the next event is new premises.
pub async fn renew(
    state: &AppState,
    caller: &Caller,
    premises_id: &str,
) -> ServiceResult<ApplicationView> {
    require_operator(caller)?;
    let (st, caller, premises_id) = (state.clone(), caller.clone(), premises_id.to_string());
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let prem = crate::service::premises::load_visible(tx, &caller, &premises_id)?;
                if prem.kind == PremisesKind::Event {
                    return Err(ServiceError::conflict(
                        "event_not_renewable",
                        "an event's certificate lasts until the event ends and is not renewed; register the next event as new premises",
                    ));
                }
                let Some(previous) = db::applications::latest_completed(tx, &prem.id)? else {
                    return Err(ServiceError::conflict(
                        "nothing_to_renew",
                        "these premises have no completed assessment to renew; apply for certification instead",
                    ));
                };
                let (app, checklist) = start(tx, &st, &caller, &prem)?;
                let applicable: Vec<String> = checklist
                    .checklist
                    .applicable_items(app.tier)
                    .iter()
                    .map(|(_, item)| item.id.clone())
                    .collect();
                let mut prefilled = 0;
                for previous_answer in db::applications::answers(tx, &previous.id)? {
                    if !applicable.contains(&previous_answer.item_id) {
                        continue;
                    }
                    db::applications::upsert_answer(
                        tx,
                        &Answer {
                            application_id: app.id.clone(),
                            updated_at: app.created_at,
                            ..previous_answer
                        },
                    )?;
                    prefilled += 1;
                }
                audit(
                    tx,
                    Some(&caller),
                    Change::new("application.created", "application", &app.id).after(
                        serde_json::json!({
                            "premises_id": app.premises_id, "checklist_id": app.checklist_id,
                            "tier": app.tier.as_str(), "renewal_of": previous.id,
                            "answers_prefilled": prefilled,
                        }),
                    ),
                )?;
                views::build(tx, &caller, &app, &prem, &checklist)
            })
        })
        .await
}

/// Inserts a draft application for `prem` (already checked visible) against the
/// newest checklist of its kind, unless one is open.
fn start(
    tx: &mut DbConnection,
    st: &AppState,
    caller: &Caller,
    prem: &Premises,
) -> ServiceResult<(Application, StoredChecklist)> {
    db::premises::lock(tx, &prem.id)?;
    if db::applications::count_open(tx, &prem.id)? > 0 {
        return Err(already_open());
    }
    let checklist = st.checklists.latest(prem.kind).ok_or_else(|| {
        ServiceError::internal(anyhow::anyhow!("no checklist for {}", prem.kind.as_str()))
    })?;
    // Issue 13 part 7: head count, Schedule 1 use and Schedule 2 exclusion.
    let tier = crate::service::premises::tier_under(&checklist.checklist.tiers, prem);
    let at = now();
    let app = Application {
        id: uuid::Uuid::new_v4().to_string(),
        premises_id: prem.id.clone(),
        organisation_id: prem.organisation_id.clone(),
        checklist_id: checklist.id.clone(),
        tier,
        status: ApplicationStatus::Draft,
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
    // Two requests racing past the count above (PostgreSQL's default isolation
    // lets both see none) meet the one-open-per-premises index; the id is a fresh
    // UUID, so a unique violation can only be that one.
    db::applications::insert(tx, &app).map_err(|e| match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => already_open(),
        other => other.into(),
    })?;
    Ok((app, checklist))
}

#[derive(Deserialize, IntoParams, Debug, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only applications in this status: `draft`, `submitted`, `in_review`,
    /// `awaiting_sign_off`, `completed` or `withdrawn` (empty: any).
    #[param(pattern = "^(draft|submitted|in_review|awaiting_sign_off|completed|withdrawn)?$")]
    pub status: Option<String>,
    /// At most this many (default 50, at most 200).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Skip this many (for the next page).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 1000000)]
    pub offset: Option<String>,
}

/// The applications the caller may see (an advisor: theirs and their queue),
/// newest first, optionally in one status.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    query: &ListQuery,
) -> ServiceResult<Vec<ApplicationView>> {
    require_role(caller, &[Role::Operator, Role::Advisor, Role::Admin])?;
    let mut check = Check::new();
    let status = given(query.status.as_deref()).and_then(|s| {
        let parsed = ApplicationStatus::parse(s);
        if parsed.is_none() {
            check.fail(
                "status",
                "must be draft, submitted, in_review, awaiting_sign_off, completed or withdrawn",
            );
        }
        parsed
    });
    let page = read_page(&mut check, query.limit.as_deref(), query.offset.as_deref());
    check.finish()?;
    let (st, caller) = (state.clone(), caller.clone());
    state
        .db
        .run(move |conn| {
            let scope = scope_of(conn, &caller)?;
            let rows = db::applications::list(conn, &scope, status, page)?;
            let mut list = views::build_list(&st.checklists, conn, &rows)?;
            views::for_reader(&mut list, &caller);
            Ok(list)
        })
        .await
}

pub async fn get(state: &AppState, caller: &Caller, id: &str) -> ServiceResult<ApplicationView> {
    let (st, caller, id) = (state.clone(), caller.clone(), id.to_string());
    state
        .db
        .run(move |conn| {
            let (app, prem) = load_visible(conn, &caller, &id)?;
            let checklist = checklist_for(&st, conn, &app)?;
            let mut view = views::build(conn, &caller, &app, &prem, &checklist)?;
            // issue 11 part 2: appeals
            view.appeal_and_reply = Some(crate::service::appeals::on_application(
                conn,
                st.settings.appeal_window_days,
                &caller,
                &app,
                &prem,
            )?);
            Ok(view)
        })
        .await
}

#[derive(Deserialize, ToSchema, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// `in_place`, `partial`, `not_in_place` or `not_applicable`.
    #[schema(pattern = "^(in_place|partial|not_in_place|not_applicable)$")]
    pub status: String,
    #[serde(default)]
    #[schema(schema_with = crate::service::validate::optional_text::<4000>)]
    pub note: Option<String>,
}

/// The operator answers one item of their draft.
pub async fn answer(
    state: &AppState,
    caller: &Caller,
    id: &str,
    item_id: &str,
    input: AnswerRequest,
) -> ServiceResult<AnswerView> {
    let mut check = Check::new();
    let status = AnswerStatus::parse(input.status.trim());
    if status.is_none() {
        check.fail(
            "status",
            "must be in_place, partial, not_in_place or not_applicable",
        );
    }
    let note = check
        .optional_text("note", input.note.as_deref(), 4000)
        .unwrap_or_default();
    check.finish()?;
    let status = status.ok_or_else(|| ServiceError::field("status", "unknown answer"))?;
    let (st, caller, id, item_id) = (
        state.clone(),
        caller.clone(),
        id.to_string(),
        item_id.to_string(),
    );
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let (app, _) = load_visible(tx, &caller, &id)?;
                require_owner(&caller, &app)?;
                require_status(&app, &[ApplicationStatus::Draft])?;
                let checklist = checklist_for(&st, tx, &app)?;
                if !applies(&checklist, &app, &item_id) {
                    return Err(ServiceError::not_found(format!(
                        "checklist item `{item_id}` for this application"
                    )));
                }
                let at = now();
                db::applications::upsert_answer(
                    tx,
                    &Answer {
                        application_id: app.id.clone(),
                        item_id: item_id.clone(),
                        status,
                        note: note.clone(),
                        updated_at: at,
                    },
                )?;
                db::applications::touch(tx, &app.id, at)?;
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
}

/// One item's answer as a form sends it (`status` may be empty: not chosen).
#[derive(Debug, Clone, Default)]
pub struct ItemAnswer {
    pub item_id: String,
    pub status: String,
    pub note: String,
}

/// What one save changed.
#[derive(Debug, Clone, Default)]
pub struct Saved {
    pub answers_saved: usize,
    pub files_attached: usize,
}

/// The operator saves part of their draft at once (a section of the pages): the
/// answers that changed, and files for items. All or nothing, in one transaction;
/// each answer and file is audited as the API's one-at-a-time calls are. Faults
/// name `{item_id}.status`, `{item_id}.note` or `{item_id}.file`.
pub async fn save(
    state: &AppState,
    caller: &Caller,
    id: &str,
    answers: Vec<ItemAnswer>,
    files: Vec<Upload>,
) -> ServiceResult<Saved> {
    require_operator(caller)?;
    let mut check = Check::new();
    let mut parsed = Vec::new();
    for a in &answers {
        let status = AnswerStatus::parse(a.status.trim());
        let note = check
            .optional_text(&format!("{}.note", a.item_id), Some(&a.note), 4000)
            .unwrap_or_default();
        match status {
            Some(status) => parsed.push((a.item_id.clone(), status, note)),
            None if a.status.trim().is_empty() && note.is_empty() => {}
            None if a.status.trim().is_empty() => check.fail(
                &format!("{}.status", a.item_id),
                "choose an answer for this item as well as writing a note",
            ),
            None => check.fail(
                &format!("{}.status", a.item_id),
                "must be in_place, partial, not_in_place or not_applicable",
            ),
        }
    }
    for f in &files {
        let item = f.item_id.clone().unwrap_or_default();
        if let Err(e) = evidence::check_file(state, f) {
            let message = match &e {
                ServiceError::TooLarge(m) | ServiceError::UnsupportedType(m) => {
                    m.trim_start_matches("file: ").to_string()
                }
                ServiceError::Invalid(errors) => errors
                    .first()
                    .map(|e| e.message.clone())
                    .unwrap_or_default(),
                _ => return Err(e),
            };
            check.fail(&format!("{item}.file"), &message);
        }
    }
    check.finish()?;
    let (st, caller, id) = (state.clone(), caller.clone(), id.to_string());
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let (app, _) = load_visible(tx, &caller, &id)?;
                require_owner(&caller, &app)?;
                require_status(&app, &[ApplicationStatus::Draft])?;
                let checklist = checklist_for(&st, tx, &app)?;
                let not_an_item = |item: &str, field: &str| {
                    ServiceError::field(
                        format!("{item}.{field}"),
                        format!("`{item}` is not a checklist item of this application"),
                    )
                };
                let stored = db::applications::answers(tx, &app.id)?;
                let at = now();
                let mut saved = Saved::default();
                for (item_id, status, note) in parsed {
                    if !applies(&checklist, &app, &item_id) {
                        return Err(not_an_item(&item_id, "status"));
                    }
                    let unchanged = stored
                        .iter()
                        .any(|s| s.item_id == item_id && s.status == status && s.note == note);
                    if unchanged {
                        continue;
                    }
                    db::applications::upsert_answer(
                        tx,
                        &Answer {
                            application_id: app.id.clone(),
                            item_id: item_id.clone(),
                            status,
                            note,
                            updated_at: at,
                        },
                    )?;
                    audit(
                        tx,
                        Some(&caller),
                        Change::new("application.answered", "application", &app.id).after(
                            serde_json::json!({"item_id": item_id, "status": status.as_str()}),
                        ),
                    )?;
                    saved.answers_saved += 1;
                }
                for file in &files {
                    let item = file.item_id.clone().unwrap_or_default();
                    if file.item_id.is_some() && !applies(&checklist, &app, &item) {
                        return Err(not_an_item(&item, "file"));
                    }
                    evidence::store(tx, &st, &caller, &app, file)?;
                    saved.files_attached += 1;
                }
                if saved.answers_saved > 0 {
                    db::applications::touch(tx, &app.id, at)?;
                }
                Ok(saved)
            })
        })
        .await
}
