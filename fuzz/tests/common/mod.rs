//! The comparable answers of the engine, the model and the fault catalogue
//! (`xseg_fuzz::answer`), under the names these tests use.

#![allow(dead_code)]

use xseg_reference::fault::Expect;
use xseg_reference::{Options, Profile};

pub use xseg_fuzz::answer::{engine, model, Answer};

/// The engine options matching the model's.
pub fn xseg_options(opts: &Options) -> xseg::Options {
    xseg_fuzz::answer::engine_options(opts)
}

/// The engine's answer with a reused validator.
pub fn engine_with(v: &mut xseg::Validator, doc: &[u8]) -> Answer {
    let out = v.validate(doc);
    xseg_fuzz::answer::from_engine(v, doc, 0, &out)
}

/// Converts an engine outcome for a document at `base` in `input`.
pub fn from_engine(
    v: &xseg::Validator,
    input: &[u8],
    base: usize,
    out: xseg::Outcome<'_>,
) -> Answer {
    xseg_fuzz::answer::from_engine(v, input, base, &out)
}

/// The model's answer for its outcome.
pub fn from_model(out: xseg_reference::Outcome) -> Answer {
    xseg_fuzz::answer::from_model(&out)
}

/// The catalogue's expectation.
pub fn expected(e: &Expect) -> Answer {
    xseg_fuzz::answer::from_expect(e)
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
