//! One comparable form for the answers of the engine, the model and the fault catalogue.

#![allow(dead_code)]

use xseg_reference::fault::Expect;
use xseg_reference::{Options, Profile, Verdict};

/// An answer, reduced to what the rules fix: the verdict, and for a rejection the code,
/// message, Id and pointer; for an acceptance the document kind and the warnings (kind name
/// and pointer, sorted; only when there are at most 16, the engine's bound, else the count).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Accepted {
        kind: String,
        warnings: Vec<(String, String)>,
        warning_count: usize,
    },
    Rejected {
        code: String,
        message: String,
        id: Option<String>,
        pointer: String,
    },
}

impl Answer {
    pub fn code(&self) -> Option<&str> {
        match self {
            Answer::Rejected { code, .. } => Some(code),
            Answer::Accepted { .. } => None,
        }
    }

    pub fn is_accepted(&self) -> bool {
        matches!(self, Answer::Accepted { .. })
    }
}

const KEPT_WARNINGS: usize = xseg::limits::MAX_WARNINGS;

fn accepted(kind: String, warnings: Vec<(String, String)>) -> Answer {
    let count = warnings.len();
    accepted_counted(kind, warnings, count)
}

/// `warning_count` is the number of warnings, which may be more than `warnings` holds.
fn accepted_counted(
    kind: String,
    mut warnings: Vec<(String, String)>,
    warning_count: usize,
) -> Answer {
    warnings.sort();
    if warning_count > KEPT_WARNINGS {
        warnings.clear();
    }
    Answer::Accepted {
        kind,
        warnings,
        warning_count,
    }
}

pub fn xseg_options(opts: &Options) -> xseg::Options {
    let profile = match opts.profile {
        Profile::Service => xseg::Profile::Service,
        Profile::Strict => xseg::Profile::Strict,
    };
    xseg::Options::new(profile)
        .max_depth(opts.max_depth)
        .max_document_bytes(opts.max_document_bytes)
        .time_window(opts.time_window.map(|w| xseg::TimeWindow {
            now: w.now,
            max_age: w.max_age,
            max_future_skew: w.max_future_skew,
        }))
}

/// The engine's answer; pointers from `Error::locate` / `Warning::locate`.
pub fn engine(doc: &[u8], opts: &Options) -> Answer {
    let mut v = xseg::Validator::new(xseg_options(opts));
    engine_with(&mut v, doc)
}

/// The engine's answer with a reused validator.
pub fn engine_with(v: &mut xseg::Validator, doc: &[u8]) -> Answer {
    let out = v.validate(doc);
    from_engine(v, doc, 0, out)
}

/// Converts an engine outcome for a document at `base` in `input`.
pub fn from_engine(
    v: &xseg::Validator,
    input: &[u8],
    base: usize,
    out: xseg::Outcome<'_>,
) -> Answer {
    match out {
        xseg::Outcome::Accepted(kind) => accepted_counted(
            format!("{kind:?}"),
            v.warnings()
                .iter()
                .map(|w| (w.kind().name().to_string(), w.locate(input, base).pointer))
                .collect(),
            // the engine keeps 16 warnings but counts them all
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

/// The model's answer.
pub fn model(doc: &[u8], opts: &Options) -> Answer {
    from_model(xseg_reference::check(doc, opts))
}

pub fn from_model(out: xseg_reference::Outcome) -> Answer {
    match out.verdict {
        Verdict::Accepted(kind) => accepted(
            format!("{kind:?}"),
            out.warnings
                .into_iter()
                .map(|w| (w.kind.name(), w.pointer))
                .collect(),
        ),
        Verdict::Rejected(r) => Answer::Rejected {
            code: r.code.as_str().to_string(),
            message: r.message(),
            id: r.id.clone(),
            pointer: r.pointer,
        },
    }
}

/// The catalogue's expectation.
pub fn expected(e: &Expect) -> Answer {
    match e {
        Expect::Accepted(kind, warnings) => accepted(
            format!("{kind:?}"),
            warnings
                .iter()
                .map(|w| (w.kind.name(), w.pointer.clone()))
                .collect(),
        ),
        Expect::Rejected(r) => Answer::Rejected {
            code: r.code.as_str().to_string(),
            message: r.message(),
            id: r.id.clone(),
            pointer: r.pointer.clone(),
        },
    }
}

pub const PROFILES: [Profile; 2] = [Profile::Service, Profile::Strict];

/// A document for messages: lossy text, cut to a readable length.
pub fn show(doc: &[u8]) -> String {
    let text = String::from_utf8_lossy(doc);
    if text.chars().count() > 600 {
        let head: String = text.chars().take(600).collect();
        format!("{head}… ({} bytes)", doc.len())
    } else {
        text.into_owned()
    }
}
