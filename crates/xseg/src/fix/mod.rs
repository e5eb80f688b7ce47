//! Repairs: a layer on top of the diagnostics that rewrites what the service would reject or
//! drop for cosmetic reasons, with minimal edits, and says what it changed.
//!
//! A [`Fixer`] validates a document, takes the findings it knows a safe repair for (a name
//! with characters outside the allowed set or over 200 characters, annotation keys and long
//! annotation strings, ids in upper case, and under [`Profile::Strict`] a few more), rewrites
//! exactly those values, and validates again until nothing repairable is left. Every byte
//! outside the edited values is copied unchanged: key order, spacing, number spelling and
//! escapes survive. It never invents data: a missing or invalid `id`, `trace_id`,
//! `start_time` or `end_time`, a parse error or an oversized document is reported as not
//! fixable, and the document is written unchanged. `docs/FIXING.md` gives every rule and why.
//!
//! ```
//! use xseg::fix::{Fixer, FixOptions, FixStatus};
//!
//! let mut fixer = Fixer::new(FixOptions::default());
//! let doc = br#"{"name":"checkout (eu)","id":"70DE5B6F19FF9A0A","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2,"annotations":{"user-id":"u1"}}"#;
//! let mut out = Vec::new();
//! let report = fixer.fix(doc, &mut out);
//! assert_eq!(report.status(), FixStatus::Fixed);
//! assert_eq!(
//!     std::str::from_utf8(&out).unwrap(),
//!     r#"{"name":"checkout eu","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2,"annotations":{"user_id":"u1"}}"#
//! );
//! let changes: Vec<_> = report.changes().map(|c| (c.pointer, c.before, c.after)).collect();
//! assert_eq!(changes, [
//!     ("/name", r#""checkout (eu)""#, Some(r#""checkout eu""#)),
//!     ("/id", r#""70DE5B6F19FF9A0A""#, Some(r#""70de5b6f19ff9a0a""#)),
//!     ("/annotations/user-id", r#""user-id""#, Some(r#""user_id""#)),
//! ]);
//! ```
//!
//! A `Fixer` keeps its buffers between documents: once they have grown, fixing document after
//! document allocates nothing.

mod annotations;
mod edit;
mod ids;
mod json;
mod name;
mod options;
mod report;
mod strict;

pub use options::{FixOptions, ParseRepairError, Repair};
pub use report::{Change, FixReport, FixStatus, Unfixable};

use crate::{Category, Entity, ErrorKind, Outcome, Profile, Validator};

use edit::{Edit, Work};

/// The name written when nothing of a name is left after its disallowed characters are
/// dropped (or, under `strict`, when only white space is left). It is what the OpenTelemetry
/// X-Ray exporter writes for a span name with no valid character.
pub const NAME_PLACEHOLDER: &str = "span";

/// Most validation rounds spent on one document. Each round that continues makes at least one
/// new edit, and edits never overlap, so a document has far fewer rounds than bytes; the cap
/// only bounds the work on a hostile input.
const MAX_ROUNDS: usize = 4096;

/// A reusable fixer: the options, two validators' buffers and the edit buffers, kept between
/// documents.
#[derive(Debug)]
pub struct Fixer {
    opts: FixOptions,
    /// Validates under `service`, where the repairable findings are warnings or the first
    /// rejection.
    service: Validator,
    /// Validates under `strict`, when that is the caller's profile.
    strict: Option<Validator>,
    edits: Vec<Edit>,
    arena: String,
    pointer: String,
    findings: Vec<(ErrorKind, usize)>,
    done: Vec<usize>,
    work: Vec<u8>,
    annotation_scratch: annotations::Scratch,
}

impl Default for Fixer {
    fn default() -> Self {
        Fixer::new(FixOptions::default())
    }
}

impl Fixer {
    /// A fixer with the given options.
    pub fn new(opts: FixOptions) -> Self {
        let validation = *opts.validation();
        let service = Validator::new(validation.with_profile(Profile::Service));
        let strict = match validation.profile() {
            Profile::Service => None,
            Profile::Strict => Some(Validator::new(validation)),
        };
        Fixer {
            opts,
            service,
            strict,
            edits: Vec::new(),
            arena: String::new(),
            pointer: String::new(),
            findings: Vec::new(),
            done: Vec::new(),
            work: Vec::new(),
            annotation_scratch: annotations::Scratch::default(),
        }
    }

    /// The options.
    pub const fn options(&self) -> &FixOptions {
        &self.opts
    }

    /// Repairs one document, appending the result to `out`: the repaired document when the
    /// status is [`FixStatus::Fixed`], else `doc` byte for byte.
    pub fn fix<'f>(&'f mut self, doc: &[u8], out: &mut Vec<u8>) -> FixReport<'f> {
        self.edits.clear();
        self.arena.clear();
        self.done.clear();
        let mut rounds = 0;
        // Each round validates the current bytes and repairs what it finds; it stops when a
        // round finds nothing new to repair, or a fault it does not repair.
        let rejected = loop {
            let cur: &[u8] = if self.edits.is_empty() {
                doc
            } else {
                &self.work
            };
            self.findings.clear();
            let mut verdict = rejection(self.service.validate(cur));
            let mut blocked = false;
            if let Some((kind, at, _)) = verdict {
                blocked = !self.opts.repairs_kind(kind);
                self.findings.push((kind, at));
            }
            if !blocked {
                for w in self.service.warnings() {
                    if self.opts.repairs_kind(w.kind()) {
                        self.findings.push((w.kind(), w.offset()));
                    }
                }
                // under another profile, its first rejection too. `strict` rejects only what
                // `service` rejects or warns about (RULES.md §6), so a document `service`
                // accepts without a warning needs no second look.
                let clean = verdict.is_none() && self.service.warnings().is_empty();
                if let Some(strict) = self.strict.as_mut().filter(|_| !clean) {
                    verdict = rejection(strict.validate(cur));
                    if let Some((kind, at, _)) = verdict {
                        blocked = !self.opts.repairs_kind(kind);
                        self.findings.push((kind, at));
                    }
                }
            }
            rounds += 1;
            if blocked || self.findings.is_empty() || rounds > MAX_ROUNDS || !self.repair_round(doc)
            {
                break verdict;
            }
            self.work.clear();
            edit::apply(doc, &self.edits, &self.arena, &mut self.work);
        };
        let final_bytes: &[u8] = if self.edits.is_empty() {
            doc
        } else {
            &self.work
        };
        let Some((kind, at, entity)) = rejected else {
            out.extend_from_slice(final_bytes);
            let status = if self.edits.is_empty() {
                FixStatus::Unchanged
            } else {
                FixStatus::Fixed
            };
            let warnings = match &self.strict {
                Some(v) if !self.service.warnings().is_empty() => v.warnings(),
                _ => self.service.warnings(),
            };
            return FixReport {
                status,
                edits: &self.edits,
                arena: &self.arena,
                unfixable: None,
                warnings,
            };
        };
        // Not fixable: the input goes out unchanged, with the remaining rejection located in it.
        let offset = edit::to_input(&self.edits, at).unwrap_or_else(|start| start);
        self.edits.clear();
        self.arena.clear();
        let ptr_start = self.arena.len();
        if kind.category() == Category::Schema || kind.category() == Category::Lint {
            if let Ok(text) = core::str::from_utf8(doc) {
                if json::descend(text, offset, &mut self.arena).is_none() {
                    self.arena.truncate(ptr_start);
                }
            }
        }
        out.extend_from_slice(doc);
        // the warnings of what goes out: the input itself
        let validator = self.strict.as_mut().unwrap_or(&mut self.service);
        let _ = validator.validate(doc);
        FixReport {
            status: FixStatus::Unfixable,
            edits: &[],
            arena: &self.arena,
            unfixable: Some(Unfixable {
                kind,
                entity,
                offset,
                pointer: self.arena.get(ptr_start..).unwrap_or(""),
            }),
            warnings: validator.warnings(),
        }
    }

    /// Makes the repairs for the findings of one round; whether any edit was made.
    fn repair_round(&mut self, doc: &[u8]) -> bool {
        let Ok(text) = core::str::from_utf8(doc) else {
            return false;
        };
        let before = self.edits.len();
        let strict_repairs = matches!(self.opts.validation().profile(), Profile::Strict)
            && self.opts.repair(Repair::Strict);
        let switches = annotations::Switches {
            keys: self.opts.repair(Repair::AnnotationKey),
            values: self.opts.repair(Repair::AnnotationValue),
        };
        let mut w = Work {
            text,
            edits: &mut self.edits,
            arena: &mut self.arena,
            pointer: &mut self.pointer,
        };
        for &(kind, at) in &self.findings {
            // the finding's offset in the current bytes, as an offset of the input
            let earlier = w.edits.get(..before).unwrap_or(&[]);
            let Ok(at) = edit::to_input(earlier, at) else {
                continue;
            };
            let token = at..json::value_end(text.as_bytes(), at);
            match Repair::for_kind(kind) {
                Some(Repair::Name) => {
                    name::repair(&mut w, token, kind, strict_repairs);
                }
                Some(Repair::Strict) if kind == ErrorKind::BlankName => {
                    name::repair(&mut w, token, kind, strict_repairs);
                }
                Some(Repair::Strict) => {
                    strict::repair(&mut w, token, kind);
                }
                Some(Repair::Id) => {
                    ids::repair(&mut w, token, kind);
                }
                Some(Repair::AnnotationKey | Repair::AnnotationValue) => {
                    w.pointer.clear();
                    let Some(obj) = json::descend(text, at, w.pointer).and_then(|p| p.container)
                    else {
                        continue;
                    };
                    if self.done.contains(&obj) {
                        continue;
                    }
                    self.done.push(obj);
                    annotations::repair(&mut w, obj, switches, &mut self.annotation_scratch);
                }
                None => {}
            }
        }
        self.edits.sort_unstable_by_key(|e| e.start);
        self.edits.len() > before
    }
}

/// The kind, offset and message form of a rejection.
fn rejection(outcome: Outcome<'_>) -> Option<(ErrorKind, usize, Entity)> {
    match outcome {
        Outcome::Accepted(_) => None,
        Outcome::Rejected(r) => Some((r.error().kind(), r.error().offset(), r.error().entity())),
    }
}

#[cfg(test)]
mod tests;
