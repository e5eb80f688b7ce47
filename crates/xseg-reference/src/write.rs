//! Serializes a [`Json`] tree with chosen escapes and white space, so generated documents
//! exercise `\u` escapes (surrogate pairs included), short escapes and JSON white space.
//!
//! Numbers are written exactly as their text; keys and strings are escaped as JSON requires
//! (`"`, `\` and control characters always), and other characters are escaped at random when
//! [`Style::escapes`] is set. The choices come from a small deterministic generator seeded by
//! [`Style::seed`], so one style always writes one tree the same way.

use crate::json::Json;

/// How to write a tree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Style {
    /// Seed of the choices below.
    pub seed: u64,
    /// Escape some characters that need no escape (`\u00e9`, `\/`, surrogate pairs).
    pub escapes: bool,
    /// Put JSON white space (space, tab, CR, LF) between some tokens.
    pub whitespace: bool,
}

impl Style {
    /// No optional escapes, no white space.
    pub const PLAIN: Style = Style {
        seed: 0,
        escapes: false,
        whitespace: false,
    };
}

/// SplitMix64: enough randomness for choosing escapes, and fully deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }
}

struct Writer {
    out: String,
    rng: Rng,
    style: Style,
}

/// Writes `value` as JSON text.
///
/// ```
/// use xseg_reference::json::Json;
/// use xseg_reference::write::{to_string, Style};
/// let v = Json::Object(vec![("n".into(), Json::String("é\"".into()))]);
/// assert_eq!(to_string(&v, Style::PLAIN), r#"{"n":"é\""}"#);
/// ```
pub fn to_string(value: &Json, style: Style) -> String {
    let mut w = Writer {
        out: String::new(),
        rng: Rng(style.seed),
        style,
    };
    w.value(value);
    w.out
}

/// [`to_string`] as bytes.
pub fn to_vec(value: &Json, style: Style) -> Vec<u8> {
    to_string(value, style).into_bytes()
}

impl Writer {
    fn ws(&mut self) {
        if self.style.whitespace && self.rng.one_in(4) {
            let pick = self.rng.next() % 5;
            self.out.push_str(match pick {
                0 => " ",
                1 => "\n",
                2 => "\t",
                3 => "\r\n",
                _ => "  ",
            });
        }
    }

    fn value(&mut self, v: &Json) {
        match v {
            Json::Null => self.out.push_str("null"),
            Json::Bool(true) => self.out.push_str("true"),
            Json::Bool(false) => self.out.push_str("false"),
            Json::Number(n) => self.out.push_str(n),
            Json::String(s) => self.string(s),
            Json::Array(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.ws();
                    self.value(item);
                    self.ws();
                }
                self.out.push(']');
            }
            Json::Object(members) => {
                self.out.push('{');
                for (i, (k, item)) in members.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.ws();
                    self.string(k);
                    self.ws();
                    self.out.push(':');
                    self.ws();
                    self.value(item);
                    self.ws();
                }
                self.out.push('}');
            }
        }
    }

    fn u_escape(&mut self, unit: u32) {
        let upper = self.style.escapes && self.rng.one_in(2);
        if upper {
            self.out.push_str(&format!("\\u{unit:04X}"));
        } else {
            self.out.push_str(&format!("\\u{unit:04x}"));
        }
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            let optional = self.style.escapes && self.rng.one_in(4);
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' if !optional => self.out.push_str("\\n"),
                '\t' if !optional => self.out.push_str("\\t"),
                '\r' if !optional => self.out.push_str("\\r"),
                '\u{8}' if !optional => self.out.push_str("\\b"),
                '\u{c}' if !optional => self.out.push_str("\\f"),
                '/' if optional => self.out.push_str("\\/"),
                c if u32::from(c) < 0x20 || optional => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        self.u_escape(u32::from(*unit));
                    }
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    #[test]
    fn round_trips_through_the_parser() {
        let v = Json::Object(vec![
            (
                "k/\u{1}~".into(),
                Json::String("a\"\\\n\t\r\u{8}\u{c}\u{1f}é😀/".into()),
            ),
            ("n".into(), Json::Number("-1.5e400".into())),
            (
                "a".into(),
                Json::Array(vec![Json::Null, Json::Bool(true), Json::Bool(false)]),
            ),
            ("k/\u{1}~".into(), Json::Object(vec![])),
        ]);
        for seed in 0..200 {
            for (escapes, whitespace) in [(false, false), (true, false), (true, true)] {
                let style = Style {
                    seed,
                    escapes,
                    whitespace,
                };
                let text = to_string(&v, style);
                assert_eq!(parse(text.as_bytes(), 128).unwrap(), v, "{text}");
            }
        }
        let escaped = to_string(
            &v,
            Style {
                seed: 7,
                escapes: true,
                whitespace: false,
            },
        );
        assert!(escaped.contains("\\u"), "{escaped}");
    }
}
