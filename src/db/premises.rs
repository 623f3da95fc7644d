//! Premises rows.

use std::collections::HashMap;

use diesel::prelude::*;

use super::models::Premises;
use super::schema::premises;
use super::{DbConnection, Page};
use crate::domain::scope::OrgScope;

pub fn insert(conn: &mut DbConnection, row: &Premises) -> QueryResult<()> {
    diesel::insert_into(premises::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn update(conn: &mut DbConnection, row: &Premises) -> QueryResult<()> {
    diesel::update(premises::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(drop)
}

/// Takes the premises' row lock until the transaction ends (PostgreSQL; SQLite's
/// write transaction already holds the database): applying and editing take it
/// first, so an application never starts from a description being changed.
pub fn lock(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    diesel::update(premises::table.find(id))
        .set(premises::updated_at.eq(premises::updated_at))
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Premises>> {
    premises::table
        .find(id)
        .select(premises::all_columns)
        .first(conn)
        .optional()
}

/// Premises by id, for building many views at once.
pub fn find_many(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<HashMap<String, Premises>> {
    Ok(premises::table
        .filter(premises::id.eq_any(ids))
        .select(premises::all_columns)
        .load::<Premises>(conn)?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect())
}

/// The premises in `scope`, newest first.
pub fn list(conn: &mut DbConnection, scope: &OrgScope, page: Page) -> QueryResult<Vec<Premises>> {
    let mut q = premises::table.select(premises::all_columns).into_boxed();
    if let OrgScope::Organisation(org) = scope {
        q = q.filter(premises::organisation_id.eq(org.clone()));
    }
    q.order((premises::created_at.desc(), premises::id.asc()))
        .limit(page.limit)
        .offset(page.offset)
        .load(conn)
}
