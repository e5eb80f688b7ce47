//! Trace checks over a parallel batch: the facts are read in the parallel pass, the checks
//! applied afterwards in input order, so the answers never depend on the number of threads.

use std::borrow::Cow;

use xseg::{JsonStr, Outcome, TraceKeys, Validator};

use super::checker::TraceChecker;
use super::facts::TraceFacts;
use super::finding::TraceFinding;
use crate::{Batch, Checked, UnprocessedTraceSegment};

/// One document's verdict and, when it was accepted, its trace facts; from
/// [`Batch::validate_traced`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Traced<'a> {
    /// The verdict, as [`Batch::validate`] gives it.
    pub checked: Checked<'a>,
    /// The trace facts of an accepted segment or standalone subsegment; `None` for a
    /// rejection or an OTLP payload.
    pub facts: Option<TraceFacts>,
    /// The accepted document's top-level `id` as written, for an `UnprocessedTraceSegments`
    /// entry should the trace checks reject it.
    pub id: Option<JsonStr<'a>>,
}

impl Batch {
    /// Validates `docs` like [`validate`](Self::validate) and, on the worker that validated
    /// each accepted document, reads its [`TraceFacts`] from the borrowed view. Results are
    /// in input order; hand them to [`TraceChecker::check_in_order`].
    ///
    /// ```
    /// use xseg_batch::{Batch, TraceChecker};
    ///
    /// let a = br#"{"name":"a","id":"0000000000000001","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1,"end_time":2}"#;
    /// let b = br#"{"name":"b","id":"0000000000000002","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1,"end_time":2,"type":"subsegment","parent_id":"0000000000000009"}"#;
    /// let mut batch = Batch::with_jobs(xseg::Options::default(), 2).unwrap();
    /// let results = batch.validate_traced(&[a, b, b"{}"]);
    /// assert!(results[0].facts.is_some() && results[2].facts.is_none());
    ///
    /// let mut checker = TraceChecker::default();
    /// let mut findings = Vec::new();
    /// checker.check_in_order((0u64..).zip(&results), &mut findings);
    /// checker.finish(&mut findings);
    /// assert_eq!(findings.len(), 1);
    /// assert_eq!((findings[0].position, findings[0].name()), (1, "OrphanSubsegment"));
    /// ```
    pub fn validate_traced<'a>(&mut self, docs: &[&'a [u8]]) -> Vec<Traced<'a>> {
        let mut out = Vec::new();
        self.validate_traced_into(docs, &mut out);
        out
    }

    /// [`validate_traced`](Self::validate_traced) into a vector that is cleared first.
    pub fn validate_traced_into<'a>(&mut self, docs: &[&'a [u8]], out: &mut Vec<Traced<'a>>) {
        self.run_each(docs, |v, doc: &&'a [u8]| Traced::validate(v, doc), out);
    }
}

impl<'a> Traced<'a> {
    /// Validates one document with `validator` and reads its facts when it is accepted: the
    /// per-document step of [`Batch::validate_traced`], for hosts that run their own
    /// parallel pass (a stream reader's workers) or take one document at a time.
    ///
    /// ```
    /// let mut v = xseg::Validator::default();
    /// let doc = br#"{"name":"a","id":"0000000000000001","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1,"end_time":2}"#;
    /// let traced = xseg_batch::Traced::validate(&mut v, doc);
    /// assert!(traced.checked.outcome().is_accepted());
    /// assert_eq!(traced.facts.unwrap().id(), Some(1));
    /// assert_eq!(traced.id.map(|id| id.raw()), Some("0000000000000001"));
    /// ```
    pub fn validate(validator: &mut Validator, doc: &'a [u8]) -> Self {
        Self::validate_at(validator, doc, 0)
    }

    /// [`validate`](Self::validate) for a document at offset `base` of a larger buffer (a
    /// datagram's body): the verdict's offsets are `base` + the offset in `doc`, as
    /// [`Validator::validate_at`] gives them.
    pub fn validate_at(validator: &mut Validator, doc: &'a [u8], base: usize) -> Self {
        let (checked, facts, id) = validate_gathering(validator, doc, base, |keys| {
            Some(TraceFacts::from_trace_keys(keys, doc.len()))
        });
        Traced { checked, facts, id }
    }
}

/// Validates `doc` as [`Traced::validate_at`] does, with `facts` making the trace facts of
/// an accepted document from what the pass gathered: the verdict, the facts and the raw
/// top-level `id`.
pub(crate) fn validate_gathering<'a, F>(
    validator: &mut Validator,
    doc: &'a [u8],
    base: usize,
    facts: impl FnOnce(&TraceKeys) -> Option<F>,
) -> (Checked<'a>, Option<F>, Option<JsonStr<'a>>) {
    match validator.validate_for_traces_at(doc, base) {
        (Outcome::Accepted(kind), id) => (
            Checked::new(&Outcome::Accepted(kind), validator.warnings()),
            validator.trace_keys().and_then(facts),
            id,
        ),
        (Outcome::Rejected(rejection), _) => (
            Checked::new(&Outcome::Rejected(rejection), validator.warnings()),
            None,
            rejection.id_raw(),
        ),
    }
}

impl<P: Copy> TraceChecker<P> {
    /// Applies the checks to a batch's results in the order given (input order), skipping
    /// documents without facts: `items` pairs each result with its position.
    pub fn check_in_order<'r, 'a: 'r>(
        &mut self,
        items: impl IntoIterator<Item = (P, &'r Traced<'a>)>,
        out: &mut Vec<TraceFinding<P>>,
    ) {
        for (position, traced) in items {
            if let Some(facts) = &traced.facts {
                self.check(position, facts, out);
            }
        }
    }
}

impl<P> TraceFinding<P> {
    /// The `UnprocessedTraceSegments` entry of a rejection, with the document's `Id` (its
    /// top-level `id` string, as [`Traced::id`] holds it); `None` for a warning.
    pub fn unprocessed<'a>(&self, id: Option<Cow<'a, str>>) -> Option<UnprocessedTraceSegment<'a>> {
        Some(UnprocessedTraceSegment {
            id,
            error_code: self.code()?,
            message: self.message()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::finding::TraceFindingKind;
    use xseg::{ErrorCode, Options};

    #[test]
    fn traced_results_match_validate_on_every_executor() {
        let docs: Vec<Vec<u8>> = (0..300)
            .map(|i| match i % 4 {
                0 => format!(r#"{{"name":"a","id":"{i:016x}","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1,"end_time":2}}"#).into_bytes(),
                1 => format!(r#"{{"name":"a","id":"{i:016X}","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1,"end_time":2,"type":"sub\u0073egment","parent_id":"0000000000000000"}}"#).into_bytes(),
                2 => b"T1SAAAA".to_vec(),
                _ => format!(r#"{{"id":"{i:016x}"}}"#).into_bytes(),
            })
            .collect();
        let refs: Vec<&[u8]> = docs.iter().map(Vec::as_slice).collect();
        let want = Batch::sequential(Options::default()).validate(&refs);
        for jobs in [1, 2, 3] {
            let mut batch = Batch::with_jobs(Options::default(), jobs).expect("a pool");
            let traced = batch.validate_traced(&refs);
            let checked: Vec<Checked<'_>> = traced.iter().map(|t| t.checked).collect();
            assert_eq!(checked, want, "jobs {jobs}");
            for (i, t) in traced.iter().enumerate() {
                assert_eq!(t.facts.is_some(), i % 4 < 2, "{i}");
                assert_eq!(t.id.is_some(), i % 4 != 2, "{i}");
            }
        }
    }

    #[test]
    fn offsets_follow_the_base() {
        let mut v = xseg::Validator::default();
        let doc = br#"{"name":"a(1)","id":"0000000000000001","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1,"end_time":2}"#;
        let t = Traced::validate_at(&mut v, doc, 30);
        let want = v.validate_at(doc, 30);
        assert_eq!(t.checked, Checked::new(&want, v.warnings()));
        assert_eq!(t.checked.outcome().error().map(|e| e.offset()), Some(38));
        assert_eq!(t.id.map(|s| s.raw()), Some("0000000000000001"));
        assert!(t.facts.is_none());
    }

    #[test]
    fn unprocessed_entry_of_a_rejection_only() {
        let f = TraceFinding {
            position: 0u64,
            kind: TraceFindingKind::TraceSizeExceeded {
                trace_bytes: 2,
                limit: 1,
            },
            trace_id: 1,
            id: Some(1),
        };
        let e = f
            .unprocessed(Some(Cow::Borrowed("0000000000000001")))
            .expect("a rejection");
        assert_eq!(e.error_code, ErrorCode::InvalidSegment);
        assert_eq!(e.id.as_deref(), Some("0000000000000001"));
        assert!(e.message.starts_with("Trace Size Exceeded."));
        let w = TraceFinding {
            kind: TraceFindingKind::DuplicateId,
            ..f
        };
        assert!(w.unprocessed(None).is_none());
    }
}
