//! # xseg-batch — many X-Ray segment documents at once
//!
//! The batch layer over [`xseg`]: it validates many documents in parallel (rayon, one reusable
//! [`xseg::Validator`] per worker), answers PutTraceSegments requests exactly as RULES.md
//! section 8 says, and reads NDJSON document streams of any size in bounded memory. It holds
//! no validation rules of its own: every document gets the verdict it would get alone.
//!
//! ```
//! use xseg::{ErrorCode, Options, Profile};
//! use xseg_batch::{Batch, Counters};
//!
//! let mut batch = Batch::new(Options::new(Profile::Service));
//! let docs: [&[u8]; 3] = [
//!     br#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2}"#,
//!     br#"{"name":"web","id":"70de5b6f19ff9a0a","start_time":1.5,"end_time":2}"#,
//!     b"not json",
//! ];
//! let results = batch.validate(&docs);
//! assert!(results[0].outcome().is_accepted());
//! assert_eq!(results[1].outcome().code(), Some(ErrorCode::MissingTraceId));
//! assert_eq!(results[1].outcome().id().as_deref(), Some("70de5b6f19ff9a0a"));
//! assert_eq!(results[2].outcome().code(), Some(ErrorCode::ParseError));
//!
//! let mut counters = Counters::default();
//! for (doc, result) in docs.iter().zip(&results) {
//!     counters.record(result, doc.len());
//! }
//! assert_eq!((counters.accepted, counters.rejected), (1, 2));
//! assert_eq!(counters.code(ErrorCode::ParseError), 1);
//!
//! // A PutTraceSegments request body, parsed in place.
//! let mut body = br#"{"TraceSegmentDocuments":["{\"id\":\"70de5b6f19ff9a0a\"}"]}"#.to_vec();
//! let response = batch.put_trace_segments(&mut body, 50).unwrap();
//! assert_eq!(
//!     response.to_json(),
//!     r#"{"UnprocessedTraceSegments":[{"Id":"70de5b6f19ff9a0a","ErrorCode":"MissingName","Message":"Invalid segment. ErrorCode: MissingName"}]}"#
//! );
//! ```
//!
//! ## Parallelism
//!
//! [`Batch::new`] runs on rayon's global pool, [`Batch::with_jobs`] on a pool of its own or,
//! with one job, on the calling thread only. Results always come back in input order.
//!
//! ## Offsets
//!
//! Documents are validated with offsets relative to the document itself (the core's offsets
//! are 32-bit); a stream reports each line's 64-bit offset in the stream beside it, so the
//! absolute position of a problem is the line's offset plus the error's.

#![deny(missing_docs)]

mod counters;
pub mod request;
pub mod stream;
pub mod trace;

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard, OnceLock, TryLockError};

use rayon::prelude::*;
use xseg::{Error, Options, Outcome, Rejection, Validator, Warnings};

pub use counters::Counters;
pub use request::{
    InvalidRequest, InvalidRequestReason, Request, Response, UnprocessedTraceSegment,
};
pub use stream::{StreamConfig, StreamError, StreamItem, StreamStats};
pub use trace::{
    TraceChecker, TraceConfig, TraceFacts, TraceFinding, TraceFindingKind, TraceStats, Traced,
};

/// Documents handed to one rayon job at least; below this a split costs more than it saves.
const MIN_JOB_DOCUMENTS: usize = 8;

/// The record of one document: the core's [`Outcome`] (accepted, or rejected with the
/// service's answer and the diagnostic) plus how many warnings the document had.
///
/// `Copy` and small (a few words): the `Id` stays borrowed from the document and is decoded
/// only when asked. Everything about the verdict is read from [`outcome`](Checked::outcome).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checked<'a> {
    outcome: Outcome<'a>,
    warnings: usize,
}

impl<'a> Checked<'a> {
    /// The record of one validation: its outcome and the validator's warnings for it.
    pub fn new(outcome: &Outcome<'a>, warnings: &Warnings) -> Self {
        Checked {
            outcome: *outcome,
            warnings: warnings.total(),
        }
    }

    /// A rejection without an `Id` (used for stream lines too long to keep).
    pub(crate) fn rejected_without_id(error: Error) -> Self {
        Checked {
            outcome: Outcome::Rejected(Rejection::from(error)),
            warnings: 0,
        }
    }

    /// The verdict: accepted (and as what), or the rejection with its `ErrorCode`, `Message`,
    /// `Id` and diagnostic.
    pub const fn outcome(&self) -> Outcome<'a> {
        self.outcome
    }

    /// How many warnings the document had (all of them, not only the ones the core keeps).
    pub const fn warnings(&self) -> usize {
        self.warnings
    }

    /// The entry for `UnprocessedTraceSegments`, `None` when the document was accepted.
    pub fn unprocessed(&self) -> Option<UnprocessedTraceSegment<'a>> {
        match self.outcome {
            Outcome::Rejected(r) => Some(UnprocessedTraceSegment {
                id: r.id(),
                error_code: r.code(),
                message: r.message(),
            }),
            Outcome::Accepted(_) => None,
        }
    }
}

/// A thread pool could not be started.
#[derive(Debug)]
pub struct PoolError(rayon::ThreadPoolBuildError);

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot start the worker threads: {}", self.0)
    }
}

impl std::error::Error for PoolError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

enum Exec {
    /// On the calling thread, with one validator kept between calls.
    Sequential(Box<Validator>),
    /// On rayon's global pool.
    Global,
    /// On a pool of our own.
    Pool(rayon::ThreadPool),
}

/// One [`Validator`] per worker thread of a pool, indexed by
/// [`rayon::current_thread_index`], kept from call to call: a worker builds none per split nor
/// per pass.
struct Kept {
    options: Options,
    /// Threads of the pool; `None` for rayon's global pool, whose size is read on first use
    /// (reading it earlier would start the pool).
    threads: Option<usize>,
    /// Built on first use, inside the pool.
    slots: OnceLock<Vec<Mutex<Validator>>>,
}

/// The validator a worker uses for one run of items: its own kept one, or (outside the pool,
/// or should its slot be busy) one of its own.
pub(crate) enum Slot<'k> {
    /// The worker thread's kept validator.
    Kept(MutexGuard<'k, Validator>),
    /// A validator built for this run only.
    Own(Box<Validator>),
}

impl Deref for Slot<'_> {
    type Target = Validator;
    fn deref(&self) -> &Validator {
        match self {
            Slot::Kept(v) => v,
            Slot::Own(v) => v,
        }
    }
}

impl DerefMut for Slot<'_> {
    fn deref_mut(&mut self) -> &mut Validator {
        match self {
            Slot::Kept(v) => &mut *v,
            Slot::Own(v) => &mut *v,
        }
    }
}

impl Kept {
    const fn new(options: Options, threads: Option<usize>) -> Self {
        Kept {
            options,
            threads,
            slots: OnceLock::new(),
        }
    }

    /// The calling worker's validator.
    pub(crate) fn get(&self) -> Slot<'_> {
        let Some(index) = rayon::current_thread_index() else {
            return Slot::Own(Box::new(Validator::new(self.options)));
        };
        let slots = self.slots.get_or_init(|| {
            let threads = self.threads.unwrap_or_else(rayon::current_num_threads);
            (0..threads)
                .map(|_| Mutex::new(Validator::new(self.options)))
                .collect()
        });
        let slot = slots.get(index);
        match slot.map(Mutex::try_lock) {
            Some(Ok(v)) => Slot::Kept(v),
            // A validation that panicked leaves no state a new run depends on, but a fresh
            // validator is the plainest way to be sure.
            Some(Err(TryLockError::Poisoned(p))) => {
                let mut v = p.into_inner();
                *v = Validator::new(self.options);
                Slot::Kept(v)
            }
            Some(Err(TryLockError::WouldBlock)) | None => {
                Slot::Own(Box::new(Validator::new(self.options)))
            }
        }
    }
}

/// Validates many documents, in parallel unless told otherwise, with results in input order.
///
/// Each worker thread keeps one [`Validator`] for all the documents it is ever handed, so a
/// batch allocates nothing per document beyond the result list.
pub struct Batch {
    options: Options,
    exec: Exec,
    kept: Kept,
}

impl fmt::Debug for Batch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batch")
            .field("options", &self.options)
            .field("jobs", &self.jobs())
            .finish()
    }
}

impl Batch {
    /// A batch validator on rayon's global pool.
    pub fn new(options: Options) -> Self {
        Batch {
            options,
            exec: Exec::Global,
            kept: Kept::new(options, None),
        }
    }

    /// A batch validator that runs on the calling thread only (no thread pool).
    pub fn sequential(options: Options) -> Self {
        Batch {
            options,
            exec: Exec::Sequential(Box::new(Validator::new(options))),
            kept: Kept::new(options, Some(0)),
        }
    }

    /// A batch validator with `jobs` workers: `0` uses rayon's global pool, `1` the calling
    /// thread only, more a pool of that many threads owned by the batch.
    ///
    /// # Errors
    ///
    /// When the operating system refuses to start the threads.
    pub fn with_jobs(options: Options, jobs: usize) -> Result<Self, PoolError> {
        Ok(match jobs {
            0 => Batch::new(options),
            1 => Batch::sequential(options),
            n => {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .thread_name(|i| format!("xseg-{i}"))
                    .build()
                    .map_err(PoolError)?;
                Batch {
                    options,
                    exec: Exec::Pool(pool),
                    kept: Kept::new(options, Some(n)),
                }
            }
        })
    }

    /// The validation options.
    pub const fn options(&self) -> &Options {
        &self.options
    }

    /// How many threads validate: 1 when sequential, else the pool's size.
    pub fn jobs(&self) -> usize {
        match &self.exec {
            Exec::Sequential(_) => 1,
            Exec::Global => rayon::current_num_threads(),
            Exec::Pool(pool) => pool.current_num_threads(),
        }
    }

    /// Validates `docs`; the results are in the same order.
    pub fn validate<'a>(&mut self, docs: &[&'a [u8]]) -> Vec<Checked<'a>> {
        let mut out = Vec::new();
        self.validate_into(docs, &mut out);
        out
    }

    /// [`validate`](Self::validate) into a vector that is cleared first, so its allocation can
    /// be reused from batch to batch.
    pub fn validate_into<'a>(&mut self, docs: &[&'a [u8]], out: &mut Vec<Checked<'a>>) {
        self.run_each(
            docs,
            |v, doc| {
                let outcome = v.validate(doc);
                Checked::new(&outcome, v.warnings())
            },
            out,
        );
    }

    /// Validates `docs` and maps each document, its outcome and its warnings with `f` (on the
    /// worker that validated it), for callers that need more than a [`Checked`], such as the
    /// warnings' positions. The results are in input order.
    pub fn validate_map<'a, R, F>(&mut self, docs: &[&'a [u8]], f: F) -> Vec<R>
    where
        R: Send,
        F: Fn(&'a [u8], Outcome<'a>, &Warnings) -> R + Sync,
    {
        let mut out = Vec::new();
        self.run_each(
            docs,
            |v, doc| {
                let outcome = v.validate(doc);
                f(doc, outcome, v.warnings())
            },
            &mut out,
        );
        out
    }

    /// [`validate_map`](Self::validate_map) with the trace facts: each document is validated
    /// and its facts read on one worker ([`Traced::validate`]), then mapped with `f` together
    /// with the validator's warnings. The results are in input order, ready for a
    /// [`TraceChecker`] fed in that order.
    ///
    /// ```
    /// use xseg_batch::Batch;
    ///
    /// let a = br#"{"name":"a","id":"0000000000000001","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1,"end_time":2}"#;
    /// let mut batch = Batch::with_jobs(xseg::Options::default(), 2).unwrap();
    /// let results = batch.validate_traced_map(&[a, b"{}"], |t, w| (t.facts.is_some(), w.total()));
    /// assert_eq!(results, [(true, 0), (false, 0)]);
    /// ```
    pub fn validate_traced_map<'a, R, F>(&mut self, docs: &[&'a [u8]], f: F) -> Vec<R>
    where
        R: Send,
        F: Fn(Traced<'a>, &Warnings) -> R + Sync,
    {
        let mut out = Vec::new();
        self.run_each(
            docs,
            |v, doc| {
                let traced = Traced::validate(v, doc);
                f(traced, v.warnings())
            },
            &mut out,
        );
        out
    }

    /// The engine of every entry point: `f(validator, item)` for each item, on the worker
    /// that owns the validator, results collected in order into `out` (cleared first).
    pub(crate) fn run_each<T, R, F>(&mut self, items: &[T], f: F, out: &mut Vec<R>)
    where
        T: Sync,
        R: Send,
        F: Fn(&mut Validator, &T) -> R + Sync,
    {
        let kept = &self.kept;
        let run = |out: &mut Vec<R>| {
            items
                .par_iter()
                .with_min_len(MIN_JOB_DOCUMENTS)
                .map_init(|| kept.get(), |v, item| f(v, item))
                .collect_into_vec(out);
        };
        match &mut self.exec {
            Exec::Sequential(v) => {
                out.clear();
                out.extend(items.iter().map(|item| f(v, item)));
            }
            Exec::Global => run(out),
            Exec::Pool(pool) => pool.install(|| run(out)),
        }
    }

    /// Answers a PutTraceSegments request: parses `body` in place (JSON strings are unescaped
    /// inside the buffer, so no document is copied), checks it as RULES.md section 8 says with
    /// at most `max_documents` documents (`0`: no limit, [`request::MAX_DOCUMENTS`] is the
    /// service's), and validates every document.
    ///
    /// # Errors
    ///
    /// [`InvalidRequest`] when the request itself is rejected (the service's
    /// `InvalidRequestException`).
    pub fn put_trace_segments<'a>(
        &mut self,
        body: &'a mut [u8],
        max_documents: usize,
    ) -> Result<Response<'a>, InvalidRequest> {
        let request = Request::parse(body, max_documents)?;
        Ok(Response::new(self.validate(request.documents())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xseg::{DocumentKind, ErrorCode, Profile};

    const GOOD: &[u8] = br#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2}"#;

    #[test]
    fn checked_mirrors_the_outcome() {
        let mut v = Validator::default();
        let doc = br#"{"id":"70de5b6f19ff9a0\u0061"}"#;
        let outcome = v.validate(doc);
        let c = Checked::new(&outcome, v.warnings());
        assert_eq!(c.outcome(), outcome);
        assert!(!c.outcome().is_accepted());
        assert_eq!(c.outcome().code(), Some(ErrorCode::MissingName));
        assert_eq!(c.outcome().id().as_deref(), Some("70de5b6f19ff9a0a"));
        let e = c.unprocessed().unwrap();
        assert_eq!(e.id.as_deref(), Some("70de5b6f19ff9a0a"));
        assert_eq!(e.error_code, ErrorCode::MissingName);
        assert_eq!(e.message, "Invalid segment. ErrorCode: MissingName");

        let ok = v.validate(GOOD);
        let c = Checked::new(&ok, v.warnings());
        assert_eq!(c.outcome(), Outcome::Accepted(DocumentKind::Segment));
        assert!(c.unprocessed().is_none());
    }

    #[test]
    fn warnings_are_counted() {
        let doc = br#"{"name":"web","id":"70DE5B6F19FF9A0A","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2}"#;
        let mut batch = Batch::sequential(Options::new(Profile::Service));
        let r = batch.validate(&[doc]);
        assert!(r[0].outcome().is_accepted());
        assert_eq!(r[0].warnings(), 1);
        let mut strict = Batch::sequential(Options::new(Profile::Strict));
        assert_eq!(
            strict.validate(&[doc])[0].outcome().code(),
            Some(ErrorCode::InvalidId)
        );
    }

    #[test]
    fn jobs_select_the_executor() {
        let opts = Options::default();
        assert_eq!(Batch::with_jobs(opts, 1).unwrap().jobs(), 1);
        assert_eq!(Batch::with_jobs(opts, 3).unwrap().jobs(), 3);
        assert!(Batch::with_jobs(opts, 0).unwrap().jobs() >= 1);
    }

    #[test]
    fn order_is_kept_on_every_executor() {
        let docs: Vec<Vec<u8>> = (0..500)
            .map(|i| match i % 3 {
                0 => GOOD.to_vec(),
                1 => format!(r#"{{"id":"{i:016x}"}}"#).into_bytes(),
                _ => b"[".repeat(i),
            })
            .collect();
        let refs: Vec<&[u8]> = docs.iter().map(Vec::as_slice).collect();
        let mut v = Validator::default();
        let want: Vec<Checked<'_>> = refs
            .iter()
            .map(|d| {
                let o = v.validate(d);
                Checked::new(&o, v.warnings())
            })
            .collect();
        for jobs in [0, 1, 2, 4] {
            let mut batch = Batch::with_jobs(Options::default(), jobs).unwrap();
            assert_eq!(batch.validate(&refs), want, "jobs {jobs}");
            let mapped = batch.validate_map(&refs, |d, o, w| (d.len(), Checked::new(&o, w)));
            for (i, (len, c)) in mapped.iter().enumerate() {
                assert_eq!(*len, refs[i].len());
                assert_eq!(*c, want[i]);
            }
        }
    }

    #[test]
    fn each_worker_thread_keeps_one_validator() {
        let docs = vec![GOOD; 3000];
        for jobs in [0, 2, 3] {
            let mut batch = Batch::with_jobs(Options::default(), jobs).unwrap();
            assert!(batch.kept.slots.get().is_none(), "built on first use");
            let mut seen = std::collections::HashSet::new();
            let mut out = Vec::new();
            for _ in 0..4 {
                batch.run_each(
                    &docs,
                    |v, doc| {
                        assert!(v.validate(doc).is_accepted());
                        v as *const Validator as usize
                    },
                    &mut out,
                );
                seen.extend(out.iter().copied());
            }
            let kept: std::collections::HashSet<usize> = batch
                .kept
                .slots
                .get()
                .unwrap()
                .iter()
                .map(|m| &*m.lock().unwrap() as *const Validator as usize)
                .collect();
            assert_eq!(kept.len(), batch.jobs(), "jobs {jobs}");
            // However rayon splits the work, pass after pass, only the kept ones validate.
            assert!(seen.is_subset(&kept), "jobs {jobs}: {seen:?}");
        }
        // Outside a pool there is no thread index: a validator of its own.
        let batch = Batch::with_jobs(Options::default(), 2).unwrap();
        assert!(matches!(batch.kept.get(), Slot::Own(_)));
    }

    #[test]
    fn validate_into_reuses_the_vector() {
        let mut batch = Batch::sequential(Options::default());
        let mut out = Vec::with_capacity(64);
        let cap = out.capacity();
        batch.validate_into(&[GOOD, b"{}"], &mut out);
        assert_eq!(out.len(), 2);
        batch.validate_into(&[GOOD], &mut out);
        assert_eq!(out.len(), 1);
        assert!(out[0].outcome().is_accepted());
        assert_eq!(out.capacity(), cap);
    }
}
