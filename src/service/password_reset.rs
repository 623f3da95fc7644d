//! Forgotten passwords: a link by email (through the outbox), single-use and
//! expiring. Asking never says whether an account has that address.

use rand::RngCore;
use sha2::{Digest, Sha256};

use super::validate::Check;
use super::{ServiceError, ServiceResult};
use crate::db::models::User;
use crate::db::sequences::{Change, audit};
use crate::db::{self, DbConnection, from_utc, now, write_tx};
use crate::domain::reminders::{ReminderKind, ReminderSubject};
use crate::notify::outbox::{Reminder, enqueue};
use crate::state::AppState;

/// How long a link works.
pub const LINK_MINUTES: i64 = 60;

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Makes a link for `user` and queues the email of `kind` that carries it;
/// `extra` adds to the email's context. Inside the caller's transaction.
pub(crate) fn queue_account_link(
    tx: &mut DbConnection,
    state: &AppState,
    user: &User,
    kind: ReminderKind,
    extra: serde_json::Value,
) -> ServiceResult<()> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes);
    let request_id = uuid::Uuid::new_v4().to_string();
    let at = time::OffsetDateTime::now_utc();
    db::password_resets::insert(
        tx,
        &request_id,
        &user.id,
        &hash(&token),
        from_utc(at),
        from_utc(at + time::Duration::minutes(LINK_MINUTES)),
    )?;
    let mut context = serde_json::json!({
        "scheme_name": state.settings.scheme_name,
        "name": user.name,
        "email": user.email,
        "link": format!("{}/password/reset/{token}", state.settings.public_url().trim_end_matches('/')),
        "valid_minutes": LINK_MINUTES,
    });
    if let (Some(ctx), Some(more)) = (context.as_object_mut(), extra.as_object()) {
        ctx.extend(more.clone());
    }
    enqueue(
        tx,
        &Reminder {
            subject: ReminderSubject::Account {
                user_id: user.id.clone(),
                request_id,
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

/// Sends a reset link to the account with this email, if there is one. The
/// answer is the same either way.
pub async fn request(state: &AppState, email: &str) -> ServiceResult<()> {
    let mut check = Check::new();
    let email = check.email("email", email);
    check.finish()?;
    let st = state.clone();
    let queued = state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let Some(user) = db::users::find_by_email(tx, &email)? else {
                    return Ok::<_, ServiceError>(false);
                };
                queue_account_link(
                    tx,
                    &st,
                    &user,
                    ReminderKind::PasswordReset,
                    serde_json::json!({}),
                )?;
                audit(
                    tx,
                    None,
                    Change::new("password.reset_requested", "user", &user.id),
                )?;
                Ok(true)
            })
        })
        .await?;
    if queued {
        state.outbox.notify_one();
    }
    Ok(())
}

/// Whether a link can still be used (to show the form, or say it has expired).
pub async fn link_works(state: &AppState, token: &str) -> ServiceResult<bool> {
    let hashed = hash(token);
    let found = state
        .db
        .run(move |conn| {
            db::password_resets::usable(conn, &hashed, now()).map_err(ServiceError::from)
        })
        .await?;
    Ok(found.is_some())
}

/// Sets a new password with a link; the link then no longer works.
pub async fn reset(
    state: &AppState,
    token: &str,
    new_password: &str,
    again: &str,
) -> ServiceResult<()> {
    let mut check = Check::new();
    check.password("password", new_password);
    if new_password != again {
        check.fail("password_again", "must be the same password again");
    }
    check.finish()?;
    let hashed_token = hash(token);
    let new_hash = state.hasher.hash(new_password).await?;
    state
        .db
        .run(move |conn| {
            write_tx(conn, |tx| {
                let at = now();
                let expired = || {
                    ServiceError::conflict(
                        "reset_link_expired",
                        "this link has expired or has been used: ask for a new one",
                    )
                };
                let (reset_id, user_id) =
                    db::password_resets::usable(tx, &hashed_token, at)?.ok_or_else(expired)?;
                if !db::password_resets::mark_used(tx, &reset_id, at)? {
                    return Err(expired());
                }
                db::password_resets::set_password(tx, &user_id, &new_hash)?;
                audit(tx, None, Change::new("password.reset", "user", &user_id))?;
                Ok(())
            })
        })
        .await
}
