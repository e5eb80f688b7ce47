//! The rules of RULES.md §3–§6 and DECISIONS.md D6–D25, written as plainly as possible over the
//! [`Json`] tree. Each function names the step or field it implements.

use crate::json::{self, push_index, push_token, Json};
use crate::names;
use crate::{
    Code, DocumentKind, Form, Options, Outcome, Profile, Rejection, Verdict, Warning, WarningKind,
};

/// Largest number of annotations per document before a warning (RULES.md §6).
const MAX_ANNOTATIONS: usize = 50;

/// Checks one document. See [`crate::check`].
pub(crate) fn check_document(doc: &[u8], opts: &Options) -> Outcome {
    let reject = |code: Code, pointer: &str| Outcome {
        verdict: Verdict::Rejected(Rejection {
            code,
            form: Form::Segment,
            id: None,
            pointer: pointer.to_string(),
        }),
        warnings: Vec::new(),
    };
    // §3 step 1: size, before anything else (D4, D5).
    if doc.len() > opts.max_document_bytes {
        return reject(Code::InvalidSegment, "");
    }
    // §2 and D5: the OTLP transit form.
    if let Some(rest) = doc.strip_prefix(b"T1S") {
        return if is_padded_base64(rest) {
            Outcome {
                verdict: Verdict::Accepted(DocumentKind::Otlp),
                warnings: Vec::new(),
            }
        } else {
            reject(Code::ParseError, "")
        };
    }
    // §3 steps 2–3: one well-formed JSON text within the depth limit.
    let Ok(tree) = json::parse(doc, opts.max_depth) else {
        return reject(Code::ParseError, "");
    };
    // §3 step 4: the top level must be an object.
    let Some(top) = tree.as_object() else {
        return reject(Code::MissingId, "");
    };

    // §2: the Id is the top-level `id` when it is a string; the first copy if repeated (D9).
    let id = match first(top, "id") {
        Some(Json::String(s)) => Some(s.clone()),
        _ => None,
    };
    // D19: a standalone subsegment has the top-level `type` exactly `subsegment` (its first
    // copy decides the message form when the key repeats, as for `Id`).
    let standalone = matches!(first(top, "type"), Some(Json::String(s)) if s == "subsegment");
    let top_form = if standalone {
        Form::Subsegment
    } else {
        Form::Segment
    };

    let mut ctx = Ctx {
        opts,
        strict: opts.profile == Profile::Strict,
        warnings: Vec::new(),
        annotation_51: annotations_in_document_order(top)
            .get(MAX_ANNOTATIONS)
            .copied(),
    };
    repeated_key_warnings(&tree, true, "", &mut ctx.warnings);

    let mut failure = None;
    // §6 / D8: under strict, a repeated key anywhere rejects before any entity check.
    if ctx.strict {
        if let Some(pointer) = first_repeat_anywhere(&tree, "") {
            failure = Some((Code::InvalidSegment, top_form, pointer));
        }
    }
    let entity_failure = entity(&mut ctx, top, "", true, standalone);
    let failure = failure.or(entity_failure);
    let verdict = match failure {
        Some((code, form, pointer)) => Verdict::Rejected(Rejection {
            code,
            form,
            id,
            pointer,
        }),
        None => Verdict::Accepted(if standalone {
            DocumentKind::Subsegment
        } else {
            DocumentKind::Segment
        }),
    };
    Outcome {
        verdict,
        warnings: ctx.warnings,
    }
}

/// D5: standard base64, a non-zero multiple of 4 long, `=` only as one or two final characters.
pub(crate) fn is_padded_base64(rest: &[u8]) -> bool {
    let body = rest
        .strip_suffix(b"==")
        .or_else(|| rest.strip_suffix(b"="))
        .unwrap_or(rest);
    !rest.is_empty()
        && rest.len().is_multiple_of(4)
        && body
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
}

/// The first copy of `key`, with `null` read as absent (§3: "JSON null ... means absent").
fn first<'a>(obj: &'a [(String, Json)], key: &str) -> Option<&'a Json> {
    obj.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
        .filter(|v| **v != Json::Null)
}

/// D7 within one object: the key of the first member whose key appeared earlier.
fn first_repeat(obj: &[(String, Json)]) -> Option<&str> {
    obj.iter()
        .enumerate()
        .find(|(i, (k, _))| obj.iter().take(*i).any(|(earlier, _)| earlier == k))
        .map(|(_, (k, _))| k.as_str())
}

/// D7 over the whole document: the pointer of the repeated key's second copy that comes first
/// in the document. A member's value starts before everything inside it and after everything
/// inside the members before it, so a pre-order walk meets the values in document order.
pub(crate) fn first_repeat_anywhere(v: &Json, pointer: &str) -> Option<String> {
    match v {
        Json::Object(members) => {
            for (i, (k, child)) in members.iter().enumerate() {
                let here = push_token(pointer, k);
                if members.iter().take(i).any(|(earlier, _)| earlier == k) {
                    return Some(here);
                }
                if let Some(p) = first_repeat_anywhere(child, &here) {
                    return Some(p);
                }
            }
            None
        }
        Json::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, child)| first_repeat_anywhere(child, &push_index(pointer, i))),
        _ => None,
    }
}

/// D8: one `RepeatedKey` warning for each object that is not an entity object and repeats a
/// key, at the second copy that comes first (D7). Entity objects: the top level and the
/// object elements of an entity's `subsegments`.
fn repeated_key_warnings(v: &Json, is_entity: bool, pointer: &str, out: &mut Vec<Warning>) {
    match v {
        Json::Object(members) => {
            if !is_entity {
                if let Some(k) = first_repeat(members) {
                    out.push(Warning {
                        kind: WarningKind::RepeatedKey,
                        pointer: push_token(pointer, k),
                    });
                }
            }
            for (k, child) in members {
                let here = push_token(pointer, k);
                if is_entity && k == "subsegments" {
                    if let Json::Array(items) = child {
                        for (i, item) in items.iter().enumerate() {
                            repeated_key_warnings(item, true, &push_index(&here, i), out);
                        }
                        continue;
                    }
                }
                repeated_key_warnings(child, false, &here, out);
            }
        }
        Json::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                repeated_key_warnings(item, false, &push_index(pointer, i), out);
            }
        }
        _ => {}
    }
}

/// D21: the annotation values of every entity, in document order (every key counts).
fn annotations_in_document_order(top: &[(String, Json)]) -> Vec<&Json> {
    fn walk<'a>(entity: &'a [(String, Json)], out: &mut Vec<&'a Json>) {
        for (k, v) in entity {
            match (k.as_str(), v) {
                ("annotations", Json::Object(members)) => out.extend(members.iter().map(|m| &m.1)),
                ("subsegments", Json::Array(items)) => {
                    for item in items {
                        if let Json::Object(child) = item {
                            walk(child, out);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(top, &mut out);
    out
}

struct Ctx<'o, 't> {
    opts: &'o Options,
    strict: bool,
    warnings: Vec<Warning>,
    /// The 51st annotation value of the document, if there is one (D21).
    annotation_51: Option<&'t Json>,
}

/// The first failure of an entity check: code, message form, pointer.
type Failure = (Code, Form, String);

/// One finding of step h: a type or shape error, or a warning.
enum Finding {
    Error(String),
    Warn(WarningKind, String),
}

/// What one entity's checks found so far.
struct Steps<'c, 'o, 't> {
    ctx: &'c mut Ctx<'o, 't>,
    form: Form,
    first: Option<Failure>,
}

impl Steps<'_, '_, '_> {
    fn fail(&mut self, code: Code, pointer: String) {
        if self.first.is_none() {
            self.first = Some((code, self.form, pointer));
        }
    }

    /// A warning; under strict also a failure with the warning's code (§6).
    fn warn(&mut self, kind: WarningKind, pointer: String) {
        if self.ctx.strict {
            self.fail(kind.code(), pointer.clone());
        }
        self.ctx.warnings.push(Warning { kind, pointer });
    }
}

/// §3 step 5: checks a–h of one entity, then its embedded subsegments depth-first in document
/// order. Returns the first failure.
fn entity<'t>(
    ctx: &mut Ctx<'_, 't>,
    obj: &'t [(String, Json)],
    pointer: &str,
    top: bool,
    standalone: bool,
) -> Option<Failure> {
    let form = if top && !standalone {
        Form::Segment
    } else {
        Form::Subsegment
    };
    let mut s = Steps {
        ctx,
        form,
        first: None,
    };
    let at = |key: &str| push_token(pointer, key);

    // a. a key repeated in the entity object
    if let Some(k) = first_repeat(obj) {
        s.fail(Code::InvalidSegment, at(k));
    }

    // b. id: 16 hex digits; upper case or all zeros warn (D12, D13)
    match first(obj, "id") {
        None => s.fail(Code::MissingId, pointer.to_string()),
        Some(Json::String(v)) if is_hex(v, 16) => {
            if has_upper(v) {
                s.warn(WarningKind::UppercaseId, at("id"));
            }
            if all_zero(v) {
                s.warn(WarningKind::ZeroId, at("id"));
            }
        }
        Some(_) => s.fail(Code::InvalidId, at("id")),
    }

    // c. name: 1–200 allowed code points; only white space warns (D17, D18)
    match first(obj, "name") {
        None => s.fail(Code::MissingName, pointer.to_string()),
        Some(Json::String(v)) => {
            let n = v.chars().count();
            if n == 0 || n > 200 || !v.chars().all(names::allowed) {
                s.fail(Code::InvalidName, at("name"));
            } else if v.chars().all(char::is_whitespace) {
                s.warn(WarningKind::BlankName, at("name"));
            }
        }
        Some(_) => s.fail(Code::InvalidName, at("name")),
    }

    // d. trace_id: required at the top level; shape, then the opt-in window (D23)
    match first(obj, "trace_id") {
        None => {
            if top {
                s.fail(Code::MissingTraceId, pointer.to_string());
            }
        }
        Some(Json::String(v)) => match trace_epoch(v) {
            None => s.fail(Code::InvalidTraceId, at("trace_id")),
            Some(epoch) => {
                if let Some(w) = s.ctx.opts.time_window {
                    let epoch = u64::from(epoch);
                    let too_old = w.now > epoch && w.now - epoch > w.max_age;
                    let too_new = epoch > w.now && epoch - w.now > w.max_future_skew;
                    if too_old || too_new {
                        s.fail(Code::InvalidTraceId, at("trace_id"));
                    }
                }
                if has_upper(v) {
                    s.warn(WarningKind::UppercaseTraceId, at("trace_id"));
                }
                if v == "1-00000000-000000000000000000000000" {
                    s.warn(WarningKind::ZeroTraceId, at("trace_id"));
                }
            }
        },
        Some(_) => s.fail(Code::InvalidTraceId, at("trace_id")),
    }

    // e. start_time: a number, finite as f64, > 0
    let start = match first(obj, "start_time") {
        None => {
            s.fail(Code::MissingStartTime, pointer.to_string());
            None
        }
        Some(v) => match positive_time(v) {
            Some(t) => Some(t),
            None => {
                s.fail(Code::InvalidStartTime, at("start_time"));
                None
            }
        },
    };

    // f. end_time, unless in_progress is the boolean true (D10); end < start warns
    let in_progress = first(obj, "in_progress") == Some(&Json::Bool(true));
    match first(obj, "end_time") {
        None => {
            if !in_progress {
                s.fail(Code::MissingEndTime, pointer.to_string());
            }
        }
        Some(v) => match positive_time(v) {
            Some(end) => {
                if start.is_some_and(|start| end < start) {
                    s.warn(WarningKind::EndBeforeStart, at("end_time"));
                }
            }
            None => s.fail(Code::InvalidEndTime, at("end_time")),
        },
    }

    // g. parent_id: required on a standalone subsegment; 16 hex digits
    match first(obj, "parent_id") {
        None => {
            if top && standalone {
                s.fail(Code::MissingParentId, pointer.to_string());
            }
        }
        Some(Json::String(v)) if is_hex(v, 16) => {
            if has_upper(v) {
                s.warn(WarningKind::UppercaseParentId, at("parent_id"));
            }
            if all_zero(v) {
                s.warn(WarningKind::ZeroParentId, at("parent_id"));
            }
        }
        Some(_) => s.fail(Code::InvalidParentId, at("parent_id")),
    }

    // h. every other documented field, the finding first in the document deciding (D11)
    let mut findings = Vec::new();
    for (k, v) in obj {
        field(s.ctx, k, v, &at(k), &mut findings);
    }
    for f in findings {
        match f {
            Finding::Error(p) => s.fail(Code::InvalidSegment, p),
            Finding::Warn(kind, p) => s.warn(kind, p),
        }
    }
    let own = s.first;

    // then the embedded subsegments, depth-first in document order
    let mut child_failure = None;
    for (k, v) in obj {
        if let ("subsegments", Json::Array(items)) = (k.as_str(), v) {
            for (i, item) in items.iter().enumerate() {
                if let Json::Object(child) = item {
                    let f = entity(ctx, child, &push_index(&at(k), i), false, false);
                    child_failure = child_failure.or(f);
                }
            }
        }
    }
    own.or(child_failure)
}

/// Step h for one member of an entity (§5 table); findings in document order.
// One arm per row of the table reads better than guards that fall through to "unchecked".
#[allow(clippy::collapsible_match)]
fn field(ctx: &Ctx<'_, '_>, key: &str, v: &Json, p: &str, out: &mut Vec<Finding>) {
    if *v == Json::Null {
        return; // D16: null is absent for every optional field
    }
    let err = |out: &mut Vec<Finding>| out.push(Finding::Error(p.to_string()));
    match key {
        // checked in steps b–g
        "id" | "name" | "trace_id" | "start_time" | "end_time" | "parent_id" => {}
        "in_progress" | "error" | "fault" | "throttle" => {
            if !matches!(v, Json::Bool(_)) {
                err(out);
            }
        }
        "type" => match v {
            Json::String(s) if s == "subsegment" => {}
            Json::String(_) => out.push(Finding::Warn(WarningKind::UnknownType, p.into())),
            _ => err(out),
        },
        "user" => match v {
            Json::String(s) if s.chars().count() > 250 => {
                out.push(Finding::Warn(WarningKind::LongUser, p.into()));
            }
            Json::String(_) => {}
            _ => err(out),
        },
        "origin" | "resource_arn" => {
            if !matches!(v, Json::String(_)) {
                err(out);
            }
        }
        "namespace" => match v {
            Json::String(s) if matches!(s.as_str(), "aws" | "remote" | "local") => {}
            Json::String(_) => out.push(Finding::Warn(WarningKind::UnknownNamespace, p.into())),
            _ => err(out),
        },
        "aws" | "service" => {
            if !matches!(v, Json::Object(_)) {
                err(out);
            }
        }
        "sql" => match v {
            // members are optional fields too: `null` is absent (D16)
            Json::Object(members) => {
                for (k, m) in members {
                    string_member(m, &push_token(p, k), out);
                }
            }
            _ => err(out),
        },
        "http" => http(v, p, out),
        "cause" => cause(v, p, out),
        "annotations" => match v {
            Json::Object(members) => {
                for (k, m) in members {
                    annotation(ctx, k, m, &push_token(p, k), out);
                }
            }
            _ => err(out),
        },
        "metadata" => match v {
            Json::Object(members) => {
                for (k, m) in members {
                    let here = push_token(p, k);
                    if k.starts_with("AWS.") {
                        out.push(Finding::Warn(
                            WarningKind::ReservedMetadataNamespace,
                            here.clone(),
                        ));
                    }
                    if !matches!(m, Json::Object(_)) {
                        out.push(Finding::Warn(WarningKind::MetadataNotObject, here));
                    }
                }
            }
            _ => err(out),
        },
        "subsegments" => match v {
            // object elements are entities, checked after this entity
            Json::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if !matches!(item, Json::Object(_)) {
                        out.push(Finding::Error(push_index(p, i)));
                    }
                }
            }
            _ => err(out),
        },
        "precursor_ids" => match v {
            Json::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Json::String(s) if is_hex(s, 16) => {}
                        Json::String(_) => out.push(Finding::Warn(
                            WarningKind::InvalidPrecursorId,
                            push_index(p, i),
                        )),
                        _ => out.push(Finding::Error(push_index(p, i))),
                    }
                }
            }
            _ => err(out),
        },
        // anything else is accepted unchecked
        _ => {}
    }
}

/// A member that must be a string when present.
fn string_member(v: &Json, p: &str, out: &mut Vec<Finding>) {
    if !matches!(v, Json::Null | Json::String(_)) {
        out.push(Finding::Error(p.to_string()));
    }
}

/// A member that must be a boolean when present.
fn bool_member(v: &Json, p: &str, out: &mut Vec<Finding>) {
    if !matches!(v, Json::Null | Json::Bool(_)) {
        out.push(Finding::Error(p.to_string()));
    }
}

/// A member that must be an integer when present (D14).
fn integer_member(v: &Json, p: &str, out: &mut Vec<Finding>) {
    let ok = match v {
        Json::Null => true,
        Json::Number(n) => as_f64(n).is_some_and(|x| x.is_finite() && x.fract() == 0.0),
        _ => false,
    };
    if !ok {
        out.push(Finding::Error(p.to_string()));
    }
}

/// `http`: an object with `request` and `response` objects.
fn http(v: &Json, p: &str, out: &mut Vec<Finding>) {
    let Json::Object(members) = v else {
        out.push(Finding::Error(p.to_string()));
        return;
    };
    for (k, m) in members {
        let here = push_token(p, k);
        if *m == Json::Null {
            continue;
        }
        match k.as_str() {
            "request" => {
                let Json::Object(req) = m else {
                    out.push(Finding::Error(here));
                    continue;
                };
                for (rk, rv) in req {
                    let rp = push_token(&here, rk);
                    match rk.as_str() {
                        "method" | "url" | "user_agent" | "client_ip" => {
                            string_member(rv, &rp, out)
                        }
                        "x_forwarded_for" | "traced" => bool_member(rv, &rp, out),
                        _ => {}
                    }
                    // §6: any `http.request.*` string over 250 code points warns (D17)
                    if let Json::String(s) = rv {
                        if s.chars().count() > 250 {
                            out.push(Finding::Warn(WarningKind::LongHttpField, rp));
                        }
                    }
                }
            }
            "response" => {
                let Json::Object(resp) = m else {
                    out.push(Finding::Error(here));
                    continue;
                };
                for (rk, rv) in resp {
                    let rp = push_token(&here, rk);
                    match rk.as_str() {
                        "status" => integer_member(rv, &rp, out),
                        "content_length" => content_length(rv, rp, out),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

/// D15: a finite number; a string of ASCII digits warns; anything else is an error.
fn content_length(v: &Json, p: String, out: &mut Vec<Finding>) {
    match v {
        Json::Null => {}
        Json::Number(n) if as_f64(n).is_some_and(f64::is_finite) => {}
        Json::String(s) if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) => {
            out.push(Finding::Warn(WarningKind::ContentLengthString, p));
        }
        _ => out.push(Finding::Error(p)),
    }
}

/// `cause`: an exception id string (either case, D13), or an object.
fn cause(v: &Json, p: &str, out: &mut Vec<Finding>) {
    let members = match v {
        Json::String(s) if is_hex(s, 16) => return,
        Json::Object(members) => members,
        _ => {
            out.push(Finding::Error(p.to_string()));
            return;
        }
    };
    for (k, m) in members {
        let here = push_token(p, k);
        match k.as_str() {
            "working_directory" => string_member(m, &here, out),
            "paths" => match m {
                Json::Null => {}
                Json::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if !matches!(item, Json::String(_)) {
                            out.push(Finding::Error(push_index(&here, i)));
                        }
                    }
                }
                _ => out.push(Finding::Error(here)),
            },
            "exceptions" => match m {
                Json::Null => {}
                Json::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        exception(item, &push_index(&here, i), out);
                    }
                }
                _ => out.push(Finding::Error(here)),
            },
            _ => {}
        }
    }
}

/// One element of `cause.exceptions`.
fn exception(v: &Json, p: &str, out: &mut Vec<Finding>) {
    let Json::Object(members) = v else {
        out.push(Finding::Error(p.to_string())); // D16: a wrong element is an error
        return;
    };
    // D22: no id (absent or null) warns at the exception object, which starts before its members
    // (with a repeated `id`, every copy is checked below, and any non-null copy is an id)
    if !members.iter().any(|(k, m)| k == "id" && *m != Json::Null) {
        out.push(Finding::Warn(
            WarningKind::ExceptionWithoutId,
            p.to_string(),
        ));
    }
    for (k, m) in members {
        let here = push_token(p, k);
        match k.as_str() {
            "id" => match m {
                Json::Null => {}
                Json::String(s) if is_hex(s, 16) => {}
                _ => out.push(Finding::Error(here)),
            },
            "message" | "type" | "cause" => string_member(m, &here, out),
            "remote" => bool_member(m, &here, out),
            "truncated" | "skipped" => integer_member(m, &here, out),
            "stack" => match m {
                Json::Null => {}
                Json::Array(frames) => {
                    for (i, frame) in frames.iter().enumerate() {
                        stack_frame(frame, &push_index(&here, i), out);
                    }
                }
                _ => out.push(Finding::Error(here)),
            },
            _ => {}
        }
    }
}

/// One element of an exception's `stack`.
fn stack_frame(v: &Json, p: &str, out: &mut Vec<Finding>) {
    let Json::Object(members) = v else {
        out.push(Finding::Error(p.to_string()));
        return;
    };
    for (k, m) in members {
        let here = push_token(p, k);
        match k.as_str() {
            "path" | "label" => string_member(m, &here, out),
            "line" => integer_member(m, &here, out),
            _ => {}
        }
    }
}

/// One annotation (§5, D21): all its findings are warnings, at the annotation's value.
fn annotation(ctx: &Ctx<'_, '_>, key: &str, v: &Json, p: &str, out: &mut Vec<Finding>) {
    let mut warn = |kind| out.push(Finding::Warn(kind, p.to_string()));
    if ctx.annotation_51.is_some_and(|a| std::ptr::eq(a, v)) {
        warn(WarningKind::TooManyAnnotations);
    }
    let key_len = key.chars().count();
    let key_ok = (1..=500).contains(&key_len)
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if !key_ok {
        warn(WarningKind::InvalidAnnotationKey);
    }
    match v {
        Json::String(s) if s.chars().count() > 1000 => warn(WarningKind::LongAnnotationValue),
        Json::String(_) | Json::Bool(_) => {}
        Json::Number(n) if as_f64(n).is_some_and(f64::is_finite) => {}
        _ => warn(WarningKind::InvalidAnnotationValue),
    }
}

/// A JSON number's value as f64 (`1e400` is infinite, `1e-400` is 0).
fn as_f64(text: &str) -> Option<f64> {
    text.parse::<f64>().ok()
}

/// `start_time` / `end_time`: a number, finite, > 0.
fn positive_time(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => as_f64(n).filter(|t| t.is_finite() && *t > 0.0),
        _ => None,
    }
}

/// Exactly `n` ASCII hex digits, either case.
fn is_hex(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|c| c.is_ascii_hexdigit())
}

fn has_upper(s: &str) -> bool {
    s.bytes().any(|c| c.is_ascii_uppercase())
}

fn all_zero(s: &str) -> bool {
    s.bytes().all(|c| c == b'0')
}

/// `1-` + 8 hex + `-` + 24 hex; the epoch seconds the 8 digits encode.
fn trace_epoch(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.len() != 35 || b.first() != Some(&b'1') || b.get(1) != Some(&b'-') {
        return None;
    }
    if b.get(10) != Some(&b'-') {
        return None;
    }
    let epoch = s.get(2..10)?;
    let random = s.get(11..35)?;
    if !is_hex(epoch, 8) || !is_hex(random, 24) {
        return None;
    }
    u32::from_str_radix(epoch, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_padding() {
        for ok in [&b"AAAA"[..], b"AAA=", b"AA==", b"ab+/cd09"] {
            assert!(is_padded_base64(ok), "{ok:?}");
        }
        for bad in [
            &b""[..],
            b"AAA",
            b"A===",
            b"A=AA",
            b"====",
            b"AA-A",
            b"AAAA=AAA",
            b"AA=A",
        ] {
            assert!(!is_padded_base64(bad), "{bad:?}");
        }
    }

    #[test]
    fn trace_ids() {
        assert_eq!(
            trace_epoch("1-68000000-a006649127e371903a2de979"),
            Some(0x6800_0000)
        );
        assert_eq!(trace_epoch("1-68000000-a006649127e371903a2de97"), None);
        assert_eq!(trace_epoch("2-68000000-a006649127e371903a2de979"), None);
        assert_eq!(trace_epoch("1_68000000_a006649127e371903a2de979"), None);
        assert_eq!(trace_epoch("1-6800000é-a006649127e371903a2de97"), None);
    }

    #[test]
    fn first_repeat_is_the_earliest_second_copy() {
        let v = json::parse(br#"{"a":{"x":1,"y":2,"x":3},"b":1,"b":2}"#, 128).unwrap();
        assert_eq!(first_repeat_anywhere(&v, "").as_deref(), Some("/a/x"));
        let v = json::parse(br#"{"b":1,"a":{"x":1,"x":3},"b":2}"#, 128).unwrap();
        assert_eq!(first_repeat_anywhere(&v, "").as_deref(), Some("/a/x"));
        let v = json::parse(br#"{"b":1,"b":{"x":1,"x":3}}"#, 128).unwrap();
        assert_eq!(first_repeat_anywhere(&v, "").as_deref(), Some("/b"));
        let obj = v.as_object().unwrap();
        assert_eq!(first_repeat(obj), Some("b"));
    }
}
