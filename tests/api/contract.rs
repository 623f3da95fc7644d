//! The OpenAPI document tells the truth about the API: errors are documented as
//! problem+json where they happen, request limits are in the schemas, and
//! responses fit theirs. (`tests/contract/run.sh` checks the same at length with
//! schemathesis, anonymously and as each role.)

use serde_json::{Value, json};

use crate::helpers::{Reply, certified_scheme, spawn_app};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// (method, path, operation) for every documented operation.
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                all.push((method.to_string(), path.clone(), op));
            }
        }
    }
    all
}

fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
    let s = &doc["components"]["schemas"][name];
    assert!(s.is_object(), "no schema {name}");
    s
}

fn param<'a>(op: &'a Value, name: &str) -> &'a Value {
    op["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .map(|p| &p["schema"])
        .unwrap_or_else(|| panic!("no parameter {name}"))
}

async fn document() -> Value {
    let app = spawn_app().await;
    app.get("/api/v1/openapi.json", None).await.ok()
}

#[tokio::test]
async fn every_documented_error_is_problem_json() {
    let doc = document().await;
    for (method, path, op) in operations(&doc) {
        for (status, response) in op["responses"].as_object().expect("responses") {
            if !status.starts_with(['4', '5']) || path == "/healthz" {
                continue;
            }
            let content = response["content"].as_object().expect("content");
            let types: Vec<&String> = content.keys().collect();
            assert_eq!(
                types,
                ["application/problem+json"],
                "{method} {path} {status}"
            );
            assert_eq!(
                content["application/problem+json"]["schema"]["$ref"],
                "#/components/schemas/Problem",
                "{method} {path} {status}"
            );
        }
    }
}

#[tokio::test]
async fn every_operation_documents_the_errors_of_the_http_layer() {
    let doc = document().await;
    for (method, path, op) in operations(&doc) {
        let has = |status: &str| op["responses"].get(status).is_some();
        let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let in_path = params.iter().any(|p| p["in"] == "path");
        if secured {
            assert!(has("401"), "{method} {path}: 401");
        }
        if op.get("requestBody").is_some() {
            for status in ["400", "413", "415"] {
                assert!(has(status), "{method} {path}: {status}");
            }
        }
        if in_path {
            assert!(has("400") && has("404"), "{method} {path}: 400 and 404");
        }
        assert!(has("500"), "{method} {path}: 500");
    }
    // What a handler refuses itself is documented on it.
    let paths = &doc["paths"];
    for (path, method, status) in [
        ("/api/v1/premises", "get", "422"),
        ("/api/v1/applications", "post", "403"),
        ("/api/v1/applications/{id}", "get", "403"),
        ("/api/v1/users", "post", "409"),
        ("/api/v1/advisors", "post", "409"),
        ("/api/v1/certificates/{number}", "get", "403"),
    ] {
        assert!(
            paths[path][method]["responses"].get(status).is_some(),
            "{method} {path}: {status}"
        );
    }
    // The limited public operations say how long to wait.
    for (path, method) in [
        ("/api/v1/verify/{number}", "get"),
        ("/api/v1/verify/token/{token}", "get"),
        ("/api/v1/auth/login", "post"),
    ] {
        let r429 = &paths[path][method]["responses"]["429"];
        assert!(
            r429["headers"]["Retry-After"].is_object(),
            "{method} {path}: 429 with Retry-After"
        );
    }
}

#[tokio::test]
async fn request_limits_patterns_and_enums_are_in_the_schemas() {
    use protectcert::service::{certificates::status::MAX_REASON_CHARS, page::MAX_LIMIT};
    let doc = document().await;
    let premises = &schema(&doc, "PremisesInput")["properties"];
    assert_eq!(premises["capacity"]["minimum"], 1);
    assert_eq!(premises["capacity"]["maximum"], 1_000_000);
    assert_eq!(premises["name"]["maxLength"], 200);
    assert_eq!(premises["address"]["maxLength"], 500);
    assert!(premises["postcode"]["pattern"].is_string());
    assert_eq!(
        premises["kind"]["$ref"],
        "#/components/schemas/PremisesKind"
    );
    assert_eq!(
        schema(&doc, "PremisesKind")["enum"],
        json!(["building", "event"])
    );
    assert!(premises["name"]["pattern"].is_string(), "no blank names");
    assert_eq!(premises["event_start"]["format"], "date-time");

    // The password rule of the schema is the policy's: the shortest password the
    // policy takes is the schema's minLength, the longest its maxLength.
    let policy_takes = |n: usize| {
        let candidate: String = "Tq7vLm2xPz9kWb4nRc8hJd3f".chars().cycle().take(n).collect();
        protectcert::auth::password::check_policy(&candidate).is_ok()
    };
    let shortest = (1..200).find(|&n| policy_takes(n)).expect("some length");
    let longest = (shortest..2000).take_while(|&n| policy_takes(n)).last();
    for request in ["SignupRequest", "CreateUserRequest", "CreateAdvisorRequest"] {
        let password = &schema(&doc, request)["properties"]["password"];
        assert_eq!(password["minLength"], shortest, "{request}");
        assert_eq!(password["maxLength"], json!(longest), "{request}");
        let email = &schema(&doc, request)["properties"]["email"];
        assert_eq!(email["format"], "email", "{request}");
    }
    let role = &schema(&doc, "CreateUserRequest")["properties"]["role"];
    assert_eq!(role["pattern"], "^(police|admin)$");

    // A reason is required and as long as the service takes.
    let change = schema(&doc, "StatusChangeRequest");
    assert_eq!(change["required"], json!(["reason"]));
    assert_eq!(
        change["properties"]["reason"]["maxLength"],
        MAX_REASON_CHARS
    );

    // Paging bounds are the service's.
    let list = &doc["paths"]["/api/v1/premises"]["get"];
    assert_eq!(param(list, "limit")["maximum"], MAX_LIMIT);
    assert_eq!(param(list, "limit")["minimum"], 1);
    assert_eq!(param(list, "offset")["minimum"], 0);
    // Issue 12 part C: the register search pages by keyset, the next page in a
    // `Link` header; a district is a parameter of its own.
    let search = &doc["paths"]["/api/v1/certificates"]["get"];
    assert_eq!(param(search, "limit")["maximum"], MAX_LIMIT);
    assert!(param(search, "after")["pattern"].is_string());
    assert!(param(search, "district")["pattern"].is_string());
    let names: Vec<&str> = search["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(!names.contains(&"offset"), "{names:?}");
    assert!(search["responses"]["200"]["headers"]["Link"].is_object());

    // Certificate numbers and tokens have their shape.
    let verify = &doc["paths"]["/api/v1/verify/{number}"]["get"];
    let pattern = param(verify, "number")["pattern"]
        .as_str()
        .expect("number pattern");
    assert_eq!(
        pattern,
        protectcert::api::openapi::CERTIFICATE_NUMBER_PATTERN
    );
    let token = &doc["paths"]["/api/v1/verify/token/{token}"]["get"];
    assert!(param(token, "token")["pattern"].is_string());

    // The evidence form is described, so a client knows its fields.
    let upload = &doc["paths"]["/api/v1/applications/{id}/evidence"]["post"]["requestBody"];
    let form = &upload["content"]["multipart/form-data"]["schema"];
    assert_eq!(form["$ref"], "#/components/schemas/EvidenceUpload");
    assert_eq!(schema(&doc, "EvidenceUpload")["required"], json!(["file"]));
}

#[tokio::test]
async fn the_refusals_of_the_http_layer_are_the_documented_problems() {
    let app = spawn_app().await;
    let doc = app.get("/api/v1/openapi.json", None).await.ok();
    let (operator, _) = app.operator("Quayside Venues Ltd").await;
    let documented = |path: &str, method: &str, status: u16| {
        doc["paths"][path][method]["responses"]
            .get(status.to_string())
            .is_some()
    };
    // The wrong media type (415), a body over the limit (413), no token (401).
    let res = app
        .client
        .post(app.url("/api/v1/premises"))
        .bearer_auth(&operator)
        .header("content-type", "text/plain")
        .body("kind=building")
        .send()
        .await
        .expect("send");
    Reply::from(res).await.expect(415);
    assert!(documented("/api/v1/premises", "post", 415));
    // The server answers 413 before reading the body and closes the connection; the
    // kernel may then reset it before the answer is read, so a transport error is
    // tried again (the answer, once read, must still be the 413 problem). Each try
    // has a client of its own, so that the closed connection never goes back to the
    // pool that the next requests use.
    let huge = json!({ "name": "x".repeat(300 * 1024) }).to_string();
    let mut answer = None;
    for _ in 0..5 {
        let sent = reqwest::Client::new()
            .post(app.url("/api/v1/premises"))
            .bearer_auth(&operator)
            .header("content-type", "application/json")
            .body(huge.clone())
            .send()
            .await;
        if let Ok(res) = sent {
            answer = Some(Reply::from(res).await);
            break;
        }
    }
    answer.expect("an answer to the oversized body").expect(413);
    assert!(documented("/api/v1/premises", "post", 413));
    app.get("/api/v1/premises", None).await.expect(401);
    assert!(documented("/api/v1/premises", "get", 401));
    // A method the path does not serve: 405 naming the ones it does.
    let res = app
        .client
        .delete(app.url("/api/v1/premises"))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 405);
    let allow = res.headers()["allow"].to_str().expect("allow").to_string();
    assert!(
        allow.contains("GET") && allow.contains("POST"),
        "Allow: {allow}"
    );
}

#[tokio::test]
async fn a_whole_number_written_with_a_decimal_point_is_a_whole_number() {
    let app = spawn_app().await;
    let (operator, _) = app.operator("Quayside Venues Ltd").await;
    let premises = |capacity: Value| {
        json!({
            "kind": "building", "name": "Riverside Hall", "address": "1 Quay Street, Bristol",
            "postcode": "BS1 4DJ", "capacity": capacity,
        })
    };
    let made = app
        .post("/api/v1/premises", Some(&operator), premises(json!(300.0)))
        .await
        .expect(201);
    assert_eq!(made["capacity"], 300);
    let refused = app
        .post("/api/v1/premises", Some(&operator), premises(json!(300.5)))
        .await
        .expect(400);
    assert_eq!(Reply::fields(&refused), ["capacity"]);
}

#[tokio::test]
async fn audit_entries_fit_their_schema() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let doc = app.get("/api/v1/openapi.json", None).await.ok();
    let entries = app
        .get("/api/v1/audit?limit=1000", Some(&scheme.admin))
        .await
        .ok();
    // Scores are recorded as a list: the schema must admit any JSON value there.
    let listed = entries
        .as_array()
        .expect("entries")
        .iter()
        .any(|e| e["after"].is_array());
    assert!(listed, "some entry records a list");
    let view = &schema(&doc, "AuditView")["properties"];
    for field in ["before", "after"] {
        let s = &view[field];
        let types = s.get("type").cloned().unwrap_or(Value::Null);
        assert!(
            types.is_null(),
            "{field} is any JSON value, not restricted to {types}: {s}"
        );
    }
}

#[tokio::test]
async fn an_issued_certificate_number_fits_the_documented_pattern() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let doc = app.get("/api/v1/openapi.json", None).await.ok();
    for (_, path, op) in operations(&doc) {
        if path.contains("{number}") {
            let pattern = param(op, "number")["pattern"].as_str().expect("pattern");
            let re = regex::Regex::new(pattern).expect("the pattern is a regex");
            assert!(
                re.is_match(scheme.number()),
                "{path}: {} does not fit {pattern}",
                scheme.number()
            );
        }
    }
}
