//! The advisor register: admins accredit advisors; anyone may read the register
//! (as with the Gas Safe and EPC assessor registers).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::require_admin;
use super::accounts::insert_user;
use super::page::Page;
use super::validate::Check;
use super::{ServiceError, ServiceResult, today};
use crate::auth::{Caller, Role, password};
use crate::db::models::{Advisor, User};
use crate::db::sequences::{Change, audit};
use crate::db::{self, Db, now, write_tx};
use crate::domain::accreditation::AccreditationStatus;
use crate::domain::tier::PremisesKind;
use crate::state::AppState;

#[derive(Deserialize, ToSchema, Debug, Default, Clone)]
pub struct CreateAdvisorRequest {
    pub name: String,
    pub email: String,
    pub password: String,
    pub accreditation_number: String,
    /// YYYY-MM-DD; the accreditation holds through that whole day.
    pub accredited_until: String,
    /// `building`, `event` or both.
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
    let name = check.text("name", &input.name, 200);
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
    db.run(move |conn| {
        let hash = password::hash(&input.password)?;
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
