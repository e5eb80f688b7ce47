//! An ordered JSON tree that keeps what `serde_json::Value` loses, and its parser.
//!
//! `serde_json::Value` keeps one copy of a repeated key and turns numbers into `f64`/`u64`
//! (failing on `1e400`). The rules need every copy, in document order, and the number text as
//! written, so this module parses into [`Json`] instead:
//!
//! 1. a pre-scan over the UTF-8-checked text, which tracks strings, checks every number
//!    against the JSON grammar, records its text and replaces it by `0`, and measures the
//!    nesting depth (D1);
//! 2. serde_json's streaming `Deserializer` over the rewritten text, with a seed that builds
//!    [`Json`] and takes the recorded text for each number in turn.
//!
//! Every number the deserializer sees is one of the `0`s, in document order, so the recorded
//! texts line up with them. Replacing a grammatical number by another grammatical number
//! changes neither whether the text is well-formed JSON nor its structure.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

/// A JSON value: members in document order (repeats kept), numbers as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, exactly as written in the document (e.g. `"1.5e3"`, `"1e400"`, `"-0"`).
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object: every member in document order, repeated keys included. Keys are unescaped.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The members, when this is an object.
    pub fn as_object(&self) -> Option<&[(String, Json)]> {
        match self {
            Json::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The value of the first member named `key`, when this is an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.as_object()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// A short name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }
}

/// Why a text is not accepted as JSON. Every variant is a `ParseError`; the variant only says
/// which stage noticed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyntaxError {
    /// The text starts with a UTF-8 byte order mark (D3).
    ByteOrderMark,
    /// The bytes are not UTF-8.
    InvalidUtf8,
    /// A number that breaks the JSON grammar (`01`, `1.`, `-`, `.5`, `1e`).
    InvalidNumber(String),
    /// Nesting deeper than the limit (D1).
    TooDeep {
        /// The deepest nesting in the text.
        depth: usize,
        /// The limit.
        max: usize,
    },
    /// Anything serde_json rejects: grammar, lone surrogates, control characters, trailing
    /// characters, empty input.
    Grammar(String),
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyntaxError::ByteOrderMark => f.write_str("byte order mark"),
            SyntaxError::InvalidUtf8 => f.write_str("invalid UTF-8"),
            SyntaxError::InvalidNumber(n) => write!(f, "invalid number {n:?}"),
            SyntaxError::TooDeep { depth, max } => write!(f, "depth {depth} over {max}"),
            SyntaxError::Grammar(e) => write!(f, "{e}"),
        }
    }
}

/// What the pre-scan found.
struct PreScan {
    /// The text with every number replaced by `0`.
    rewritten: Vec<u8>,
    /// The numbers as written, in document order.
    numbers: Vec<String>,
}

fn is_number_byte(c: u8) -> bool {
    matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
}

/// The JSON number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
pub fn is_json_number(s: &str) -> bool {
    fn digits(b: &[u8], mut i: usize) -> usize {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    }
    let b = s.as_bytes();
    let mut i = 0;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(b, i + 1),
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        let j = digits(b, i + 1);
        if j == i + 1 {
            return false;
        }
        i = j;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let j = digits(b, i);
        if j == i {
            return false;
        }
        i = j;
    }
    i == b.len()
}

/// The deepest nesting of `[`/`{` outside strings. Exact for well-formed JSON; for anything
/// else only a number to decide how much stack to give the parser.
pub fn nesting_depth(text: &[u8]) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &c in text {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn prescan(text: &str) -> Result<PreScan, SyntaxError> {
    let b = text.as_bytes();
    let mut rewritten = Vec::with_capacity(b.len());
    let mut numbers = Vec::new();
    let (mut in_string, mut escaped) = (false, false);
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
        } else if c == b'"' {
            in_string = true;
        } else if c == b'-' || c.is_ascii_digit() {
            // Outside strings, a run of number characters starting like a number is a number
            // in any well-formed text (literals hold no digits and no `-`).
            let mut j = i;
            while b.get(j).copied().is_some_and(is_number_byte) {
                j += 1;
            }
            let token = text.get(i..j).unwrap_or("");
            if !is_json_number(token) {
                return Err(SyntaxError::InvalidNumber(token.to_string()));
            }
            numbers.push(token.to_string());
            rewritten.push(b'0');
            i = j;
            continue;
        }
        rewritten.push(c);
        i += 1;
    }
    Ok(PreScan { rewritten, numbers })
}

/// Parses one JSON text (RULES.md §3 steps 2–3): UTF-8, no byte order mark, JSON white space
/// around the value, nesting at most `max_depth` containers deep (D1).
///
/// Recursion: the parser and [`Json`] are recursive, so callers that allow deep nesting
/// should give the thread enough stack (see [`crate::check`], which does).
pub fn parse(doc: &[u8], max_depth: usize) -> Result<Json, SyntaxError> {
    if doc.starts_with(b"\xEF\xBB\xBF") {
        return Err(SyntaxError::ByteOrderMark);
    }
    let text = std::str::from_utf8(doc).map_err(|_| SyntaxError::InvalidUtf8)?;
    let depth = nesting_depth(text.as_bytes());
    if depth > max_depth {
        return Err(SyntaxError::TooDeep {
            depth,
            max: max_depth,
        });
    }
    let scan = prescan(text)?;
    let next = Cell::new(0usize);
    let seed = Seed {
        numbers: &scan.numbers,
        next: &next,
    };
    let mut de = serde_json::Deserializer::from_slice(&scan.rewritten);
    de.disable_recursion_limit();
    let value = seed
        .deserialize(&mut de)
        .map_err(|e| SyntaxError::Grammar(e.to_string()))?;
    de.end().map_err(|e| SyntaxError::Grammar(e.to_string()))?;
    if next.get() != scan.numbers.len() {
        return Err(SyntaxError::Grammar("number count mismatch".into()));
    }
    Ok(value)
}

/// Builds a [`Json`], taking the text of each number from the pre-scan.
#[derive(Clone, Copy)]
struct Seed<'n> {
    numbers: &'n [String],
    next: &'n Cell<usize>,
}

impl Seed<'_> {
    fn number<E: de::Error>(self, v: u64) -> Result<Json, E> {
        let i = self.next.get();
        match self.numbers.get(i) {
            Some(text) if v == 0 => {
                self.next.set(i + 1);
                Ok(Json::Number(text.clone()))
            }
            _ => Err(E::custom("number not from the pre-scan")),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Json;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
        self.number(v)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Json, E> {
        Err(E::custom("number not from the pre-scan"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Json, E> {
        Err(E::custom("number not from the pre-scan"))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            out.push(v);
        }
        Ok(Json::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(self)?;
            out.push((k, v));
        }
        Ok(Json::Object(out))
    }
}

/// Appends one RFC 6901 reference token to `pointer`.
pub fn push_token(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

/// Appends an array index to `pointer`.
pub fn push_index(pointer: &str, index: usize) -> String {
    format!("{pointer}/{index}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Json, SyntaxError> {
        parse(s.as_bytes(), 128)
    }

    #[test]
    fn keeps_repeats_order_and_number_text() {
        let v = p(r#" {"b":1e400,"a":[-0,2.50],"b":"x\u0041"} "#).unwrap();
        assert_eq!(
            v,
            Json::Object(vec![
                ("b".into(), Json::Number("1e400".into())),
                (
                    "a".into(),
                    Json::Array(vec![Json::Number("-0".into()), Json::Number("2.50".into())])
                ),
                ("b".into(), Json::String("xA".into())),
            ])
        );
    }

    #[test]
    fn rejects_what_json_rejects() {
        for bad in [
            "",
            " ",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "+1",
            "NaN",
            "Infinity",
            "[1,]",
            "{\"a\"}",
            "{} x",
            "\"\u{1}\"",
            r#""\ud800""#,
            r#""\udc00x""#,
            r#""\ud800\u0041""#,
            r#""\x""#,
            "[1 2]",
            "tru",
            "nul1",
            "2-3",
        ] {
            assert!(p(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse(b"\xEF\xBB\xBF{}", 128),
            Err(SyntaxError::ByteOrderMark)
        );
        assert_eq!(parse(b"[\"\xFF\"]", 128), Err(SyntaxError::InvalidUtf8));
    }

    #[test]
    fn accepts_what_json_accepts() {
        for good in [
            "0",
            "-0",
            "1E+2",
            "1e-400",
            " \t\r\n[ ] ",
            r#""\ud83d\ude00""#,
            "\"\u{7f}\"",
            r#"{"":{"":[]}}"#,
            "null",
        ] {
            assert!(p(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn depth_counts_containers() {
        let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(nest(128).as_bytes(), 128).is_ok());
        assert!(matches!(
            parse(nest(129).as_bytes(), 128),
            Err(SyntaxError::TooDeep { depth: 129, .. })
        ));
        assert!(parse(br#"{"a":[1]}"#, 2).is_ok());
        assert!(parse(br#"{"a":[1]}"#, 1).is_err());
        assert!(parse(br#"["[[[["]"#, 1).is_ok());
    }

    #[test]
    fn pointer_tokens_escape() {
        assert_eq!(push_token("", "a/b~c"), "/a~1b~0c");
        assert_eq!(push_index("/x", 3), "/x/3");
    }
}
