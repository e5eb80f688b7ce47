//! The syntax layer: JSON, and nothing about X-Ray.
//!
//! - [`lex`]: the grammar of scalars (white space, strings and escapes, numbers, literals).
//! - [`keys`]: object keys, their fingerprints, and repeated-key detection.
//! - [`reader`]: the [`Reader`] that checks grammar and depth in one pass, skips unneeded
//!   values without recursion and reads objects and arrays member by member.
//! - [`walk`]: [`Members`] and [`Elements`], for walking JSON that is already validated.
//! - [`JsonStr`] and [`ValueSpan`]: borrowed strings and value positions.
//!
//! Everything works on a document that has already passed UTF-8 validation, so string
//! contents only need checking for quotes, backslashes and control characters.

pub(crate) mod keys;
pub(crate) mod lex;
pub(crate) mod reader;
mod str;
mod value;
pub(crate) mod walk;

use crate::error::ErrorKind;

#[cfg(test)]
pub(crate) use keys::key_fingerprint;
pub(crate) use keys::{const_fingerprint, same_fingerprinted};
pub(crate) use lex::ws;
pub(crate) use reader::{Reader, RepeatSink, Scratch};
pub use str::{DecodedChars, JsonStr};
pub(crate) use value::{ValueKind, ValueSpan};
pub(crate) use walk::{kind_at, skip_value, Elements, Members};

/// A syntax problem: kind and local offset.
pub(crate) type SynErr = (ErrorKind, usize);
