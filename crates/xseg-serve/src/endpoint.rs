//! The request handler: an HTTP request in, the service's HTTP answer out, with no socket and
//! no runtime, so that tests and the fuzz target call it directly.

use std::fmt;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use serde::Serialize;
use xseg::fix::{FixOptions, FixStatus, Fixer};
use xseg::{Document, ErrorCode, JsonStr, Options, Validator, Warning};
use xseg_batch::{
    Batch, Checked, TraceChecker, TraceConfig, TraceFacts, TraceFinding, UnprocessedTraceSegment,
};

use crate::event::{
    Event, Origin, RefusedRequest, RejectedDocument, RepairedValue, Repairs, Summary,
    TraceDocument, WarnedDocument,
};
use crate::sigv4::{self, Credentials};
use crate::throttle::TokenBucket;

/// The path of PutTraceSegments in the X-Ray API (restJson1, version 2016-04-12).
pub const PATH: &str = "/TraceSegments";

/// The header that carries the error type of a refused request; every AWS SDK reads the error
/// code from it.
pub const ERROR_TYPE_HEADER: &str = "x-amzn-errortype";

/// The header that carries the request id.
pub const REQUEST_ID_HEADER: &str = "x-amzn-requestid";

/// The default of [`Config::max_body_bytes`]: 50 documents of 64 KiB with room for JSON
/// escaping, 8 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 << 20;

/// How the endpoint answers. The time limits and the connection cap are used by the server
/// around the handler.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The core's options (profile, document size limit).
    pub options: Options,
    /// Most documents in one request; `0` for no limit.
    pub max_documents: usize,
    /// Largest request body accepted, in bytes; larger ones get 413.
    pub max_body_bytes: usize,
    /// Documents a second over which requests get 429 `ThrottledException`; `None`: no limit.
    pub max_segments_per_second: Option<u32>,
    /// When set, every request must carry a SigV4 signature made with these credentials.
    pub credentials: Option<Credentials>,
    /// Time a connection has to send a complete request head (also the idle time allowed
    /// between requests on a kept-alive connection).
    pub header_timeout: Duration,
    /// Time a request has to send its whole body.
    pub body_timeout: Duration,
    /// Most connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// On shutdown, how long requests in flight have to finish.
    pub shutdown_grace: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            options: Options::default(),
            max_documents: xseg_batch::request::MAX_DOCUMENTS,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_segments_per_second: None,
            credentials: None,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_connections: 256,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// A request refused as a whole, before or instead of validating its documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub status: StatusCode,
    /// `x-amzn-ErrorType`.
    pub error_type: &'static str,
    /// `{"message": ...}`.
    pub message: String,
}

impl Refusal {
    /// A refusal.
    pub fn new(status: StatusCode, error_type: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            status,
            error_type,
            message: message.into(),
        }
    }

    /// 413: the body is over `limit` bytes.
    pub fn too_large(limit: usize) -> Self {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLargeException",
            format!("Request body is larger than the limit of {limit} bytes (--max-body-bytes)"),
        )
    }

    /// 408: the body did not arrive within `limit`.
    pub fn body_timeout(limit: Duration) -> Self {
        Refusal::new(
            StatusCode::REQUEST_TIMEOUT,
            "RequestTimeoutException",
            format!(
                "Request body was not received within {} s",
                limit.as_secs_f64()
            ),
        )
    }

    /// 400: the body could not be read (the client went away or sent a malformed chunk).
    pub fn unreadable(why: impl fmt::Display) -> Self {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "SerializationException",
            format!("Request body could not be read: {why}"),
        )
    }

    /// 500: something on the endpoint's side failed.
    pub fn internal(why: impl fmt::Display) -> Self {
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalFailure",
            why.to_string(),
        )
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    message: &'a str,
}

/// Where accepted or rejected documents are appended.
struct Output {
    writer: Box<dyn Write + Send>,
    name: String,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves data that is still usable: counters and
    // writers whose last write either happened or not.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Appends `doc` to `out` as one NDJSON line. A document the service accepts is one JSON text,
/// whose line breaks can only be white space between tokens; they become spaces.
pub fn push_ndjson_line(out: &mut Vec<u8>, doc: &[u8]) {
    out.extend(doc.iter().map(|&b| match b {
        b'\n' | b'\r' => b' ',
        b => b,
    }));
    out.push(b'\n');
}

#[derive(Serialize)]
struct RejectedLine<'a> {
    #[serde(flatten)]
    answer: &'a UnprocessedTraceSegment<'a>,
    document: &'a str,
}

/// The answer to a processed request: `{"UnprocessedTraceSegments":[...]}`, shaped as
/// [`xseg_batch::Response`] writes it.
#[derive(Serialize)]
struct Answer<'a> {
    #[serde(rename = "UnprocessedTraceSegments")]
    entries: Vec<UnprocessedTraceSegment<'a>>,
}

/// One document's verdict and its kept warnings.
type Verdict<'a> = (Checked<'a>, Vec<Warning>);

/// The callback that receives every [`Event`].
pub type EventSink = Box<dyn Fn(&Event) + Send + Sync>;

/// The PutTraceSegments endpoint: configuration, throttle, output files, event callback and
/// counters. [`handle`](Self::handle) answers one request; it is safe to call from many threads.
pub struct Endpoint {
    config: Config,
    throttle: Option<Mutex<TokenBucket>>,
    out: Option<Mutex<Output>>,
    rejected: Option<Mutex<Output>>,
    /// With [`with_fix`](Self::with_fix): the options, and idle fixers (one per request being
    /// handled at most, each reused).
    fix: Option<(FixOptions, Mutex<Vec<Fixer>>)>,
    events: Option<EventSink>,
    summary: Mutex<Summary>,
    requests: AtomicU64,
    run_id: u32,
    traces: Option<Mutex<TraceChecker<Origin>>>,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("config", &self.config)
            .field("out", &self.out.as_ref().map(|o| lock(o).name.clone()))
            .field(
                "rejected",
                &self.rejected.as_ref().map(|o| lock(o).name.clone()),
            )
            .field("summary", &self.summary())
            .finish()
    }
}

impl Endpoint {
    /// An endpoint with `config`, no output files and no event callback.
    pub fn new(config: Config) -> Self {
        let throttle = config
            .max_segments_per_second
            .map(|rate| Mutex::new(TokenBucket::new(rate, Instant::now())));
        let run_id = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos() ^ (d.as_secs() as u32));
        Endpoint {
            config,
            throttle,
            out: None,
            rejected: None,
            fix: None,
            events: None,
            summary: Mutex::new(Summary::default()),
            requests: AtomicU64::new(0),
            run_id,
            traces: None,
        }
    }

    /// Applies the trace-level checks (`xseg_batch::trace`) across requests, in the order the
    /// requests are handled, as the service does: a document that takes its trace past
    /// [`TraceConfig::max_trace_bytes`] (and every later one of the trace) is answered in
    /// `UnprocessedTraceSegments` with `InvalidSegment` and the trace-size `Message`, is not
    /// written to `--out` but to `--rejected`, and every finding is an [`Event::Trace`].
    /// Off by default: without it the answer to a body depends on that body alone.
    pub fn with_trace_checks(mut self, config: TraceConfig) -> Self {
        self.traces = Some(Mutex::new(TraceChecker::new(config)));
        self
    }

    /// Whether the trace-level checks are on.
    pub const fn trace_checks(&self) -> bool {
        self.traces.is_some()
    }

    /// Closes every open trace (at shutdown) and returns the orphan warnings found, counted
    /// in the summary; they are not sent to the event callback, so that a caller draining a
    /// bounded queue on the same thread cannot block. Without the trace checks, nothing.
    pub fn finish_traces(&self) -> Vec<Event> {
        let Some(traces) = &self.traces else {
            return Vec::new();
        };
        let mut findings = Vec::new();
        lock(traces).finish(&mut findings);
        lock(&self.summary).documents.warnings += findings.len() as u64;
        findings
            .into_iter()
            .map(|finding| Event::Trace(TraceDocument { finding, id: None }))
            .collect()
    }

    /// Appends every accepted document to `writer` (named `name` in error messages) as one
    /// NDJSON line, written and flushed before the answer is returned.
    pub fn with_out(mut self, writer: impl Write + Send + 'static, name: &str) -> Self {
        self.out = Some(Mutex::new(Output {
            writer: Box::new(writer),
            name: name.to_owned(),
        }));
        self
    }

    /// Appends every rejected document to `writer` as one NDJSON line: its answer
    /// (`Id`, `ErrorCode`, `Message`) and the `document` as a JSON string.
    pub fn with_rejected(mut self, writer: impl Write + Send + 'static, name: &str) -> Self {
        self.rejected = Some(Mutex::new(Output {
            writer: Box::new(writer),
            name: name.to_owned(),
        }));
        self
    }

    /// Repairs every document with [`xseg::fix`] before writing it to `--out`: a repaired
    /// document is written repaired (even when the answer rejects the document as received),
    /// one with nothing to repair as received, one that cannot be repaired not at all. The
    /// answer and `--rejected` stay the verdict on the documents as received, so the client's
    /// view stays true. Each change is an [`Event::Repaired`], and the summary counts
    /// [`Repairs`]. `options` should validate as [`Config::options`].
    pub fn with_fix(mut self, options: FixOptions) -> Self {
        self.fix = Some((options, Mutex::new(Vec::new())));
        lock(&self.summary).repairs = Some(Repairs::default());
        self
    }

    /// Calls `f` with every [`Event`], on the thread that handles the request, before the
    /// answer is returned.
    pub fn with_events(mut self, f: impl Fn(&Event) + Send + Sync + 'static) -> Self {
        self.events = Some(Box::new(f));
        self
    }

    /// The configuration.
    pub const fn config(&self) -> &Config {
        &self.config
    }

    /// The counters so far.
    pub fn summary(&self) -> Summary {
        lock(&self.summary).clone()
    }

    fn emit(&self, event: &Event) {
        if let Some(f) = &self.events {
            f(event);
        }
    }

    /// Numbers a request that reaches the endpoint (from 1) and counts it.
    pub fn next_request(&self) -> u64 {
        lock(&self.summary).requests += 1;
        self.requests.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn request_id(&self, number: u64) -> String {
        format!(
            "{:08x}-0000-4000-8000-{:012x}",
            self.run_id,
            number & 0xffff_ffff_ffff
        )
    }

    /// Answers one request: `POST /TraceSegments` with a PutTraceSegments body gets 200 and
    /// `{"UnprocessedTraceSegments":[...]}\n`, byte for byte what `xseg put-trace-segments`
    /// prints; anything else gets the error status and shape the AWS SDKs read (see
    /// [`Refusal`]). `batch` validates the documents with its own options, so it should be
    /// made with [`Config::options`] (the server keeps one such batch per thread).
    pub fn handle(
        &self,
        batch: &mut Batch,
        request: Request<Vec<u8>>,
        peer: Option<SocketAddr>,
    ) -> Response<Vec<u8>> {
        let number = self.next_request();
        let (parts, mut body) = request.into_parts();
        match self.process(batch, &parts, &mut body, number, peer) {
            Ok(answer) => {
                lock(&self.summary).processed += 1;
                self.response(StatusCode::OK, answer.into_bytes(), number)
            }
            Err(refusal) => self.refuse(number, peer, refusal),
        }
    }

    /// The answer to a request refused as a whole (request number `number`): counted,
    /// reported, and shaped as the SDKs read errors: the status, `x-amzn-ErrorType` and
    /// `{"message":"..."}`.
    pub fn refuse(
        &self,
        number: u64,
        peer: Option<SocketAddr>,
        refusal: Refusal,
    ) -> Response<Vec<u8>> {
        {
            let mut s = lock(&self.summary);
            match refusal.status.as_u16() {
                400 if refusal.error_type == xseg_batch::request::INVALID_REQUEST_TYPE => {
                    s.invalid += 1
                }
                429 => s.throttled += 1,
                413 => s.too_large += 1,
                403 => s.unauthorized += 1,
                400 if refusal.error_type == "IncompleteSignatureException" => s.unauthorized += 1,
                404 | 405 => s.unknown_operation += 1,
                408 | 400 => s.unread += 1,
                _ => s.failed += 1,
            }
        }
        let refused = RefusedRequest {
            request: number,
            peer,
            status: refusal.status.as_u16(),
            error_type: refusal.error_type,
            message: refusal.message.clone(),
        };
        if refusal.status == StatusCode::TOO_MANY_REQUESTS {
            self.emit(&Event::Throttled(refused));
        } else {
            self.emit(&Event::Refused(refused));
        }
        let body = serde_json::to_vec(&ErrorBody {
            message: &refusal.message,
        })
        .unwrap_or_default();
        let mut response = self.response(refusal.status, body, number);
        if let Ok(value) = HeaderValue::from_str(refusal.error_type) {
            response.headers_mut().insert(ERROR_TYPE_HEADER, value);
        }
        if refusal.status == StatusCode::METHOD_NOT_ALLOWED {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
        }
        response
    }

    fn response(&self, status: StatusCode, body: Vec<u8>, number: u64) -> Response<Vec<u8>> {
        let mut response = Response::new(body);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Ok(id) = HeaderValue::from_str(&self.request_id(number)) {
            headers.insert(REQUEST_ID_HEADER, id);
        }
        response
    }

    fn process(
        &self,
        batch: &mut Batch,
        parts: &http::request::Parts,
        body: &mut [u8],
        number: u64,
        peer: Option<SocketAddr>,
    ) -> Result<String, Refusal> {
        if parts.uri.path() != PATH {
            return Err(Refusal::new(
                StatusCode::NOT_FOUND,
                "UnknownOperationException",
                format!(
                    "No operation at {} {}: this endpoint answers PutTraceSegments, POST {PATH}",
                    parts.method,
                    parts.uri.path()
                ),
            ));
        }
        if parts.method != Method::POST {
            return Err(Refusal::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "UnknownOperationException",
                format!(
                    "No operation at {} {PATH}: PutTraceSegments is POST {PATH}",
                    parts.method
                ),
            ));
        }
        if body.len() > self.config.max_body_bytes {
            return Err(Refusal::too_large(self.config.max_body_bytes));
        }
        if let Some(credentials) = &self.config.credentials {
            sigv4::verify(credentials, &parts.method, &parts.uri, &parts.headers, body).map_err(
                |e| {
                    Refusal::new(
                        StatusCode::from_u16(e.status()).unwrap_or(StatusCode::FORBIDDEN),
                        e.error_type(),
                        e.message(),
                    )
                },
            )?;
        }
        let request = xseg_batch::Request::parse(body, self.config.max_documents).map_err(|e| {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                xseg_batch::request::INVALID_REQUEST_TYPE,
                e.message(),
            )
        })?;
        if let Some(bucket) = &self.throttle {
            if !lock(bucket).try_take(request.len(), Instant::now()) {
                return Err(Refusal::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "ThrottledException",
                    format!(
                        "Rate exceeded: {} documents over --max-segments-per-second {}",
                        request.len(),
                        lock(bucket).rate()
                    ),
                ));
            }
        }
        let docs = request.documents();
        type Facts<'a> = (Option<TraceFacts>, Option<JsonStr<'a>>);
        let (verdicts, facts): (Vec<Verdict<'_>>, Vec<Facts<'_>>) = if self.traces.is_some() {
            batch
                .validate_traced_map(docs, |t, w| {
                    ((t.checked, w.iter().copied().collect()), (t.facts, t.id))
                })
                .into_iter()
                .unzip()
        } else {
            let verdicts = batch.validate_map(docs, |_, o, w| {
                (Checked::new(&o, w), w.iter().copied().collect())
            });
            (verdicts, Vec::new())
        };
        let (findings, trace_rejected) = self.check_traces(&facts, number, peer);
        let answers: Vec<Option<UnprocessedTraceSegment<'_>>> = verdicts
            .iter()
            .enumerate()
            .map(|(i, (checked, _))| {
                checked.unprocessed().or_else(|| {
                    trace_rejected.get(i).copied().flatten().and_then(|f| {
                        let id = facts.get(i).and_then(|(_, id)| id.map(|s| s.decode()));
                        f.unprocessed(id)
                    })
                })
            })
            .collect();
        let repaired = self.fix_documents(docs, &verdicts, &answers, number, peer)?;
        self.write_documents(docs, &answers, repaired.is_some())?;
        self.report(docs, &verdicts, number, peer, batch.options());
        self.report_traces(&findings, &facts, number);
        for event in repaired.iter().flatten() {
            self.emit(event);
        }
        let answer = Answer {
            entries: answers.into_iter().flatten().collect(),
        };
        let mut answer = serde_json::to_string(&answer).map_err(Refusal::internal)?;
        answer.push('\n');
        Ok(answer)
    }

    /// With [`with_fix`](Self::with_fix): repairs the request's documents, appends the
    /// repaired or unchanged ones to `--out` in one write, counts the [`Repairs`] and returns
    /// the events of the changes (emitted after the verdicts'). `None` without it. A document
    /// rejected by the trace checks is left out.
    fn fix_documents(
        &self,
        docs: &[&[u8]],
        verdicts: &[(Checked<'_>, Vec<Warning>)],
        answers: &[Option<UnprocessedTraceSegment<'_>>],
        request: u64,
        peer: Option<SocketAddr>,
    ) -> Result<Option<Vec<Event>>, Refusal> {
        let Some((options, idle)) = &self.fix else {
            return Ok(None);
        };
        let mut fixer = lock(idle).pop().unwrap_or_else(|| Fixer::new(*options));
        let (mut lines, mut fixed, mut events) = (Vec::new(), Vec::new(), Vec::new());
        let mut counts = Repairs::default();
        for (index, (doc, (checked, _))) in docs.iter().zip(verdicts).enumerate() {
            // a document the trace checks rejected is not written, repaired or not
            if checked.outcome().is_accepted() && answers.get(index).is_some_and(Option::is_some) {
                continue;
            }
            fixed.clear();
            let report = fixer.fix(doc, &mut fixed);
            match report.status() {
                FixStatus::Unchanged => counts.unchanged += 1,
                FixStatus::Fixed => counts.fixed += 1,
                FixStatus::Unfixable => {
                    counts.unfixable += 1;
                    continue;
                }
            }
            push_ndjson_line(&mut lines, &fixed);
            if report.status() != FixStatus::Fixed || self.events.is_none() {
                counts.changes += report.changes().len() as u64;
                continue;
            }
            let origin = Origin {
                request,
                peer,
                index,
            };
            let id = checked.outcome().id().map(|s| s.into_owned());
            for c in report.changes() {
                counts.changes += 1;
                events.push(Event::Repaired(RepairedValue {
                    origin,
                    id: id.clone(),
                    repair: c.repair,
                    finding: c.finding,
                    offset: c.offset,
                    pointer: c.pointer.to_owned(),
                    before: c.before.to_owned(),
                    after: c.after.map(str::to_owned),
                }));
            }
        }
        lock(idle).push(fixer);
        if let Some(r) = lock(&self.summary).repairs.as_mut() {
            r.fixed += counts.fixed;
            r.unchanged += counts.unchanged;
            r.unfixable += counts.unfixable;
            r.changes += counts.changes;
        }
        if let (Some(out), false) = (&self.out, lines.is_empty()) {
            write_all(out, &lines)?;
        }
        Ok(Some(events))
    }

    /// Feeds the accepted documents of request `number` to the trace checker, in request
    /// order; returns the findings and, per document, its trace-size rejection.
    fn check_traces(
        &self,
        facts: &[(Option<TraceFacts>, Option<JsonStr<'_>>)],
        number: u64,
        peer: Option<SocketAddr>,
    ) -> (Vec<TraceFinding<Origin>>, Vec<Option<TraceFinding<Origin>>>) {
        let mut findings = Vec::new();
        let mut rejected = vec![None; facts.len()];
        let Some(traces) = &self.traces else {
            return (findings, rejected);
        };
        let mut checker = lock(traces);
        for (index, (f, _)) in facts.iter().enumerate() {
            let Some(f) = f else { continue };
            let origin = Origin {
                request: number,
                peer,
                index,
            };
            let before = findings.len();
            checker.check(origin, f, &mut findings);
            let rejection = findings
                .get(before..)
                .unwrap_or(&[])
                .iter()
                .find(|x| x.position == origin && x.is_rejection());
            if let (Some(slot), Some(x)) = (rejected.get_mut(index), rejection) {
                *slot = Some(*x);
            }
        }
        (findings, rejected)
    }

    /// Counts the trace findings of request `number` (a rejection turns an accepted document
    /// into a rejected one) and emits their events.
    fn report_traces(
        &self,
        findings: &[TraceFinding<Origin>],
        facts: &[(Option<TraceFacts>, Option<JsonStr<'_>>)],
        number: u64,
    ) {
        if findings.is_empty() {
            return;
        }
        {
            let mut s = lock(&self.summary);
            for f in findings {
                if f.is_rejection() {
                    let d = &mut s.documents;
                    d.accepted = d.accepted.saturating_sub(1);
                    d.rejected += 1;
                    if let Some(n) = d.by_code.get_mut(ErrorCode::InvalidSegment.index()) {
                        *n += 1;
                    }
                } else {
                    s.documents.warnings += 1;
                }
            }
        }
        for f in findings {
            let id = if f.position.request == number {
                facts
                    .get(f.position.index)
                    .and_then(|(_, id)| id.map(|s| s.decode().into_owned()))
            } else {
                None
            };
            self.emit(&Event::Trace(TraceDocument { finding: *f, id }));
        }
    }

    /// Appends the request's documents that got no answer entry to `--out` (unless `fixed`:
    /// then [`fix_documents`](Self::fix_documents) has) and those that did to `--rejected`,
    /// each file in one write, flushed.
    fn write_documents(
        &self,
        docs: &[&[u8]],
        answers: &[Option<UnprocessedTraceSegment<'_>>],
        fixed: bool,
    ) -> Result<(), Refusal> {
        if let Some(out) = self.out.as_ref().filter(|_| !fixed) {
            let mut lines = Vec::new();
            for (doc, answer) in docs.iter().zip(answers) {
                if answer.is_none() {
                    push_ndjson_line(&mut lines, doc);
                }
            }
            if !lines.is_empty() {
                write_all(out, &lines)?;
            }
        }
        if let Some(rejected) = &self.rejected {
            let mut lines = Vec::new();
            for (doc, answer) in docs.iter().zip(answers) {
                if let Some(answer) = answer {
                    let document = String::from_utf8_lossy(doc);
                    let line = RejectedLine {
                        answer,
                        document: &document,
                    };
                    serde_json::to_writer(&mut lines, &line).map_err(Refusal::internal)?;
                    lines.push(b'\n');
                }
            }
            if !lines.is_empty() {
                write_all(rejected, &lines)?;
            }
        }
        Ok(())
    }

    /// Counts the documents and emits their events.
    fn report(
        &self,
        docs: &[&[u8]],
        verdicts: &[Verdict<'_>],
        request: u64,
        peer: Option<SocketAddr>,
        options: &Options,
    ) {
        {
            let mut s = lock(&self.summary);
            for (doc, (checked, _)) in docs.iter().zip(verdicts) {
                s.documents.record(checked, doc.len());
            }
        }
        if self.events.is_none() {
            return;
        }
        let mut validator: Option<Validator> = None;
        for (index, (doc, (checked, warnings))) in docs.iter().zip(verdicts).enumerate() {
            let origin = Origin {
                request,
                peer,
                index,
            };
            if let Some(error) = checked.outcome().error() {
                self.emit(&Event::Rejected(RejectedDocument {
                    origin,
                    id: checked.outcome().id().map(|s| s.into_owned()),
                    error,
                    pointer: error.locate(doc, 0).pointer,
                }));
            }
            if warnings.is_empty() {
                continue;
            }
            let id = match checked.outcome().id() {
                Some(id) => Some(id.into_owned()),
                None => {
                    let v = validator.get_or_insert_with(|| Validator::new(*options));
                    match v.parse(doc) {
                        Ok(Document::Segment(segment)) => {
                            segment.id().map(|s| s.decode().into_owned())
                        }
                        _ => None,
                    }
                }
            };
            for warning in warnings {
                self.emit(&Event::Warning(WarnedDocument {
                    origin,
                    id: id.clone(),
                    warning: *warning,
                    pointer: warning.locate(doc, 0).pointer,
                }));
            }
            let more = checked.warnings().saturating_sub(warnings.len());
            if more > 0 {
                self.emit(&Event::MoreWarnings {
                    origin,
                    id,
                    count: more,
                });
            }
        }
    }
}

fn write_all(output: &Mutex<Output>, lines: &[u8]) -> Result<(), Refusal> {
    let mut output = lock(output);
    let written = output
        .writer
        .write_all(lines)
        .and_then(|()| output.writer.flush());
    written
        .map_err(|e: io::Error| Refusal::internal(format!("cannot write to {}: {e}", output.name)))
}
