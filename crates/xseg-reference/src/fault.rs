//! A catalogue of single-rule faults, each with the answer the rules give for it.
//!
//! Start from a *clean* document (one that both profiles accept with no warning), inject one
//! fault, and the expected answer follows from the fault alone: its code, the pointer of the
//! value it touched, the message form of the entity it touched and the `Id` of the edited
//! document. Nothing here runs the model; the property tests and the `structured_segment`
//! fuzz target compare both the model and the engine against these expectations.
//!
//! - [`entity_faults`]: one fault in one entity (every `Missing*`/`Invalid*` code, the type
//!   and shape of every documented field, repeated keys, every warning of §6).
//! - [`doc_faults`]: faults of the whole text (syntax, depth, size, top-level type) and the
//!   boundary cases next to them that must still be accepted.

use crate::json::{push_index, push_token, Json};
use crate::write::{self, Style};
use crate::{
    Code, DocumentKind, Form, Options, Profile, Rejection, TimeWindow, Warning, WarningKind,
};

/// What one profile must answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Accepted, with exactly these warnings (any order).
    Accepted(DocumentKind, Vec<Warning>),
    /// Rejected with this answer.
    Rejected(Rejection),
}

/// A document with one fault and the answers it must get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// The fault's name.
    pub name: String,
    /// The document.
    pub doc: Vec<u8>,
    /// Limits to check it with (the default, or the tightened ones the fault names).
    pub max_document_bytes: usize,
    /// Nesting limit to check it with.
    pub max_depth: usize,
    /// The trace-id window to check it with.
    pub time_window: Option<TimeWindow>,
    /// The answer under `service`.
    pub service: Expect,
    /// The answer under `strict`.
    pub strict: Expect,
}

impl Case {
    /// The options to check the case with under `profile`.
    pub fn options(&self, profile: Profile) -> Options {
        Options {
            profile,
            max_document_bytes: self.max_document_bytes,
            max_depth: self.max_depth,
            time_window: self.time_window,
        }
    }

    /// The expected answer under `profile`.
    pub fn expect(&self, profile: Profile) -> &Expect {
        match profile {
            Profile::Service => &self.service,
            Profile::Strict => &self.strict,
        }
    }
}

/// Which entities a fault can be injected into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Where {
    /// Any entity.
    Any,
    /// The top-level entity.
    Top,
    /// The top-level entity of a segment (not a standalone subsegment).
    SegmentTop,
    /// The top-level entity of a standalone subsegment.
    StandaloneTop,
    /// An embedded subsegment.
    Embedded,
}

/// One change to the target entity. Paths are keys relative to the entity object; missing
/// or `null` objects on the way are created.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// Sets the member at the path (replacing the first copy, or appending).
    Set(Vec<&'static str>, Json),
    /// Removes every copy of a member of the entity.
    Remove(&'static str),
    /// Appends an element to an array member of the entity (created when absent).
    Append(&'static str, Json),
    /// Appends a second copy of an existing member of the entity, with this value.
    RepeatKey(&'static str, Json),
    /// In the (non-entity) object at the path, appends the member twice.
    RepeatIn(Vec<&'static str>, &'static str, Json),
    /// Removes every entity's annotations and gives the target 51 (`a0` … `a50`).
    ManyAnnotations,
    /// Sets every entity's trace-id epoch to [`WINDOW_NOW`] and the target's outside the
    /// window (before it when `past`), adding a trace id to the target if it has none.
    WindowMiss {
        /// Too old rather than too new.
        past: bool,
    },
}

/// Where the answer points, relative to the target entity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum At {
    /// The entity object itself (`Missing*`).
    Entity,
    /// The value at this path.
    Field(Vec<&'static str>),
    /// The element appended by [`Edit::Append`] to this array member.
    Appended(&'static str),
}

/// What a fault does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Rejected with this code under both profiles.
    Reject(Code, At),
    /// A warning of this kind under `service`; rejected with its code under `strict`.
    Warn(WarningKind, At),
    /// A key repeated in the entity object: step a under `service` (the entity's form), the
    /// whole-document check under `strict` (the top-level form).
    EntityDup(At),
    /// A key repeated in another object: a `RepeatedKey` warning under `service`, rejected
    /// with the top-level form under `strict`.
    NonEntityDup(At),
}

/// One fault of the catalogue.
#[derive(Clone, Debug, PartialEq)]
pub struct EntityFault {
    /// A short name, unique in the catalogue.
    pub name: String,
    /// Which entities it applies to.
    pub applies: Where,
    /// The changes.
    pub edits: Vec<Edit>,
    /// The answer.
    pub effect: Effect,
}

/// "Now" of the time window used by [`Edit::WindowMiss`].
pub const WINDOW_NOW: u32 = 0x6800_0000;
/// The window used by [`Edit::WindowMiss`]: 1,000 s back, 100 s ahead.
pub const WINDOW: TimeWindow = TimeWindow {
    now: WINDOW_NOW as u64,
    max_age: 1000,
    max_future_skew: 100,
};

/// A string value.
pub fn s(v: &str) -> Json {
    Json::String(v.to_string())
}

/// A number value, from its text.
pub fn n(v: &str) -> Json {
    Json::Number(v.to_string())
}

/// An object value.
pub fn obj(members: Vec<(&str, Json)>) -> Json {
    Json::Object(
        members
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

/// An array value.
pub fn arr(items: Vec<Json>) -> Json {
    Json::Array(items)
}

const ID: &str = "70de5b6f19ff9a0a";

/// The catalogue of entity faults (built once).
pub fn entity_faults() -> &'static [EntityFault] {
    static FAULTS: std::sync::OnceLock<Vec<EntityFault>> = std::sync::OnceLock::new();
    FAULTS.get_or_init(catalogue)
}

fn catalogue() -> Vec<EntityFault> {
    let mut out: Vec<EntityFault> = Vec::new();
    let mut add = |name: &str, applies: Where, edits: Vec<Edit>, effect: Effect| {
        out.push(EntityFault {
            name: name.to_string(),
            applies,
            edits,
            effect,
        });
    };
    use At::{Appended, Entity, Field};
    use Code::*;
    use Edit::{Append, ManyAnnotations, Remove, RepeatIn, RepeatKey, Set, WindowMiss};
    use Effect::{EntityDup, NonEntityDup, Reject, Warn};
    use Where::{Any, SegmentTop, StandaloneTop, Top};
    let f = |p: &[&'static str]| Field(p.to_vec());
    let set = |p: &[&'static str], v: Json| Set(p.to_vec(), v);
    let long = |c: &str, len: usize| s(&c.repeat(len));
    let (bool_true, one) = (Json::Bool(true), n("1"));

    // a. repeated keys in the entity object; D8 outside it
    add(
        "repeat id",
        Any,
        vec![RepeatKey("id", s("70de5b6f19ff9a0b"))],
        EntityDup(f(&["id"])),
    );
    add(
        "repeat name, second copy invalid",
        Any,
        vec![RepeatKey("name", n("5"))],
        EntityDup(f(&["name"])),
    );
    add(
        "repeat start_time",
        Any,
        vec![RepeatKey("start_time", n("1"))],
        EntityDup(f(&["start_time"])),
    );
    add(
        "repeat an unknown key",
        Any,
        vec![set(&["zz"], one.clone()), RepeatKey("zz", n("2"))],
        EntityDup(f(&["zz"])),
    );
    for (name, path, key, value) in [
        ("repeat in http", vec!["http"], "zz", one.clone()),
        (
            "repeat in http.request",
            vec!["http", "request"],
            "method",
            s("GET"),
        ),
        ("repeat in aws", vec!["aws"], "zz", one.clone()),
        ("repeat in metadata", vec!["metadata"], "ns2", obj(vec![])),
        (
            "repeat in a metadata namespace",
            vec!["metadata", "ns"],
            "k",
            one.clone(),
        ),
        (
            "repeat deep in metadata",
            vec!["metadata", "ns", "deep"],
            "k",
            n("2"),
        ),
        (
            "repeat in annotations",
            vec!["annotations"],
            "k",
            one.clone(),
        ),
    ] {
        let mut at = path.clone();
        at.push(key);
        add(
            name,
            Any,
            vec![RepeatIn(path, key, value)],
            NonEntityDup(Field(at)),
        );
    }

    // b. id
    add(
        "remove id",
        Any,
        vec![Remove("id")],
        Reject(MissingId, Entity),
    );
    add(
        "id null",
        Any,
        vec![set(&["id"], Json::Null)],
        Reject(MissingId, Entity),
    );
    for (name, v) in [
        ("id number", n("7")),
        ("id boolean", bool_true.clone()),
        ("id array", arr(vec![])),
        ("id object", obj(vec![])),
        ("id 15 hex", s("70de5b6f19ff9a0")),
        ("id 17 hex", s("70de5b6f19ff9a0ab")),
        ("id non-hex", s("zzzzzzzzzzzzzzzz")),
        ("id one non-hex digit", s("70de5b6f19ff9a0g")),
        ("id empty", s("")),
        ("id leading space", s(" 70de5b6f19ff9a0")),
        ("id full-width digit", s("\u{ff17}0de5b6f19ff9a0a")),
    ] {
        add(
            name,
            Any,
            vec![set(&["id"], v)],
            Reject(InvalidId, f(&["id"])),
        );
    }
    add(
        "id upper case",
        Any,
        vec![set(&["id"], s("70DE5B6F19FF9A0A"))],
        Warn(WarningKind::UppercaseId, f(&["id"])),
    );
    add(
        "id mixed case",
        Any,
        vec![set(&["id"], s("70De5b6f19ff9a0a"))],
        Warn(WarningKind::UppercaseId, f(&["id"])),
    );
    add(
        "id all zeros",
        Any,
        vec![set(&["id"], s("0000000000000000"))],
        Warn(WarningKind::ZeroId, f(&["id"])),
    );

    // c. name
    add(
        "remove name",
        Any,
        vec![Remove("name")],
        Reject(MissingName, Entity),
    );
    add(
        "name null",
        Any,
        vec![set(&["name"], Json::Null)],
        Reject(MissingName, Entity),
    );
    let bad_names = [
        ("name number", n("5")),
        ("name boolean", bool_true.clone()),
        ("name array", arr(vec![s("a")])),
        ("name object", obj(vec![])),
        ("name empty", s("")),
        ("name 201 chars", long("a", 201)),
        ("name 201 non-ASCII chars", long("é", 201)),
        ("name comma", s("a,b")),
        ("name parenthesis", s("a(b")),
        ("name closing parenthesis", s("a)b")),
        ("name tab", s("a\tb")),
        ("name newline", s("a\nb")),
        ("name NUL", s("a\u{0}b")),
        ("name DEL", s("a\u{7f}b")),
        ("name backslash", s("a\\b")),
        ("name quote", s("a\"b")),
        ("name emoji", s("a\u{1F600}b")),
        ("name letter outside the BMP", s("a\u{1D400}b")),
        ("name exclamation", s("a!b")),
        ("name asterisk", s("a*b")),
        ("name semicolon", s("a;b")),
        ("name euro sign", s("a\u{20ac}b")),
        ("name U+FFFF", s("a\u{ffff}")),
    ];
    for (name, v) in bad_names {
        add(
            name,
            Any,
            vec![set(&["name"], v)],
            Reject(InvalidName, f(&["name"])),
        );
    }
    for (name, v) in [
        ("name one space", s(" ")),
        ("name spaces", s("   ")),
        ("name no-break space", s("\u{a0}")),
        ("name ideographic space", s("\u{3000}")),
        ("name mixed white space", s(" \u{2002}\u{a0}")),
    ] {
        add(
            name,
            Any,
            vec![set(&["name"], v)],
            Warn(WarningKind::BlankName, f(&["name"])),
        );
    }

    // d. trace_id
    add(
        "remove trace_id",
        Top,
        vec![Remove("trace_id")],
        Reject(MissingTraceId, Entity),
    );
    add(
        "trace_id null",
        Top,
        vec![set(&["trace_id"], Json::Null)],
        Reject(MissingTraceId, Entity),
    );
    for (name, v) in [
        ("trace_id number", n("1")),
        ("trace_id object", obj(vec![])),
        ("trace_id empty", s("")),
        ("trace_id 34 chars", s("1-68000000-a006649127e371903a2de97")),
        (
            "trace_id 36 chars",
            s("1-68000000-a006649127e371903a2de9790"),
        ),
        (
            "trace_id version 2",
            s("2-68000000-a006649127e371903a2de979"),
        ),
        (
            "trace_id underscores",
            s("1_68000000_a006649127e371903a2de979"),
        ),
        (
            "trace_id leading space",
            s(" 1-68000000-a006649127e371903a2de97"),
        ),
        (
            "trace_id non-hex epoch",
            s("1-6800000g-a006649127e371903a2de979"),
        ),
        (
            "trace_id non-hex random",
            s("1-68000000-a006649127e371903a2de97g"),
        ),
        ("trace_id W3C form", s("68000000a006649127e371903a2de979")),
        (
            "trace_id dash moved",
            s("1-6800000-0a006649127e371903a2de979"),
        ),
    ] {
        add(
            name,
            Any,
            vec![set(&["trace_id"], v)],
            Reject(InvalidTraceId, f(&["trace_id"])),
        );
    }
    add(
        "trace_id upper case",
        Any,
        vec![set(&["trace_id"], s("1-68000000-A006649127E371903A2DE979"))],
        Warn(WarningKind::UppercaseTraceId, f(&["trace_id"])),
    );
    add(
        "trace_id upper-case epoch",
        Any,
        vec![set(&["trace_id"], s("1-6800000A-a006649127e371903a2de979"))],
        Warn(WarningKind::UppercaseTraceId, f(&["trace_id"])),
    );
    add(
        "trace_id all zeros",
        Any,
        vec![set(&["trace_id"], s("1-00000000-000000000000000000000000"))],
        Warn(WarningKind::ZeroTraceId, f(&["trace_id"])),
    );
    add(
        "trace_id too old",
        Any,
        vec![WindowMiss { past: true }],
        Reject(InvalidTraceId, f(&["trace_id"])),
    );
    add(
        "trace_id too new",
        Any,
        vec![WindowMiss { past: false }],
        Reject(InvalidTraceId, f(&["trace_id"])),
    );

    // e. start_time
    add(
        "remove start_time",
        Any,
        vec![Remove("start_time")],
        Reject(MissingStartTime, Entity),
    );
    add(
        "start_time null",
        Any,
        vec![set(&["start_time"], Json::Null)],
        Reject(MissingStartTime, Entity),
    );
    for (name, v) in [
        ("start_time string", s("1.5")),
        ("start_time boolean", bool_true.clone()),
        ("start_time object", obj(vec![])),
        ("start_time array", arr(vec![one.clone()])),
        ("start_time negative", n("-1")),
        ("start_time zero", n("0")),
        ("start_time minus zero", n("-0")),
        ("start_time 0.0", n("0.0")),
        ("start_time 1e400", n("1e400")),
        ("start_time -1e400", n("-1e400")),
        ("start_time 1e-400", n("1e-400")),
        (
            "start_time huge integer",
            n(&format!("1{}", "0".repeat(400))),
        ),
    ] {
        add(
            name,
            Any,
            vec![set(&["start_time"], v)],
            Reject(InvalidStartTime, f(&["start_time"])),
        );
    }

    // f. end_time / in_progress
    for (name, in_progress) in [
        ("no end_time, no in_progress", None),
        ("no end_time, in_progress false", Some(Json::Bool(false))),
        ("no end_time, in_progress \"true\"", Some(s("true"))),
        ("no end_time, in_progress 1", Some(one.clone())),
        ("no end_time, in_progress null", Some(Json::Null)),
    ] {
        let mut edits = vec![Remove("end_time"), Remove("in_progress")];
        if let Some(v) = in_progress {
            edits.push(set(&["in_progress"], v));
        }
        add(name, Any, edits, Reject(MissingEndTime, Entity));
    }
    add(
        "end_time null",
        Any,
        vec![Remove("in_progress"), set(&["end_time"], Json::Null)],
        Reject(MissingEndTime, Entity),
    );
    for (name, v) in [
        ("end_time string", s("2")),
        ("end_time boolean", bool_true.clone()),
        ("end_time negative", n("-1")),
        ("end_time zero", n("0")),
        ("end_time 1e400", n("1e400")),
    ] {
        add(
            name,
            Any,
            vec![set(&["end_time"], v)],
            Reject(InvalidEndTime, f(&["end_time"])),
        );
    }
    add(
        "end_time invalid with in_progress true",
        Any,
        vec![
            set(&["in_progress"], bool_true.clone()),
            set(&["end_time"], s("x")),
        ],
        Reject(InvalidEndTime, f(&["end_time"])),
    );
    add(
        "end_time before start_time",
        Any,
        vec![
            set(&["start_time"], n("2000000000.5")),
            set(&["end_time"], n("2000000000.25")),
        ],
        Warn(WarningKind::EndBeforeStart, f(&["end_time"])),
    );

    // g. parent_id
    add(
        "remove parent_id",
        StandaloneTop,
        vec![Remove("parent_id")],
        Reject(MissingParentId, Entity),
    );
    add(
        "parent_id null",
        StandaloneTop,
        vec![set(&["parent_id"], Json::Null)],
        Reject(MissingParentId, Entity),
    );
    add(
        "type subsegment without parent_id",
        SegmentTop,
        vec![set(&["type"], s("subsegment")), Remove("parent_id")],
        Reject(MissingParentId, Entity),
    );
    for (name, v) in [
        ("parent_id number", n("5")),
        ("parent_id 15 hex", s("70de5b6f19ff9a0")),
        ("parent_id non-hex", s("zzzzzzzzzzzzzzzz")),
        ("parent_id empty", s("")),
    ] {
        add(
            name,
            Any,
            vec![set(&["parent_id"], v)],
            Reject(InvalidParentId, f(&["parent_id"])),
        );
    }
    add(
        "parent_id upper case",
        Any,
        vec![set(&["parent_id"], s("70DE5B6F19FF9A0A"))],
        Warn(WarningKind::UppercaseParentId, f(&["parent_id"])),
    );
    add(
        "parent_id all zeros",
        Any,
        vec![set(&["parent_id"], s("0000000000000000"))],
        Warn(WarningKind::ZeroParentId, f(&["parent_id"])),
    );

    // h. types and shapes of the other documented fields
    for (name, v) in [
        ("in_progress \"true\"", s("true")),
        ("in_progress 1", one.clone()),
        ("in_progress object", obj(vec![])),
    ] {
        add(
            name,
            Any,
            vec![
                // an end_time that no start_time can follow: only the type is wrong
                set(&["end_time"], n("1e300")),
                set(&["in_progress"], v),
            ],
            Reject(InvalidSegment, f(&["in_progress"])),
        );
    }
    for key in ["error", "fault", "throttle"] {
        for v in [s("true"), n("0")] {
            add(
                &format!("{key} {}", v.type_name()),
                Any,
                vec![set(&[key], v)],
                Reject(InvalidSegment, f(&[key])),
            );
        }
    }
    for key in ["user", "origin", "resource_arn", "namespace", "type"] {
        for v in [n("5"), bool_true.clone(), arr(vec![])] {
            add(
                &format!("{key} {}", v.type_name()),
                Any,
                vec![set(&[key], v)],
                Reject(InvalidSegment, f(&[key])),
            );
        }
    }
    for key in ["http", "aws", "service", "sql", "annotations", "metadata"] {
        for v in [s("x"), arr(vec![]), n("5"), bool_true.clone()] {
            add(
                &format!("{key} {}", v.type_name()),
                Any,
                vec![set(&[key], v)],
                Reject(InvalidSegment, f(&[key])),
            );
        }
    }
    for part in ["request", "response"] {
        for v in [n("5"), s("x"), arr(vec![])] {
            let p = ["http", part];
            add(
                &format!("http.{part} {}", v.type_name()),
                Any,
                vec![set(&p, v)],
                Reject(InvalidSegment, f(&p)),
            );
        }
    }
    for (key, v) in [
        ("method", n("5")),
        ("url", bool_true.clone()),
        ("user_agent", obj(vec![])),
        ("client_ip", arr(vec![])),
        ("x_forwarded_for", s("true")),
        ("traced", one.clone()),
    ] {
        let p = ["http", "request", key];
        add(
            &format!("http.request.{key} {}", v.type_name()),
            Any,
            vec![set(&p, v)],
            Reject(InvalidSegment, f(&p)),
        );
    }
    for (name, key, v) in [
        ("status string", "status", s("200")),
        ("status fraction", "status", n("200.5")),
        ("status 2e-1", "status", n("2e-1")),
        ("status boolean", "status", bool_true.clone()),
        ("status 1e400", "status", n("1e400")),
        ("status array", "status", arr(vec![])),
        ("content_length letters", "content_length", s("12a")),
        ("content_length empty string", "content_length", s("")),
        ("content_length negative string", "content_length", s("-1")),
        (
            "content_length boolean",
            "content_length",
            bool_true.clone(),
        ),
        ("content_length object", "content_length", obj(vec![])),
        ("content_length 1e400", "content_length", n("1e400")),
    ] {
        let p = ["http", "response", key];
        add(
            &format!("http.response.{name}"),
            Any,
            vec![set(&p, v)],
            Reject(InvalidSegment, f(&p)),
        );
    }
    for (key, v) in [
        ("url", n("5")),
        ("user", obj(vec![])),
        ("sanitized_query", bool_true.clone()),
    ] {
        let p = ["sql", key];
        add(
            &format!("sql.{key} {}", v.type_name()),
            Any,
            vec![set(&p, v)],
            Reject(InvalidSegment, f(&p)),
        );
    }
    for (name, v) in [
        ("cause number", n("5")),
        ("cause boolean", bool_true.clone()),
        ("cause array", arr(vec![])),
        ("cause non-hex string", s("zzzz")),
        ("cause 15-char id", s("70de5b6f19ff9a0")),
        ("cause empty string", s("")),
    ] {
        add(
            name,
            Any,
            vec![set(&["cause"], v)],
            Reject(InvalidSegment, f(&["cause"])),
        );
    }
    let exc = |members: Vec<(&str, Json)>| {
        let mut m = vec![("id", s(ID))];
        m.extend(members);
        obj(vec![("exceptions", arr(vec![obj(m)]))])
    };
    let cause_faults: Vec<(&str, Json, Vec<&'static str>)> = vec![
        (
            "cause.working_directory number",
            obj(vec![("working_directory", n("5"))]),
            vec!["working_directory"],
        ),
        (
            "cause.paths string",
            obj(vec![("paths", s("x"))]),
            vec!["paths"],
        ),
        (
            "cause.paths number element",
            obj(vec![("paths", arr(vec![s("a"), n("5")]))]),
            vec!["paths", "1"],
        ),
        (
            "cause.paths null element",
            obj(vec![("paths", arr(vec![Json::Null]))]),
            vec!["paths", "0"],
        ),
        (
            "cause.exceptions object",
            obj(vec![("exceptions", obj(vec![]))]),
            vec!["exceptions"],
        ),
        (
            "cause.exceptions null element",
            obj(vec![("exceptions", arr(vec![Json::Null]))]),
            vec!["exceptions", "0"],
        ),
        (
            "cause.exceptions string element",
            obj(vec![("exceptions", arr(vec![s("x")]))]),
            vec!["exceptions", "0"],
        ),
        (
            "exception id non-hex",
            obj(vec![("exceptions", arr(vec![obj(vec![("id", s("xyz"))])]))]),
            vec!["exceptions", "0", "id"],
        ),
        (
            "exception id number",
            obj(vec![("exceptions", arr(vec![obj(vec![("id", n("5"))])]))]),
            vec!["exceptions", "0", "id"],
        ),
        (
            "exception id 15 hex",
            obj(vec![(
                "exceptions",
                arr(vec![obj(vec![("id", s("70de5b6f19ff9a0"))])]),
            )]),
            vec!["exceptions", "0", "id"],
        ),
        (
            "exception message number",
            exc(vec![("message", n("5"))]),
            vec!["exceptions", "0", "message"],
        ),
        (
            "exception type object",
            exc(vec![("type", obj(vec![]))]),
            vec!["exceptions", "0", "type"],
        ),
        (
            "exception cause array",
            exc(vec![("cause", arr(vec![]))]),
            vec!["exceptions", "0", "cause"],
        ),
        (
            "exception remote string",
            exc(vec![("remote", s("true"))]),
            vec!["exceptions", "0", "remote"],
        ),
        (
            "exception truncated fraction",
            exc(vec![("truncated", n("1.5"))]),
            vec!["exceptions", "0", "truncated"],
        ),
        (
            "exception truncated 1e400",
            exc(vec![("truncated", n("1e400"))]),
            vec!["exceptions", "0", "truncated"],
        ),
        (
            "exception skipped string",
            exc(vec![("skipped", s("1"))]),
            vec!["exceptions", "0", "skipped"],
        ),
        (
            "exception stack object",
            exc(vec![("stack", obj(vec![]))]),
            vec!["exceptions", "0", "stack"],
        ),
        (
            "exception stack number element",
            exc(vec![("stack", arr(vec![n("5")]))]),
            vec!["exceptions", "0", "stack", "0"],
        ),
        (
            "exception stack null element",
            exc(vec![("stack", arr(vec![Json::Null]))]),
            vec!["exceptions", "0", "stack", "0"],
        ),
        (
            "stack path number",
            exc(vec![("stack", arr(vec![obj(vec![("path", n("5"))])]))]),
            vec!["exceptions", "0", "stack", "0", "path"],
        ),
        (
            "stack label boolean",
            exc(vec![(
                "stack",
                arr(vec![obj(vec![("label", bool_true.clone())])]),
            )]),
            vec!["exceptions", "0", "stack", "0", "label"],
        ),
        (
            "stack line fraction",
            exc(vec![("stack", arr(vec![obj(vec![("line", n("1.5"))])]))]),
            vec!["exceptions", "0", "stack", "0", "line"],
        ),
        (
            "stack line string",
            exc(vec![("stack", arr(vec![obj(vec![("line", s("1"))])]))]),
            vec!["exceptions", "0", "stack", "0", "line"],
        ),
    ];
    for (name, v, rel) in cause_faults {
        let mut p = vec!["cause"];
        p.extend(rel);
        add(
            name,
            Any,
            vec![set(&["cause"], v)],
            Reject(InvalidSegment, Field(p)),
        );
    }
    for v in [obj(vec![]), s("x"), n("5")] {
        add(
            &format!("subsegments {}", v.type_name()),
            Any,
            vec![set(&["subsegments"], v)],
            Reject(InvalidSegment, f(&["subsegments"])),
        );
    }
    for v in [Json::Null, n("5"), s("x"), arr(vec![])] {
        add(
            &format!("subsegments {} element", v.type_name()),
            Any,
            vec![Append("subsegments", v)],
            Reject(InvalidSegment, Appended("subsegments")),
        );
    }
    for v in [s("x"), obj(vec![])] {
        add(
            &format!("precursor_ids {}", v.type_name()),
            Any,
            vec![set(&["precursor_ids"], v)],
            Reject(InvalidSegment, f(&["precursor_ids"])),
        );
    }
    add(
        "precursor_ids number element",
        Any,
        vec![set(&["precursor_ids"], arr(vec![s(ID), n("5")]))],
        Reject(InvalidSegment, f(&["precursor_ids", "1"])),
    );
    add(
        "precursor_ids null element",
        Any,
        vec![set(&["precursor_ids"], arr(vec![Json::Null]))],
        Reject(InvalidSegment, f(&["precursor_ids", "0"])),
    );

    // §6 warnings (rejections under strict)
    add(
        "user 251 chars",
        Any,
        vec![set(&["user"], long("u", 251))],
        Warn(WarningKind::LongUser, f(&["user"])),
    );
    add(
        "user 251 non-ASCII chars",
        Any,
        vec![set(&["user"], long("ü", 251))],
        Warn(WarningKind::LongUser, f(&["user"])),
    );
    for key in ["method", "url", "user_agent", "client_ip"] {
        let p = ["http", "request", key];
        add(
            &format!("http.request.{key} 251 chars"),
            Any,
            vec![set(&p, long("x", 251))],
            Warn(WarningKind::LongHttpField, f(&p)),
        );
    }
    let p = ["http", "request", "host"];
    add(
        "undocumented http.request string 251 chars",
        Any,
        vec![set(&p, long("h", 251))],
        Warn(WarningKind::LongHttpField, f(&p)),
    );
    for (name, key) in [
        ("annotation key with space", "bad key"),
        ("annotation key empty", ""),
        ("annotation key with dash", "k-1"),
        ("annotation key non-ASCII", "cl\u{e9}"),
    ] {
        let p = vec!["annotations", key];
        add(
            name,
            Any,
            vec![Set(p.clone(), one.clone())],
            Warn(WarningKind::InvalidAnnotationKey, Field(p)),
        );
    }
    // built once, in the catalogue's static
    let long_key: &'static str = Box::leak("k".repeat(501).into_boxed_str());
    add(
        "annotation key 501 chars",
        Any,
        vec![set(&["annotations", long_key], one.clone())],
        Warn(
            WarningKind::InvalidAnnotationKey,
            f(&["annotations", long_key]),
        ),
    );
    for (name, v, kind) in [
        (
            "annotation value object",
            obj(vec![]),
            WarningKind::InvalidAnnotationValue,
        ),
        (
            "annotation value array",
            arr(vec![]),
            WarningKind::InvalidAnnotationValue,
        ),
        (
            "annotation value null",
            Json::Null,
            WarningKind::InvalidAnnotationValue,
        ),
        (
            "annotation value 1e400",
            n("1e400"),
            WarningKind::InvalidAnnotationValue,
        ),
        (
            "annotation value 1001 chars",
            long("v", 1001),
            WarningKind::LongAnnotationValue,
        ),
    ] {
        add(
            name,
            Any,
            vec![set(&["annotations", "k"], v)],
            Warn(kind, f(&["annotations", "k"])),
        );
    }
    add(
        "51 annotations",
        Any,
        vec![ManyAnnotations],
        Warn(WarningKind::TooManyAnnotations, f(&["annotations", "a50"])),
    );
    for v in [n("1"), s("x"), Json::Null, arr(vec![])] {
        add(
            &format!("metadata namespace {}", v.type_name()),
            Any,
            vec![set(&["metadata", "ns"], v)],
            Warn(WarningKind::MetadataNotObject, f(&["metadata", "ns"])),
        );
    }
    for key in ["AWS.", "AWS.x"] {
        add(
            &format!("metadata namespace {key}"),
            Any,
            vec![set(&["metadata", key], obj(vec![]))],
            Warn(
                WarningKind::ReservedMetadataNamespace,
                f(&["metadata", key]),
            ),
        );
    }
    for v in ["foo", "AWS", ""] {
        add(
            &format!("namespace {v:?}"),
            Any,
            vec![set(&["namespace"], s(v))],
            Warn(WarningKind::UnknownNamespace, f(&["namespace"])),
        );
    }
    for v in ["segment", "Subsegment"] {
        add(
            &format!("type {v:?}"),
            Any,
            vec![set(&["type"], s(v))],
            Warn(WarningKind::UnknownType, f(&["type"])),
        );
    }
    add(
        "exception without id",
        Any,
        vec![set(
            &["cause"],
            obj(vec![(
                "exceptions",
                arr(vec![obj(vec![("message", s("m"))])]),
            )]),
        )],
        Warn(
            WarningKind::ExceptionWithoutId,
            f(&["cause", "exceptions", "0"]),
        ),
    );
    add(
        "exception id null",
        Any,
        vec![set(
            &["cause"],
            obj(vec![(
                "exceptions",
                arr(vec![obj(vec![("id", Json::Null)])]),
            )]),
        )],
        Warn(
            WarningKind::ExceptionWithoutId,
            f(&["cause", "exceptions", "0"]),
        ),
    );
    let cl = ["http", "response", "content_length"];
    add(
        "content_length digit string",
        Any,
        vec![set(&cl, s("123"))],
        Warn(WarningKind::ContentLengthString, f(&cl)),
    );
    add(
        "precursor_ids non-hex",
        Any,
        vec![set(&["precursor_ids"], arr(vec![s(ID), s("zz")]))],
        Warn(WarningKind::InvalidPrecursorId, f(&["precursor_ids", "1"])),
    );
    out
}

/// The entity pointers of a document, in document order (the top level is `""`).
pub fn entities(tree: &Json) -> Vec<String> {
    fn walk(v: &Json, pointer: &str, out: &mut Vec<String>) {
        out.push(pointer.to_string());
        if let Some(Json::Array(items)) = v.get("subsegments") {
            let here = push_token(pointer, "subsegments");
            for (i, item) in items.iter().enumerate() {
                if matches!(item, Json::Object(_)) {
                    walk(item, &push_index(&here, i), out);
                }
            }
        }
    }
    let mut out = Vec::new();
    if matches!(tree, Json::Object(_)) {
        walk(tree, "", &mut out);
    }
    out
}

fn tokens(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// The value at a pointer (first copy of each key).
pub fn get_mut<'a>(v: &'a mut Json, pointer: &str) -> Option<&'a mut Json> {
    let mut cur = v;
    for t in tokens(pointer) {
        cur = match cur {
            Json::Object(members) => members.iter_mut().find(|(k, _)| *k == t).map(|(_, v)| v)?,
            Json::Array(items) => items.get_mut(t.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn members_mut(v: &mut Json) -> Option<&mut Vec<(String, Json)>> {
    match v {
        Json::Object(m) => Some(m),
        _ => None,
    }
}

/// The object member `key` of `obj`, created (or replacing `null`) as `{}` when needed.
fn child_object<'a>(
    obj: &'a mut Vec<(String, Json)>,
    key: &str,
) -> Option<&'a mut Vec<(String, Json)>> {
    let i = match obj.iter().position(|(k, _)| k == key) {
        Some(i) => i,
        None => {
            obj.push((key.to_string(), Json::Null));
            obj.len() - 1
        }
    };
    let slot = &mut obj.get_mut(i)?.1;
    if *slot == Json::Null {
        *slot = Json::Object(Vec::new());
    }
    members_mut(slot)
}

fn set_member(obj: &mut Vec<(String, Json)>, key: &str, value: Json) {
    match obj.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = value,
        None => obj.push((key.to_string(), value)),
    }
}

fn set_path(entity: &mut Vec<(String, Json)>, path: &[&str], value: Json) -> Option<()> {
    let (last, parents) = path.split_last()?;
    let mut cur = entity;
    for p in parents {
        cur = child_object(cur, p)?;
    }
    set_member(cur, last, value);
    Some(())
}

fn is_standalone(tree: &Json) -> bool {
    matches!(first_non_null(tree, "type"), Some(Json::String(t)) if t == "subsegment")
}

fn first_non_null<'a>(v: &'a Json, key: &str) -> Option<&'a Json> {
    v.get(key).filter(|v| **v != Json::Null)
}

fn top_id(tree: &Json) -> Option<String> {
    match tree.get("id") {
        Some(Json::String(s)) => Some(s.clone()),
        _ => None,
    }
}

fn set_epoch(trace: &str, epoch: u32) -> String {
    let random = trace
        .get(11..)
        .filter(|_| trace.len() == 35)
        .unwrap_or("a006649127e371903a2de979");
    format!("1-{epoch:08x}-{random}")
}

/// What [`inject`] did besides editing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Injected {
    /// The index of the element an [`Edit::Append`] added.
    pub appended_at: Option<usize>,
    /// The time window an [`Edit::WindowMiss`] needs.
    pub window: Option<TimeWindow>,
}

/// Applies the edits of `fault` to the entity at `target` of `tree` (in place). `None`, with
/// `tree` perhaps half edited, when the fault does not apply there.
pub fn inject(tree: &mut Json, target: &str, fault: &EntityFault) -> Option<Injected> {
    let top = target.is_empty();
    let applies = match fault.applies {
        Where::Any => true,
        Where::Top => top,
        Where::SegmentTop => top && !is_standalone(tree),
        Where::StandaloneTop => top && is_standalone(tree),
        Where::Embedded => !top,
    };
    if !applies {
        return None;
    }
    let mut appended_at = None;
    let mut window = None;
    for edit in &fault.edits {
        match edit {
            Edit::ManyAnnotations => {
                for e in entities(tree) {
                    let entity = members_mut(get_mut(tree, &e)?)?;
                    entity.retain(|(k, _)| k != "annotations");
                }
                let entity = members_mut(get_mut(tree, target)?)?;
                let many = (0..=50)
                    .map(|i| (format!("a{i}"), Json::Number(i.to_string())))
                    .collect();
                entity.push(("annotations".into(), Json::Object(many)));
            }
            Edit::WindowMiss { past } => {
                for e in entities(tree) {
                    let entity = members_mut(get_mut(tree, &e)?)?;
                    if let Some((_, Json::String(t))) =
                        entity.iter_mut().find(|(k, _)| k == "trace_id")
                    {
                        *t = set_epoch(t, WINDOW_NOW);
                    }
                }
                let epoch = if *past {
                    WINDOW_NOW - 1001
                } else {
                    WINDOW_NOW + 101
                };
                let entity = members_mut(get_mut(tree, target)?)?;
                let current = match entity.iter().find(|(k, _)| k == "trace_id") {
                    Some((_, Json::String(t))) => t.clone(),
                    _ => String::new(),
                };
                set_member(entity, "trace_id", Json::String(set_epoch(&current, epoch)));
                window = Some(WINDOW);
            }
            _ => {
                let entity = members_mut(get_mut(tree, target)?)?;
                match edit {
                    Edit::Set(path, v) => set_path(entity, path, v.clone())?,
                    Edit::Remove(key) => entity.retain(|(k, _)| k != key),
                    Edit::Append(key, v) => {
                        let i = match entity.iter().position(|(k, _)| k == key) {
                            Some(i) => i,
                            None => {
                                entity.push((key.to_string(), Json::Array(Vec::new())));
                                entity.len() - 1
                            }
                        };
                        let slot = &mut entity.get_mut(i)?.1;
                        if *slot == Json::Null {
                            *slot = Json::Array(Vec::new());
                        }
                        let Json::Array(items) = slot else {
                            return None;
                        };
                        appended_at = Some(items.len());
                        items.push(v.clone());
                    }
                    Edit::RepeatKey(key, v) => {
                        entity.iter().find(|(k, _)| k == key)?;
                        entity.push((key.to_string(), v.clone()));
                    }
                    Edit::RepeatIn(path, key, v) => {
                        let mut cur = entity;
                        for p in path {
                            cur = child_object(cur, p)?;
                        }
                        cur.push((key.to_string(), v.clone()));
                        cur.push((key.to_string(), v.clone()));
                    }
                    Edit::ManyAnnotations | Edit::WindowMiss { .. } => {}
                }
            }
        }
    }

    Some(Injected {
        appended_at,
        window,
    })
}

/// Injects `fault` into the entity at `target` (a pointer from [`entities`]) of the clean
/// document `base`, and writes it with `style`. `None` when the fault does not apply there.
pub fn apply(base: &Json, target: &str, fault: &EntityFault, style: Style) -> Option<Case> {
    let top = target.is_empty();
    let mut tree = base.clone();
    let Injected {
        appended_at,
        window,
    } = inject(&mut tree, target, fault)?;

    let pointer = |at: &At| -> Option<String> {
        Some(match at {
            At::Entity => target.to_string(),
            At::Field(path) => path
                .iter()
                .fold(target.to_string(), |p, t| push_token(&p, t)),
            At::Appended(key) => push_index(&push_token(target, key), appended_at?),
        })
    };
    let top_form = if is_standalone(&tree) {
        Form::Subsegment
    } else {
        Form::Segment
    };
    let form = if top { top_form } else { Form::Subsegment };
    let kind = if is_standalone(&tree) {
        DocumentKind::Subsegment
    } else {
        DocumentKind::Segment
    };
    let id = top_id(&tree);
    let reject = |code: Code, form: Form, pointer: String| {
        Expect::Rejected(Rejection {
            code,
            form,
            id: id.clone(),
            pointer,
        })
    };
    let warned = |kind_w: WarningKind, pointer: String| {
        Expect::Accepted(
            kind,
            vec![Warning {
                kind: kind_w,
                pointer,
            }],
        )
    };
    let (service, strict) = match &fault.effect {
        Effect::Reject(code, at) => {
            let p = pointer(at)?;
            (reject(*code, form, p.clone()), reject(*code, form, p))
        }
        Effect::Warn(w, at) => {
            let p = pointer(at)?;
            (warned(*w, p.clone()), reject(w.code(), form, p))
        }
        Effect::EntityDup(at) => {
            let p = pointer(at)?;
            (
                reject(Code::InvalidSegment, form, p.clone()),
                reject(Code::InvalidSegment, top_form, p),
            )
        }
        Effect::NonEntityDup(at) => {
            let p = pointer(at)?;
            (
                warned(WarningKind::RepeatedKey, p.clone()),
                reject(Code::InvalidSegment, top_form, p),
            )
        }
    };
    Some(Case {
        name: format!("{} at {target:?}", fault.name),
        doc: write::to_vec(&tree, style),
        max_document_bytes: 65_536,
        max_depth: 128,
        time_window: window,
        service,
        strict,
    })
}

/// A fault of the whole text, or a boundary case next to one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocFault {
    /// A prefix that ends before the closing brace.
    Truncate,
    /// A UTF-8 byte order mark in front.
    ByteOrderMark,
    /// Non-white-space after the document.
    Trailing(&'static str),
    /// White space after the document (accepted).
    TrailingWhitespace,
    /// The document inside an array, or replaced by a scalar.
    NotAnObject(&'static str),
    /// Bytes that are not UTF-8 inside a string.
    InvalidUtf8(&'static [u8]),
    /// An escape that is not JSON (lone surrogates, unknown escapes) inside a string.
    BadEscape(&'static str),
    /// A raw control character inside a string.
    RawControl(u8),
    /// A value that is not a JSON number (`NaN`, leading zeros ...).
    BadNumber(&'static str),
    /// Nesting one deeper than the default limit.
    TooDeep,
    /// Nesting exactly at the default limit (accepted).
    DeepestAllowed,
    /// One byte over the default size limit.
    TooLarge,
    /// Exactly at the default size limit (accepted).
    LargestAllowed,
    /// A configured depth limit one below the document's depth.
    DepthLimitBelow,
    /// A configured size limit one byte below the document's size.
    SizeLimitBelow,
}

/// The catalogue of whole-text faults.
pub fn doc_faults() -> Vec<DocFault> {
    use DocFault::*;
    let mut out = vec![
        Truncate,
        ByteOrderMark,
        TrailingWhitespace,
        TooDeep,
        DeepestAllowed,
        TooLarge,
        LargestAllowed,
        DepthLimitBelow,
        SizeLimitBelow,
    ];
    out.extend(["x", " {}", ",", "]", "}", "\"\"", " 1", "/", "\u{0}"].map(Trailing));
    out.extend(["[", "\"s\"", "5", "null", "true", "[]"].map(NotAnObject));
    out.extend(
        [
            &b"\xff"[..],
            b"\xc0\x80",
            b"\x80",
            b"\xe2\x82",
            b"\xed\xa0\x80",
            b"\xf4\x90\x80\x80",
        ]
        .map(InvalidUtf8),
    );
    out.extend(
        [
            r"\ud800",
            r"\udc00",
            r"\ud800\u0041",
            r"\ud800\ud800",
            r"\x",
            r"\u12",
            r"\U0041",
            r"\'",
        ]
        .map(BadEscape),
    );
    out.extend([0u8, 1, b'\t', b'\n', 0x1f].map(RawControl));
    out.extend(
        [
            "NaN",
            "Infinity",
            "-Infinity",
            "01",
            "-01",
            "1.",
            ".5",
            "+1",
            "1e",
            "1e+",
            "0x10",
            "--1",
            "1.5.3",
            "-",
        ]
        .map(BadNumber),
    );
    out
}

const MARKER: &str = "zqxmarkerqxz";

/// Injects a whole-text fault into the clean document `base`; `pick` chooses the entity or
/// position it goes to. `None` when the fault cannot be built from this document.
pub fn apply_doc_fault(base: &Json, fault: DocFault, pick: u64, style: Style) -> Option<Case> {
    let ents = entities(base);
    let index = usize::try_from(pick % u64::try_from(ents.len().max(1)).ok()?).ok()?;
    let target = ents.get(index)?.clone();
    // D1: the top-level object is at depth 1, each `subsegments` level adds an array and an
    // object
    let entity_depth = 1 + 2 * tokens(&target)
        .iter()
        .filter(|t| *t == "subsegments")
        .count();
    // text faults go in an unknown member of the chosen entity, written without optional
    // escapes so that the marker can be found
    let plain = Style {
        escapes: false,
        ..style
    };
    let with_member = |value: Json| -> Option<Json> {
        let mut tree = base.clone();
        members_mut(get_mut(&mut tree, &target)?)?.push(("zz_fault".into(), value));
        Some(tree)
    };
    let marked = || -> Option<String> { Some(write::to_string(&with_member(s(MARKER))?, plain)) };
    let kind = if is_standalone(base) {
        DocumentKind::Subsegment
    } else {
        DocumentKind::Segment
    };
    let rejected = |code: Code| {
        Expect::Rejected(Rejection {
            code,
            form: Form::Segment,
            id: None,
            pointer: String::new(),
        })
    };
    let accepted = Expect::Accepted(kind, Vec::new());
    let (mut max_document_bytes, mut max_depth) = (65_536, 128);
    let (doc, expect): (Vec<u8>, Expect) = match fault {
        DocFault::Truncate => {
            let text = write::to_vec(base, style);
            let last = text.iter().rposition(|&c| c == b'}')?;
            let cut = usize::try_from(pick % (u64::try_from(last).ok()? + 1)).ok()?;
            (text.get(..cut)?.to_vec(), rejected(Code::ParseError))
        }
        DocFault::ByteOrderMark => {
            let mut d = b"\xEF\xBB\xBF".to_vec();
            d.extend(write::to_vec(base, style));
            (d, rejected(Code::ParseError))
        }
        DocFault::Trailing(t) => {
            let mut d = write::to_vec(base, style);
            d.extend_from_slice(t.as_bytes());
            (d, rejected(Code::ParseError))
        }
        DocFault::TrailingWhitespace => {
            let mut d = b" \r\n\t".to_vec();
            d.extend(write::to_vec(base, style));
            d.extend_from_slice(b" \t\r\n");
            (d, accepted)
        }
        DocFault::NotAnObject(form) => {
            let d = if form == "[" {
                [&b"["[..], &write::to_vec(base, style), b"]"].concat()
            } else {
                form.as_bytes().to_vec()
            };
            (d, rejected(Code::MissingId))
        }
        DocFault::InvalidUtf8(bytes) => {
            let text = marked()?;
            let (before, after) = text.split_once(MARKER)?;
            let d = [before.as_bytes(), bytes, after.as_bytes()].concat();
            (d, rejected(Code::ParseError))
        }
        DocFault::BadEscape(e) => (
            marked()?.replacen(MARKER, e, 1).into_bytes(),
            rejected(Code::ParseError),
        ),
        DocFault::RawControl(c) => {
            let text = marked()?;
            let (before, after) = text.split_once(MARKER)?;
            let d = [before.as_bytes(), &[b'a', c, b'b'], after.as_bytes()].concat();
            (d, rejected(Code::ParseError))
        }
        DocFault::BadNumber(num) => (
            marked()?
                .replacen(&format!("\"{MARKER}\""), num, 1)
                .into_bytes(),
            rejected(Code::ParseError),
        ),
        DocFault::TooDeep | DocFault::DeepestAllowed => {
            // the member's value is one level below the entity object; `levels` nested
            // arrays there reach depth `entity_depth + levels`
            let deepest: usize = if fault == DocFault::TooDeep { 129 } else { 128 };
            let levels = deepest.checked_sub(entity_depth).filter(|l| *l >= 1)?;
            let mut nest = Json::Array(Vec::new());
            for _ in 1..levels {
                nest = Json::Array(vec![nest]);
            }
            let d = write::to_vec(&with_member(nest)?, style);
            if fault == DocFault::TooDeep {
                (d, rejected(Code::ParseError))
            } else {
                (d, accepted)
            }
        }
        DocFault::TooLarge | DocFault::LargestAllowed => {
            let size: usize = if fault == DocFault::TooLarge {
                65_537
            } else {
                65_536
            };
            let empty = write::to_vec(&with_member(s(""))?, plain).len();
            let pad = size.checked_sub(empty)?;
            let d = write::to_vec(&with_member(s(&"p".repeat(pad)))?, plain);
            if d.len() != size {
                return None;
            }
            if fault == DocFault::TooLarge {
                (d, rejected(Code::InvalidSegment))
            } else {
                (d, accepted)
            }
        }
        DocFault::DepthLimitBelow => {
            let d = write::to_vec(base, style);
            let depth = crate::json::nesting_depth(&d);
            if depth < 2 {
                return None;
            }
            max_depth = depth - 1;
            (d, rejected(Code::ParseError))
        }
        DocFault::SizeLimitBelow => {
            let d = write::to_vec(base, style);
            max_document_bytes = d.len().checked_sub(1)?;
            (d, rejected(Code::InvalidSegment))
        }
    };
    Some(Case {
        name: format!("{fault:?} at {target:?}"),
        doc,
        max_document_bytes,
        max_depth,
        time_window: None,
        service: expect.clone(),
        strict: expect,
    })
}
