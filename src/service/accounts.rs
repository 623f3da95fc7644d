//! Accounts: operators sign up (creating their organisation), everyone logs in,
//! admins create police and admin accounts (and the first admin comes from the CLI).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{own_organisation, require_admin};
use super::page::Page;
use super::validate::Check;
use super::{ServiceError, ServiceResult};
use crate::auth::{Caller, Role, password};
use crate::db::models::{Organisation, User};
use crate::db::sequences::{Change, audit};
use crate::db::{self, Db, DbConnection, now, write_tx};
use crate::domain::reminders::{ReminderKind, ReminderSubject};
use crate::notify::outbox::{Reminder, enqueue};
use crate::state::AppState;

#[derive(Deserialize, ToSchema, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    #[schema(schema_with = crate::service::validate::name::<200>)]
    pub organisation: String,
    #[schema(schema_with = crate::service::validate::name::<200>)]
    pub name: String,
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct OrganisationView {
    pub id: String,
    pub name: String,
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct AccreditationView {
    pub accreditation_number: String,
    pub accredited_until: time::Date,
    pub scopes: Vec<String>,
    pub status: String,
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct MeView {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub organisation: Option<OrganisationView>,
    pub accreditation: Option<AccreditationView>,
}

#[derive(Deserialize, ToSchema, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct LoginResponse {
    pub token: String,
    pub role: Role,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
}

#[derive(Deserialize, ToSchema, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    #[schema(schema_with = crate::service::validate::name::<200>)]
    pub name: String,
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
    /// `police` or `admin`.
    #[schema(pattern = "^(police|admin)$")]
    pub role: String,
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct UserView {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
}

impl From<User> for UserView {
    fn from(u: User) -> UserView {
        UserView {
            id: u.id,
            name: u.name,
            email: u.email,
            role: u.role,
        }
    }
}

/// Inserts a user unless the email is taken.
pub(crate) fn insert_user(
    tx: &mut DbConnection,
    name: &str,
    email: &str,
    password_hash: &str,
    role: Role,
    organisation_id: Option<&str>,
) -> ServiceResult<User> {
    if db::users::email_taken(tx, email)? {
        return Err(ServiceError::conflict(
            "email_taken",
            "email: an account with this email address already exists",
        ));
    }
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        organisation_id: organisation_id.map(str::to_string),
        role,
        name: name.to_string(),
        email: email.to_string(),
        password_hash: password_hash.to_string(),
        created_at: now(),
        session_version: 0,
        active: true,
    };
    db::users::insert(tx, &user)?;
    Ok(user)
}

/// What sign-up answers, the same whether or not the address already had an
/// account (so it cannot be used to find out who has one).
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct SignupAnswer {
    /// The address the email was sent to.
    pub email: String,
    pub message: String,
}

/// The words of every sign-up answer.
pub const SIGNUP_MESSAGE: &str = "If this address is new to us, your account is ready: log in with the password you chose. If it already has an account, nothing was changed and we have emailed the address to say so.";

/// An operator signs up their organisation. For a new address the organisation and
/// account are made (log in at once); for an address that already has an account
/// nothing is made and that address is told by email (at most once a day) that
/// someone tried. Either way the answer is the same, and the password is hashed
/// (the slow part) in both.
pub async fn signup(state: &AppState, input: SignupRequest) -> ServiceResult<SignupAnswer> {
    let mut check = Check::new();
    let organisation = check.name("organisation", &input.organisation, 200);
    let name = check.name("name", &input.name, 200);
    let email = check.email("email", &input.email);
    check.password("password", &input.password);
    check.finish()?;
    // Hashed before a connection is taken, on the bounded hashing pool.
    let hash = state.hasher.hash(&input.password).await?;
    let st = state.clone();
    let answer_to = email.clone();
    let emailed = state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let today = time::OffsetDateTime::now_utc().date().to_string();
                if let Some(existing) = db::users::find_by_email(tx, &email)? {
                    queue_account_email(
                        tx,
                        &st,
                        &existing,
                        ReminderKind::SignupAttempted,
                        &format!("signup-{today}"),
                        serde_json::json!({"link": format!("{}/password/forgot", st.settings.public_url().trim_end_matches('/'))}),
                    )?;
                    audit(
                        tx,
                        None,
                        Change::new("user.signup_attempted", "user", &existing.id),
                    )?;
                    return Ok(true);
                }
                let org = Organisation {
                    id: uuid::Uuid::new_v4().to_string(),
                    name: organisation,
                    created_at: now(),
                };
                db::users::insert_organisation(tx, &org)?;
                let user = insert_user(tx, &name, &email, &hash, Role::Operator, Some(&org.id))?;
                audit(
                    tx,
                    None,
                    Change::new("organisation.signed_up", "organisation", &org.id).after(
                        serde_json::json!({"name": org.name, "operator": user.id, "email": user.email}),
                    ),
                )?;
                Ok::<_, ServiceError>(false)
            })
        })
        .await?;
    if emailed {
        state.outbox.notify_one();
    }
    Ok(SignupAnswer {
        email: answer_to,
        message: SIGNUP_MESSAGE.to_string(),
    })
}

/// Queues an account email of `kind` to `user` (once per `request_id`), with
/// `extra` added to its context.
fn queue_account_email(
    tx: &mut DbConnection,
    state: &AppState,
    user: &User,
    kind: ReminderKind,
    request_id: &str,
    extra: serde_json::Value,
) -> ServiceResult<()> {
    let at = time::OffsetDateTime::now_utc();
    let mut context = serde_json::json!({
        "scheme_name": state.settings.scheme_name,
        "name": user.name,
        "email": user.email,
    });
    if let (Some(ctx), Some(more)) = (context.as_object_mut(), extra.as_object()) {
        ctx.extend(more.clone());
    }
    enqueue(
        tx,
        &Reminder {
            subject: ReminderSubject::Account {
                user_id: user.id.clone(),
                request_id: request_id.to_string(),
            },
            kind,
            offset_days: 0,
            due_on: at.date(),
            recipients: vec![user.email.clone()],
            context,
        },
        at,
    )?;
    Ok(())
}

/// Checks the password and issues a login token. Attempts are throttled per
/// account and per client `address` (`domain::throttle`); the password is checked
/// after the account's row is read and its connection given back, on the bounded
/// hashing pool.
pub async fn login(
    state: &AppState,
    input: LoginRequest,
    address: Option<std::net::IpAddr>,
) -> ServiceResult<LoginResponse> {
    let LoginRequest {
        email,
        password: given,
    } = input;
    let email = email.trim().to_lowercase();
    state
        .login_throttle
        .attempt(&email, address, std::time::Instant::now())
        .map_err(|wait| ServiceError::TooManyAttempts {
            retry_after: crate::domain::throttle::retry_after_seconds(wait),
        })?;
    let found = {
        let email = email.clone();
        state
            .db
            .run(move |conn| db::users::find_by_email(conn, &email).map_err(ServiceError::from))
            .await?
    };
    let stored = found
        .as_ref()
        .map_or(password::dummy_hash(), |u| u.password_hash.as_str());
    let ok = state.hasher.verify(&given, stored).await;
    let user = found
        .filter(|u| ok && u.active)
        .ok_or_else(|| ServiceError::Unauthenticated("the email or password is wrong".into()))?;
    state.login_throttle.succeeded(&email, address);
    let (token, expires_at) = state.tokens.issue(
        &user.id,
        user.role.as_str(),
        user.organisation_id.as_deref(),
        user.session_version,
    )?;
    Ok(LoginResponse {
        token,
        role: user.role,
        expires_at,
    })
}

/// The caller a login token names, if its user still exists, is active and has
/// not ended the token's session since (logged out, changed the password). The
/// role and organisation are the account's as they are now.
pub async fn authenticate(state: &AppState, token: &str) -> ServiceResult<Caller> {
    let claims = state.tokens.decode(token)?;
    let user_id = claims.sub.clone();
    let user = state
        .db
        .run(move |conn| db::users::find(conn, &user_id).map_err(ServiceError::from))
        .await?;
    match user {
        None => Err(ServiceError::Unauthenticated(
            "the account no longer exists".into(),
        )),
        Some(u) if !u.active => Err(ServiceError::Unauthenticated(
            "the account has been deactivated".into(),
        )),
        Some(u) if u.session_version != claims.ver => Err(ServiceError::Unauthenticated(
            "the session has ended (logged out, or the password was changed): log in again".into(),
        )),
        Some(u) => Ok(Caller {
            user_id: u.id,
            role: u.role,
            organisation_id: u.organisation_id,
        }),
    }
}

/// Logs the caller out everywhere: every login token of theirs ends.
pub async fn logout(state: &AppState, caller: &Caller) -> ServiceResult<()> {
    let id = caller.user_id.clone();
    state
        .db
        .run(move |conn| db::users::end_sessions(conn, &id).map_err(ServiceError::from))
        .await?;
    Ok(())
}

pub async fn me(state: &AppState, caller: &Caller) -> ServiceResult<MeView> {
    let caller = caller.clone();
    state
        .db
        .run(move |conn| {
            let user = db::users::find(conn, &caller.user_id)?.ok_or_else(|| {
                ServiceError::Unauthenticated("the account no longer exists".into())
            })?;
            let organisation = match &user.organisation_id {
                Some(id) => db::users::find_organisation(conn, id)?.map(|o| OrganisationView {
                    id: o.id,
                    name: o.name,
                }),
                None => None,
            };
            let accreditation = match db::advisors::find(conn, &user.id)? {
                Some(a) => Some(AccreditationView {
                    scopes: a
                        .scope_kinds()?
                        .iter()
                        .map(|k| k.as_str().to_string())
                        .collect(),
                    accreditation_number: a.accreditation_number,
                    accredited_until: a.accredited_until,
                    status: a.status.as_str().to_string(),
                }),
                None => None,
            };
            Ok(MeView {
                id: user.id,
                name: user.name,
                email: user.email,
                role: caller.role,
                organisation,
                accreditation,
            })
        })
        .await
}

/// An admin creates a police or admin account.
pub async fn create_user(
    state: &AppState,
    caller: &Caller,
    input: CreateUserRequest,
) -> ServiceResult<UserView> {
    require_admin(caller)?;
    let mut check = Check::new();
    let name = check.name("name", &input.name, 200);
    let email = check.email("email", &input.email);
    check.password("password", &input.password);
    let role = match Role::parse(input.role.trim()) {
        Some(r @ (Role::Police | Role::Admin)) => Some(r),
        _ => {
            check.fail(
                "role",
                "must be `police` or `admin` (advisors: POST /api/v1/advisors; operators sign up)",
            );
            None
        }
    };
    check.finish()?;
    let role = role.ok_or_else(|| ServiceError::field("role", "must be `police` or `admin`"))?;
    let caller = caller.clone();
    let hash = state.hasher.hash(&input.password).await?;
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let user = insert_user(tx, &name, &email, &hash, role, None)?;
                audit(
                    tx,
                    Some(&caller),
                    Change::new("user.created", "user", &user.id).after(
                        serde_json::json!({"email": user.email, "role": user.role.as_str()}),
                    ),
                )?;
                Ok(UserView {
                    id: user.id,
                    name: user.name,
                    email: user.email,
                    role,
                })
            })
        })
        .await
}

#[derive(Deserialize, ToSchema, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    #[schema(schema_with = crate::service::validate::name::<200>)]
    pub name: String,
    #[schema(format = Email, max_length = 254)]
    pub email: String,
}

/// Stored instead of a password hash for an account whose owner has not chosen a
/// password yet: no password verifies against it (it is not a PHC string).
pub const NO_PASSWORD: &str = "!unset";

/// An operator adds a colleague to their organisation: an operator account with
/// no usable password (they set one through "Forgotten your password?").
pub async fn invite_operator(
    state: &AppState,
    caller: &Caller,
    input: InviteRequest,
) -> ServiceResult<UserView> {
    let organisation_id = own_organisation(caller)?;
    let mut check = Check::new();
    let name = check.name("name", &input.name, 200);
    let email = check.email("email", &input.email);
    check.finish()?;
    let (st, caller) = (state.clone(), caller.clone());
    let invited = state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let user = insert_user(
                    tx,
                    &name,
                    &email,
                    NO_PASSWORD,
                    Role::Operator,
                    Some(&organisation_id),
                )?;
                // The colleague chooses their own password through an emailed link.
                let inviter = db::users::find(tx, &caller.user_id)?
                    .map(|u| u.name)
                    .unwrap_or_else(|| "A colleague".to_string());
                let organisation = db::users::find_organisation(tx, &organisation_id)?
                    .map(|o| o.name)
                    .unwrap_or_default();
                crate::service::password_reset::queue_account_link(
                    tx,
                    &st,
                    &user,
                    crate::domain::reminders::ReminderKind::AccountInvited,
                    serde_json::json!({"invited_by": inviter, "organisation": organisation}),
                )?;
                audit(
                    tx,
                    Some(&caller),
                    Change::new("user.invited", "user", &user.id).after(serde_json::json!({
                        "email": user.email, "role": "operator", "organisation_id": organisation_id,
                    })),
                )?;
                Ok::<_, ServiceError>(UserView {
                    id: user.id,
                    name: user.name,
                    email: user.email,
                    role: Role::Operator,
                })
            })
        })
        .await?;
    state.outbox.notify_one();
    Ok(invited)
}

/// The operators of the caller's organisation, by name.
pub async fn list_operators(state: &AppState, caller: &Caller) -> ServiceResult<Vec<UserView>> {
    let organisation_id = own_organisation(caller)?;
    let users = state
        .db
        .run(move |conn| {
            db::users::operators_of(conn, &organisation_id).map_err(ServiceError::from)
        })
        .await?;
    Ok(users.into_iter().map(UserView::from).collect())
}

/// The scheme's staff accounts (police and admins), by name, for admins.
pub async fn staff(state: &AppState, caller: &Caller, page: Page) -> ServiceResult<Vec<UserView>> {
    require_admin(caller)?;
    let users = state
        .db
        .run(move |conn| {
            db::users::list_by_roles(conn, &[Role::Police, Role::Admin], page)
                .map_err(ServiceError::from)
        })
        .await?;
    Ok(users.into_iter().map(UserView::from).collect())
}

/// The first admin, from the command line (no caller: the audit entry says `cli`).
pub fn create_admin_cli(
    db: &Db,
    name: &str,
    email: &str,
    password_text: &str,
) -> anyhow::Result<String> {
    create_account_cli(db, Role::Admin, name, email, password_text)
}

/// An admin or police account made from the command line.
pub fn create_account_cli(
    db: &Db,
    role: Role,
    name: &str,
    email: &str,
    password_text: &str,
) -> anyhow::Result<String> {
    if !matches!(role, Role::Admin | Role::Police) {
        anyhow::bail!(
            "the command line makes admin and police accounts; operators sign up, advisors are accredited"
        );
    }
    let mut check = Check::new();
    let name = check.name("name", name, 200);
    let email = check.email("email", email);
    check.password("password", password_text);
    check.finish().map_err(described)?;
    let hash = password::hash(password_text)?;
    let user = db
        .blocking(|conn| {
            write_tx(conn, |tx| {
                let user = insert_user(tx, &name, &email, &hash, role, None)?;
                audit(
                    tx,
                    None,
                    Change::new("user.created", "user", &user.id).after(
                        serde_json::json!({"email": user.email, "role": role.as_str(), "via": "cli"}),
                    ),
                )?;
                Ok::<_, ServiceError>(user)
            })
        })
    .map_err(described)?;
    Ok(user.id)
}

/// Deactivates an account from the command line: it can no longer log in, and
/// every token it holds is refused from the next request.
pub fn deactivate_cli(db: &Db, email: &str) -> anyhow::Result<String> {
    let email = email.trim().to_lowercase();
    let mut conn = db.get()?;
    write_tx(&mut conn, |tx| {
        let user = db::users::find_by_email(tx, &email)?
            .ok_or_else(|| ServiceError::not_found(format!("account {email}")))?;
        db::users::deactivate(tx, &user.id)?;
        audit(
            tx,
            None,
            Change::new("user.deactivated", "user", &user.id)
                .after(serde_json::json!({"active": false, "via": "cli"})),
        )?;
        Ok::<_, ServiceError>(user.id)
    })
    .map_err(described)
}

/// A service error as the command line says it: each field and its message.
pub fn described(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Invalid(errors) => anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => anyhow::anyhow!("{other}"),
    }
}
