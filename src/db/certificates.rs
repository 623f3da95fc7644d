//! Certificates (the register) and their stored PDFs.

use std::collections::HashMap;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::models::Certificate;
use super::schema::{
    certificate_documents, certificate_terms, certificate_terms_pending, certificates,
};
use super::{DbConnection, now};
use crate::domain::scope::OrgScope;
use crate::domain::search_keys::{self, Cursor};
use crate::domain::status::{Expiry, StoredStatus};

/// A register search, already checked and normalised (issue 12 part C: every
/// filter is served by an index, newest first).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Search {
    /// The start of a postcode key (upper case, no spaces).
    pub postcode: Option<String>,
    /// A district (outward code), exactly.
    pub district: Option<String>,
    /// The premises name or the certificate number.
    pub text: Option<NameOrNumber>,
    /// The stored status, and for `active` whether the expiry has passed.
    pub status: Option<(StoredStatus, Option<Expiry>)>,
}

/// What the `q` of a search asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameOrNumber {
    /// A whole certificate number, as the register writes it.
    Number(String),
    /// Words that must each begin a word of the premises name (none: nothing
    /// matches).
    Words(Vec<String>),
}

/// Writes a certificate with its search keys (from its postcode) and the terms
/// of its premises name, in the caller's transaction.
pub fn insert(conn: &mut DbConnection, cert: &Certificate) -> QueryResult<()> {
    let mut row = cert.clone();
    row.postcode_key = search_keys::postcode_key(&cert.postcode);
    row.district = search_keys::district(&cert.postcode);
    diesel::insert_into(certificates::table)
        .values(&row)
        .execute(conn)?;
    insert_terms(conn, &cert.number, cert.issued_at, &cert.premises_name)
}

/// The terms of one certificate's premises name (`domain::search_keys`).
pub fn insert_terms(
    conn: &mut DbConnection,
    number: &str,
    issued_at: PrimitiveDateTime,
    premises_name: &str,
) -> QueryResult<()> {
    for term in search_keys::name_terms(premises_name) {
        diesel::insert_into(certificate_terms::table)
            .values((
                certificate_terms::term.eq(term),
                certificate_terms::issued_at.eq(issued_at),
                certificate_terms::number.eq(number),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Up to `limit` certificates still waiting for their terms: (id, number, issued
/// at, premises name).
pub fn pending_terms(
    conn: &mut DbConnection,
    limit: i64,
) -> QueryResult<Vec<(String, String, PrimitiveDateTime, String)>> {
    certificate_terms_pending::table
        .inner_join(
            certificates::table.on(certificates::id.eq(certificate_terms_pending::certificate_id)),
        )
        .select((
            certificates::id,
            certificates::number,
            certificates::issued_at,
            certificates::premises_name,
        ))
        .limit(limit)
        .load(conn)
}

/// Takes a certificate off the waiting list; false when another instance did.
pub fn take_pending_terms(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    let n = diesel::delete(certificate_terms_pending::table.find(id)).execute(conn)?;
    Ok(n == 1)
}

/// Drops waiting entries whose certificate is gone (none in the service; a
/// database edited by hand).
pub fn drop_orphan_pending_terms(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(
        certificate_terms_pending::table.filter(diesel::dsl::not(diesel::dsl::exists(
            certificates::table
                .filter(certificates::id.eq(certificate_terms_pending::certificate_id)),
        ))),
    )
    .execute(conn)
}

pub fn find_by_number(conn: &mut DbConnection, number: &str) -> QueryResult<Option<Certificate>> {
    certificates::table
        .filter(certificates::number.eq(number))
        .select(certificates::all_columns)
        .first(conn)
        .optional()
}

/// The certificate issued on each application in `ids`.
pub fn by_applications(
    conn: &mut DbConnection,
    ids: &[&str],
) -> QueryResult<HashMap<String, Certificate>> {
    Ok(certificates::table
        .filter(certificates::application_id.eq_any(ids))
        .select(certificates::all_columns)
        .load::<Certificate>(conn)?
        .into_iter()
        .map(|c| (c.application_id.clone(), c))
        .collect())
}

/// How far the rarity of a word is counted: past this, a word is common.
const SELECTIVITY_CAP: i64 = 2_000;

/// How many distinct terms a word may begin and still be searched term by term
/// (each term's index walked newest first and the walks merged).
const TERMS_CAP: usize = 50;

/// A word beginning more than `TERMS_CAP` terms is searched through the register:
/// with fewer matches than this, its matches are collected and sorted (cost: the
/// matches); with more, the register is walked newest first and each certificate
/// checked (cost: about `limit` × register ÷ matches).
const DENSE_MATCHES: i64 = 5_000;

/// The certificates in `scope` matching `search`, newest first (issue time, then
/// number, both descending), after `after` when given; at most `limit`.
///
/// Name words (issue 12): the driving terms are found by skipping through the
/// `(term, issued_at, number)` index, and each term's run of that index is read
/// newest first, only as far as `limit` rows that pass the other filters, the
/// runs merged. Of two or more words, the two rarest (counted up to
/// `SELECTIVITY_CAP`) drive through their pair terms, so that two common words
/// found together in few names ("church hall") cost those names, not every name
/// holding either; of one word (or two that pairs cannot serve), its own terms.
/// The other words are checked per certificate on `(number, term)`. No page
/// reads more than (terms × `limit`) index rows plus the checks, however common
/// the word.
pub fn search(
    conn: &mut DbConnection,
    scope: &OrgScope,
    search: &Search,
    after: Option<&Cursor>,
    limit: i64,
) -> QueryResult<Vec<Certificate>> {
    let mut words = Vec::new();
    match &search.text {
        // No word at all (only punctuation): nothing is named that.
        Some(NameOrNumber::Words(given)) if given.is_empty() => return Ok(Vec::new()),
        Some(NameOrNumber::Words(given)) => {
            // Words are letters and digits, so each has an end.
            for word in given {
                let Some(end) = search_keys::prefix_end(word) else {
                    return Ok(Vec::new());
                };
                words.push(WordRange {
                    word: word.clone(),
                    end,
                });
            }
        }
        Some(NameOrNumber::Number(_)) | None => {
            return through_register(conn, scope, search, &[], Driver::None, after, limit);
        }
    }
    // Two words are served by their pair terms (the two rarest, of more).
    if words.len() > 2 {
        words = rarest_first(conn, words)?;
    }
    if words.len() > 1 {
        if let Some(pairs) = pair_terms(conn, &words[0], &words[1])? {
            // The names holding both words, by their pair terms; the names too
            // long to have pairs, by every word.
            let mut runs: Vec<Run> = pairs
                .iter()
                .map(|term| Run {
                    term,
                    others: &words[2..],
                })
                .collect();
            runs.push(Run {
                term: search_keys::UNPAIRED,
                others: &words,
            });
            let numbers = newest_by_terms(conn, scope, search, &runs, after, limit)?;
            return in_order(conn, numbers);
        }
    }
    if words.len() == 2 {
        words = rarest_first(conn, words)?;
    }
    let terms = distinct_terms(conn, &words[0], TERMS_CAP + 1)?;
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    if terms.len() <= TERMS_CAP {
        let runs: Vec<Run> = terms
            .iter()
            .map(|term| Run {
                term,
                others: &words[1..],
            })
            .collect();
        let numbers = newest_by_terms(conn, scope, search, &runs, after, limit)?;
        return in_order(conn, numbers);
    }
    let driver = if term_matches_up_to(conn, &words[0], DENSE_MATCHES)? < DENSE_MATCHES as usize {
        Driver::Collect
    } else {
        Driver::Walk
    };
    through_register(conn, scope, search, &words, driver, after, limit)
}

/// The words, fewest matches first (counted up to `SELECTIVITY_CAP`); among
/// equally common words the longer.
fn rarest_first(conn: &mut DbConnection, words: Vec<WordRange>) -> QueryResult<Vec<WordRange>> {
    let mut counted = Vec::with_capacity(words.len());
    for w in words {
        let n = term_matches_up_to(conn, &w, SELECTIVITY_CAP)?;
        counted.push((n, w));
    }
    counted.sort_by(|(a, x), (b, y)| a.cmp(b).then(y.word.len().cmp(&x.word.len())));
    Ok(counted.into_iter().map(|(_, w)| w).collect())
}

/// A name word and the least text after every text it begins.
struct WordRange {
    word: String,
    end: String,
}

/// How the first of the words is matched when the register drives the search.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Driver {
    /// No words.
    None,
    /// The word's matches are collected (`IN`), then sorted.
    Collect,
    /// The register is walked newest first and every word checked (`EXISTS`).
    Walk,
}

/// A bind value of the hand-written search statements.
enum Bind {
    Text(String),
    Time(PrimitiveDateTime),
}

/// A statement written by hand (a `UNION` of limited runs, and a recursive skip
/// through an index, which diesel's query builder does not offer over both
/// backends), with its bind values and each backend's placeholders.
struct Statement {
    sql: String,
    binds: Vec<Bind>,
    postgres: bool,
}

impl Statement {
    fn new(conn: &DbConnection) -> Statement {
        Statement {
            sql: String::new(),
            binds: Vec::new(),
            postgres: matches!(conn, DbConnection::Postgres(_)),
        }
    }

    fn sql(&mut self, text: &str) -> &mut Self {
        self.sql.push_str(text);
        self
    }

    fn bind(&mut self, value: Bind) -> &mut Self {
        self.binds.push(value);
        if self.postgres {
            self.sql.push_str(&format!("${}", self.binds.len()));
        } else {
            self.sql.push('?');
        }
        self
    }

    fn text(&mut self, value: &str) -> &mut Self {
        self.bind(Bind::Text(value.to_string()))
    }

    fn time(&mut self, value: PrimitiveDateTime) -> &mut Self {
        self.bind(Bind::Time(value))
    }

    fn load<T>(self, conn: &mut DbConnection) -> QueryResult<Vec<T>>
    where
        T: QueryableByName<diesel::sqlite::Sqlite> + QueryableByName<diesel::pg::Pg> + 'static,
    {
        use diesel::sql_types::{Text, Timestamp};
        macro_rules! run {
            ($backend:ty, $c:expr) => {{
                let mut q = diesel::sql_query(self.sql).into_boxed::<$backend>();
                for b in self.binds {
                    q = match b {
                        Bind::Text(v) => q.bind::<Text, _>(v),
                        Bind::Time(v) => q.bind::<Timestamp, _>(v),
                    };
                }
                q.load::<T>($c)
            }};
        }
        match conn {
            DbConnection::Sqlite(c) => run!(diesel::sqlite::Sqlite, c),
            DbConnection::Postgres(c) => run!(diesel::pg::Pg, c),
        }
    }
}

#[derive(QueryableByName)]
struct Term {
    #[diesel(sql_type = diesel::sql_types::Text)]
    term: String,
}

#[derive(QueryableByName)]
struct Hit {
    #[diesel(sql_type = diesel::sql_types::Text)]
    number: String,
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// How many terms `word` begins (rows of `certificate_terms`), counted up to `cap`.
fn term_matches_up_to(conn: &mut DbConnection, w: &WordRange, cap: i64) -> QueryResult<usize> {
    let mut s = Statement::new(conn);
    s.sql("SELECT count(*) AS n FROM (SELECT 1 AS one FROM certificate_terms WHERE term >= ")
        .text(&w.word)
        .sql(" AND term < ")
        .text(&w.end)
        .sql(&format!(" LIMIT {cap}) AS capped"));
    let rows: Vec<Counted> = s.load(conn)?;
    Ok(rows.first().map_or(0, |r| r.n.max(0) as usize))
}

/// The distinct terms `word` begins, in order, at most `cap`: one index seek each
/// (the next term after the last), never a read of the terms' rows.
fn distinct_terms(conn: &mut DbConnection, w: &WordRange, cap: usize) -> QueryResult<Vec<String>> {
    let mut s = Statement::new(conn);
    s.sql("WITH RECURSIVE d (term, n) AS (SELECT (SELECT term FROM certificate_terms WHERE term >= ")
        .text(&w.word)
        .sql(" AND term < ")
        .text(&w.end)
        .sql(" ORDER BY term LIMIT 1), 1 UNION ALL SELECT (SELECT term FROM certificate_terms WHERE term > d.term AND term < ")
        .text(&w.end)
        .sql(&format!(
            " ORDER BY term LIMIT 1), d.n + 1 FROM d WHERE d.term IS NOT NULL AND d.n < {cap}) \
             SELECT term FROM d WHERE term IS NOT NULL"
        ));
    let rows: Vec<Term> = s.load(conn)?;
    Ok(rows.into_iter().map(|r| r.term).collect())
}

/// The pair terms (`search_keys::pair_term`) that name two different words
/// beginning with `a` and `b`, or None when pairs cannot answer: one word begins
/// the other (one word of a name may begin both), or the first of them in byte
/// order begins more than `TERMS_CAP` terms, or there are more than `TERMS_CAP`
/// pairs. One index skip for the first word's terms, one for each term's pairs.
fn pair_terms(
    conn: &mut DbConnection,
    a: &WordRange,
    b: &WordRange,
) -> QueryResult<Option<Vec<String>>> {
    let (first, second) = if a.word < b.word { (a, b) } else { (b, a) };
    if second.word.starts_with(&first.word) {
        return Ok(None);
    }
    let firsts = distinct_terms(conn, first, TERMS_CAP + 1)?;
    if firsts.len() > TERMS_CAP {
        return Ok(None);
    }
    let mut pairs = Vec::new();
    for term in &firsts {
        let range = WordRange {
            word: search_keys::pair_term(term, &second.word),
            end: search_keys::pair_term(term, &second.end),
        };
        pairs.extend(distinct_terms(conn, &range, TERMS_CAP + 1 - pairs.len())?);
        if pairs.len() > TERMS_CAP {
            return Ok(None);
        }
    }
    Ok(Some(pairs))
}

/// One run of `(term, issued_at, number)` that `newest_by_terms` reads: the
/// certificates holding `term`, each checked to begin a word with each of `others`.
struct Run<'a> {
    term: &'a str,
    others: &'a [WordRange],
}

/// The numbers of the newest `limit` certificates (after `after`) of any of the
/// `runs`, passing the other filters of `search`, newest first. Each run is read
/// backwards, stopping at `limit` rows; the runs are merged (a certificate in two
/// of them counted once).
fn newest_by_terms(
    conn: &mut DbConnection,
    scope: &OrgScope,
    search: &Search,
    runs: &[Run],
    after: Option<&Cursor>,
    limit: i64,
) -> QueryResult<Vec<String>> {
    let register_filters = matches!(scope, OrgScope::Organisation(_))
        || search.postcode.is_some()
        || search.district.is_some()
        || search.status.is_some();
    let now = now();
    let mut s = Statement::new(conn);
    let merged = runs.len() > 1;
    if merged {
        s.sql("SELECT number FROM (");
    }
    for (i, Run { term, others }) in runs.iter().enumerate() {
        if merged {
            if i > 0 {
                s.sql(" UNION ");
            }
            s.sql("SELECT * FROM (");
        }
        s.sql("SELECT certificate_terms.issued_at AS issued_at, certificate_terms.number AS number FROM certificate_terms");
        if register_filters {
            // CROSS JOIN: SQLite keeps the terms outermost (their order is the
            // answer's); PostgreSQL plans it as any inner join.
            s.sql(" CROSS JOIN certificates c");
        }
        s.sql(" WHERE certificate_terms.term = ").text(term);
        if let Some(after) = after {
            // `<=` on the issue time bounds the index range; the rest breaks ties.
            s.sql(" AND certificate_terms.issued_at <= ")
                .time(after.issued_at)
                .sql(" AND (certificate_terms.issued_at < ")
                .time(after.issued_at)
                .sql(" OR certificate_terms.number < ")
                .text(&after.number)
                .sql(")");
        }
        if register_filters {
            s.sql(" AND c.number = certificate_terms.number");
            if let OrgScope::Organisation(org) = scope {
                s.sql(" AND c.organisation_id = ").text(org);
            }
            if let Some(prefix) = &search.postcode {
                s.sql(" AND c.postcode_key >= ").text(prefix);
                if let Some(end) = search_keys::prefix_end(prefix) {
                    s.sql(" AND c.postcode_key < ").text(&end);
                }
            }
            if let Some(district) = &search.district {
                s.sql(" AND c.district = ").text(district);
            }
            if let Some((stored, expiry)) = search.status {
                s.sql(" AND c.status = ").text(stored.as_str());
                match expiry {
                    Some(Expiry::NotYet) => {
                        s.sql(" AND c.expires_at > ").time(now);
                    }
                    Some(Expiry::Passed) => {
                        s.sql(" AND c.expires_at <= ").time(now);
                    }
                    None => {}
                }
            }
        }
        for w in *others {
            // A scalar subquery, not EXISTS: PostgreSQL may turn EXISTS into a
            // semi-join driven from the other word's whole range (it can guess
            // that range at one row), where the run should drive and each of its
            // certificates be checked on `(number, term)`.
            s.sql(" AND (SELECT 1 FROM certificate_terms o WHERE o.number = certificate_terms.number AND o.term >= ")
                .text(&w.word)
                .sql(" AND o.term < ")
                .text(&w.end)
                .sql(" LIMIT 1) IS NOT NULL");
        }
        s.sql(&format!(
            " ORDER BY certificate_terms.issued_at DESC, certificate_terms.number DESC LIMIT {limit}"
        ));
        if merged {
            s.sql(&format!(") AS run{i}"));
        }
    }
    if merged {
        s.sql(&format!(
            ") AS merged ORDER BY issued_at DESC, number DESC LIMIT {limit}"
        ));
    }
    let rows: Vec<Hit> = s.load(conn)?;
    Ok(rows.into_iter().map(|r| r.number).collect())
}

/// The certificates numbered `numbers`, in that order.
fn in_order(conn: &mut DbConnection, numbers: Vec<String>) -> QueryResult<Vec<Certificate>> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let mut by_number: HashMap<String, Certificate> = certificates::table
        .filter(certificates::number.eq_any(&numbers))
        .select(certificates::all_columns)
        .load::<Certificate>(conn)?
        .into_iter()
        .map(|c| (c.number.clone(), c))
        .collect();
    Ok(numbers.iter().filter_map(|n| by_number.remove(n)).collect())
}

/// The search served from the certificates' own indexes (number, postcode,
/// district, organisation, status, or newest first), the words matched as
/// `driver` says for the first and by `EXISTS` for the rest.
fn through_register(
    conn: &mut DbConnection,
    scope: &OrgScope,
    search: &Search,
    words: &[WordRange],
    driver: Driver,
    after: Option<&Cursor>,
    limit: i64,
) -> QueryResult<Vec<Certificate>> {
    let mut q = certificates::table
        .select(certificates::all_columns)
        .into_boxed();
    if let OrgScope::Organisation(org) = scope {
        q = q.filter(certificates::organisation_id.eq(org.clone()));
    }
    if let Some(prefix) = &search.postcode {
        q = q.filter(certificates::postcode_key.ge(prefix.clone()));
        if let Some(end) = search_keys::prefix_end(prefix) {
            q = q.filter(certificates::postcode_key.lt(end));
        }
    }
    if let Some(district) = &search.district {
        q = q.filter(certificates::district.eq(district.clone()));
    }
    if let Some(NameOrNumber::Number(number)) = &search.text {
        q = q.filter(certificates::number.eq(number.clone()));
    }
    for (i, w) in words.iter().enumerate() {
        if i == 0 && driver == Driver::Collect {
            let matching = certificate_terms::table
                .select(certificate_terms::number)
                .filter(certificate_terms::term.ge(w.word.clone()))
                .filter(certificate_terms::term.lt(w.end.clone()));
            q = q.filter(certificates::number.eq_any(matching));
        } else {
            q = q.filter(diesel::dsl::exists(
                certificate_terms::table
                    .filter(certificate_terms::number.eq(certificates::number))
                    .filter(certificate_terms::term.ge(w.word.clone()))
                    .filter(certificate_terms::term.lt(w.end.clone())),
            ));
        }
    }
    if let Some((stored, expiry)) = search.status {
        q = q.filter(certificates::status.eq(stored));
        match expiry {
            Some(Expiry::NotYet) => q = q.filter(certificates::expires_at.gt(now())),
            Some(Expiry::Passed) => q = q.filter(certificates::expires_at.le(now())),
            None => {}
        }
    }
    if let Some(after) = after {
        // `<=` on the issue time bounds the index range; the rest breaks ties.
        q = q
            .filter(certificates::issued_at.le(after.issued_at))
            .filter(
                certificates::issued_at
                    .lt(after.issued_at)
                    .or(certificates::number.lt(after.number.clone())),
            );
    }
    q.order((certificates::issued_at.desc(), certificates::number.desc()))
        .limit(limit)
        .load(conn)
}

/// How many certificates a verifier would see with the stored status (and, for
/// `active`, the side of expiry) of `status` now, as `stored_for` gives it.
pub fn count_with_status(
    conn: &mut DbConnection,
    (stored, expiry): (StoredStatus, Option<Expiry>),
) -> QueryResult<i64> {
    let mut q = certificates::table
        .filter(certificates::status.eq(stored))
        .into_boxed();
    match expiry {
        Some(Expiry::NotYet) => q = q.filter(certificates::expires_at.gt(now())),
        Some(Expiry::Passed) => q = q.filter(certificates::expires_at.le(now())),
        None => {}
    }
    q.count().get_result(conn)
}

/// Changes the stored status only if it is still `from`; returns whether it was.
pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    from: StoredStatus,
    to: StoredStatus,
    reason: &str,
    at: PrimitiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        certificates::table
            .filter(certificates::id.eq(id))
            .filter(certificates::status.eq(from)),
    )
    .set((
        certificates::status.eq(to),
        certificates::status_reason.eq(Some(reason)),
        certificates::updated_at.eq(at),
    ))
    .execute(conn)?;
    super::public::mark_changed();
    Ok(updated == 1)
}

/// The active or suspended certificates of the premises: (id, number).
pub fn current_for_premises(
    conn: &mut DbConnection,
    premises_id: &str,
) -> QueryResult<Vec<(String, String)>> {
    certificates::table
        .filter(certificates::premises_id.eq(premises_id))
        .filter(certificates::status.eq_any([StoredStatus::Active, StoredStatus::Suspended]))
        .select((certificates::id, certificates::number))
        .load(conn)
}

pub fn supersede(
    conn: &mut DbConnection,
    id: &str,
    by_number: &str,
    at: PrimitiveDateTime,
) -> QueryResult<()> {
    super::public::mark_changed();
    diesel::update(certificates::table.find(id))
        .set((
            certificates::status.eq(StoredStatus::Superseded),
            certificates::superseded_by.eq(Some(by_number)),
            certificates::updated_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// The stored PDF and its SHA-256.
pub fn document(
    conn: &mut DbConnection,
    certificate_id: &str,
) -> QueryResult<Option<(Vec<u8>, String)>> {
    certificate_documents::table
        .find(certificate_id)
        .select((certificate_documents::pdf, certificate_documents::sha256))
        .first(conn)
        .optional()
}

/// Numbers of suspended and revoked certificates, in order, with their status.
/// The status-list indexes of suspended and of revoked certificates (never numbers).
pub fn withdrawn_indexes(conn: &mut DbConnection) -> QueryResult<Vec<(i32, StoredStatus)>> {
    let rows: Vec<(Option<i32>, StoredStatus)> = certificates::table
        .filter(certificates::status.eq_any([StoredStatus::Suspended, StoredStatus::Revoked]))
        .select((certificates::status_index, certificates::status))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(i, s)| Some((i?, s)))
        .collect())
}

/// How many certificates the register holds, and the highest status index in use.
pub fn status_index_span(conn: &mut DbConnection) -> QueryResult<(i64, Option<i32>)> {
    use diesel::dsl::{count_star, max};
    certificates::table
        .select((count_star(), max(certificates::status_index)))
        .first(conn)
}

pub fn status_index_taken(conn: &mut DbConnection, index: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        certificates::table.filter(certificates::status_index.eq(index)),
    ))
    .get_result(conn)
}

/// Certificates without a status index (issued before there were status lists).
pub fn without_status_index(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    certificates::table
        .filter(certificates::status_index.is_null())
        .select(certificates::id)
        .load(conn)
}

pub fn set_status_index(conn: &mut DbConnection, id: &str, index: i32) -> QueryResult<()> {
    diesel::update(certificates::table.find(id))
        .set(certificates::status_index.eq(index))
        .execute(conn)
        .map(drop)
}

/// Moves a certificate's expiry (the demo's "about to lapse" certificate only:
/// nothing in the service changes an expiry).
pub fn set_expiry(conn: &mut DbConnection, number: &str, at: PrimitiveDateTime) -> QueryResult<()> {
    super::public::mark_changed();
    diesel::update(certificates::table.filter(certificates::number.eq(number)))
        .set(certificates::expires_at.eq(at))
        .execute(conn)
        .map(drop)
}

/// Every certificate issued for one premises, newest first.
pub fn of_premises(conn: &mut DbConnection, premises_id: &str) -> QueryResult<Vec<Certificate>> {
    certificates::table
        .filter(certificates::premises_id.eq(premises_id))
        .select(certificates::all_columns)
        .order((certificates::issued_at.desc(), certificates::number.desc()))
        .load(conn)
}

// Part 1 of issue 11: conditions to closure.
pub fn find_by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Certificate>> {
    certificates::table
        .find(id)
        .select(certificates::all_columns)
        .first(conn)
        .optional()
}

// Issue 13 part 9 (validity): what a certificate lapses on, and a lapse recorded.
pub fn insert_lapse_terms(conn: &mut DbConnection, id: &str, lapses_on: &str) -> QueryResult<()> {
    use super::schema::certificate_lapses as l;
    diesel::insert_into(l::table)
        .values((l::certificate_id.eq(id), l::lapses_on.eq(lapses_on)))
        .execute(conn)
        .map(drop)
}

/// (lapses_on, lapse_recorded) by certificate id; certificates issued before
/// this was recorded have none.
pub fn lapses_of(
    conn: &mut DbConnection,
    ids: &[&str],
) -> QueryResult<HashMap<String, (String, Option<String>)>> {
    use super::schema::certificate_lapses as l;
    Ok(l::table
        .filter(l::certificate_id.eq_any(ids))
        .select((l::certificate_id, l::lapses_on, l::lapse_recorded))
        .load::<(String, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, on, rec)| (id, (on, rec)))
        .collect())
}

pub fn record_lapse(conn: &mut DbConnection, id: &str, record: &str) -> QueryResult<()> {
    use super::schema::certificate_lapses as l;
    diesel::update(l::table.find(id))
        .set(l::lapse_recorded.eq(Some(record)))
        .execute(conn)
        .map(drop)
}
