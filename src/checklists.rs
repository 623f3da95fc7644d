//! Checklist versions: files under `config/checklists/` are published into the
//! database at start; a published version is immutable, and every application is
//! scored against the exact stored text it started with.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use diesel::prelude::*;

use crate::db::models::ChecklistRow;
use crate::db::schema::checklists;
use crate::db::sequences::{Change, audit};
use crate::db::{Db, DbConnection, write_tx};
use crate::domain::checklist::{Checklist, content_hash};
use crate::domain::tier::PremisesKind;

#[derive(Debug, Clone)]
pub struct StoredChecklist {
    pub id: String,
    pub hash: String,
    pub published_at: time::PrimitiveDateTime,
    pub checklist: Arc<Checklist>,
}

/// Parsed checklists by id. Safe to cache: a stored version never changes.
pub struct ChecklistStore {
    by_id: RwLock<HashMap<String, StoredChecklist>>,
}

impl ChecklistStore {
    /// Validates every `*.toml` in `dir`, publishes new versions and loads all stored ones.
    /// Any bad file stops start-up with an error naming the file and the problem.
    pub fn publish_and_load(db: &Db, dir: &Path) -> anyhow::Result<ChecklistStore> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| {
                anyhow::anyhow!("cannot read the checklists folder {}: {e}", dir.display())
            })?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
            .collect();
        files.sort();
        if files.is_empty() {
            anyhow::bail!("no checklist files (*.toml) in {}", dir.display());
        }
        // Through `blocking`, so that the publication's audit entry is keyed.
        db.blocking(|conn| {
            for path in &files {
                let source = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                let checklist = Checklist::parse(&source)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                publish(conn, &checklist, &source)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            }
            Ok::<_, anyhow::Error>(())
        })?;
        let mut conn = db.get()?;
        let store = ChecklistStore {
            by_id: RwLock::new(HashMap::new()),
        };
        let rows: Vec<ChecklistRow> = checklists::table
            .select(checklists::all_columns)
            .load(&mut *conn)?;
        for row in rows {
            store.insert(row)?;
        }
        Ok(store)
    }

    fn insert(&self, row: ChecklistRow) -> anyhow::Result<StoredChecklist> {
        let checklist = Checklist::parse(&row.source)
            .map_err(|e| anyhow::anyhow!("stored checklist {}: {e}", row.id))?;
        let stored = StoredChecklist {
            id: row.id.clone(),
            hash: row.hash,
            published_at: row.published_at,
            checklist: Arc::new(checklist),
        };
        if let Ok(mut map) = self.by_id.write() {
            map.insert(row.id, stored.clone());
        }
        Ok(stored)
    }

    /// A stored checklist by id, read from the database when another instance
    /// published it after this one started.
    pub fn get(
        &self,
        conn: &mut DbConnection,
        id: &str,
    ) -> anyhow::Result<Option<StoredChecklist>> {
        if let Some(found) = self.by_id.read().ok().and_then(|m| m.get(id).cloned()) {
            return Ok(Some(found));
        }
        let row: Option<ChecklistRow> = checklists::table
            .find(id)
            .select(checklists::all_columns)
            .first(conn)
            .optional()?;
        row.map(|r| self.insert(r)).transpose()
    }

    /// The newest version for a kind: what new applications are assessed against.
    pub fn latest(&self, kind: PremisesKind) -> Option<StoredChecklist> {
        let map = self.by_id.read().ok()?;
        map.values()
            .filter(|c| c.checklist.kind == kind)
            .max_by_key(|c| c.checklist.version)
            .cloned()
    }

    pub fn all(&self) -> Vec<StoredChecklist> {
        let mut all: Vec<_> = self
            .by_id
            .read()
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }
}

fn publish(conn: &mut DbConnection, checklist: &Checklist, source: &str) -> anyhow::Result<()> {
    let id = checklist.id();
    let hash = content_hash(source);
    let existing: Option<String> = checklists::table
        .find(&id)
        .select(checklists::hash)
        .first(conn)
        .optional()?;
    match existing {
        Some(stored) if stored == hash => Ok(()),
        Some(stored) => anyhow::bail!(
            "{id} is already published with different content (stored hash {stored}, file hash {hash}); \
             a published version is immutable: give the changed checklist a new version number"
        ),
        None => {
            let row = ChecklistRow {
                id: id.clone(),
                kind: checklist.kind,
                version: i32::try_from(checklist.version)?,
                title: checklist.title.clone(),
                source: source.to_string(),
                hash: hash.clone(),
                published_at: crate::db::now(),
            };
            let result = write_tx(conn, |tx| -> QueryResult<()> {
                diesel::insert_into(checklists::table)
                    .values(&row)
                    .execute(tx)?;
                audit(
                    tx,
                    None,
                    Change::new("checklist.published", "checklist", &id)
                        .after(serde_json::json!({"hash": hash, "version": checklist.version})),
                )?;
                Ok(())
            });
            match result {
                Ok(()) => {
                    tracing::info!(checklist = %id, %hash, "published checklist version");
                    Ok(())
                }
                // Another instance published the same version at the same moment.
                Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                )) => publish(conn, checklist, source),
                Err(e) => Err(e.into()),
            }
        }
    }
}
