//! `protectcert demo` (and `serve --demo`): a living demo scheme on an empty
//! register, made through the same use cases as the pages and the API, so that
//! every row and audit entry is one the service would make.

use crate::auth::{Caller, Role};
use crate::db::{self, from_utc};
use crate::domain::application::AnswerStatus;
use crate::service::accounts::{self, CreateUserRequest, SignupRequest};
use crate::service::advisors::{self, CreateAdvisorRequest};
use crate::service::applications::assessment::{self, ScoreInput, ScoresRequest};
use crate::service::applications::evidence::{self, Upload};
use crate::service::applications::self_assessment::{
    self, AnswerRequest, CreateApplicationRequest,
};
use crate::service::applications::sign_off;
use crate::service::applications::views::ApplicationView;
use crate::service::applications::workflow;
use crate::service::premises::{self, Person, PremisesInput};
use crate::state::AppState;

/// Every demo account's password.
pub const PASSWORD: &str = "protectcert demo";

pub struct Login {
    pub role: &'static str,
    pub name: String,
    pub email: String,
    pub what: &'static str,
}

/// How the advisor scores an application.
#[derive(Clone, Copy)]
enum Verdict {
    /// Everything fully in place.
    Certified,
    /// Two non-critical items only partly in place: conditions with due dates.
    WithConditions,
    /// A critical item barely started: refused.
    Refused,
}

/// Seeds the scheme, or refuses when the register already has accounts.
pub async fn seed(state: &AppState) -> anyhow::Result<Vec<Login>> {
    let existing = state
        .db
        .run(|conn| db::users::count(conn).map_err(anyhow::Error::from))
        .await?;
    if existing > 0 {
        anyhow::bail!(
            "the register already has {existing} account(s): the demo seeds only an empty database (use a fresh PROTECTCERT_DATA_DIR)"
        );
    }
    let mut logins = Vec::new();
    let db = state.db.clone();
    let admin_id = actix_web::web::block(move || {
        accounts::create_admin_cli(&db, "Sam Scheme-Admin", "admin@demo.test", PASSWORD)
    })
    .await??;
    let admin = Caller {
        user_id: admin_id,
        role: Role::Admin,
        organisation_id: None,
    };
    logins.push(login(
        "admin",
        "Sam Scheme-Admin",
        "admin@demo.test",
        "accredits advisors, suspends and revokes certificates, reads the audit log and outbox",
    ));

    let until = (crate::service::today() + time::Duration::days(540)).to_string();
    let ada = accredit(
        state,
        &admin,
        "Ada Advisor",
        "ada@advisors.demo.test",
        "PSA-1001",
        &until,
        &["building", "event"],
    )
    .await?;
    accredit(
        state,
        &admin,
        "Ben Advisor",
        "ben@advisors.demo.test",
        "PSA-1002",
        &until,
        &["building"],
    )
    .await?;
    logins.push(login(
        "advisor",
        "Ada Advisor",
        "ada@advisors.demo.test",
        "buildings and events; has assessed the demo premises",
    ));
    logins.push(login(
        "advisor",
        "Ben Advisor",
        "ben@advisors.demo.test",
        "buildings; a submitted application waits in the queue, and an assessment for sign-off",
    ));

    accounts::create_user(
        state,
        &admin,
        CreateUserRequest {
            name: "PC Pat Constable".into(),
            email: "pat@police.demo.test".into(),
            password: PASSWORD.into(),
            role: "police".into(),
        },
    )
    .await?;
    logins.push(login(
        "police",
        "PC Pat Constable",
        "pat@police.demo.test",
        "searches the register (try postcode BS1) and reads full records",
    ));

    let olive = operator(
        state,
        "Quayside Venues Ltd",
        "Olive Operator",
        "olive@quayside.demo.test",
    )
    .await?;
    let nia = operator(
        state,
        "Northgate Events CIC",
        "Nia Northgate",
        "nia@northgate.demo.test",
    )
    .await?;
    logins.push(login(
        "operator",
        "Olive Operator",
        "olive@quayside.demo.test",
        "Quayside Venues: certified, conditional, refused, lapsing and queued premises",
    ));
    logins.push(login(
        "operator",
        "Nia Northgate",
        "nia@northgate.demo.test",
        "Northgate Events: a certified summer festival",
    ));

    let hall = building(
        state,
        &olive,
        "Riverside Hall",
        "1 Quay Street, Bristol",
        "BS1 4DJ",
        450,
        None,
    )
    .await?;
    assess(state, &olive, &ada, &hall, Verdict::Certified).await?;
    let arena = building(
        state,
        &olive,
        "Harbour Arena",
        "Wapping Wharf, Bristol",
        "BS1 6WP",
        2500,
        Some(("Dana Senior", "dana@quayside.demo.test")),
    )
    .await?;
    assess(state, &olive, &ada, &arena, Verdict::WithConditions).await?;
    let exchange = building(
        state,
        &olive,
        "Old Corn Exchange",
        "Corn Street, Bristol",
        "BS1 1JQ",
        300,
        None,
    )
    .await?;
    assess(state, &olive, &ada, &exchange, Verdict::Refused).await?;
    let boathouse = building(
        state,
        &olive,
        "The Boathouse",
        "Mardyke Ferry Road, Bristol",
        "BS1 6UN",
        260,
        None,
    )
    .await?;
    if let Some(number) = assess(state, &olive, &ada, &boathouse, Verdict::Certified).await? {
        // The one change no use case makes: an expiry three weeks away, so that the
        // dashboard, the reminders and the renewal have something to show.
        let soon = from_utc(time::OffsetDateTime::now_utc() + time::Duration::days(21));
        state
            .db
            .run(move |conn| {
                db::certificates::set_expiry(conn, &number, soon).map_err(anyhow::Error::from)
            })
            .await?;
    }
    let gallery = building(
        state,
        &olive,
        "Dockside Gallery",
        "Gas Ferry Road, Bristol",
        "BS1 6UQ",
        320,
        None,
    )
    .await?;
    let queued = answered(state, &olive, &gallery).await?;
    workflow::submit(state, &olive, &queued.id).await?;
    // Part 3: an enhanced-tier building assessed by Ada, awaiting a second sign-off
    // (Ben, or the admin, gives it at /sign-offs).
    let centre = building(
        state,
        &olive,
        "Quayside Exhibition Centre",
        "Cumberland Road, Bristol",
        "BS1 6XW",
        1500,
        Some(("Dana Senior", "dana@quayside.demo.test")),
    )
    .await?;
    assess_until_sign_off(state, &olive, &ada, &centre, Verdict::Certified).await?;

    let year = time::OffsetDateTime::now_utc().year() + 1;
    let festival = premises::register(
        state,
        &nia,
        PremisesInput {
            kind: "event".into(),
            name: "Summer Fields Festival".into(),
            address: "Ashton Court Estate, Bristol".into(),
            town: Some("Bristol".into()),
            postcode: "BS41 9JN".into(),
            capacity: 12000,
            event_start: Some(format!("{year}-07-10T09:00:00Z")),
            event_end: Some(format!("{year}-07-12T22:00:00Z")),
            designated_senior_individual: Some(Person {
                name: "Nia Northgate".into(),
                email: "nia@northgate.demo.test".into(),
            }),
            ..PremisesInput::default()
        },
    )
    .await?
    .id;
    fire_safety_on_file(state, &nia, &festival, Some("SFF-FSC-2026-017")).await?;
    assess(state, &nia, &ada, &festival, Verdict::Certified).await?;
    Ok(logins)
}

fn login(role: &'static str, name: &str, email: &str, what: &'static str) -> Login {
    Login {
        role,
        name: name.into(),
        email: email.into(),
        what,
    }
}

async fn accredit(
    state: &AppState,
    admin: &Caller,
    name: &str,
    email: &str,
    number: &str,
    until: &str,
    scopes: &[&str],
) -> anyhow::Result<Caller> {
    let view = advisors::accredit(
        state,
        admin,
        CreateAdvisorRequest {
            name: name.into(),
            email: email.into(),
            password: PASSWORD.into(),
            accreditation_number: number.into(),
            accredited_until: until.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            tied_organisation_id: None,
        },
    )
    .await?;
    Ok(Caller {
        user_id: view.id,
        role: Role::Advisor,
        organisation_id: None,
    })
}

async fn operator(
    state: &AppState,
    organisation: &str,
    name: &str,
    email: &str,
) -> anyhow::Result<Caller> {
    accounts::signup(
        state,
        SignupRequest {
            organisation: organisation.into(),
            name: name.into(),
            email: email.into(),
            password: PASSWORD.into(),
        },
    )
    .await?;
    let email = email.to_string();
    let user = state
        .db
        .run(move |conn| crate::db::users::find_by_email(conn, &email).map_err(anyhow::Error::from))
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo operator was not made"))?;
    Ok(Caller {
        user_id: user.id,
        role: Role::Operator,
        organisation_id: user.organisation_id,
    })
}

async fn building(
    state: &AppState,
    operator: &Caller,
    name: &str,
    address: &str,
    postcode: &str,
    capacity: i64,
    dsi: Option<(&str, &str)>,
) -> anyhow::Result<String> {
    let view = premises::register(
        state,
        operator,
        PremisesInput {
            kind: "building".into(),
            name: name.into(),
            address: address.into(),
            postcode: postcode.into(),
            capacity,
            designated_senior_individual: dsi.map(|(name, email)| Person {
                name: name.into(),
                email: email.into(),
            }),
            ..PremisesInput::default()
        },
    )
    .await?;
    fire_safety_on_file(state, operator, &view.id, None).await?;
    Ok(view.id)
}

// Issue 11 part 5: every demo premises has a current fire risk assessment on file
// (the prerequisite for submitting), recorded as its operator would.
async fn fire_safety_on_file(
    state: &AppState,
    operator: &Caller,
    premises_id: &str,
    certificate_reference: Option<&str>,
) -> anyhow::Result<()> {
    let today = crate::service::today();
    crate::service::fire_safety::record(
        state,
        operator,
        premises_id,
        crate::service::fire_safety::FireSafetyInput {
            assessor: "Avon Fire Risk Assessors Ltd".into(),
            assessed_on: (today - time::Duration::days(60)).to_string(),
            next_review_on: (today + time::Duration::days(305)).to_string(),
            certificate_reference: certificate_reference.map(str::to_string),
            certificate_expires_on: certificate_reference
                .map(|_| (today + time::Duration::days(200)).to_string()),
        },
    )
    .await?;
    Ok(())
}

/// Applies and answers every item as in place, with a small evidence file on each
/// item that asks for one.
async fn answered(
    state: &AppState,
    operator: &Caller,
    premises_id: &str,
) -> anyhow::Result<ApplicationView> {
    let app = self_assessment::apply(
        state,
        operator,
        CreateApplicationRequest {
            premises_id: premises_id.into(),
        },
    )
    .await?;
    for item in app.items.iter().flatten() {
        self_assessment::answer(
            state,
            operator,
            &app.id,
            &item.id,
            AnswerRequest {
                status: AnswerStatus::InPlace.as_str().into(),
                note: Some("Documented in the security plan, version 3".into()),
            },
        )
        .await?;
        if item.evidence_required {
            evidence::upload(
                state,
                operator,
                &app.id,
                Upload {
                    filename: format!("{}-evidence.txt", item.id),
                    content_type: "text/plain".into(),
                    data: format!("Evidence for {}: see the plan, section 2.\n", item.id)
                        .into_bytes(),
                    item_id: Some(item.id.clone()),
                },
            )
            .await?;
        }
    }
    Ok(app)
}

/// The whole journey: answered, submitted, claimed, scored and completed, and,
/// where the premises need a second sign-off, signed off by the demo admin.
/// Returns the certificate number when one is issued.
async fn assess(
    state: &AppState,
    operator: &Caller,
    advisor: &Caller,
    premises_id: &str,
    verdict: Verdict,
) -> anyhow::Result<Option<String>> {
    let (id, done) = assess_until_sign_off(state, operator, advisor, premises_id, verdict).await?;
    if done.status != crate::domain::application::ApplicationStatus::AwaitingSignOff {
        return Ok(done.certificate.map(|c| c.number));
    }
    let reviewer = state
        .db
        .run(|conn| db::users::find_by_email(conn, "admin@demo.test").map_err(anyhow::Error::from))
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo admin is missing"))?;
    let reviewer = Caller {
        user_id: reviewer.id,
        role: Role::Admin,
        organisation_id: None,
    };
    let request = sign_off::SignOffRequest {
        decision: crate::domain::sign_off::Decision::Approve,
        note: Some("Checked the scores and the notes.".into()),
    };
    let signed = sign_off::sign_off(state, &reviewer, &id, request).await?;
    Ok(signed.certificate.map(|c| c.number))
}

// Part 3: the second sign-off.
/// As `assess`, but leaves premises that need a second sign-off awaiting it.
/// Returns the application's id and the completion.
async fn assess_until_sign_off(
    state: &AppState,
    operator: &Caller,
    advisor: &Caller,
    premises_id: &str,
    verdict: Verdict,
) -> anyhow::Result<(String, assessment::CompleteResponse)> {
    let app = answered(state, operator, premises_id).await?;
    workflow::submit(state, operator, &app.id).await?;
    workflow::claim(state, advisor, &app.id).await?;
    let items = app.items.unwrap_or_default();
    let mut partial = 0;
    let mut failed_critical = false;
    let scores = items
        .iter()
        .map(|item| {
            let score = match verdict {
                Verdict::Certified => item.max_score,
                Verdict::WithConditions if !item.critical && partial < 2 => {
                    partial += 1;
                    2
                }
                Verdict::Refused if item.critical && !failed_critical => {
                    failed_critical = true;
                    1
                }
                _ => item.max_score,
            };
            ScoreInput {
                item_id: item.id.clone(),
                score: Some(Some(i64::from(score))),
                note: Some("Seen on site".into()),
            }
        })
        .collect();
    assessment::score(state, advisor, &app.id, ScoresRequest { scores }).await?;
    let done = assessment::complete(state, advisor, &app.id).await?;
    Ok((app.id, done))
}
