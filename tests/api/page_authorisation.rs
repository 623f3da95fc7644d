//! Every page × every role, including an operator of another organisation and an
//! advisor who is not assigned: the rules of the API, since pages call the same
//! service functions. 303 without a session is the way to the login page (or, for
//! a signed-in role with no business on a role's home, the way to its own). Pages
//! that only accept a form (POST) are listed apart: their access is the service
//! function's, tested in the API matrix, and their CSRF check in pages.rs.

use std::collections::BTreeSet;

use reqwest::redirect::Policy;
use serde_json::json;

use crate::helpers::{certified_scheme, spawn_app};

const ROLES: [&str; 7] = [
    "anonymous",
    "operator",
    "other operator",
    "assigned advisor",
    "other advisor",
    "police",
    "admin",
];

/// Form actions: POST only, no page of their own.
const FORM_ACTIONS: &[&str] = &[
    "/logout",
    "/admin/advisors/{id}/renew",
    "/admin/advisors/{id}/status",
    "/admin/certificates/{number}/status",
    "/advisor/applications/{id}/claim",
    "/advisor/applications/{id}/complete",
    "/operator/applications/{id}/evidence",
    "/operator/premises/{id}/apply",
    "/operator/premises/{id}/renew",
    "/operator/applications/{id}/withdraw",
    // Part 4 (advisor oversight).
    "/admin/reviews/{id}/confirm",
    "/admin/reviews/{id}/reassess",
    // Issue 11 part 5: fire safety on file.
    "/operator/premises/{id}/fire-safety",
    "/operator/premises/{id}/fire-safety/evidence",
    // issue 11 part 2: appeals
    "/operator/applications/{id}/appeal",
    "/operator/applications/{id}/reply",
    "/advisor/appeals/{id}/claim",
    "/advisor/appeals/{id}/decide",
];

/// The page paths the web adapter registers (read from its source, so a new page
/// cannot be added without a row here).
fn registered_pages() -> BTreeSet<String> {
    fn walk(dir: &std::path::Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("src/web").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source");
                for part in text.split("resource(\"").skip(1) {
                    if let Some(end) = part.find('"') {
                        out.insert(part[..end].to_string());
                    }
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web"),
        &mut out,
    );
    out.retain(|p| !p.starts_with("/static/"));
    out
}

fn template_of(path: &str, templates: &BTreeSet<String>) -> Option<String> {
    let path = path.split('?').next().unwrap_or(path);
    templates
        .iter()
        .find(|t| {
            let (t, p): (Vec<&str>, Vec<&str>) =
                (t.split('/').collect(), path.split('/').collect());
            t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t.starts_with('{') || t == p)
        })
        .cloned()
}

#[tokio::test]
async fn every_page_for_every_role() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let (other_operator, _) = app.operator("Someone Else Ltd").await;
    let (other_advisor, _) = app
        .advisor(&scheme.admin, &["building", "event"], None)
        .await;
    let police = app.police(&scheme.admin).await;
    let tokens: [Option<&str>; 7] = [
        None,
        Some(&scheme.operator),
        Some(&other_operator),
        Some(&scheme.advisor),
        Some(&other_advisor),
        Some(&police),
        Some(&scheme.admin),
    ];
    // A draft with one file, for the operator's application pages.
    let premises_id = scheme.premises["id"].as_str().expect("id").to_string();
    let second = app.building(&scheme.operator, 260).await;
    let second_id = second["id"].as_str().expect("id").to_string();
    let draft = app
        .post(
            "/api/v1/applications",
            Some(&scheme.operator),
            json!({"premises_id": second_id}),
        )
        .await
        .expect(201);
    let draft_id = draft["id"].as_str().expect("id").to_string();
    let section = draft["items"][0]["section"]
        .as_str()
        .expect("section")
        .to_string();
    let evidence = app
        .attach(
            &scheme.operator,
            &draft_id,
            draft["items"][0]["id"].as_str(),
        )
        .await;
    let evidence_id = evidence["id"].as_str().expect("id").to_string();
    // Issue 11 part 5: a fire safety evidence file on the certified premises.
    let fire_evidence_id = app
        .attach_fire_safety(&scheme.operator, &premises_id)
        .await
        .expect(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let completed = scheme.application["id"].as_str().expect("id").to_string();
    let number = scheme.number().to_string();
    let advisor_id = scheme.advisor_id.clone();
    // Part 3: an enhanced building assessed by the assigned advisor, awaiting sign-off.
    let enhanced = app.building(&scheme.operator, 900).await;
    let enhanced = app
        .answered_application(&scheme.operator, enhanced["id"].as_str().expect("id"))
        .await;
    app.assess_until_sign_off(&scheme.operator, &scheme.advisor, &enhanced, |item| {
        item["max_score"].clone()
    })
    .await;
    let awaiting = enhanced["id"].as_str().expect("id").to_string();

    // Part 1 of issue 11: a certificate with a condition whose evidence is in.
    let conditional = app.building(&scheme.operator, 300).await;
    let (_, with_condition) = app
        .conditional_certificate(&scheme.operator, &scheme.advisor, &conditional)
        .await;
    let cnum = with_condition["certificate"]["number"]
        .as_str()
        .expect("number")
        .to_string();
    let record = app
        .get(&format!("/api/v1/certificates/{cnum}"), Some(&scheme.admin))
        .await
        .ok();
    let cid = record["conditions"][0]["id"]
        .as_str()
        .expect("condition")
        .to_string();
    let submitted = app
        .submit_condition_evidence(&scheme.operator, &cnum, &cid, Some("matrix"))
        .await
        .expect(201);
    let cevidence = submitted["history"][1]["evidence"]["id"]
        .as_str()
        .expect("evidence id")
        .to_string();

    // Part 4 (advisor oversight): a certificate flagged for review.
    let review_id = crate::oversight::flagged_review(&app, &scheme).await;
    // issue 11 part 2: a refusal by the assigned advisor, appealed with evidence.
    let (refused, _) = app
        .assessed_with(
            &scheme.operator,
            &scheme.advisor,
            &[(crate::helpers::APPEAL_ITEM, 0)],
        )
        .await;
    let appeal = app
        .appeal(
            &scheme.operator,
            refused["id"].as_str().expect("id"),
            &[crate::helpers::APPEAL_ITEM],
        )
        .await;
    let appeal_id = appeal["id"].as_str().expect("id").to_string();
    let appeal_evidence = app.attach_to_appeal(&scheme.operator, &appeal_id).await;
    let appeal_evidence_id = appeal_evidence["id"].as_str().expect("id").to_string();

    let pub_all = [200; 7];
    let admin_only = [303, 403, 403, 403, 403, 403, 200];
    let matrix: Vec<(String, [u16; 7])> = vec![
        ("/".into(), pub_all),
        ("/login".into(), pub_all),
        ("/signup".into(), pub_all),
        ("/verify".into(), pub_all),
        (format!("/verify?number={number}"), pub_all),
        ("/password/forgot".into(), pub_all),
        ("/password/reset/not-a-real-token".into(), pub_all),
        ("/v/not-a-real-token".into(), pub_all),
        (format!("/renew/{premises_id}"), pub_all),
        // Part 4 (advisor oversight): the public advisor register.
        ("/advisors".into(), pub_all),
        // The operator's pages: another organisation's records read as not found.
        ("/operator".into(), [303, 200, 200, 303, 303, 303, 303]),
        ("/operator/team".into(), [303, 200, 200, 403, 403, 403, 403]),
        (
            "/operator/premises/new".into(),
            [303, 200, 200, 403, 403, 403, 403],
        ),
        (
            format!("/operator/premises/{premises_id}"),
            [303, 200, 404, 403, 403, 403, 200],
        ),
        (
            format!("/operator/premises/{second_id}/edit"),
            [303, 200, 404, 403, 403, 403, 403],
        ),
        (
            format!("/operator/applications/{draft_id}"),
            [303, 200, 404, 404, 404, 403, 200],
        ),
        (
            format!("/operator/applications/{draft_id}/sections/{section}"),
            [303, 200, 404, 404, 404, 403, 200],
        ),
        (
            format!("/operator/applications/{draft_id}/submit"),
            [303, 200, 404, 404, 404, 403, 200],
        ),
        (
            format!("/operator/applications/{draft_id}/evidence/{evidence_id}"),
            [303, 200, 404, 404, 404, 403, 200],
        ),
        (
            format!("/operator/certificates/{number}/pdf"),
            [303, 200, 404, 403, 403, 200, 200],
        ),
        // Issue 11 part 5: fire safety evidence, as the premises are read.
        (
            format!("/operator/premises/{premises_id}/fire-safety/evidence/{fire_evidence_id}"),
            [303, 200, 404, 403, 403, 403, 200],
        ),
        // The advisor's pages (and their evidence: the assigned advisor only).
        ("/advisor".into(), [303, 403, 403, 200, 200, 403, 403]),
        (
            format!("/advisor/applications/{completed}"),
            [303, 403, 403, 200, 404, 403, 200],
        ),
        (
            format!("/advisor/applications/{completed}/preview"),
            [303, 403, 403, 303, 404, 403, 303],
        ),
        (
            format!("/advisor/applications/{draft_id}/evidence/{evidence_id}"),
            [303, 200, 404, 404, 404, 403, 200],
        ),
        // Part 3: the sign-off queue and page: reviewers only, never the assessor.
        ("/sign-offs".into(), [303, 403, 403, 200, 200, 403, 200]),
        (
            format!("/sign-offs/{awaiting}"),
            [303, 403, 403, 403, 200, 403, 200],
        ),
        // The police pages: operators see only their own organisation's records.
        ("/police".into(), [303, 200, 200, 403, 403, 200, 200]),
        (
            format!("/police/certificates/{number}"),
            [303, 200, 404, 403, 403, 200, 200],
        ),
        // Part 1 of issue 11: the operator's condition page, the advisor's review
        // list and page (the raising advisor's), the evidence for whoever reads the
        // record and the reviewer.
        (
            format!("/operator/certificates/{cnum}/conditions/{cid}"),
            [303, 200, 404, 403, 403, 403, 403],
        ),
        (
            "/advisor/conditions".into(),
            [303, 403, 403, 200, 200, 403, 403],
        ),
        (
            format!("/advisor/conditions/{cnum}/{cid}"),
            [303, 403, 403, 200, 403, 403, 403],
        ),
        (
            format!("/certificates/{cnum}/conditions/{cid}/evidence/{cevidence}"),
            [303, 200, 404, 200, 404, 200, 200],
        ),
        // The admin's pages: admins only.
        ("/admin".into(), admin_only),
        ("/admin/advisors".into(), admin_only),
        ("/admin/advisors/new".into(), admin_only),
        (format!("/admin/advisors/{advisor_id}"), admin_only),
        ("/admin/users".into(), admin_only),
        ("/admin/users/new".into(), admin_only),
        ("/admin/certificates".into(), admin_only),
        (format!("/admin/certificates/{number}"), admin_only),
        ("/admin/audit".into(), admin_only),
        ("/admin/outbox".into(), admin_only),
        // Part 4 (advisor oversight).
        ("/admin/reviews".into(), admin_only),
        ("/admin/reviews?status=resolved".into(), admin_only),
        (format!("/admin/reviews/{review_id}"), admin_only),
        // issue 11 part 2: appeals. The assigned advisor made the assessment
        // appealed against; the other advisor may review it.
        ("/admin/appeals".into(), admin_only),
        (
            "/advisor/appeals".into(),
            [303, 403, 403, 200, 200, 403, 403],
        ),
        (
            format!("/advisor/appeals/{appeal_id}"),
            [303, 200, 404, 404, 200, 403, 200],
        ),
        (
            format!("/advisor/appeals/{appeal_id}/evidence/{appeal_evidence_id}"),
            [303, 200, 404, 404, 404, 403, 200],
        ),
        (
            format!("/operator/appeals/{appeal_id}/evidence/{appeal_evidence_id}"),
            [303, 200, 404, 404, 404, 403, 200],
        ),
    ];

    let client = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client");
    let mut failures = Vec::new();
    for (path, expected) in &matrix {
        for (col, want) in expected.iter().enumerate() {
            let mut req = client.get(app.url(path));
            if let Some(t) = tokens[col] {
                req = req.header("Cookie", format!("pc_session={t}"));
            }
            let res = req.send().await.expect("request");
            let got = res.status().as_u16();
            let html = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| {
                    t.starts_with("text/html")
                        || t.starts_with("application/pdf")
                        || t.starts_with("application/octet-stream")
                });
            if got != 303 && !html {
                failures.push(format!("GET {path} as {}: not a page ({got})", ROLES[col]));
            }
            let anonymous_goes_to_login = col != 0
                || got != 303
                || res
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .is_some_and(|l| l.starts_with("/login?next="));
            if got != *want || !anonymous_goes_to_login {
                failures.push(format!(
                    "GET {path} as {}: want {want}, got {got}",
                    ROLES[col]
                ));
            }
            // Another organisation never sees the first one's premises by name
            // (beyond what the public check shows anyone).
            let role_page = ["/operator", "/advisor", "/police", "/admin"]
                .iter()
                .any(|p| path.starts_with(p));
            if col == 2 && got == 200 && role_page {
                let body = res.text().await.expect("body");
                if body.contains(scheme.premises["name"].as_str().unwrap_or("?")) {
                    failures.push(format!(
                        "GET {path} as other operator shows the first organisation's premises"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "page authorisation failures:\n{}",
        failures.join("\n")
    );

    // Every registered page is in the matrix, or is a form action.
    let templates = registered_pages();
    let covered: BTreeSet<String> = matrix
        .iter()
        .filter_map(|(p, _)| template_of(p, &templates))
        .chain(FORM_ACTIONS.iter().map(|s| s.to_string()))
        .collect();
    let missing: Vec<&String> = templates.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "pages missing from the matrix: {missing:?}"
    );
}
