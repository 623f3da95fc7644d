//! Key material every instance must share. Configured values win; otherwise a value
//! is generated once and stored in the database, where every instance finds it (for
//! the embedded default that database lives in the data dir).

use diesel::prelude::*;
use rand::RngCore;

use crate::db::schema::secrets;
use crate::db::{Db, write_tx};

/// The HS256 secret for login tokens.
pub fn jwt_secret(db: &Db, configured: &str) -> anyhow::Result<Vec<u8>> {
    if !configured.trim().is_empty() {
        if configured.len() < 32 {
            anyhow::bail!("jwt_secret must be at least 32 characters");
        }
        return Ok(configured.as_bytes().to_vec());
    }
    let value = get_or_create(db, "jwt_secret", || {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Ok(hex::encode(bytes))
    })?;
    Ok(value.into_bytes())
}

/// A stored secret, if there is one.
pub fn get(db: &Db, name: &str) -> anyhow::Result<Option<String>> {
    Ok(secrets::table
        .find(name)
        .select(secrets::value)
        .first(&mut *db.get()?)
        .optional()?)
}

/// Reads a stored secret or stores a new one; two instances starting together agree
/// on one value because the insert of the loser fails and it reads the winner's.
pub fn get_or_create(
    db: &Db,
    name: &str,
    make: impl FnOnce() -> anyhow::Result<String>,
) -> anyhow::Result<String> {
    if let Some(v) = get(db, name)? {
        return Ok(v);
    }
    let mut conn = db.get()?;
    let value = make()?;
    let inserted = write_tx(&mut conn, |tx| {
        diesel::insert_into(secrets::table)
            .values((
                secrets::name.eq(name),
                secrets::value.eq(&value),
                secrets::created_at.eq(crate::db::now()),
            ))
            .execute(tx)
    });
    match inserted {
        Ok(_) => {
            tracing::info!(
                secret = name,
                "generated a new secret and stored it in the database"
            );
            Ok(value)
        }
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(secrets::table
            .find(name)
            .select(secrets::value)
            .first(&mut *conn)?),
        Err(e) => Err(e.into()),
    }
}
