//! Paging for every listing: `limit` (default 50, at most 200) and `offset`.
//! Numbers arrive as text so that a bad one is an error naming its parameter.

use serde::Deserialize;

use super::validate::Check;
pub use crate::db::Page;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;
const MAX_OFFSET: i64 = 1_000_000;

/// `limit` and `offset` as a client or a form sends them.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// At most this many (default 50, at most 200).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Skip this many (for the next page).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 1000000)]
    pub offset: Option<String>,
}

/// Reads `limit` and `offset`, recording a bad value on `check`.
pub fn read_page(check: &mut Check, limit: Option<&str>, offset: Option<&str>) -> Page {
    Page {
        limit: number_in(check, "limit", limit, (1, MAX_LIMIT), DEFAULT_LIMIT),
        offset: number_in(check, "offset", offset, (0, MAX_OFFSET), 0),
    }
}

impl PageQuery {
    pub fn page(&self) -> super::ServiceResult<Page> {
        let mut check = Check::new();
        let page = read_page(&mut check, self.limit.as_deref(), self.offset.as_deref());
        check.finish()?;
        Ok(page)
    }
}

/// Empty parameters count as absent, as an HTML form sends them.
pub fn given(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

pub fn number_in(
    check: &mut Check,
    field: &str,
    raw: Option<&str>,
    range: (i64, i64),
    default: i64,
) -> i64 {
    let Some(raw) = given(raw) else {
        return default;
    };
    match raw.parse::<i64>() {
        Ok(n) if (range.0..=range.1).contains(&n) => n,
        _ => {
            check.fail(
                field,
                format!("must be a whole number from {} to {}", range.0, range.1),
            );
            default
        }
    }
}
