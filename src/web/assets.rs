//! The stylesheet and the one script, built into the binary (no front-end build).

use actix_web::HttpResponse;

const STYLE: &str = include_str!("static/style.css");
const SCRIPT: &str = include_str!("static/app.js");

fn asset(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(body)
}

pub async fn style() -> HttpResponse {
    asset("text/css; charset=utf-8", STYLE)
}

pub async fn script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", SCRIPT)
}
