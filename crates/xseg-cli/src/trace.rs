//! The trace-level checks in the commands (`xseg_batch::trace`; `docs/TRACES.md`).
//!
//! Each command validates its documents (in parallel for `check`), then hands every accepted
//! document's [`TraceFacts`] to one [`TraceHost`] in input order. The host runs the
//! [`TraceChecker`], decides the document's verdict (a trace-size rejection turns an accepted
//! document into a rejected one) and reports the findings through the shared
//! [printer](crate::report), at the place of the document they concern: its source, line,
//! column and byte offset. Orphans are reported when their trace closes: when it is evicted
//! from the open traces, or at the end of the input ([`TraceHost::finish`]).

use std::collections::HashMap;
use std::io;

use clap::Args;
use xseg::JsonStr;
use xseg_batch::trace::{
    DEFAULT_MAX_OPEN_TRACES, DEFAULT_MAX_TRACE_BYTES, MAX_OPEN_TRACES_CEILING,
};
use xseg_batch::{TraceChecker, TraceConfig, TraceFacts, TraceFinding, TraceFindingKind};

use crate::report::document::{report_document_findings, Report};
use crate::report::{Extra, Finding, Printer};

/// The limits of the trace checks, shared by `check`, `listen` and `serve`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Args)]
pub struct TraceLimits {
    /// Trace size limit for the trace checks, in bytes of accepted documents: the document
    /// that takes its trace past it, and every later one of the trace, is rejected
    /// (`InvalidSegment`, "Trace Size Exceeded").
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_TRACE_BYTES)]
    pub max_trace_bytes: u64,
    /// Most traces the trace checks keep open; past it the least recently used trace is
    /// closed (and its orphans reported).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_OPEN_TRACES,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new()
              .range(1..=MAX_OPEN_TRACES_CEILING as u64))]
    pub max_open_traces: usize,
}

impl Default for TraceLimits {
    fn default() -> Self {
        TraceLimits {
            max_trace_bytes: DEFAULT_MAX_TRACE_BYTES,
            max_open_traces: DEFAULT_MAX_OPEN_TRACES,
        }
    }
}

impl TraceLimits {
    /// The checker's configuration.
    pub fn config(&self) -> TraceConfig {
        TraceConfig::new()
            .with_max_trace_bytes(self.max_trace_bytes)
            .with_max_open_traces(self.max_open_traces)
    }
}

/// The trace checks of `listen` and `serve`: on by default, as they mirror the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Args)]
pub struct LiveTraceArgs {
    /// Do not apply the trace-level checks (trace size, repeated ids, annotations past 50,
    /// orphan subsegments; docs/TRACES.md), which mirror the service and are on by default.
    #[arg(long)]
    pub no_trace_checks: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub limits: TraceLimits,
}

impl LiveTraceArgs {
    /// The checker's configuration, or `None` with `--no-trace-checks`.
    pub fn config(&self) -> Option<TraceConfig> {
        (!self.no_trace_checks).then(|| self.limits.config())
    }
}

/// Reports one trace finding through `printer` at `source`, `line`, `column` and byte
/// `offset` (of the document's start): a rejection with `ErrorCode` `InvalidSegment` and the
/// service's `Message`, or a warning; its kind is the finding's name, its detail the
/// finding's sentence, and `trace_id` follows `extra` in the JSON form.
///
/// # Errors
///
/// Errors of the printer.
#[allow(clippy::too_many_arguments)]
pub fn write_trace_finding<P>(
    printer: &mut Printer,
    f: &TraceFinding<P>,
    source: &str,
    id: Option<&str>,
    (line, column, offset): (Option<u64>, Option<u64>, Option<u64>),
    extra: &[(&str, Extra<'_>)],
    out: &mut Vec<u8>,
) -> io::Result<()> {
    let hex = f.id.map(|i| format!("{i:016x}"));
    let id = id.or(hex.as_deref());
    let detail = f.to_string();
    let trace = f.trace_id_string();
    let mut fields: Vec<(&str, Extra<'_>)> = extra.to_vec();
    fields.push(("trace_id", Extra::Str(&trace)));
    let pointer = match f.kind {
        TraceFindingKind::DuplicateId => "/id",
        TraceFindingKind::OrphanSubsegment { .. } => "/parent_id",
        _ => "",
    };
    let base = match (f.code(), f.message()) {
        (Some(code), Some(message)) => Finding::error(source, code.as_str(), message, f.name()),
        _ => Finding::warning(source, f.name()),
    };
    let finding = Finding {
        detail: &detail,
        id,
        pointer,
        line,
        column,
        offset,
        extra: &fields,
        ..base
    };
    printer.finding(&finding, out)
}

/// Where a document is, as the trace checker keeps it: small and `Copy`, so that a waiting
/// subsegment's record stays small. `seq` numbers the documents of a run, so two documents
/// never share a position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct At {
    /// The document's number in the run, from 0.
    pub seq: u64,
    /// The index of its source in the host's labels.
    pub source: u32,
    /// 1-based line of its first byte, when the source has lines.
    pub line: Option<u64>,
    /// 1-based column of its first byte.
    pub column: Option<u64>,
    /// Byte offset of its first byte in the source.
    pub offset: u64,
}

/// Source labels a [`TraceHost`] keeps: a long-running `listen` sees a new peer address per
/// client socket, so the labels are a ring of the most recent ones, not a growing list.
pub const MAX_SOURCE_LABELS: usize = 4096;

/// What a finding names as its source when its label has left the ring: its document came
/// [`MAX_SOURCE_LABELS`] distinct sources ago and its trace stayed open since (an orphan).
pub const FORGOTTEN_SOURCE: &str = "(an earlier source)";

/// The trace checks of one run: the checker, the labels of the recent sources, and the
/// findings waiting to be reported.
#[derive(Debug)]
pub struct TraceHost {
    checker: TraceChecker<At>,
    /// Source number and label, at the number's slot modulo [`MAX_SOURCE_LABELS`].
    sources: Vec<(u32, String)>,
    by_label: HashMap<String, u32>,
    /// The number the next new label gets.
    next_source: u32,
    /// The number of the last label looked up.
    last: u32,
    seq: u64,
    pending: Vec<TraceFinding<At>>,
}

impl TraceHost {
    /// A host with a fresh checker.
    pub fn new(config: TraceConfig) -> Self {
        TraceHost {
            checker: TraceChecker::new(config),
            sources: Vec::new(),
            by_label: HashMap::new(),
            next_source: 0,
            last: u32::MAX,
            seq: 0,
            pending: Vec::new(),
        }
    }

    /// The checker (for its statistics).
    pub const fn checker(&self) -> &TraceChecker<At> {
        &self.checker
    }

    /// The number of `label` (a file name, a peer address): the same while the label is one
    /// of the [`MAX_SOURCE_LABELS`] most recent distinct ones.
    fn source_index(&mut self, label: &str) -> u32 {
        // Most documents come from the source of the one before.
        if self.label(self.last) == Some(label) {
            return self.last;
        }
        let number = match self.by_label.get(label) {
            Some(&n) => n,
            None => {
                let n = self.next_source;
                self.next_source = n.wrapping_add(1);
                let entry = (n, label.to_owned());
                let slot = n as usize % MAX_SOURCE_LABELS;
                match self.sources.get_mut(slot) {
                    Some(old) => {
                        let (_, gone) = std::mem::replace(old, entry);
                        self.by_label.remove(&gone);
                    }
                    None => self.sources.push(entry),
                }
                self.by_label.insert(label.to_owned(), n);
                n
            }
        };
        self.last = number;
        number
    }

    /// The label of source `number`, while it is kept.
    fn label(&self, number: u32) -> Option<&str> {
        self.sources
            .get(number as usize % MAX_SOURCE_LABELS)
            .filter(|(n, _)| *n == number)
            .map(|(_, l)| l.as_str())
    }

    /// Feeds one document (in input order) to the checker: `facts` is `None` for a document
    /// the core rejected or one the checks do not read (OTLP). Returns its position and
    /// whether the trace size rejects it; the findings wait for [`report`](Self::report).
    pub fn check(
        &mut self,
        label: &str,
        line: Option<u64>,
        column: Option<u64>,
        offset: u64,
        facts: Option<&TraceFacts>,
    ) -> (At, bool) {
        let at = At {
            seq: self.seq,
            source: self.source_index(label),
            line,
            column,
            offset,
        };
        self.seq += 1;
        let Some(facts) = facts else {
            return (at, false);
        };
        let before = self.pending.len();
        self.checker.check(at, facts, &mut self.pending);
        let rejected = self
            .pending
            .get(before..)
            .unwrap_or(&[])
            .iter()
            .any(|f| f.position == at && f.is_rejection());
        (at, rejected)
    }

    /// Reports the waiting findings through `printer`, in the order found. A finding about
    /// the document at `current` carries `id` (its `id` as written, unescaped) and `extra`;
    /// one about another document (an orphan of an evicted trace) its id in lower-case hex.
    ///
    /// # Errors
    ///
    /// Errors of the printer.
    pub fn report(
        &mut self,
        printer: &mut Printer,
        current: Option<At>,
        id: Option<&str>,
        extra: &[(&str, Extra<'_>)],
        out: &mut Vec<u8>,
    ) -> io::Result<()> {
        let pending = std::mem::take(&mut self.pending);
        let mut result = Ok(());
        for f in &pending {
            let here = Some(f.position) == current;
            result = result.and_then(|()| {
                self.write(printer, f, if here { id } else { None }, here, extra, out)
            });
        }
        self.pending = pending;
        self.pending.clear();
        result
    }

    fn write(
        &self,
        printer: &mut Printer,
        f: &TraceFinding<At>,
        id: Option<&str>,
        here: bool,
        extra: &[(&str, Extra<'_>)],
        out: &mut Vec<u8>,
    ) -> io::Result<()> {
        let source = self.label(f.position.source).unwrap_or(FORGOTTEN_SOURCE);
        let at = f.position;
        write_trace_finding(
            printer,
            f,
            source,
            id,
            (at.line, at.column, Some(at.offset)),
            if here { extra } else { &[] },
            out,
        )
    }

    /// Closes every open trace (the end of the input, or shutdown) and reports its orphans.
    ///
    /// # Errors
    ///
    /// Errors of the printer.
    pub fn finish(&mut self, printer: &mut Printer, out: &mut Vec<u8>) -> io::Result<()> {
        self.checker.finish(&mut self.pending);
        self.report(printer, None, None, &[], out)
    }
}

/// Reports one validated document as [`report_document`](crate::report::document::report_document)
/// does, with the trace checks when `host` is given: the document's verdict counts the
/// trace-size rejection, and its trace findings (and the orphans of any trace its arrival
/// closed) follow its own findings. `facts` and `raw_id` are the document's
/// ([`xseg_batch::Traced`]). Returns whether the trace size rejected it.
///
/// # Errors
///
/// Errors of the printer.
pub fn report_traced(
    printer: &mut Printer,
    host: Option<&mut TraceHost>,
    r: &Report<'_>,
    facts: Option<&TraceFacts>,
    raw_id: Option<JsonStr<'_>>,
    limit: usize,
    out: &mut Vec<u8>,
) -> io::Result<bool> {
    let Some(host) = host else {
        printer.tally_mut().verdict(r.error.is_none());
        report_document_findings(printer, r, limit, out)?;
        return Ok(false);
    };
    let (line, column, offset) = r.place.start();
    let facts = if r.error.is_none() { facts } else { None };
    let (at, rejected) = host.check(r.source, line, column, offset, facts);
    printer.tally_mut().verdict(r.error.is_none() && !rejected);
    report_document_findings(printer, r, limit, out)?;
    // Most documents have no trace finding: their id is not even unescaped.
    if !host.pending.is_empty() {
        let id = raw_id.map(|s| s.decode());
        host.report(printer, Some(at), id.as_deref(), r.extra, out)?;
    }
    Ok(rejected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::Place;
    use crate::report::{Format, Style};
    use xseg::Warnings;

    const TRACE: &str = "1-68000000-a006649127e371903a2de979";

    fn facts(id: u64) -> TraceFacts {
        TraceFacts::new(0x6800_0000_a006_6491_27e3_7190_3a2d_e979, id, 100)
    }

    #[test]
    fn a_rejection_turns_the_verdict_and_orphans_wait_for_the_end() {
        let mut host = TraceHost::new(TraceConfig::new().with_max_trace_bytes(150));
        let mut printer = Printer::new(Style::new(Format::Json));
        let mut out = Vec::new();
        let warnings = Warnings::default();
        let docs = [
            facts(1),
            facts(2).with_standalone_subsegment(true).with_parent_id(9),
        ];
        let mut verdicts = Vec::new();
        for (i, f) in docs.iter().enumerate() {
            let r = Report {
                source: "a.ndjson",
                place: Place::Line {
                    line: i as u64 + 1,
                    offset: 10 * i as u64,
                },
                document: b"{}",
                base: 0,
                len: 100,
                error: None,
                id: None,
                warnings: &warnings,
                total_warnings: 0,
                note: None,
                extra: &[],
            };
            verdicts.push(
                report_traced(
                    &mut printer,
                    Some(&mut host),
                    &r,
                    Some(f),
                    None,
                    1000,
                    &mut out,
                )
                .expect("memory"),
            );
        }
        host.finish(&mut printer, &mut out).expect("memory");
        assert_eq!(verdicts, [false, true]);
        let t = printer.tally();
        assert_eq!(
            (t.documents, t.accepted, t.rejected, t.errors),
            (2, 1, 1, 1)
        );
        assert_eq!(t.code("InvalidSegment"), 1);
        // The rejected subsegment is not accepted, so it is no orphan either.
        assert_eq!(t.warning("OrphanSubsegment"), 0);
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        assert_eq!(lines.len(), 1, "{text}");
        assert_eq!(lines[0]["ErrorCode"], "InvalidSegment");
        assert_eq!(lines[0]["kind"], "TraceSizeExceeded");
        assert_eq!(lines[0]["line"], 2);
        assert_eq!(lines[0]["offset"], 10);
        assert_eq!(lines[0]["Id"], "0000000000000002");
        assert_eq!(lines[0]["trace_id"], TRACE);
    }

    #[test]
    fn orphans_are_reported_at_their_own_place() {
        let mut host = TraceHost::new(TraceConfig::new());
        let mut printer = Printer::new(Style::new(Format::Text));
        let mut out = Vec::new();
        let orphan = facts(2).with_standalone_subsegment(true).with_parent_id(9);
        let (at, rejected) = host.check("b.ndjson", Some(3), Some(1), 42, Some(&orphan));
        assert!(!rejected);
        assert_eq!((at.seq, at.line, at.offset), (0, Some(3), 42));
        host.report(&mut printer, Some(at), Some("X"), &[], &mut out)
            .expect("memory");
        assert!(out.is_empty());
        host.finish(&mut printer, &mut out).expect("memory");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(
            text,
            format!("b.ndjson:3:1: warning: standalone subsegment's `parent_id` 0000000000000009 never showed up in trace {TRACE} at /parent_id (byte 42)\n")
        );
        assert_eq!(printer.tally().warning("OrphanSubsegment"), 1);
    }

    #[test]
    fn options_of_each_command() {
        use crate::args::{Cli, Command};
        use clap::Parser;
        let parse = |argv: &[&str]| Cli::try_parse_from(argv).map(|c| c.command);
        let Ok(Command::Check(c)) = parse(&["xseg", "check", "f"]) else {
            panic!("check")
        };
        assert!(!c.trace_checks);
        assert_eq!(c.trace_limits, TraceLimits::default());
        let Ok(Command::Check(c)) = parse(&[
            "xseg",
            "check",
            "--trace-checks",
            "--max-trace-bytes",
            "1000",
            "--max-open-traces",
            "7",
        ]) else {
            panic!("check")
        };
        assert!(c.trace_checks);
        let config = c.trace_limits.config();
        assert_eq!(
            (config.max_trace_bytes(), config.max_open_traces()),
            (1000, 7)
        );
        for command in ["listen", "serve"] {
            let live = |c: Command| match c {
                Command::Listen(a) => a.traces,
                Command::Serve(a) => a.traces,
                _ => panic!("{command}"),
            };
            let on = live(parse(&["xseg", command]).expect("parses"));
            assert_eq!(on.config(), Some(TraceConfig::new()));
            let off = live(parse(&["xseg", command, "--no-trace-checks"]).expect("parses"));
            assert_eq!(off.config(), None);
            let set = live(parse(&["xseg", command, "--max-trace-bytes", "9"]).expect("parses"));
            assert_eq!(set.config().map(|c| c.max_trace_bytes()), Some(9));
        }
        assert!(parse(&["xseg", "check", "--max-open-traces", "0"]).is_err());
        assert!(parse(&["xseg", "check", "--no-trace-checks"]).is_err());
    }

    #[test]
    fn sources_are_numbered_once_each() {
        let mut host = TraceHost::new(TraceConfig::new());
        let got: Vec<(u32, u64)> = ["a", "a", "b", "a", "c", "b"]
            .iter()
            .map(|l| {
                let (at, _) = host.check(l, None, None, 0, None);
                (at.source, at.seq)
            })
            .collect();
        assert_eq!(got, [(0, 0), (0, 1), (1, 2), (0, 3), (2, 4), (1, 5)]);
        let labels: Vec<_> = (0..4).map(|n| host.label(n)).collect();
        assert_eq!(labels, [Some("a"), Some("b"), Some("c"), None]);
    }

    #[test]
    fn source_labels_stay_bounded_and_orphans_keep_recent_ones() {
        use xseg_batch::TraceFacts;
        let mut host = TraceHost::new(TraceConfig::new());
        let orphan = |trace: u128| {
            TraceFacts::new(trace, 1, 10)
                .with_standalone_subsegment(true)
                .with_parent_id(2)
        };
        host.check("first", Some(1), None, 0, Some(&orphan(1)));
        for i in 0..3 * MAX_SOURCE_LABELS {
            host.check(&format!("127.0.0.1:{i}"), Some(1), None, 0, None);
        }
        host.check("last", Some(1), None, 0, Some(&orphan(2)));
        assert!(host.sources.len() <= MAX_SOURCE_LABELS);
        assert!(host.by_label.len() <= MAX_SOURCE_LABELS);
        assert_eq!(host.by_label.len(), host.sources.len());
        // A label seen again is numbered again, and kept.
        let (a, _) = host.check("first", None, None, 0, None);
        let (b, _) = host.check("127.0.0.1:1", None, None, 0, None);
        let (c, _) = host.check("first", None, None, 0, None);
        assert_eq!(a.source, c.source);
        assert_ne!(a.source, b.source);
        let mut printer = Printer::new(Style::new(Format::Text));
        let mut out = Vec::new();
        host.finish(&mut printer, &mut out).expect("printed");
        let text = String::from_utf8(out).expect("UTF-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            lines[0].starts_with(&format!("{FORGOTTEN_SOURCE}:1")),
            "{text}"
        );
        assert!(lines[1].starts_with("last:1"), "{text}");
    }
}
