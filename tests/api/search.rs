//! Issue 12 part C: the police search at national scale. Postcode (a prefix of
//! the normalised code), district (the outward code, exactly), name (every word a
//! word prefix) and number (exactly), newest first a page at a time by keyset
//! (`after`, given by the `Link: <…>; rel="next"` header); each search served from
//! its index (the query-plan test).

use std::sync::{Arc, Mutex};

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, spawn_app};
use protectcert::db::DbConnection;
use protectcert::db::certificates::{NameOrNumber, Search};
use protectcert::domain::scope::OrgScope;

fn building(name: &str, postcode: &str) -> Value {
    json!({"kind": "building", "name": name, "address": "1 High Street",
           "town": "Bristol", "postcode": postcode, "capacity": 300})
}

async fn certify(
    app: &TestApp,
    operator: &str,
    advisor: &str,
    name: &str,
    postcode: &str,
) -> String {
    let prem = app
        .register_premises(operator, building(name, postcode))
        .await;
    app.certify(operator, advisor, prem["id"].as_str().expect("id"))
        .await
}

fn numbers(body: &Value) -> Vec<String> {
    body.as_array()
        .unwrap_or_else(|| panic!("a list of certificates, got {body}"))
        .iter()
        .map(|c| c["number"].as_str().expect("number").to_string())
        .collect()
}

/// A GET with its `Link` header's next page (the path and query), if any.
async fn get_page(app: &TestApp, path: &str, token: &str) -> (Vec<String>, Option<String>) {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let link = res
        .headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let reply = Reply::from(res).await;
    let body = reply.ok();
    let next = link.map(|l| {
        let (url, rel) = l.split_once(">; ").expect("a Link header");
        assert_eq!(rel, "rel=\"next\"", "{l}");
        url.trim_start_matches('<').to_string()
    });
    (numbers(&body), next)
}

/// Riverside Hall (BS1 4DJ), Quay Arts Centre (BS10 5AB), St. Mary's Church Hall
/// (M1 1AE), issued in that order, the first two Quayside's, the last Northern's.
struct Register {
    police: String,
    quayside: String,
    northern: String,
    riverside: String,
    arts: String,
    church: String,
}

async fn register(app: &TestApp) -> Register {
    let admin = app.admin().await;
    let (advisor, _) = app.advisor(&admin, &["building", "event"], None).await;
    let police = app.police(&admin).await;
    let (quayside, _) = app.operator("Quayside Venues Ltd").await;
    let (northern, _) = app.operator("Northern Halls plc").await;
    let riverside = certify(app, &quayside, &advisor, "Riverside Hall", "BS1 4DJ").await;
    let arts = certify(app, &quayside, &advisor, "Quay Arts Centre", "bs10 5ab").await;
    let church = certify(app, &northern, &advisor, "St. Mary's Church Hall", "M1 1AE").await;
    Register {
        police,
        quayside,
        northern,
        riverside,
        arts,
        church,
    }
}

#[tokio::test]
async fn postcode_district_name_and_number_find_what_they_say() {
    let app = spawn_app().await;
    let r = register(&app).await;
    let search = |query: &str| {
        let path = format!("/api/v1/certificates?{query}");
        let app = &app;
        let police = &r.police;
        async move { numbers(&app.get(&path, Some(police)).await.ok()) }
    };
    let (riverside, arts, church) = (r.riverside.as_str(), r.arts.as_str(), r.church.as_str());
    // A postcode with or without its space, in any case; a prefix of it.
    for typed in ["BS14DJ", "bs1%204dj", "Bs1%20%204Dj", "bs14"] {
        assert_eq!(
            search(&format!("postcode={typed}")).await,
            [riverside],
            "{typed}"
        );
    }
    assert_eq!(search("postcode=bs1").await, [arts, riverside]);
    assert!(search("postcode=BS2").await.is_empty());
    // A district exactly: BS1 is not BS10.
    assert_eq!(search("district=BS1").await, [riverside]);
    assert_eq!(search("district=bs10").await, [arts]);
    assert_eq!(search("district=m1").await, [church]);
    assert!(search("district=BS").await.is_empty());
    assert_eq!(search("district=BS1&postcode=bs14d").await, [riverside]);
    assert!(search("district=BS10&postcode=bs14").await.is_empty());
    // Names by word prefix, any case, every word given (in any order).
    assert_eq!(search("q=hall").await, [church, riverside]);
    assert_eq!(search("q=HALL%20riv").await, [riverside]);
    assert_eq!(search("q=riv%20hall").await, [riverside]);
    assert_eq!(search("q=arts%20cen").await, [arts]);
    assert_eq!(search("q=mary%27s").await, [church]);
    assert_eq!(search("q=st.%20mar").await, [church]);
    assert!(search("q=church%20riverside").await.is_empty());
    // Words are matched from their start, not inside them.
    assert!(search("q=all").await.is_empty());
    assert!(search("q=%25").await.is_empty());
    // With a district.
    assert_eq!(search("q=hall&district=M1").await, [church]);
    // The number exactly, however typed; part of one finds nothing.
    assert_eq!(search(&format!("q={arts}")).await, [arts]);
    let spaced = arts.replace('-', " ").to_lowercase();
    assert_eq!(search(&format!("q={spaced}")).await, [arts]);
    assert!(search(&format!("q={}", &arts[..12])).await.is_empty());
    // The status filter still applies.
    assert_eq!(search("q=hall&status=valid").await, [church, riverside]);
    assert!(search("q=hall&status=revoked").await.is_empty());
}

/// Sets the issue time of `numbers` to one instant, as a burst of issues would
/// (their name terms too: they are written with the certificate's issue time,
/// which nothing in the service changes afterwards).
fn issue_together(app: &TestApp, numbers: &[&str]) {
    use protectcert::db::schema::{certificate_terms, certificates};
    let at = protectcert::db::now();
    let mut conn = app.db.get().expect("conn");
    let n = diesel::update(certificates::table.filter(certificates::number.eq_any(numbers)))
        .set(certificates::issued_at.eq(at))
        .execute(&mut *conn)
        .expect("update issue time");
    assert_eq!(n, numbers.len());
    diesel::update(certificate_terms::table.filter(certificate_terms::number.eq_any(numbers)))
        .set(certificate_terms::issued_at.eq(at))
        .execute(&mut *conn)
        .expect("update the terms' issue time");
}

#[tokio::test]
async fn keyset_pages_walk_every_match_once_newest_first() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (advisor, _) = app.advisor(&admin, &["building"], None).await;
    let police = app.police(&admin).await;
    let (operator, _) = app.operator("Pager Venues Ltd").await;
    let mut issued = Vec::new();
    for i in 0..7 {
        issued.push(
            certify(
                &app,
                &operator,
                &advisor,
                &format!("Pager Hall {i}"),
                "BS1 4DJ",
            )
            .await,
        );
    }
    // Three share one issue time: their order is the number's, descending.
    let tied: Vec<&str> = issued[1..4].iter().map(String::as_str).collect();
    issue_together(&app, &tied);
    let (all, next) = get_page(&app, "/api/v1/certificates?district=BS1&limit=200", &police).await;
    assert!(next.is_none(), "one page holds all");
    assert_eq!(all.len(), 7);
    // Newest first: the tied three (newest time) first, by number descending.
    let mut tied_sorted: Vec<String> = tied.iter().map(|s| s.to_string()).collect();
    tied_sorted.sort();
    tied_sorted.reverse();
    assert_eq!(all[..3], tied_sorted[..]);
    for query in ["district=BS1", "postcode=BS1", "q=pager%20hall", ""] {
        let mut walked = Vec::new();
        let mut path = format!("/api/v1/certificates?{query}&limit=2");
        let mut pages = 0;
        loop {
            let (page, next) = get_page(&app, &path, &police).await;
            pages += 1;
            assert!(page.len() <= 2);
            walked.extend(page);
            match next {
                Some(next) => {
                    // The next page keeps the filters and the limit.
                    assert!(next.starts_with("/api/v1/certificates?"), "{next}");
                    assert!(
                        next.contains("limit=2") && next.contains("after="),
                        "{next}"
                    );
                    path = next;
                }
                None => break,
            }
        }
        assert_eq!(walked, all, "{query}: every match once, in order");
        assert_eq!(pages, 4, "{query}");
    }
}

#[tokio::test]
async fn a_cursor_not_given_by_a_next_link_is_named() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for after in ["nonsense", "MTIzfg", "%21%21"] {
        let body = app
            .get(&format!("/api/v1/certificates?after={after}"), Some(&admin))
            .await
            .expect(422);
        assert_eq!(Reply::fields(&body), ["after"], "{after}");
    }
    for (query, field) in [
        ("district=BS14DJ", "district"),
        ("district=B-1", "district"),
    ] {
        let body = app
            .get(&format!("/api/v1/certificates?{query}"), Some(&admin))
            .await
            .expect(422);
        assert_eq!(Reply::fields(&body), [field], "{query}");
    }
    // The old offset paging is gone: an unknown parameter.
    let body = app
        .get("/api/v1/certificates?offset=20", Some(&admin))
        .await
        .expect(400);
    assert_eq!(Reply::fields(&body), ["offset"]);
}

#[tokio::test]
async fn operators_search_only_their_own_by_every_filter() {
    let app = spawn_app().await;
    let r = register(&app).await;
    let search = |token: &str, query: &str| {
        let path = format!("/api/v1/certificates?{query}");
        let app = &app;
        let token = token.to_string();
        async move { numbers(&app.get(&path, Some(&token)).await.ok()) }
    };
    assert_eq!(
        search(&r.quayside, "").await,
        [r.arts.as_str(), r.riverside.as_str()]
    );
    assert_eq!(search(&r.quayside, "q=hall").await, [r.riverside.as_str()]);
    assert_eq!(
        search(&r.quayside, "district=BS10").await,
        [r.arts.as_str()]
    );
    assert_eq!(search(&r.northern, "q=hall").await, [r.church.as_str()]);
    for query in [
        "district=BS1".to_string(),
        "postcode=bs1".to_string(),
        "q=riverside".to_string(),
        format!("q={}", r.riverside),
    ] {
        assert!(search(&r.northern, &query).await.is_empty(), "{query}");
    }
    // Paging stays inside the organisation.
    let (page, next) = get_page(&app, "/api/v1/certificates?limit=1", &r.quayside).await;
    assert_eq!(page, [r.arts.as_str()]);
    let (page, next) = get_page(&app, &next.expect("a next page"), &r.quayside).await;
    assert_eq!(page, [r.riverside.as_str()]);
    assert!(next.is_none());
}

/// A page as the signed-in holder of `token` sees it: (status, HTML).
async fn page(app: &TestApp, token: &str, path: &str) -> (u16, String) {
    let res = app
        .client
        .get(app.url(path))
        .header(reqwest::header::COOKIE, format!("pc_session={token}"))
        .send()
        .await
        .expect("page");
    (res.status().as_u16(), res.text().await.expect("html"))
}

#[tokio::test]
async fn the_police_page_searches_by_district_and_pages_on() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (advisor, _) = app.advisor(&admin, &["building"], None).await;
    let (operator, _) = app.operator("Many Halls Ltd").await;
    // 21 certificates in BS1 (a page holds 20), one in BS10.
    for i in 0..21 {
        certify(
            &app,
            &operator,
            &advisor,
            &format!("Gate Hall {i:02}"),
            "BS1 4DJ",
        )
        .await;
    }
    certify(&app, &operator, &advisor, "Far Hall", "BS10 5AB").await;
    let police = app.police(&admin).await;
    let (status, html) = page(&app, &police, "/police?district=bs1").await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("class=\"card result\"").count(), 20);
    assert!(!html.contains("Far Hall"));
    let next = html
        .split("href=\"")
        .filter_map(|s| s.split_once('"'))
        .find(|(_, rest)| rest.starts_with(">Next page<"))
        .map(|(href, _)| href.replace("&amp;", "&").replace("&#38;", "&"))
        .expect("a Next page link");
    assert!(
        next.starts_with("/police?") && next.contains("after="),
        "{next}"
    );
    let (status, html) = page(&app, &police, &next).await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("class=\"card result\"").count(), 1);
    assert!(html.contains("Gate Hall 00"), "the oldest is last");
    assert!(!html.contains(">Next page<"));
    assert!(html.contains(">First page<"));
    // A cursor typed by hand is an error on the form, not a crash.
    let (status, _) = page(&app, &police, "/police?district=BS1&after=garbage").await;
    assert_eq!(status, 422);
}

/// The SQL the register search runs for `search` (as the application sends it).
fn search_sql(conn: &mut DbConnection, search: &Search) -> String {
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = seen.clone();
    conn.set_instrumentation(move |event: diesel::connection::InstrumentationEvent<'_>| {
        if let diesel::connection::InstrumentationEvent::StartQuery { query, .. } = event {
            sink.lock().expect("lock").push(query.to_string());
        }
    });
    protectcert::db::certificates::search(conn, &OrgScope::All, search, None, 21).expect("search");
    conn.set_instrumentation(|_: diesel::connection::InstrumentationEvent<'_>| {});
    let seen = seen.lock().expect("lock");
    // A name search's own statement reads the terms (the certificates are then
    // loaded by number); the others read the register.
    let sql = seen
        .iter()
        .rev()
        .find(|q| q.contains("certificate_terms.number AS number"))
        .or_else(|| {
            seen.iter()
                .rev()
                .find(|q| q.contains("FROM `certificates`") || q.contains("FROM \"certificates\""))
        })
        .unwrap_or_else(|| panic!("no search among {seen:?}"));
    sql.split(" -- binds:").next().unwrap_or(sql).to_string()
}

#[derive(QueryableByName)]
struct SqlitePlanRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct PgPlanRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    #[diesel(column_name = "QUERY PLAN")]
    plan: String,
}

/// The query plan of `sql`, one line a step (parameters unbound: the generic plan).
fn plan(conn: &mut DbConnection, sql: &str, price_out_sorts: bool) -> String {
    match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<SqlitePlanRow>(c)
            .expect("explain")
            .into_iter()
            .map(|r| r.detail)
            .collect::<Vec<_>>()
            .join("\n"),
        DbConnection::Postgres(c) => {
            // A tiny table is cheaper to scan; the question is whether the index
            // serves the search, so scans are priced out, and the plan is the
            // generic one every execution would use.
            diesel::sql_query("SET enable_seqscan = off")
                .execute(c)
                .expect("set");
            // Likewise sorting a handful of rows is cheaper than reading them in
            // order; priced out (when asked), a sort left in the plan is one no
            // index avoids.
            let sorts = if price_out_sorts { "off" } else { "on" };
            diesel::sql_query(format!("SET enable_sort = {sorts}"))
                .execute(c)
                .expect("set");
            diesel::sql_query("SET plan_cache_mode = force_generic_plan")
                .execute(c)
                .expect("set");
            diesel::sql_query("DEALLOCATE ALL")
                .execute(c)
                .expect("deallocate");
            let params = (1..=64)
                .take_while(|i| sql.contains(&format!("${i}")))
                .count();
            diesel::sql_query(format!("PREPARE explained AS {sql}"))
                .execute(c)
                .expect("prepare");
            let nulls = vec!["NULL"; params].join(", ");
            let args = if params == 0 {
                String::new()
            } else {
                format!("({nulls})")
            };
            let rows = diesel::sql_query(format!("EXPLAIN EXECUTE explained{args}"))
                .load::<PgPlanRow>(c)
                .expect("explain");
            diesel::sql_query("DEALLOCATE explained")
                .execute(c)
                .expect("deallocate");
            rows.into_iter()
                .map(|r| r.plan)
                .collect::<Vec<_>>()
                .join("\n")
        }
    }
}

#[tokio::test]
async fn each_search_is_served_by_its_index() {
    let app = spawn_app().await;
    // A name to find (a word that begins no term is answered without a search).
    register(&app).await;
    let mut conn = app.db.get().expect("conn");
    let conn: &mut DbConnection = &mut conn;
    for (search, index) in [
        (
            Search {
                postcode: Some("BS14".into()),
                ..Search::default()
            },
            "certificates_postcode_key",
        ),
        (
            Search {
                district: Some("BS1".into()),
                ..Search::default()
            },
            "certificates_district",
        ),
        (
            Search {
                text: Some(NameOrNumber::Words(vec!["riv".into()])),
                ..Search::default()
            },
            "certificate_terms",
        ),
        (Search::default(), "certificates_newest"),
    ] {
        let sql = search_sql(conn, &search);
        let words = matches!(search.text, Some(NameOrNumber::Words(_)));
        let plan = plan(conn, &sql, words);
        assert!(
            plan.contains(index),
            "{search:?} should use {index}:\n{plan}\n{sql}"
        );
        // Walking the whole register in issue order is right for the unfiltered
        // search only (it stops after a page); a filter must seek.
        let unfiltered = search == Search::default();
        let scans_table = plan.lines().any(|l| {
            l.contains("Seq Scan on certificates")
                || (!unfiltered && l.trim_start().starts_with("SCAN certificates"))
                || (!unfiltered && l.contains("using certificates_newest"))
        });
        assert!(!scans_table, "{search:?} scans the register:\n{plan}");
        // Issue 12: a name word is read in the index's order, never sorted.
        if words {
            let sorts = plan
                .lines()
                .any(|l| l.contains("TEMP B-TREE FOR ORDER BY") || l.contains("Sort"));
            assert!(!sorts, "{search:?} sorts its matches:\n{plan}\n{sql}");
        }
    }
}

// Issue 12 (police search by name at a million certificates): a word is read term
// by term, newest first, the runs merged; the answers are the register's own
// order, as if every certificate were read and filtered.

/// Every certificate in the register as `token` sees it, newest first: (number,
/// premises name).
async fn everything(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let body = app
        .get("/api/v1/certificates?limit=200", Some(token))
        .await
        .ok();
    body.as_array()
        .expect("a list")
        .iter()
        .map(|c| {
            (
                c["number"].as_str().expect("number").to_string(),
                c["premises_name"].as_str().expect("name").to_string(),
            )
        })
        .collect()
}

/// What a name search for `query` must answer, from the whole register: every
/// word of the query begins a word of the name; the register's order.
fn expected(all: &[(String, String)], query: &str) -> Vec<String> {
    let asked = protectcert::domain::search_keys::words(query);
    all.iter()
        .filter(|(_, name)| {
            let held = protectcert::domain::search_keys::words(name);
            asked
                .iter()
                .all(|a| held.iter().any(|h| h.starts_with(a.as_str())))
        })
        .map(|(number, _)| number.clone())
        .collect()
}

/// Every page of `query` at `limit` a page, followed by its next links.
async fn walk(app: &TestApp, token: &str, query: &str, limit: usize) -> Vec<String> {
    let mut walked = Vec::new();
    let mut path = format!("/api/v1/certificates?{query}&limit={limit}");
    for _ in 0..100 {
        let (page, next) = get_page(app, &path, token).await;
        assert!(page.len() <= limit);
        walked.extend(page);
        match next {
            Some(next) => path = next,
            None => return walked,
        }
    }
    panic!("{query}: more than 100 pages");
}

/// Names whose words `hal` begins in five distinct terms (hall, hallam, halls,
/// halo, halifax), one name holding two of them, among others that it does not.
const HAL_NAMES: [(&str, &str); 9] = [
    ("Hall Green Library", "BS1 4DJ"),
    ("Hallam Arena", "BS1 4DJ"),
    ("Shalom Centre", "BS1 4DJ"),
    ("Halo Hall", "M1 1AE"),
    ("Green Halls", "BS1 4DJ"),
    ("Old Mill", "M1 1AE"),
    ("Halifax Minster", "BS10 5AB"),
    ("Hallam Green", "M1 1AE"),
    ("Hall", "BS1 4DJ"),
];

/// The names above, the first five Quayside's and the rest Northern's, three of
/// them (across three terms) issued at one instant.
async fn hal_register(app: &TestApp) -> (String, String, String) {
    let admin = app.admin().await;
    let (advisor, _) = app.advisor(&admin, &["building"], None).await;
    let police = app.police(&admin).await;
    let (quayside, _) = app.operator("Quayside Venues Ltd").await;
    let (northern, _) = app.operator("Northern Halls plc").await;
    let mut issued = Vec::new();
    for (i, (name, postcode)) in HAL_NAMES.iter().enumerate() {
        let operator = if i < 5 { &quayside } else { &northern };
        issued.push(certify(app, operator, &advisor, name, postcode).await);
    }
    // Hallam Arena, Halo Hall and Halifax Minster: one issue time, so that their
    // order (and a page boundary among them) is the number's.
    issue_together(app, &[&issued[1], &issued[3], &issued[6]]);
    (police, quayside, northern)
}

#[tokio::test]
async fn a_word_beginning_several_terms_finds_the_newest_across_them_all() {
    let app = spawn_app().await;
    let (police, _, _) = hal_register(&app).await;
    let all = everything(&app, &police).await;
    assert_eq!(all.len(), HAL_NAMES.len());
    let search = |query: String| {
        let path = format!("/api/v1/certificates?{query}");
        let app = &app;
        let police = &police;
        async move { numbers(&app.get(&path, Some(police)).await.ok()) }
    };
    for query in [
        "hal", "HA", "h", "hall", "hallam", "halo", "halls", "g", "zzz",
    ] {
        let want = expected(&all, query);
        assert_eq!(search(format!("q={query}")).await, want, "q={query}");
        // A short page is the newest of them.
        let got = search(format!("q={query}&limit=2")).await;
        assert_eq!(got, want[..want.len().min(2)], "q={query}&limit=2");
    }
    // Seven of the nine, Halo Hall once though it holds two of the terms.
    assert_eq!(expected(&all, "hal").len(), 7);
    // The other filters still apply to every term's run.
    for (filters, keep) in [
        ("district=BS1", "BS1 4DJ"),
        ("postcode=bs10", "BS10 5AB"),
        ("district=M1", "M1 1AE"),
    ] {
        let want: Vec<String> = expected(&all, "hal")
            .into_iter()
            .filter(|n| {
                let i = all.iter().position(|(m, _)| m == n).expect("listed");
                let name = &all[i].1;
                HAL_NAMES.iter().any(|(h, p)| h == name && *p == keep)
            })
            .collect();
        assert!(!want.is_empty(), "{filters}");
        assert_eq!(search(format!("q=hal&{filters}")).await, want, "{filters}");
    }
    assert_eq!(
        search("q=hal&status=valid".into()).await,
        expected(&all, "hal")
    );
    assert!(search("q=hal&status=revoked".into()).await.is_empty());
}

#[tokio::test]
async fn pages_of_a_word_across_terms_hold_every_match_once() {
    let app = spawn_app().await;
    let (police, _, _) = hal_register(&app).await;
    let all = everything(&app, &police).await;
    for query in ["hal", "h", "hal%20gre", "gre%20hal"] {
        let want = expected(&all, &query.replace("%20", " "));
        for limit in [1, 2, 3, 4] {
            let walked = walk(&app, &police, &format!("q={query}"), limit).await;
            assert_eq!(walked, want, "q={query}, {limit} a page");
        }
    }
}

#[tokio::test]
async fn several_words_are_each_matched_whichever_drives() {
    let app = spawn_app().await;
    let (police, _, _) = hal_register(&app).await;
    let all = everything(&app, &police).await;
    let search = |query: &str| {
        let path = format!("/api/v1/certificates?{query}");
        let app = &app;
        let police = &police;
        async move { numbers(&app.get(&path, Some(police)).await.ok()) }
    };
    for query in [
        "hal gre",
        "gre hal",
        "green hallam",
        "hall green",
        "halo hall",
        "hall halo",
        "hal h",
        "hal mill",
        "arena hallam green",
        "minster h",
    ] {
        let want = expected(&all, query);
        let got = search(&format!("q={}", query.replace(' ', "%20"))).await;
        assert_eq!(got, want, "q={query}");
    }
    assert_eq!(expected(&all, "hal gre").len(), 3);
    assert_eq!(expected(&all, "halo hall").len(), 1);
    assert!(expected(&all, "hal mill").is_empty());
}

/// Every stored term, in order: (term, number).
fn all_terms(app: &TestApp) -> Vec<(String, String)> {
    use protectcert::db::schema::certificate_terms;
    let mut conn = app.db.get().expect("conn");
    certificate_terms::table
        .select((certificate_terms::term, certificate_terms::number))
        .order((certificate_terms::term, certificate_terms::number))
        .load(&mut *conn)
        .expect("terms")
}

#[tokio::test]
async fn the_migration_gives_issued_certificates_the_pair_terms_an_issue_gives() {
    use diesel::connection::SimpleConnection;
    let app = spawn_app().await;
    let (police, quayside, _) = hal_register(&app).await;
    let admin = app.admin().await;
    let (advisor, _) = app.advisor(&admin, &["building"], None).await;
    // Seventeen words: no pairs, the mark.
    let long = "A Bb Cc Dd Ee Ff Gg Hh Ii Jj Kk Ll Mm Nn Oo Pp Hall";
    let long_number = certify(&app, &quayside, &advisor, long, "BS1 4DJ").await;
    let issued = all_terms(&app);
    let pairs = issued.iter().filter(|(t, _)| t.starts_with('&')).count();
    // Nine names of one to three words (0 + 1 + 3 pairs each) and the mark.
    assert!(pairs > 9, "{pairs} pair terms written at issue");
    assert!(issued.contains(&(
        protectcert::domain::search_keys::UNPAIRED.to_string(),
        long_number.clone()
    )));
    // As before the migration, then the migration itself.
    let sql = {
        let mut conn = app.db.get().expect("conn");
        diesel::delete(
            protectcert::db::schema::certificate_terms::table
                .filter(protectcert::db::schema::certificate_terms::term.ge("&"))
                .filter(protectcert::db::schema::certificate_terms::term.lt("'")),
        )
        .execute(&mut *conn)
        .expect("delete pairs");
        let backend = match &*conn {
            DbConnection::Sqlite(_) => "sqlite",
            DbConnection::Postgres(_) => "postgres",
        };
        let path = format!(
            "{}/migrations/{backend}/2026-12-02-000068_pair_terms/up.sql",
            env!("CARGO_MANIFEST_DIR")
        );
        let sql = std::fs::read_to_string(&path).expect("the migration");
        conn.batch_execute(&sql).expect("the migration runs");
        sql
    };
    assert!(sql.contains("&+"));
    assert_eq!(
        all_terms(&app),
        issued,
        "the migration's terms are the issue's"
    );
    let all = everything(&app, &police).await;
    for query in [
        "hall%20green",
        "green%20hall",
        "hall%20pp",
        "a%20hall",
        "zz%20hall",
    ] {
        let want = expected(&all, &query.replace("%20", " "));
        let got = numbers(
            &app.get(&format!("/api/v1/certificates?q={query}"), Some(&police))
                .await
                .ok(),
        );
        assert_eq!(got, want, "q={query}");
    }
    assert_eq!(expected(&all, "pp hall"), [long_number]);
}

#[tokio::test]
async fn a_word_across_terms_stays_inside_the_operators_organisation() {
    let app = spawn_app().await;
    let (police, quayside, northern) = hal_register(&app).await;
    let all = everything(&app, &police).await;
    for (token, own) in [(&quayside, &HAL_NAMES[..5]), (&northern, &HAL_NAMES[5..])] {
        let theirs: Vec<(String, String)> = all
            .iter()
            .filter(|(_, name)| own.iter().any(|(n, _)| n == name))
            .cloned()
            .collect();
        assert_eq!(everything(&app, token).await, theirs);
        for query in ["hal", "h", "hal%20gre", "green"] {
            let want = expected(&theirs, &query.replace("%20", " "));
            assert!(!want.is_empty(), "{query}");
            assert_eq!(
                walk(&app, token, &format!("q={query}"), 1).await,
                want,
                "q={query}"
            );
        }
    }
    // Neither sees the other's by name.
    assert!(
        numbers(
            &app.get("/api/v1/certificates?q=halifax", Some(&quayside))
                .await
                .ok()
        )
        .is_empty()
    );
}

/// Gives the certificate `number` the made-up terms `prefix00000`, … (one for
/// each of `range`), as a name of that many distinct words would.
fn give_terms(app: &TestApp, number: &str, prefix: &str, range: std::ops::Range<usize>) {
    use protectcert::db::schema::{certificate_terms, certificates};
    let mut conn = app.db.get().expect("conn");
    let issued_at: time::PrimitiveDateTime = certificates::table
        .filter(certificates::number.eq(number))
        .select(certificates::issued_at)
        .first(&mut *conn)
        .expect("certificate");
    // As the words of a name would be written (too many for pair terms: the
    // certificate is marked unpaired, once however often it is given terms).
    let words: Vec<String> = range.map(|i| format!("{prefix}{i:05}")).collect();
    let terms = protectcert::domain::search_keys::name_terms(&words.join(" "));
    assert_eq!(
        terms.last().map(String::as_str),
        Some(protectcert::domain::search_keys::UNPAIRED)
    );
    let rows: Vec<_> = terms
        .iter()
        .map(|term| {
            (
                certificate_terms::term.eq(term),
                certificate_terms::issued_at.eq(issued_at),
                certificate_terms::number.eq(number),
            )
        })
        .collect();
    let insert = diesel::insert_into(certificate_terms::table).values(&rows);
    match &mut *conn {
        DbConnection::Sqlite(c) => insert.on_conflict_do_nothing().execute(c),
        DbConnection::Postgres(c) => insert.on_conflict_do_nothing().execute(c),
    }
    .expect("terms");
}

#[tokio::test]
async fn a_word_beginning_more_terms_than_are_merged_is_still_answered_in_order() {
    let app = spawn_app().await;
    let (police, _, _) = hal_register(&app).await;
    let all = everything(&app, &police).await;
    let (newest, middle, oldest) = (&all[0].0, &all[4].0, &all[8].0);
    // 60 distinct terms (more than are merged, few matches) and 6,000 (more
    // than are collected: the register is walked).
    give_terms(&app, oldest, "zqa", 0..30);
    give_terms(&app, newest, "zqa", 30..60);
    give_terms(&app, middle, "zqb", 0..3000);
    give_terms(&app, oldest, "zqb", 3000..6000);
    let search = |query: &str| {
        let path = format!("/api/v1/certificates?{query}");
        let app = &app;
        let police = &police;
        async move { numbers(&app.get(&path, Some(police)).await.ok()) }
    };
    assert_eq!(search("q=zqa").await, [newest.clone(), oldest.clone()]);
    assert_eq!(search("q=zqb").await, [middle.clone(), oldest.clone()]);
    assert_eq!(
        search("q=zq").await,
        [newest.clone(), middle.clone(), oldest.clone()]
    );
    assert_eq!(search("q=zqa00031").await, std::slice::from_ref(newest));
    assert_eq!(
        walk(&app, &police, "q=zq", 1).await,
        [newest.clone(), middle.clone(), oldest.clone()]
    );
    assert_eq!(
        walk(&app, &police, "q=zqb", 1).await,
        [middle.clone(), oldest.clone()]
    );
    // With a word of the name beside them.
    let oldest_name = protectcert::domain::search_keys::words(&all[8].1);
    let q = format!("q=zq%20{}", oldest_name[0]);
    let want: Vec<String> = [newest, middle, oldest]
        .into_iter()
        .filter(|n| expected(&all, &oldest_name[0]).contains(n))
        .cloned()
        .collect();
    assert_eq!(search(&q).await, want, "{q}");
    // And with the filters on the register.
    let in_bs1 = |n: &String| {
        let name = &all.iter().find(|(m, _)| m == n).expect("listed").1;
        HAL_NAMES
            .iter()
            .any(|(h, p)| h == name && p.starts_with("BS1 "))
    };
    for word in ["zqa", "zqb", "zq"] {
        let want: Vec<String> = search(&format!("q={word}"))
            .await
            .into_iter()
            .filter(in_bs1)
            .collect();
        assert_eq!(
            search(&format!("q={word}&district=BS1")).await,
            want,
            "{word}"
        );
    }
}
