//! The advisor register: admins accredit advisors and renew, suspend, reinstate
//! or withdraw an accreditation (always with a reason); anyone may read the
//! register (as with the Gas Safe and EPC assessor registers).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::require_admin;
use super::accounts::{OrganisationView, insert_user};
use super::page::Page;
use super::validate::Check;
use super::{ServiceError, ServiceResult, today};
use crate::auth::{Caller, Role, password};
use crate::db::models::{Advisor, User};
use crate::db::sequences::{Change, audit};
use crate::db::{self, Db, now, write_tx};
use crate::domain::accreditation::{
    AccreditationAction, AccreditationStatus, check_renewal, transition,
};
use crate::domain::tier::PremisesKind;
use crate::state::AppState;

#[derive(Deserialize, ToSchema, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct CreateAdvisorRequest {
    #[schema(schema_with = crate::service::validate::name::<200>)]
    pub name: String,
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
    #[schema(schema_with = crate::service::validate::text::<64>)]
    pub accreditation_number: String,
    /// YYYY-MM-DD; the accreditation holds through that whole day.
    #[schema(format = Date)]
    pub accredited_until: String,
    /// `building`, `event` or both.
    #[schema(value_type = Vec<PremisesKind>, min_items = 1, max_items = 2)]
    pub scopes: Vec<String>,
    /// An organisation the advisor has a tie to (employer, client): never assessed by them.
    pub tied_organisation_id: Option<String>,
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct AdvisorView {
    pub id: String,
    pub name: String,
    pub accreditation_number: String,
    pub accredited_until: time::Date,
    pub scopes: Vec<String>,
    /// `active`, `lapsed` (past `accredited_until`), `suspended` or `withdrawn`.
    pub status: String,
}

impl AdvisorView {
    fn new(user: &User, advisor: &Advisor, today: time::Date) -> ServiceResult<AdvisorView> {
        let status = match advisor.status {
            AccreditationStatus::Active if today > advisor.accredited_until => "lapsed",
            other => other.as_str(),
        };
        Ok(AdvisorView {
            id: user.id.clone(),
            name: user.name.clone(),
            accreditation_number: advisor.accreditation_number.clone(),
            accredited_until: advisor.accredited_until,
            scopes: advisor
                .scope_kinds()?
                .iter()
                .map(|k| k.as_str().to_string())
                .collect(),
            status: status.to_string(),
        })
    }
}

fn parse_scopes(check: &mut Check, scopes: &[String]) -> Vec<PremisesKind> {
    let mut kinds = Vec::new();
    for (i, s) in scopes.iter().enumerate() {
        match PremisesKind::parse(s.trim()) {
            Some(k) if !kinds.contains(&k) => kinds.push(k),
            Some(_) => {}
            None => check.fail(&format!("scopes[{i}]"), "must be `building` or `event`"),
        }
    }
    if scopes.is_empty() {
        check.fail("scopes", "must list at least one of `building`, `event`");
    }
    kinds
}

pub async fn accredit(
    state: &AppState,
    caller: &Caller,
    input: CreateAdvisorRequest,
) -> ServiceResult<AdvisorView> {
    require_admin(caller)?;
    accredit_as(&state.db, Some(caller), input).await
}

/// Accredits an advisor on behalf of `actor` (an admin), or of the command line.
pub async fn accredit_as(
    db: &Db,
    actor: Option<&Caller>,
    input: CreateAdvisorRequest,
) -> ServiceResult<AdvisorView> {
    let mut check = Check::new();
    let name = check.name("name", &input.name, 200);
    let email = check.email("email", &input.email);
    check.password("password", &input.password);
    let number = check.text("accreditation_number", &input.accreditation_number, 64);
    let until = time::Date::parse(
        input.accredited_until.trim(),
        &time::format_description::well_known::Iso8601::DATE,
    );
    let today = today();
    match &until {
        Ok(d) if *d < today => check.fail("accredited_until", "must not be in the past"),
        Ok(_) => {}
        Err(_) => check.fail("accredited_until", "must be a date YYYY-MM-DD"),
    }
    let kinds = parse_scopes(&mut check, &input.scopes);
    let tied = check.optional_text(
        "tied_organisation_id",
        input.tied_organisation_id.as_deref(),
        64,
    );
    check.finish()?;
    let until =
        until.map_err(|_| ServiceError::field("accredited_until", "must be a date YYYY-MM-DD"))?;
    let actor = actor.cloned();
    // Hashed before a connection is taken (admins and the CLI only: not bounded).
    let hash = {
        let password = input.password.clone();
        tokio::task::spawn_blocking(move || password::hash(&password))
            .await
            .map_err(anyhow::Error::from)??
    };
    db.run(move |conn| {
        write_tx(conn, |tx| {
            if let Some(org) = &tied
                && db::users::find_organisation(tx, org)?.is_none()
            {
                return Err(ServiceError::field(
                    "tied_organisation_id",
                    "no such organisation",
                ));
            }
            if db::advisors::number_taken(tx, &number)? {
                return Err(ServiceError::conflict(
                    "accreditation_number_taken",
                    "accreditation_number: already on the register",
                ));
            }
            let user = insert_user(tx, &name, &email, &hash, Role::Advisor, None)?;
            let advisor = Advisor {
                user_id: user.id.clone(),
                accreditation_number: number,
                accredited_until: until,
                scopes: kinds
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                status: AccreditationStatus::Active,
                tied_organisation_id: tied,
                created_at: now(),
            };
            db::advisors::insert(tx, &advisor)?;
            audit(
                tx,
                actor.as_ref(),
                Change::new("advisor.accredited", "user", &user.id).after(serde_json::json!({
                    "accreditation_number": advisor.accreditation_number,
                    "accredited_until": advisor.accredited_until.to_string(),
                    "scopes": advisor.scopes,
                })),
            )?;
            AdvisorView::new(&user, &advisor, today)
        })
    })
    .await
}

/// The public register of advisors.
pub async fn register(state: &AppState, page: Page) -> ServiceResult<Vec<AdvisorView>> {
    let today = today();
    let rows = state
        .db
        .run(move |conn| db::advisors::list(conn, page).map_err(ServiceError::from))
        .await?;
    rows.iter()
        .map(|(u, a)| AdvisorView::new(u, a, today))
        .collect()
}

/// What an admin sees of one advisor: the register entry, the email address and
/// any tie to an organisation.
#[derive(Debug, Clone)]
pub struct AdvisorRecord {
    pub advisor: AdvisorView,
    pub email: String,
    pub tied_organisation: Option<OrganisationView>,
    pub created_at: time::OffsetDateTime,
    /// Part 4 (advisor oversight): how many certificates a suspension or a
    /// withdrawal would flag for review now.
    pub flag_forecast: super::oversight::FlagForecast,
}

/// The admin's view of one advisor.
pub async fn record(state: &AppState, caller: &Caller, id: &str) -> ServiceResult<AdvisorRecord> {
    require_admin(caller)?;
    let id = id.to_string();
    let today = today();
    state
        .db
        .run(move |conn| {
            let (user, advisor) = load(conn, &id)?;
            let tied = match &advisor.tied_organisation_id {
                Some(org) => db::users::find_organisation(conn, org)?.map(|o| OrganisationView {
                    id: o.id,
                    name: o.name,
                }),
                None => None,
            };
            Ok(AdvisorRecord {
                advisor: AdvisorView::new(&user, &advisor, today)?,
                email: user.email,
                tied_organisation: tied,
                created_at: db::to_utc(advisor.created_at),
                flag_forecast: super::oversight::forecast(conn, &id)?,
            })
        })
        .await
}

fn load(conn: &mut db::DbConnection, id: &str) -> ServiceResult<(User, Advisor)> {
    let advisor =
        db::advisors::find(conn, id)?.ok_or_else(|| ServiceError::not_found("advisor"))?;
    let user = db::users::find(conn, id)?.ok_or_else(|| ServiceError::not_found("advisor"))?;
    Ok((user, advisor))
}

pub const MAX_REASON_CHARS: usize = 1000;

fn reason(check: &mut Check, given: Option<&str>) -> String {
    match given {
        Some(r) => check.text("reason", r, MAX_REASON_CHARS),
        None => {
            check.fail("reason", "is required: say why");
            String::new()
        }
    }
}

#[derive(Deserialize, ToSchema, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RenewAccreditationRequest {
    /// YYYY-MM-DD, later than the current `accredited_until` and not in the past;
    /// the accreditation holds through that whole day.
    #[schema(format = Date)]
    pub accredited_until: String,
    /// Why (for the audit log), 1 to 1000 characters.
    #[serde(default)]
    #[schema(schema_with = crate::service::validate::text::<1000>, required = true)]
    pub reason: Option<String>,
}

#[derive(Deserialize, ToSchema, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct AccreditationChangeRequest {
    /// Why (for the audit log), 1 to 1000 characters.
    #[serde(default)]
    #[schema(schema_with = crate::service::validate::text::<1000>, required = true)]
    pub reason: Option<String>,
}

/// Extends an accreditation, a lapsed one too (the advisor may then claim again);
/// a suspended one stays suspended, a withdrawn one cannot be renewed.
pub async fn renew(
    state: &AppState,
    caller: &Caller,
    id: &str,
    input: RenewAccreditationRequest,
) -> ServiceResult<AdvisorView> {
    require_admin(caller)?;
    let mut check = Check::new();
    let until = time::Date::parse(
        input.accredited_until.trim(),
        &time::format_description::well_known::Iso8601::DATE,
    );
    if until.is_err() {
        check.fail("accredited_until", "must be a date YYYY-MM-DD");
    }
    let reason = reason(&mut check, input.reason.as_deref());
    check.finish()?;
    let until =
        until.map_err(|_| ServiceError::field("accredited_until", "must be a date YYYY-MM-DD"))?;
    let (caller, id) = (caller.clone(), id.to_string());
    let today = today();
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let (user, advisor) = load(tx, &id)?;
                let status = transition(AccreditationAction::Renew, advisor.status)
                    .map_err(|why| ServiceError::conflict(why.code(), why.to_string()))?;
                check_renewal(advisor.accredited_until, until, today)
                    .map_err(|why| ServiceError::field("accredited_until", why.to_string()))?;
                if !db::advisors::set_until(tx, &id, status, advisor.accredited_until, until)? {
                    return Err(changed_meanwhile());
                }
                audit(
                    tx,
                    Some(&caller),
                    Change::new(AccreditationAction::Renew.audit_action(), "user", &id)
                        .before(serde_json::json!({
                            "status": advisor.status.as_str(),
                            "accredited_until": advisor.accredited_until.to_string(),
                        }))
                        .after(serde_json::json!({
                            "status": status.as_str(),
                            "accredited_until": until.to_string(),
                            "reason": reason,
                        })),
                )?;
                let advisor = Advisor {
                    accredited_until: until,
                    ..advisor
                };
                AdvisorView::new(&user, &advisor, today)
            })
        })
        .await
}

fn changed_meanwhile() -> ServiceError {
    ServiceError::conflict(
        "accreditation_changed",
        "the accreditation changed meanwhile; reload it and try again",
    )
}

/// Suspends an accreditation: the advisor claims and is assigned nothing until
/// it is reinstated.
pub async fn suspend(
    state: &AppState,
    caller: &Caller,
    id: &str,
    input: AccreditationChangeRequest,
) -> ServiceResult<AdvisorView> {
    change_status(state, caller, id, input, AccreditationAction::Suspend).await
}

/// Reinstates a suspended accreditation (a withdrawn one never).
pub async fn reinstate(
    state: &AppState,
    caller: &Caller,
    id: &str,
    input: AccreditationChangeRequest,
) -> ServiceResult<AdvisorView> {
    change_status(state, caller, id, input, AccreditationAction::Reinstate).await
}

/// Withdraws an accreditation, finally.
pub async fn withdraw(
    state: &AppState,
    caller: &Caller,
    id: &str,
    input: AccreditationChangeRequest,
) -> ServiceResult<AdvisorView> {
    change_status(state, caller, id, input, AccreditationAction::Withdraw).await
}

async fn change_status(
    state: &AppState,
    caller: &Caller,
    id: &str,
    input: AccreditationChangeRequest,
    action: AccreditationAction,
) -> ServiceResult<AdvisorView> {
    require_admin(caller)?;
    let mut check = Check::new();
    let reason = reason(&mut check, input.reason.as_deref());
    check.finish()?;
    let (caller, id) = (caller.clone(), id.to_string());
    let today = today();
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let (user, advisor) = load(tx, &id)?;
                let from = advisor.status;
                let to = transition(action, from)
                    .map_err(|why| ServiceError::conflict(why.code(), why.to_string()))?;
                if !db::advisors::set_status(tx, &id, from, to)? {
                    return Err(changed_meanwhile());
                }
                audit(
                    tx,
                    Some(&caller),
                    Change::new(action.audit_action(), "user", &id)
                        .before(serde_json::json!({"status": from.as_str()}))
                        .after(serde_json::json!({"status": to.as_str(), "reason": reason})),
                )?;
                // Part 4 (advisor oversight): flag the advisor's active certificates.
                if let Some(cause) = crate::domain::oversight::ReviewCause::of(action) {
                    super::oversight::flag_certificates(tx, &caller, &id, cause, &reason)?;
                    // Appeals they claimed go back to the queue, or no one could decide them.
                    for appeal in db::appeals::release_claims_of(tx, &id, db::now())? {
                        audit(
                            tx,
                            Some(&caller),
                            Change::new("appeal.released", "appeal", &appeal).after(
                                serde_json::json!({"state": "lodged", "released_from": id, "why": to.as_str()}),
                            ),
                        )?;
                    }
                }
                let advisor = Advisor {
                    status: to,
                    ..advisor
                };
                AdvisorView::new(&user, &advisor, today)
            })
        })
        .await
}
