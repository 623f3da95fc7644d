//! The signed PDF of a certificate, exactly as issued.

use actix_web::{HttpResponse, web};
use diesel::prelude::*;

use super::{find_by_number, parse_number};
use crate::auth::{Caller, Role};
use crate::db::schema::certificate_documents;
use crate::error::ApiError;
use crate::startup::AppState;

#[utoipa::path(get, path = "/api/v1/certificates/{number}/pdf", tag = "certificates",
    params(("number" = String, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf", description = "the signed PDF, identical on every download"),
        (status = 400, description = "mistyped number", body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn download(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Operator, Role::Police, Role::Admin])?;
    let number = parse_number(&path.into_inner())?;
    let file_name = format!("{number}.pdf");
    let (pdf, sha256) = state
        .db
        .run(move |conn| {
            let cert = find_by_number(conn, &number)?;
            // Another organisation's certificate reads as absent, never as forbidden.
            if caller.is(Role::Operator) && !caller.operates(&cert.organisation_id) {
                return Err(ApiError::not_found("certificate"));
            }
            certificate_documents::table
                .find(&cert.id)
                .select((certificate_documents::pdf, certificate_documents::sha256))
                .first::<(Vec<u8>, String)>(conn)
                .optional()?
                .ok_or_else(|| ApiError::not_found("certificate PDF"))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("ETag", format!("\"{sha256}\"")))
        .insert_header((
            "Content-Disposition",
            // A parsed number is letters, digits and dashes: safe in a header.
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(pdf))
}
