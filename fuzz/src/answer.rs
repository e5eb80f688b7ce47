//! One comparable form for the engine's and the model's answers, and the comparison the
//! differential targets share.

use std::fmt::Write as _;

use xseg_reference::{Options, Profile, Verdict};

/// Warnings the engine keeps per document; beyond that only counts are compared.
const KEPT: usize = xseg::limits::MAX_WARNINGS;

/// An answer reduced to what the rules fix: for a rejection the code, message, `Id` and
/// pointer; for an acceptance the kind and the warnings (kind and pointer, sorted), or only
/// their number when there are more than the engine keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Accepted.
    Accepted {
        /// `Segment`, `Subsegment` or `Otlp`.
        kind: String,
        /// `(kind, pointer)`, sorted; empty when there are more than the engine keeps.
        warnings: Vec<(String, String)>,
        /// How many warnings.
        count: usize,
    },
    /// Rejected.
    Rejected {
        /// The `ErrorCode`.
        code: String,
        /// The `Message`.
        message: String,
        /// The `Id`.
        id: Option<String>,
        /// The pointer of the offending value.
        pointer: String,
    },
}

impl Answer {
    /// The `ErrorCode` of a rejection.
    pub fn code(&self) -> Option<&str> {
        match self {
            Answer::Rejected { code, .. } => Some(code),
            Answer::Accepted { .. } => None,
        }
    }

    /// Whether the document was accepted.
    pub fn is_accepted(&self) -> bool {
        matches!(self, Answer::Accepted { .. })
    }
}

fn accepted(kind: String, mut warnings: Vec<(String, String)>, count: usize) -> Answer {
    warnings.sort();
    if count > KEPT {
        warnings.clear();
    }
    Answer::Accepted {
        kind,
        warnings,
        count,
    }
}

/// The engine options matching the model's.
pub fn engine_options(opts: &Options) -> xseg::Options {
    let profile = match opts.profile {
        Profile::Service => xseg::Profile::Service,
        Profile::Strict => xseg::Profile::Strict,
    };
    xseg::Options::new(profile)
        .with_max_depth(opts.max_depth)
        .with_max_document_bytes(opts.max_document_bytes)
        .with_time_window(opts.time_window.map(|w| xseg::TimeWindow {
            now: w.now,
            max_age: w.max_age,
            max_future_skew: w.max_future_skew,
        }))
}

/// The engine's answer for an outcome of a document at `base` in `input`.
pub fn from_engine(
    v: &xseg::Validator,
    input: &[u8],
    base: usize,
    out: &xseg::Outcome<'_>,
) -> Answer {
    match out {
        xseg::Outcome::Accepted(kind) => accepted(
            format!("{kind:?}"),
            v.warnings()
                .iter()
                .map(|w| (w.kind().name().to_string(), w.locate(input, base).pointer))
                .collect(),
            v.warnings().total(),
        ),
        xseg::Outcome::Rejected(r) => Answer::Rejected {
            code: r.code().as_str().to_string(),
            message: r.message().to_string(),
            id: r.id().map(|c| c.into_owned()),
            pointer: r.error().locate(input, base).pointer,
        },
    }
}

/// The engine's answer for `doc`.
pub fn engine(doc: &[u8], opts: &Options) -> Answer {
    let mut v = xseg::Validator::new(engine_options(opts));
    let out = v.validate(doc);
    from_engine(&v, doc, 0, &out)
}

/// The model's answer.
pub fn from_model(out: &xseg_reference::Outcome) -> Answer {
    match &out.verdict {
        Verdict::Accepted(kind) => accepted(
            format!("{kind:?}"),
            out.warnings
                .iter()
                .map(|w| (w.kind.name(), w.pointer.clone()))
                .collect(),
            out.warnings.len(),
        ),
        Verdict::Rejected(r) => Answer::Rejected {
            code: r.code.as_str().to_string(),
            message: r.message(),
            id: r.id.clone(),
            pointer: r.pointer.clone(),
        },
    }
}

/// The model's answer for `doc`.
pub fn model(doc: &[u8], opts: &Options) -> Answer {
    from_model(&xseg_reference::check(doc, opts))
}

/// The answer a catalogue case expects.
pub fn from_expect(e: &xseg_reference::fault::Expect) -> Answer {
    use xseg_reference::fault::Expect;
    match e {
        Expect::Accepted(kind, warnings) => accepted(
            format!("{kind:?}"),
            warnings
                .iter()
                .map(|w| (w.kind.name(), w.pointer.clone()))
                .collect(),
            warnings.len(),
        ),
        Expect::Rejected(r) => Answer::Rejected {
            code: r.code.as_str().to_string(),
            message: r.message(),
            id: r.id.clone(),
            pointer: r.pointer.clone(),
        },
    }
}

/// Checks that engine and model both give the answer a catalogue case expects.
pub fn assert_case(case: &xseg_reference::fault::Case) {
    for profile in [Profile::Service, Profile::Strict] {
        let opts = case.options(profile);
        let want = from_expect(case.expect(profile));
        let (e, m) = (engine(&case.doc, &opts), model(&case.doc, &opts));
        assert!(
            e == want && m == want,
            "{} ({profile:?})\n want   {want:?}\n engine {e:?}\n model  {m:?}\n doc {}",
            case.name,
            literal(&case.doc)
        );
    }
}

/// `doc` as a Rust byte-string literal, for pasting into a regression test.
pub fn literal(doc: &[u8]) -> String {
    let mut s = String::from("b\"");
    for &c in doc.iter().take(4096) {
        match c {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(char::from(c)),
            _ => {
                let _ = write!(s, "\\x{c:02x}");
            }
        }
    }
    if doc.len() > 4096 {
        let _ = write!(s, "…({} bytes)", doc.len());
    }
    s.push('"');
    s
}

/// Checks that engine and model agree on `doc` under `opts`.
pub fn assert_agree(doc: &[u8], opts: &Options) {
    let (e, m) = (engine(doc, opts), model(doc, opts));
    assert!(
        e == m,
        "engine and model disagree ({opts:?})\n engine {e:?}\n model  {m:?}\n doc {}",
        literal(doc)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_paste() {
        assert_eq!(literal(b"a\"\\\n\xff"), r#"b"a\"\\\x0a\xff""#);
    }
}
