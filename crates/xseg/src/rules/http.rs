//! `http`: the request and response objects (RULES.md §5, D17).

use super::entity::EntityState;
use super::members::{read, Rule, Table};
use super::{times, Checker, R};
use crate::error::ErrorKind;
use crate::json::ValueKind;
use crate::limits;

/// `http`: `request` and `response`; other members are not checked.
pub(crate) struct Http;

impl Table for Http {
    const ROWS: &'static [(&'static str, Rule)] = &[
        ("request", Rule::Object(read::<HttpRequest>)),
        ("response", Rule::Object(read::<HttpResponse>)),
    ];
}

/// `http.request`. Every string member, documented or not, has the 250-character limit
/// (RULES.md §6, D17); undocumented members are otherwise unchecked.
pub(crate) struct HttpRequest;

impl Table for HttpRequest {
    const ROWS: &'static [(&'static str, Rule)] = &[
        ("x_forwarded_for", Rule::Bool),
        ("traced", Rule::Bool),
        ("method", Rule::String),
        ("url", Rule::String),
        ("user_agent", Rule::String),
        ("client_ip", Rule::String),
    ];
    const LONG_STRINGS: Option<(usize, ErrorKind)> =
        Some((limits::MAX_USER_CHARS, ErrorKind::LongHttpField));
}

/// `http.response`.
pub(crate) struct HttpResponse;

impl Table for HttpResponse {
    const ROWS: &'static [(&'static str, Rule)] = &[
        ("status", Rule::Integer),
        ("content_length", Rule::Custom(content_length)),
    ];
}

/// `content_length`: a finite number; a string of digits is tolerated with a warning.
fn content_length(
    c: &mut Checker<'_, '_>,
    st: &mut EntityState,
    pos: usize,
    depth: usize,
) -> R<usize> {
    let val = c.r.value_span(pos, depth)?;
    match val.kind {
        ValueKind::Null => {}
        ValueKind::Num => {
            if !times::to_f64(val.raw_in(c.text())).is_some_and(f64::is_finite) {
                st.h(ErrorKind::ExpectedNumber, pos);
            }
        }
        ValueKind::Str | ValueKind::StrEsc => {
            let s = val.str_in(c.text());
            if s.char_count() > 0 && s.chars().all(|ch| ch.is_ascii_digit()) {
                c.lint(st, ErrorKind::ContentLengthString, pos);
            } else {
                st.h(ErrorKind::InvalidContentLength, pos);
            }
        }
        _ => st.h(ErrorKind::ExpectedNumber, pos),
    }
    Ok(val.end as usize)
}
