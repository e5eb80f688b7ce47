//! Baseline validators: a general-purpose JSON parser plus the basic checks of [`crate::checks`],
//! applied to the top-level entity and recursively to every embedded subsegment.
//!
//! Each returns `true` when it accepts the document. A field of the wrong JSON type, a document
//! that does not parse, or one whose top level is not an object is rejected.

use std::borrow::Cow;

use serde::Deserialize;
use simd_json::prelude::{ValueAsScalar, ValueIntoString};

use crate::checks::{entity_ok, EntityFields};

/// A string field that borrows from the input when it holds no escapes.
///
/// `#[serde(borrow)]` on an `Option<Cow<str>>` field would still allocate every string; the
/// newtype makes serde use its borrowing path for the `Cow` inside.
#[derive(Debug, Deserialize)]
pub struct BStr<'a>(#[serde(borrow)] pub Cow<'a, str>);

/// One entity as a borrowed struct: the fields the checks read, every other key skipped.
///
/// Shared by the serde_json and sonic-rs baselines.
#[derive(Debug, Deserialize)]
pub struct Doc<'a> {
    /// `id`.
    #[serde(borrow)]
    pub id: Option<BStr<'a>>,
    /// `name`.
    #[serde(borrow)]
    pub name: Option<BStr<'a>>,
    /// `trace_id`.
    #[serde(borrow)]
    pub trace_id: Option<BStr<'a>>,
    /// `start_time`.
    pub start_time: Option<f64>,
    /// `end_time`.
    pub end_time: Option<f64>,
    /// `in_progress`.
    pub in_progress: Option<bool>,
    /// `parent_id`.
    #[serde(borrow)]
    pub parent_id: Option<BStr<'a>>,
    /// `type`.
    #[serde(borrow, rename = "type")]
    pub kind: Option<BStr<'a>>,
    /// `subsegments`.
    #[serde(borrow)]
    pub subsegments: Option<Vec<Doc<'a>>>,
}

fn bstr<'x>(s: &'x Option<BStr<'_>>) -> Option<&'x str> {
    s.as_ref().map(|s| &*s.0)
}

impl Doc<'_> {
    /// The checked fields of this entity.
    pub fn fields(&self) -> EntityFields<'_> {
        EntityFields {
            id: bstr(&self.id),
            name: bstr(&self.name),
            trace_id: bstr(&self.trace_id),
            start_time: self.start_time,
            end_time: self.end_time,
            in_progress: self.in_progress,
            parent_id: bstr(&self.parent_id),
            kind: bstr(&self.kind),
        }
    }

    /// The basic checks on this entity and, recursively, its embedded subsegments.
    pub fn check(&self, top: bool) -> bool {
        entity_ok(&self.fields(), top)
            && self
                .subsegments
                .iter()
                .flatten()
                .all(|child| child.check(false))
    }
}

/// (b) serde_json into the borrowed [`Doc`] struct, then the checks: the "naive validator".
pub fn serde_struct(doc: &[u8]) -> bool {
    match serde_json::from_slice::<Doc<'_>>(doc) {
        Ok(d) => d.check(true),
        Err(_) => false,
    }
}

/// (d) sonic-rs into the same borrowed [`Doc`] struct, then the checks.
pub fn sonic_struct(doc: &[u8]) -> bool {
    match sonic_rs::from_slice::<Doc<'_>>(doc) {
        Ok(d) => d.check(true),
        Err(_) => false,
    }
}

/// A field present with the wrong JSON type.
struct WrongType;

type Field<T> = Result<Option<T>, WrongType>;

// ----- (a) serde_json::Value ------------------------------------------------------------------

fn value_str(v: Option<&serde_json::Value>) -> Field<&str> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(WrongType),
    }
}

fn value_num(v: Option<&serde_json::Value>) -> Field<f64> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) => n.as_f64().map(Some).ok_or(WrongType),
        Some(_) => Err(WrongType),
    }
}

fn value_bool(v: Option<&serde_json::Value>) -> Field<bool> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(WrongType),
    }
}

fn value_entity(v: &serde_json::Value, top: bool) -> bool {
    let Some(obj) = v.as_object() else {
        return false;
    };
    let fields = || -> Result<EntityFields<'_>, WrongType> {
        Ok(EntityFields {
            id: value_str(obj.get("id"))?,
            name: value_str(obj.get("name"))?,
            trace_id: value_str(obj.get("trace_id"))?,
            start_time: value_num(obj.get("start_time"))?,
            end_time: value_num(obj.get("end_time"))?,
            in_progress: value_bool(obj.get("in_progress"))?,
            parent_id: value_str(obj.get("parent_id"))?,
            kind: value_str(obj.get("type"))?,
        })
    };
    let Ok(f) = fields() else {
        return false;
    };
    if !entity_ok(&f, top) {
        return false;
    }
    match obj.get("subsegments") {
        None | Some(serde_json::Value::Null) => true,
        Some(serde_json::Value::Array(subs)) => subs.iter().all(|s| value_entity(s, false)),
        Some(_) => false,
    }
}

/// (a) serde_json into a `serde_json::Value` DOM, then the checks.
pub fn serde_value(doc: &[u8]) -> bool {
    match serde_json::from_slice::<serde_json::Value>(doc) {
        Ok(v) => value_entity(&v, true),
        Err(_) => false,
    }
}

// ----- (c) simd-json tape ---------------------------------------------------------------------

type TapeValue<'t, 'i> = simd_json::tape::Value<'t, 'i>;

fn tape_str<'i>(v: TapeValue<'_, 'i>) -> Field<&'i str> {
    if v.as_null().is_some() {
        Ok(None)
    } else {
        v.into_string().map(Some).ok_or(WrongType)
    }
}

fn tape_num(v: TapeValue<'_, '_>) -> Field<f64> {
    if v.as_null().is_some() {
        Ok(None)
    } else {
        v.cast_f64().map(Some).ok_or(WrongType)
    }
}

fn tape_bool(v: TapeValue<'_, '_>) -> Field<bool> {
    if v.as_null().is_some() {
        Ok(None)
    } else {
        v.as_bool().map(Some).ok_or(WrongType)
    }
}

/// Reads the checked fields in one pass over the members; a repeated key keeps its last value.
fn tape_fields<'t, 'i>(
    obj: simd_json::tape::Object<'t, 'i>,
) -> Result<(EntityFields<'i>, Option<TapeValue<'t, 'i>>), WrongType> {
    let mut f = EntityFields::default();
    let mut subs = None;
    for (k, v) in obj.iter() {
        match k {
            "id" => f.id = tape_str(v)?,
            "name" => f.name = tape_str(v)?,
            "trace_id" => f.trace_id = tape_str(v)?,
            "start_time" => f.start_time = tape_num(v)?,
            "end_time" => f.end_time = tape_num(v)?,
            "in_progress" => f.in_progress = tape_bool(v)?,
            "parent_id" => f.parent_id = tape_str(v)?,
            "type" => f.kind = tape_str(v)?,
            "subsegments" => subs = Some(v),
            _ => {}
        }
    }
    Ok((f, subs))
}

fn tape_entity(v: TapeValue<'_, '_>, top: bool) -> bool {
    let Some(obj) = v.as_object() else {
        return false;
    };
    let Ok((f, subs)) = tape_fields(obj) else {
        return false;
    };
    if !entity_ok(&f, top) {
        return false;
    }
    match subs {
        None => true,
        Some(s) if s.as_null().is_some() => true,
        Some(s) => match s.as_array() {
            Some(arr) => arr.iter().all(|child| tape_entity(child, false)),
            None => false,
        },
    }
}

/// (c) simd-json: a reused padded copy of the input, reused stage buffers and a reused tape
/// (`fill_tape_padded`), then the checks on the tape.
///
/// simd-json parses in place, so every document is first copied into the reused buffer.
pub struct SimdTape {
    input: Vec<u8>,
    buffers: simd_json::Buffers,
    tape: Option<simd_json::Tape<'static>>,
}

impl std::fmt::Debug for SimdTape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimdTape")
            .field("input_capacity", &self.input.capacity())
            .finish_non_exhaustive()
    }
}

impl Default for SimdTape {
    fn default() -> Self {
        SimdTape::new()
    }
}

impl SimdTape {
    /// A validator with empty buffers (they grow to the largest document seen).
    pub fn new() -> Self {
        SimdTape {
            input: Vec::new(),
            buffers: simd_json::Buffers::default(),
            tape: Some(simd_json::Tape::null()),
        }
    }

    /// Validates one document.
    pub fn validate(&mut self, doc: &[u8]) -> bool {
        self.input.clear();
        self.input.extend_from_slice(doc);
        self.input.resize(doc.len() + simd_json::INPUT_PADDING, 0);
        let mut tape = self
            .tape
            .take()
            .unwrap_or_else(simd_json::Tape::null)
            .reset();
        let ok = match simd_json::fill_tape_padded(
            &mut self.input,
            doc.len(),
            &mut self.buffers,
            &mut tape,
        ) {
            Ok(()) => tape_entity(tape.as_value(), true),
            Err(_) => false,
        };
        self.tape = Some(tape.reset());
        ok
    }
}

// ----- (e) simdjson (C++), DOM parse alone --------------------------------------------------

/// (e) simdjson's DOM parser (the C++ library, through `simdjson-rust`), one parser reused for
/// every document: the parse alone (stage 1, stage 2 and UTF-8 validation into its tape), no
/// checks. The binding copies each document into a reused padded buffer first, as simdjson's
/// own `parser.parse(ptr, len)` does for unpadded input.
///
/// Built with the `simdjson` feature (needs CMake and a C++17 compiler).
#[cfg(feature = "simdjson")]
#[derive(Default)]
pub struct SimdjsonDom {
    parser: simdjson_rust::dom::Parser,
}

#[cfg(feature = "simdjson")]
impl SimdjsonDom {
    /// A parser with simdjson's default capacity.
    pub fn new() -> Self {
        SimdjsonDom::default()
    }

    /// Whether simdjson parses `doc` (any JSON value is accepted: no rules).
    pub fn parse(&mut self, doc: &[u8]) -> bool {
        self.parser.parse_bytes(doc).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"format":"ignored","id":"70de5b6f19ff9a0a","name":"web\u00e9 app",
        "trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.7e9,"end_time":1700000001,
        "http":{"request":{"method":"GET","url":"http://x/"},"response":{"status":200}},
        "metadata":{"default":{"deep":[1,2,{"k":"v\"q"}]}},"annotations":{"a":1,"b":"x"},
        "subsegments":[{"id":"0000000000000001","name":"db","start_time":1.6,"end_time":1.7,
          "subsegments":[{"id":"0000000000000002","name":"q","start_time":1.6,"in_progress":true}]}]}"#;

    type Check = Box<dyn FnMut(&[u8]) -> bool>;

    /// Every baseline, as a list of (label, function).
    fn all() -> Vec<(&'static str, Check)> {
        let mut simd = SimdTape::new();
        vec![
            ("serde_value", Box::new(serde_value)),
            ("serde_struct", Box::new(serde_struct)),
            ("simd_tape", Box::new(move |d: &[u8]| simd.validate(d))),
            ("sonic_struct", Box::new(sonic_struct)),
        ]
    }

    fn replace(from: &str, to: &str) -> String {
        assert!(GOOD.contains(from), "{from}");
        GOOD.replacen(from, to, 1)
    }

    #[test]
    fn accept_valid_and_reject_broken() {
        let standalone = r#"{"type":"subsegment","id":"70de5b6f19ff9a0a","name":"s",
            "trace_id":"1-68000000-a006649127e371903a2de979","parent_id":"70de5b6f19ff9a0b",
            "start_time":1.5,"end_time":2.5}"#;
        let good: Vec<String> = vec![GOOD.to_owned(), standalone.to_owned()];
        let bad: Vec<(&str, String)> = vec![
            ("missing name", replace(r#""name":"web\u00e9 app","#, "")),
            (
                "empty name",
                replace(r#""name":"web\u00e9 app""#, r#""name":"""#),
            ),
            ("long name", replace("web\\u00e9 app", &"n".repeat(201))),
            ("name not a string", replace(r#""web\u00e9 app""#, "7")),
            ("bad id", replace("70de5b6f19ff9a0a", "70de5b6f19ff9a0")),
            (
                "non-hex id",
                replace("70de5b6f19ff9a0a", "70de5b6f19ff9a0z"),
            ),
            ("missing end_time", replace(r#","end_time":1700000001"#, "")),
            ("negative start", replace("1.7e9", "-1")),
            ("start as string", replace("1.7e9", r#""1.7e9""#)),
            ("bad trace id", replace("1-68000000-", "2-68000000-")),
            (
                "missing trace id",
                replace(r#""trace_id":"1-68000000-a006649127e371903a2de979","#, ""),
            ),
            ("bad child id", replace("0000000000000001", "xyz")),
            ("child without end", replace(r#","in_progress":true"#, "")),
            (
                "child not an object",
                replace(r#""subsegments":[{"id""#, r#""subsegments":[1,{"id""#),
            ),
            (
                "standalone without parent",
                standalone.replace(r#""parent_id":"70de5b6f19ff9a0b","#, ""),
            ),
            ("not json", GOOD.replace("\"id\"", "id")),
            (
                "truncated",
                GOOD.get(..GOOD.len() - 1).unwrap_or("").to_owned(),
            ),
            ("not an object", "[]".to_owned()),
        ];
        for (label, mut f) in all() {
            for g in &good {
                assert!(f(g.as_bytes()), "{label} rejects a valid document: {g}");
            }
            for (what, b) in &bad {
                assert!(!f(b.as_bytes()), "{label} accepts {what}: {b}");
            }
            // and a valid document again, after rejections (reused buffers)
            assert!(f(GOOD.as_bytes()), "{label} after rejections");
        }
    }

    #[test]
    fn struct_fields_borrow_when_unescaped() {
        let d: Doc<'_> = serde_json::from_str(GOOD).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(d.id.map(|s| s.0), Some(Cow::Borrowed(_))));
        assert!(matches!(d.name.map(|s| s.0), Some(Cow::Owned(ref s)) if s == "webé app"));
        let d: Doc<'_> = sonic_rs::from_str(GOOD).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(d.id.map(|s| s.0), Some(Cow::Borrowed(_))));
    }

    #[test]
    fn xseg_agrees_on_the_fixtures() {
        let mut v = xseg::Validator::default();
        assert!(v.validate(GOOD.as_bytes()).is_accepted());
        for broken in [
            replace(r#""name":"web\u00e9 app","#, ""),
            replace("70de5b6f19ff9a0a", "70de5b6f19ff9a0"),
            replace(r#","end_time":1700000001"#, ""),
        ] {
            assert!(!v.validate(broken.as_bytes()).is_accepted(), "{broken}");
        }
    }

    #[cfg(feature = "simdjson")]
    #[test]
    fn simdjson_parses_json_only() {
        let mut p = SimdjsonDom::new();
        assert!(p.parse(GOOD.as_bytes()));
        assert!(p.parse(b"[1,2]"), "a DOM parse has no rules");
        assert!(!p.parse(b"{\"a\":}"));
        assert!(!p.parse(b"{\"a\":\"\xff\"}"), "UTF-8 is validated");
        assert!(
            p.parse(GOOD.as_bytes()),
            "the parser is reusable after an error"
        );
    }
}
