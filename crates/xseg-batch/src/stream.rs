//! NDJSON document streams (RULES.md section 1): one document per line, read in bounded memory.
//!
//! - Lines end at `\n`; the `\n` is not part of the document (a `\r` before it is, and the
//!   core accepts it as white space after the value). A last line without `\n` counts.
//! - A blank line (only spaces, tabs and carriage returns) is skipped.
//! - A line that is a valid daemon header ([`xseg::is_daemon_header`]) is skipped, so a raw
//!   capture of `header\nbody\n` frames reads as a stream. A line longer than the document
//!   size limit is never taken for a header (a datagram that long is rejected anyway,
//!   RULES.md section 7).
//! - Every other line is a document, validated exactly as it would be alone.
//! - A line longer than the document size limit is not buffered whole: it is reported as the
//!   core reports a document that size (`DocumentTooLarge`, `InvalidSegment`, no `Id`) and
//!   the reader skips to its newline. Its [`StreamItem::document`] is empty.
//!
//! The stream is read in chunks of [`StreamConfig::chunk_bytes`]; the partial last line of a
//! chunk is carried over to the next one. Memory stays below about the chunk size plus the
//! size limit plus the per-document records of one batch, whatever the input size, and the
//! chunk size never changes a result.

use std::fmt;
use std::io::{self, Read};
use std::ops::Range;

use xseg::{Error, JsonStr, Validator, Warnings};

use crate::{Batch, Checked, Counters, TraceFacts, Traced};

/// Default bytes read per chunk.
pub const DEFAULT_CHUNK_BYTES: usize = 8 << 20;

/// Default number of documents validated in one parallel pass.
pub const DEFAULT_BATCH_DOCUMENTS: usize = 4096;

/// Longest line a stream keeps in memory, whatever the configured document size limit:
/// a stream applies the smaller of the two as its size limit.
pub const MAX_LINE_BYTES: usize = 64 << 20;

/// How a stream is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StreamConfig {
    chunk_bytes: usize,
    batch_documents: usize,
    trace_facts: bool,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig::new()
    }
}

impl StreamConfig {
    /// The defaults: [`DEFAULT_CHUNK_BYTES`] and [`DEFAULT_BATCH_DOCUMENTS`].
    pub const fn new() -> Self {
        StreamConfig {
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            batch_documents: DEFAULT_BATCH_DOCUMENTS,
            trace_facts: false,
        }
    }

    /// Whether the workers also read each accepted document's [`TraceFacts`] (off by
    /// default), for [`StreamItem::facts`]: the parallel half of the trace checks, whose
    /// other half a [`TraceChecker`](crate::TraceChecker) applies in stream order in the sink.
    pub const fn with_trace_facts(mut self, on: bool) -> Self {
        self.trace_facts = on;
        self
    }

    /// Whether the workers read trace facts.
    pub const fn trace_facts(&self) -> bool {
        self.trace_facts
    }

    /// Bytes read per chunk (at least 1). Each chunk's documents are validated in parallel
    /// before the next chunk is read.
    pub const fn with_chunk_bytes(mut self, bytes: usize) -> Self {
        self.chunk_bytes = if bytes == 0 { 1 } else { bytes };
        self
    }

    /// Documents validated per parallel pass (at least 1); bounds the memory held by
    /// per-document records.
    pub const fn with_batch_documents(mut self, documents: usize) -> Self {
        self.batch_documents = if documents == 0 { 1 } else { documents };
        self
    }

    /// Bytes read per chunk.
    pub const fn chunk_bytes(&self) -> usize {
        self.chunk_bytes
    }

    /// Documents validated per parallel pass.
    pub const fn batch_documents(&self) -> usize {
        self.batch_documents
    }
}

/// One document of a stream, with its verdict and where it is.
#[derive(Clone, Copy, Debug)]
pub struct StreamItem<'a> {
    line: u64,
    offset: u64,
    len: u64,
    document: &'a [u8],
    result: Checked<'a>,
    warnings: &'a Warnings,
    facts: Option<&'a TraceFacts>,
    id: Option<JsonStr<'a>>,
}

impl<'a> StreamItem<'a> {
    /// The 1-based line number (blank and header lines count).
    pub const fn line(&self) -> u64 {
        self.line
    }

    /// Byte offset of the line's first byte in the stream.
    pub const fn offset(&self) -> u64 {
        self.offset
    }

    /// Length of the line in bytes, without the `\n`.
    pub const fn len(&self) -> u64 {
        self.len
    }

    /// Whether the line is empty (never true of a reported document; for completeness).
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The document: the line without its `\n`. Empty for a line longer than the size limit,
    /// which is not kept.
    pub const fn document(&self) -> &'a [u8] {
        self.document
    }

    /// Whether the line was too long to keep (then [`document`](Self::document) is empty).
    pub const fn is_oversized(&self) -> bool {
        self.document.is_empty() && self.len != 0
    }

    /// The verdict. Its offsets are relative to the document.
    pub const fn result(&self) -> &Checked<'a> {
        &self.result
    }

    /// The document's warnings (the first ones the core keeps); offsets relative to the
    /// document.
    pub const fn warnings(&self) -> &'a Warnings {
        self.warnings
    }

    /// The trace facts of an accepted segment or standalone subsegment, when the stream was
    /// read [`with_trace_facts`](StreamConfig::with_trace_facts); `None` otherwise, for a
    /// rejection and for an OTLP payload.
    pub const fn facts(&self) -> Option<&'a TraceFacts> {
        self.facts
    }

    /// The document's top-level `id` as written (as [`Traced::id`] holds it), when the stream
    /// was read [`with_trace_facts`](StreamConfig::with_trace_facts): the `Id` of an
    /// `UnprocessedTraceSegments` entry should the trace checks reject the document.
    pub const fn id(&self) -> Option<JsonStr<'a>> {
        self.id
    }

    /// The byte offset of the rejection's problem in the stream.
    pub fn error_offset(&self) -> Option<u64> {
        self.result
            .outcome()
            .error()
            .map(|e| self.offset + e.offset() as u64)
    }
}

/// What a stream held.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamStats {
    /// The documents' verdicts.
    pub counters: Counters,
    /// Bytes read from the stream.
    pub bytes_read: u64,
    /// Lines, blank and header lines included.
    pub lines: u64,
    /// Daemon header lines skipped.
    pub headers: u64,
    /// Blank lines skipped.
    pub blank: u64,
    /// Largest capacity of the reader's buffer, in bytes: it holds the carried partial line
    /// plus one chunk, and grows by doubling, so it stays under about twice their sum.
    pub peak_buffer_bytes: u64,
}

impl StreamStats {
    /// Adds `other` into `self` (for several streams).
    pub fn merge(&mut self, other: &StreamStats) {
        self.counters.merge(&other.counters);
        self.bytes_read += other.bytes_read;
        self.lines += other.lines;
        self.headers += other.headers;
        self.blank += other.blank;
        self.peak_buffer_bytes = self.peak_buffer_bytes.max(other.peak_buffer_bytes);
    }
}

/// Why a stream stopped early.
#[derive(Debug)]
pub enum StreamError<E> {
    /// Reading the stream failed.
    Read(io::Error),
    /// The sink returned an error.
    Sink(E),
}

impl<E: fmt::Display> fmt::Display for StreamError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Read(e) => write!(f, "read error: {e}"),
            StreamError::Sink(e) => e.fmt(f),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for StreamError<E> {}

/// A document line found in the buffer.
#[derive(Clone, Debug)]
struct Span {
    range: Range<usize>,
    line: u64,
    offset: u64,
    /// Set for a line longer than the size limit: the core's verdict on such a document.
    too_large: Option<Error>,
}

/// A line longer than the size limit, being skipped up to its newline.
struct Oversized {
    line: u64,
    offset: u64,
    len: u64,
    blank: bool,
    error: Error,
}

/// The reader's state between chunks.
struct Lines {
    config: StreamConfig,
    limit: usize,
    /// The core's verdict on an oversized line, found on the first one.
    oversize: Option<Error>,
    /// Checks for header lines (on the reading thread, reusing its buffers).
    headers: Validator,
    stats: StreamStats,
    next_line: u64,
    docs: Vec<Span>,
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

/// Reads until `want` more bytes are in `buf` or the reader is exhausted; returns how many
/// were read (fewer than `want` only at the end of the stream). The buffer grows as data
/// arrives, so a short stream never costs a whole chunk.
fn fill<R: Read>(reader: &mut R, buf: &mut Vec<u8>, want: usize) -> io::Result<usize> {
    reader
        .by_ref()
        .take(u64::try_from(want).unwrap_or(u64::MAX))
        .read_to_end(buf)
}

impl Lines {
    /// The core's verdict on a document longer than the limit, from its first `limit + 1`
    /// bytes (the size check comes before anything else reads the document). Always `Some`:
    /// the core rejects any document over its limit; were it ever not to, the line would be
    /// kept and validated whole instead.
    fn too_large(&mut self, batch: &Batch, line: &[u8]) -> Option<Error> {
        if let Some(e) = self.oversize {
            return Some(e);
        }
        let mut v = Validator::new(batch.options().with_max_document_bytes(self.limit));
        let head = line.get(..=self.limit)?;
        let error = v.validate(head).rejection()?.error();
        self.oversize = Some(error);
        Some(error)
    }

    /// Sorts the complete line `range` of `buf` (stream offset `offset`): skipped, or queued
    /// as a document.
    fn push_line(&mut self, batch: &Batch, buf: &[u8], range: Range<usize>, offset: u64) {
        let line_no = self.next_line;
        self.next_line += 1;
        self.stats.lines += 1;
        let line = buf.get(range.clone()).unwrap_or(&[]);
        if is_blank(line) {
            self.stats.blank += 1;
            return;
        }
        let too_large = if line.len() > self.limit {
            self.too_large(batch, line)
        } else {
            None
        };
        if line.len() <= self.limit && self.headers.is_daemon_header(line) {
            self.stats.headers += 1;
            return;
        }
        self.docs.push(Span {
            range,
            line: line_no,
            offset,
            too_large,
        });
    }

    /// Validates the queued documents of `buf` in parallel passes and hands them to `sink` in
    /// order.
    fn flush<E, F>(&mut self, batch: &mut Batch, buf: &[u8], sink: &mut F) -> Result<(), E>
    where
        F: FnMut(&StreamItem<'_>) -> Result<(), E>,
    {
        let empty = Warnings::default();
        type Verdict<'b> = (
            Checked<'b>,
            Warnings,
            Option<TraceFacts>,
            Option<JsonStr<'b>>,
        );
        let mut results: Vec<Verdict<'_>> = Vec::new();
        let step = self.config.batch_documents;
        let traced = self.config.trace_facts;
        for pass in self.docs.chunks(step) {
            batch.run_each(
                pass,
                |v, span| match span.too_large {
                    Some(e) => (
                        Checked::rejected_without_id(e),
                        Warnings::default(),
                        None,
                        None,
                    ),
                    None => {
                        let doc = buf.get(span.range.clone()).unwrap_or(&[]);
                        if traced {
                            let t = Traced::validate(v, doc);
                            (t.checked, v.warnings().clone(), t.facts, t.id)
                        } else {
                            let outcome = v.validate(doc);
                            (
                                Checked::new(&outcome, v.warnings()),
                                v.warnings().clone(),
                                None,
                                None,
                            )
                        }
                    }
                },
                &mut results,
            );
            for (span, (result, warnings, facts, id)) in pass.iter().zip(&results) {
                let len = span.range.len();
                self.stats.counters.record(result, len);
                let item = StreamItem {
                    line: span.line,
                    offset: span.offset,
                    len: len as u64,
                    document: if span.too_large.is_some() {
                        &[]
                    } else {
                        buf.get(span.range.clone()).unwrap_or(&[])
                    },
                    result: *result,
                    warnings: if span.too_large.is_some() {
                        &empty
                    } else {
                        warnings
                    },
                    facts: facts.as_ref(),
                    id: *id,
                };
                sink(&item)?;
            }
        }
        self.docs.clear();
        Ok(())
    }

    /// Reports a finished oversized line.
    fn finish_oversized<E, F>(&mut self, o: Oversized, sink: &mut F) -> Result<(), E>
    where
        F: FnMut(&StreamItem<'_>) -> Result<(), E>,
    {
        self.stats.lines += 1;
        if o.blank {
            self.stats.blank += 1;
            return Ok(());
        }
        let result = Checked::rejected_without_id(o.error);
        self.stats
            .counters
            .record(&result, usize::try_from(o.len).unwrap_or(usize::MAX));
        let empty = Warnings::default();
        sink(&StreamItem {
            line: o.line,
            offset: o.offset,
            len: o.len,
            document: &[],
            result,
            warnings: &empty,
            facts: None,
            id: None,
        })
    }
}

impl Batch {
    /// Validates an NDJSON stream (see the [module documentation](self)), handing every
    /// document to `sink` in stream order; returns what the stream held.
    ///
    /// ```
    /// use xseg_batch::{Batch, StreamConfig};
    ///
    /// let input = b"{\"format\":\"json\",\"version\":1}\n[]\n\n{\"id\":1}\n";
    /// let mut batch = Batch::sequential(xseg::Options::default());
    /// let mut seen = Vec::new();
    /// let stats = batch
    ///     .check_stream(&input[..], &StreamConfig::new(), |item| {
    ///         seen.push((item.line(), item.offset(), item.result().outcome().code()));
    ///         Ok::<(), ()>(())
    ///     })
    ///     .unwrap();
    /// use xseg::ErrorCode::*;
    /// assert_eq!(seen, [(2, 30, Some(MissingId)), (4, 34, Some(InvalidId))]);
    /// assert_eq!((stats.lines, stats.headers, stats.blank), (4, 1, 1));
    /// ```
    ///
    /// # Errors
    ///
    /// [`StreamError::Read`] when the reader fails, [`StreamError::Sink`] when `sink` does;
    /// documents before the failure have been handed to `sink`.
    pub fn check_stream<R, E, F>(
        &mut self,
        mut reader: R,
        config: &StreamConfig,
        mut sink: F,
    ) -> Result<StreamStats, StreamError<E>>
    where
        R: Read,
        F: FnMut(&StreamItem<'_>) -> Result<(), E>,
    {
        let mut lines = Lines {
            config: *config,
            limit: self.options().max_document_bytes().min(MAX_LINE_BYTES),
            oversize: None,
            headers: Validator::new(*self.options()),
            stats: StreamStats::default(),
            next_line: 1,
            docs: Vec::new(),
        };
        let chunk = config.chunk_bytes;
        // `buf` holds the carried partial line (no `\n` in it) followed by the new chunk;
        // `base` is the stream offset of `buf[0]`.
        let mut buf: Vec<u8> = Vec::new();
        let mut base: u64 = 0;
        let mut skipping: Option<Oversized> = None;
        loop {
            let carried = buf.len();
            let got = fill(&mut reader, &mut buf, chunk).map_err(StreamError::Read)?;
            lines.stats.bytes_read += got as u64;
            lines.stats.peak_buffer_bytes =
                lines.stats.peak_buffer_bytes.max(buf.capacity() as u64);
            let eof = got < chunk;
            let mut start = 0;
            if let Some(mut o) = skipping.take() {
                // `buf` holds only new bytes: the oversized line's start was dropped.
                match memchr::memchr(b'\n', &buf) {
                    Some(nl) => {
                        let rest = buf.get(..nl).unwrap_or(&[]);
                        o.blank = o.blank && is_blank(rest);
                        o.len += nl as u64;
                        lines
                            .finish_oversized(o, &mut sink)
                            .map_err(StreamError::Sink)?;
                        start = nl + 1;
                    }
                    None => {
                        o.blank = o.blank && is_blank(&buf);
                        o.len += buf.len() as u64;
                        base += buf.len() as u64;
                        buf.clear();
                        if eof {
                            lines
                                .finish_oversized(o, &mut sink)
                                .map_err(StreamError::Sink)?;
                            break;
                        }
                        skipping = Some(o);
                        continue;
                    }
                }
            }
            // Complete lines. The carried bytes hold no `\n`, so the search starts after them.
            let mut line_start = start;
            let from = start.max(carried);
            let tail = buf.get(from..).unwrap_or(&[]);
            for nl in memchr::memchr_iter(b'\n', tail) {
                let end = from + nl;
                lines.push_line(self, &buf, line_start..end, base + line_start as u64);
                line_start = end + 1;
                // A pass is full: validate it now, so that a chunk of many short lines never
                // queues more than one pass of records.
                if lines.docs.len() >= lines.config.batch_documents {
                    lines
                        .flush(self, &buf, &mut sink)
                        .map_err(StreamError::Sink)?;
                }
            }
            if eof && line_start < buf.len() {
                let end = buf.len();
                lines.push_line(self, &buf, line_start..end, base + line_start as u64);
                line_start = end;
            }
            lines
                .flush(self, &buf, &mut sink)
                .map_err(StreamError::Sink)?;
            if eof {
                break;
            }
            // Carry the partial last line over, unless it is already too long to keep.
            let rest = buf.get(line_start..).unwrap_or(&[]);
            let oversized = if rest.len() > lines.limit {
                lines.too_large(self, rest)
            } else {
                None
            };
            if let Some(error) = oversized {
                skipping = Some(Oversized {
                    line: lines.next_line,
                    offset: base + line_start as u64,
                    len: rest.len() as u64,
                    blank: is_blank(rest),
                    error,
                });
                lines.next_line += 1;
                base += buf.len() as u64;
                buf.clear();
            } else {
                buf.drain(..line_start);
                base += line_start as u64;
            }
        }
        Ok(lines.stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xseg::{ErrorCode, ErrorKind, Options, Profile, Warning};

    const HEADER: &str = r#"{"format":"json","version":1}"#;
    const GOOD: &str = r#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2}"#;
    const WARNS: &str = r#"{"name":"web","id":"70DE5B6F19FF9A0A","trace_id":"1-68000000-A006649127E371903A2DE979","start_time":1.5,"end_time":2}"#;

    /// An owned copy of a stream item, for comparisons.
    #[derive(Debug, PartialEq)]
    struct Owned {
        line: u64,
        offset: u64,
        len: u64,
        document: Vec<u8>,
        error: Option<Error>,
        id: Option<String>,
        warnings: usize,
        kept: Vec<Warning>,
    }

    fn own(item: &StreamItem<'_>) -> Owned {
        Owned {
            line: item.line(),
            offset: item.offset(),
            len: item.len(),
            document: item.document().to_vec(),
            error: item.result().outcome().error(),
            id: item.result().outcome().id().map(|s| s.into_owned()),
            warnings: item.result().warnings(),
            kept: item.warnings().iter().copied().collect(),
        }
    }

    fn run(batch: &mut Batch, input: &[u8], config: StreamConfig) -> (Vec<Owned>, StreamStats) {
        let mut items = Vec::new();
        let stats = batch
            .check_stream(input, &config, |item| {
                items.push(own(item));
                Ok::<(), ()>(())
            })
            .unwrap();
        (items, stats)
    }

    /// The stream rules applied the obvious way: split the whole input, validate each line
    /// alone.
    fn reference(options: Options, input: &[u8]) -> Vec<Owned> {
        let limit = options.max_document_bytes();
        let mut v = Validator::new(options);
        let mut out = Vec::new();
        let mut offset = 0u64;
        let mut parts: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
        if parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        for (i, line) in parts.into_iter().enumerate() {
            let at = offset;
            offset += line.len() as u64 + 1;
            if line.iter().all(|b| b" \t\r".contains(b)) {
                continue;
            }
            if line.len() <= limit && xseg::is_daemon_header(line) {
                continue;
            }
            let outcome = v.validate(line);
            let checked = Checked::new(&outcome, v.warnings());
            let oversized = line.len() > limit;
            out.push(Owned {
                line: i as u64 + 1,
                offset: at,
                len: line.len() as u64,
                document: if oversized { Vec::new() } else { line.to_vec() },
                error: checked.outcome().error(),
                id: checked.outcome().id().map(|s| s.into_owned()),
                warnings: checked.warnings(),
                kept: v.warnings().iter().copied().collect(),
            });
        }
        out
    }

    fn mixed(limit: usize) -> Vec<u8> {
        let big = format!(
            r#"{{"id":"70de5b6f19ff9a0a","name":"{}"}}"#,
            "a".repeat(limit)
        );
        let exact = format!(r#"{{"id":"{}"}}"#, "b".repeat(limit - 9));
        assert_eq!(exact.len(), limit);
        let long_header = format!(
            r#"{{"format":"json","version":1,"pad":"{}"}}"#,
            "p".repeat(limit)
        );
        let lines: Vec<String> = vec![
            HEADER.into(),
            GOOD.into(),
            String::new(),
            "  \t \r".into(),
            format!("{GOOD}\r"),
            format!("{HEADER}\r"),
            WARNS.into(),
            "not json".into(),
            r#"{"id":"70de5b6f19ff9a0a","name":"a\u0028b"}"#.into(),
            big.clone(),
            " ".repeat(limit * 3),
            exact,
            long_header,
            "[]".into(),
            big.clone(),
            r#"{"f\u006frmat":"json","version":1}"#.into(),
            r#"{"format":"json","version":2}"#.into(),
            "\u{feff}{}".into(),
            big,
        ];
        lines.join("\n").into_bytes()
    }

    #[test]
    fn chunk_boundaries_change_nothing() {
        let limit = 300;
        let opts = Options::new(Profile::Service).with_max_document_bytes(limit);
        for input in [mixed(limit), {
            let mut m = mixed(limit);
            m.push(b'\n');
            m
        }] {
            let want = reference(opts, &input);
            assert_eq!(want.len(), 14);
            for jobs in [1, 2] {
                let mut batch = Batch::with_jobs(opts, jobs).unwrap();
                for chunk in [1, 7, 64, 301, 4096, input.len(), input.len() + 1] {
                    for per_pass in [1, 3, DEFAULT_BATCH_DOCUMENTS] {
                        let config = StreamConfig::new()
                            .with_chunk_bytes(chunk)
                            .with_batch_documents(per_pass);
                        let (got, stats) = run(&mut batch, &input, config);
                        assert_eq!(got, want, "jobs {jobs} chunk {chunk} pass {per_pass}");
                        assert_eq!(stats.bytes_read, input.len() as u64);
                        assert_eq!(stats.lines, 19);
                        assert_eq!(stats.blank, 3);
                        assert_eq!(stats.headers, 2);
                        assert_eq!(stats.counters.documents, 14);
                        assert!(
                            stats.peak_buffer_bytes <= 2 * (chunk + limit + 1) as u64 + 64,
                            "chunk {chunk}: {}",
                            stats.peak_buffer_bytes
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn trace_facts_come_with_the_items_and_change_no_verdict() {
        let limit = 300;
        let opts = Options::new(Profile::Service).with_max_document_bytes(limit);
        let input = mixed(limit);
        let want = reference(opts, &input);
        let mut v = Validator::new(opts);
        for jobs in [1, 2] {
            let mut batch = Batch::with_jobs(opts, jobs).unwrap();
            for traced in [false, true] {
                let config = StreamConfig::new()
                    .with_chunk_bytes(64)
                    .with_batch_documents(3)
                    .with_trace_facts(traced);
                assert_eq!(config.trace_facts(), traced);
                let mut got = Vec::new();
                let mut facts = Vec::new();
                batch
                    .check_stream(&input[..], &config, |item| {
                        got.push(own(item));
                        facts.push((item.facts().cloned(), item.id().map(|i| i.raw().to_owned())));
                        Ok::<(), ()>(())
                    })
                    .unwrap();
                assert_eq!(got, want, "jobs {jobs} traced {traced}");
                for (item, (f, id)) in want.iter().zip(&facts) {
                    let expected = if traced && item.error.is_none() {
                        TraceFacts::extract(&mut v, &item.document)
                    } else {
                        None
                    };
                    assert_eq!(*f, expected, "line {}", item.line);
                    if !traced {
                        assert_eq!(*id, None, "line {}", item.line);
                    } else if f.is_some() {
                        let id = id.as_deref().map(str::to_ascii_lowercase);
                        assert_eq!(
                            id.as_deref(),
                            Some("70de5b6f19ff9a0a"),
                            "line {}",
                            item.line
                        );
                    }
                }
                let with_facts = facts.iter().filter(|(f, _)| f.is_some()).count();
                assert_eq!(with_facts, if traced { 3 } else { 0 }, "jobs {jobs}");
            }
        }
    }

    #[test]
    fn what_the_mixed_stream_holds() {
        let limit = 300;
        let opts = Options::new(Profile::Service).with_max_document_bytes(limit);
        let input = mixed(limit);
        let mut batch = Batch::sequential(opts);
        let (items, stats) = run(&mut batch, &input, StreamConfig::new().with_chunk_bytes(64));
        let summary: Vec<(u64, Option<ErrorCode>, Option<&str>)> = items
            .iter()
            .map(|i| (i.line, i.error.map(|e| e.code()), i.id.as_deref()))
            .collect();
        use ErrorCode::*;
        let b291 = "b".repeat(291);
        let want: Vec<(u64, Option<ErrorCode>, Option<&str>)> = vec![
            (2, None, None),
            (5, None, None),
            (7, None, None),
            (8, Some(ParseError), None),
            (9, Some(InvalidName), Some("70de5b6f19ff9a0a")),
            (10, Some(InvalidSegment), None),
            (12, Some(InvalidId), Some(&b291)),
            (13, Some(InvalidSegment), None),
            (14, Some(MissingId), None),
            (15, Some(InvalidSegment), None),
            (16, Some(MissingId), None),
            (17, Some(MissingId), None),
            (18, Some(ParseError), None),
            (19, Some(InvalidSegment), None),
        ];
        assert_eq!(summary, want);
        assert_eq!((stats.lines, stats.blank, stats.headers), (19, 3, 2));
        // line 16 spells `format` with an escape: not a header (D24), so a document
        let oversized: Vec<&Owned> = items.iter().filter(|i| i.document.is_empty()).collect();
        assert_eq!(oversized.len(), 4);
        for o in oversized {
            let e = o.error.unwrap();
            assert_eq!(e.kind(), ErrorKind::DocumentTooLarge);
            assert_eq!(e.offset(), 0);
            assert!(o.len > limit as u64);
        }
        assert_eq!(items[2].warnings, 2);
        assert_eq!(items[2].kept.len(), 2);
        assert_eq!(stats.counters.warnings, 2);
        assert_eq!(stats.counters.code(InvalidSegment), 4);
    }

    #[test]
    fn offsets_are_stream_offsets() {
        let input = format!("{HEADER}\n\n{{\"id\":1}}\n");
        let mut batch = Batch::sequential(Options::default());
        let mut seen = Vec::new();
        batch
            .check_stream(
                input.as_bytes(),
                &StreamConfig::new().with_chunk_bytes(3),
                |item| {
                    seen.push((item.line(), item.offset(), item.error_offset()));
                    Ok::<(), ()>(())
                },
            )
            .unwrap();
        let line_at = HEADER.len() as u64 + 2;
        assert_eq!(seen, [(3, line_at, Some(line_at + 6))]);
    }

    #[test]
    fn a_huge_line_is_not_buffered() {
        struct Gen {
            left: u64,
        }
        impl Read for Gen {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = (buf.len() as u64).min(self.left) as usize;
                buf[..n].fill(b'x');
                self.left -= n as u64;
                Ok(n)
            }
        }
        let size = 50 << 20;
        let tail = b"\n[]\n";
        let reader = Gen { left: size }.chain(&tail[..]);
        let mut batch = Batch::with_jobs(Options::default(), 2).unwrap();
        let mut items = Vec::new();
        let stats = batch
            .check_stream(
                reader,
                &StreamConfig::new().with_chunk_bytes(1 << 16),
                |item| {
                    items.push(own(item));
                    Ok::<(), ()>(())
                },
            )
            .unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].len, size);
        assert_eq!(
            items[0].error.map(|e| e.kind()),
            Some(ErrorKind::DocumentTooLarge)
        );
        assert_eq!(items[1].error.map(|e| e.code()), Some(ErrorCode::MissingId));
        assert_eq!(items[1].offset, size + 1);
        assert!(stats.peak_buffer_bytes <= 2 * ((1 << 16) + 65_537));
        assert_eq!(stats.counters.bytes, size + 2);
    }

    #[test]
    fn errors_stop_the_stream() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk on fire"))
            }
        }
        let mut batch = Batch::sequential(Options::default());
        let cfg = StreamConfig::new();
        let read = batch
            .check_stream(b"[]\n".chain(Failing), &cfg, |_| Ok::<(), ()>(()))
            .unwrap_err();
        assert!(matches!(read, StreamError::Read(ref e) if e.to_string() == "disk on fire"));
        let mut calls = 0;
        let sink = batch
            .check_stream(&b"[]\n[]\n"[..], &cfg, |_| {
                calls += 1;
                Err("full")
            })
            .unwrap_err();
        assert!(matches!(sink, StreamError::Sink("full")));
        assert_eq!(calls, 1);
    }

    #[test]
    fn config_clamps_to_one() {
        let c = StreamConfig::new()
            .with_chunk_bytes(0)
            .with_batch_documents(0);
        assert_eq!((c.chunk_bytes(), c.batch_documents()), (1, 1));
        assert_eq!(StreamConfig::default().chunk_bytes(), DEFAULT_CHUNK_BYTES);
    }
}
