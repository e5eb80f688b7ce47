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
//! chunk is carried over to the next one (the only bytes copied after the read). With more
//! than one job the reading is pipelined: the calling thread reads the next chunk and cuts its
//! lines into blocks while the workers validate the blocks of the last one, and it hands the
//! verdicts to the sink in stream order as they come in. Memory stays below about twice the
//! chunk size plus the size limit (two buffers, the one being validated and the one being
//! read), plus the records of at most [`StreamConfig::batch_documents`] documents in flight,
//! whatever the input size; neither the chunk size nor the number of jobs ever changes a
//! result.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Read};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use xseg::{Error, JsonStr, Options, Validator, Warnings};

use crate::{Batch, Checked, Counters, Exec, Kept, TraceFacts, Traced};

/// Default bytes read per chunk.
pub const DEFAULT_CHUNK_BYTES: usize = 8 << 20;

/// Default number of documents in flight at most (cut from the input, not yet reported).
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

    /// Bytes read per chunk (at least 1). With workers, the next chunk is read while the
    /// documents of the last one are validated.
    pub const fn with_chunk_bytes(mut self, bytes: usize) -> Self {
        self.chunk_bytes = if bytes == 0 { 1 } else { bytes };
        self
    }

    /// Documents in flight at most (at least 1): cut from the input but not yet handed to the
    /// sink. Bounds the memory held by per-document records.
    pub const fn with_batch_documents(mut self, documents: usize) -> Self {
        self.batch_documents = if documents == 0 { 1 } else { documents };
        self
    }

    /// Bytes read per chunk.
    pub const fn chunk_bytes(&self) -> usize {
        self.chunk_bytes
    }

    /// Documents in flight at most.
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
    /// Largest capacity of a reading buffer, in bytes: one holds the carried partial line
    /// plus one chunk, so it stays under their sum (a pipelined stream has two of them).
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

/// Bytes of the first read of a stream, at most.
const FIRST_READ_BYTES: usize = 256 << 10;

/// Documents one worker task validates together, at most.
const BLOCK_DOCUMENTS: usize = 64;

/// Bytes of documents one worker task validates together, about at most.
const BLOCK_BYTES: usize = 256 << 10;

/// A line to report: a document of the current buffer, or a line longer than the size limit.
#[derive(Clone, Debug)]
struct Span {
    /// Where the document is in the buffer; empty for a line too long to keep.
    range: Range<usize>,
    line: u64,
    offset: u64,
    /// The line's length, without its `\n`.
    len: u64,
    /// Set for a line longer than the size limit: the core's verdict on such a document.
    too_large: Option<Error>,
}

/// A line longer than the size limit, being skipped up to its newline.
struct Oversized {
    /// Its line number; `None` until every line before it has been numbered.
    line: Option<u64>,
    offset: u64,
    len: u64,
    blank: bool,
    error: Error,
}

/// One document's verdict, its kept warnings and, when asked for, its trace facts and raw `id`.
type Verdict<'b> = (
    Checked<'b>,
    Warnings,
    Option<TraceFacts>,
    Option<JsonStr<'b>>,
);

/// What a worker hands back for a block: its spans and their verdicts, `None` when the block
/// was not validated (the run was cancelled, or the worker panicked).
type Reply<'b> = (Vec<Span>, Option<Vec<Verdict<'b>>>);

/// A reading buffer: `data[..len]` holds the partial line carried over from the previous
/// buffer (`carried` bytes, no `\n` in them) followed by the bytes read after it. The bytes
/// past `len` are initialized too, and stay so from read to read: a read writes straight into
/// the buffer, which is never cleared again.
#[derive(Default)]
struct Buffer {
    data: Vec<u8>,
    len: usize,
    carried: usize,
    /// Stream offset of `data[0]`.
    base: u64,
    /// Whether the reader ended in this buffer's read.
    eof: bool,
}

impl Buffer {
    fn bytes(&self) -> &[u8] {
        self.data.get(..self.len).unwrap_or(&[])
    }

    /// Makes the buffer at least `size` bytes long, keeping its bytes. A zeroed allocation
    /// comes cleared from the system, and its untouched pages cost nothing, so a short stream
    /// never pays for a whole chunk.
    fn reserve(&mut self, size: usize) {
        if self.data.len() < size {
            let mut data = vec![0u8; size];
            if let (Some(to), Some(from)) = (data.get_mut(..self.len), self.data.get(..self.len)) {
                to.copy_from_slice(from);
            }
            self.data = data;
        }
    }

    /// Reads until `want` more bytes are in the buffer or the reader ends; returns how many
    /// were read (fewer than `want` only at the end of the stream).
    fn fill<R: Read>(&mut self, reader: &mut R, want: usize) -> io::Result<usize> {
        let start = self.len;
        let end = start.saturating_add(want);
        self.reserve(end);
        while self.len < end {
            let Some(room) = self.data.get_mut(self.len..end) else {
                break;
            };
            match reader.read(room) {
                Ok(0) => break,
                Ok(n) => self.len += n.min(room.len()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.len - start)
    }
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

/// The reading side of a stream: reads buffers, cuts them into lines, and keeps the counts.
/// It runs on the calling thread, while the workers validate the lines it found before.
struct Splitter<R> {
    reader: R,
    chunk: usize,
    /// Bytes the next read asks for.
    want: usize,
    options: Options,
    limit: usize,
    /// The core's verdict on an oversized line, found on the first one.
    oversize: Option<Error>,
    /// Checks for header lines (on the reading thread, reusing its buffers).
    headers: Validator,
    stats: StreamStats,
    next_line: u64,
    skipping: Option<Oversized>,
}

/// Where the lines of a buffer are: a skipped line that ends in it first, then the complete
/// lines of `pos..end`; what follows `end` is carried over to the next buffer.
struct Cut {
    head: Option<Span>,
    pos: usize,
    end: usize,
}

impl<R: Read> Splitter<R> {
    /// Whether the partial line `rest` at the end of a buffer (stream offset `at`) is carried
    /// over to the next one; when it is already too long to keep, it is skipped instead.
    fn carry(&mut self, rest: &[u8], at: u64) -> bool {
        let oversized = if rest.len() > self.limit {
            self.too_large(rest)
        } else {
            None
        };
        match oversized {
            Some(error) => {
                self.skipping = Some(Oversized {
                    line: None,
                    offset: at,
                    len: rest.len() as u64,
                    blank: is_blank(rest),
                    error,
                });
                false
            }
            None => true,
        }
    }

    /// Reads the next buffer into `buf`: the partial line `rest` (stream offset `at`) of the
    /// current one first, unless it is already too long to keep, then a chunk.
    fn read(&mut self, rest: &[u8], at: u64, buf: &mut Buffer) -> io::Result<()> {
        buf.len = 0;
        buf.carried = 0;
        buf.base = at;
        if self.carry(rest, at) {
            self.reserve(buf, rest.len());
            buf.fill(&mut &rest[..], rest.len())?;
            buf.carried = buf.len;
        } else {
            buf.base = at + rest.len() as u64;
        }
        self.read_chunk(buf)
    }

    /// Reads the next buffer into `buf` itself: its partial last line, from `end`, moves to
    /// the front, unless it is already too long to keep, then a chunk follows it.
    fn refill(&mut self, buf: &mut Buffer, end: usize) -> io::Result<()> {
        let at = buf.base + end as u64;
        let rest = buf.bytes().get(end..).unwrap_or(&[]);
        let kept = rest.len();
        if self.carry(rest, at) {
            buf.data.copy_within(end..buf.len, 0);
            buf.base = at;
        } else {
            buf.base = at + kept as u64;
            buf.len = 0;
        }
        buf.len = kept.min(buf.len);
        buf.carried = buf.len;
        // Every line before the skipped one has its number already.
        self.number_skipped();
        self.read_chunk(buf)
    }

    /// Room in `buf` for a chunk after `carried` bytes, and for the longest line kept ahead
    /// of it, so that the buffer is allocated once.
    fn reserve(&self, buf: &mut Buffer, carried: usize) {
        let size = carried
            .max(self.limit)
            .saturating_add(self.chunk)
            .saturating_add(1);
        buf.reserve(size);
    }

    /// Reads a chunk into `buf`, after what it holds.
    fn read_chunk(&mut self, buf: &mut Buffer) -> io::Result<()> {
        self.reserve(buf, buf.len);
        let want = self.want;
        // The first reads are short, so that the workers start early; the size then doubles
        // up to a chunk.
        self.want = want.saturating_mul(2).min(self.chunk);
        let got = buf.fill(&mut self.reader, want)?;
        self.stats.bytes_read += got as u64;
        self.stats.peak_buffer_bytes = self.stats.peak_buffer_bytes.max(buf.data.capacity() as u64);
        buf.eof = got < want;
        Ok(())
    }

    /// The core's verdict on a document longer than the limit, from its first `limit + 1`
    /// bytes (the size check comes before anything else reads the document). Always `Some`:
    /// the core rejects any document over its limit; were it ever not to, the line would be
    /// kept and validated whole instead.
    fn too_large(&mut self, line: &[u8]) -> Option<Error> {
        if let Some(e) = self.oversize {
            return Some(e);
        }
        let mut v = Validator::new(self.options.with_max_document_bytes(self.limit));
        let head = line.get(..=self.limit)?;
        let error = v.validate(head).rejection()?.error();
        self.oversize = Some(error);
        Some(error)
    }

    /// Numbers the skipped line that started at the end of the last buffer, once every line
    /// before it has its number.
    fn number_skipped(&mut self) {
        if let Some(o) = self.skipping.as_mut() {
            if o.line.is_none() {
                o.line = Some(self.next_line);
                self.next_line += 1;
            }
        }
    }

    /// A skipped line is over: counted, and reported unless blank.
    fn finish_oversized(&mut self, o: Oversized) -> Option<Span> {
        self.stats.lines += 1;
        if o.blank {
            self.stats.blank += 1;
            return None;
        }
        Some(Span {
            range: 0..0,
            line: o.line.unwrap_or(0),
            offset: o.offset,
            len: o.len,
            too_large: Some(o.error),
        })
    }

    /// Where the lines of `buf` are.
    fn cut(&mut self, buf: &Buffer) -> Cut {
        let bytes = buf.bytes();
        let mut head = None;
        let mut pos = 0;
        if let Some(mut o) = self.skipping.take() {
            // `buf` holds only new bytes: the oversized line's start was dropped.
            match memchr::memchr(b'\n', bytes) {
                Some(nl) => {
                    o.blank = o.blank && is_blank(bytes.get(..nl).unwrap_or(&[]));
                    o.len += nl as u64;
                    head = self.finish_oversized(o);
                    pos = nl + 1;
                }
                None => {
                    o.blank = o.blank && is_blank(bytes);
                    o.len += bytes.len() as u64;
                    if buf.eof {
                        head = self.finish_oversized(o);
                    } else {
                        self.skipping = Some(o);
                    }
                    pos = bytes.len();
                }
            }
        }
        // The carried bytes hold no `\n`, so the search starts after them.
        let end = if buf.eof {
            bytes.len()
        } else {
            let from = pos.max(buf.carried);
            match memchr::memrchr(b'\n', bytes.get(from..).unwrap_or(&[])) {
                Some(nl) => from + nl + 1,
                None => pos,
            }
        };
        Cut { head, pos, end }
    }

    /// The next document of `cut`, skipping blank and header lines; `None` when there is none
    /// left.
    fn next_document(&mut self, buf: &Buffer, cut: &mut Cut) -> Option<Span> {
        if let Some(head) = cut.head.take() {
            return Some(head);
        }
        let bytes = buf.bytes();
        while cut.pos < cut.end {
            let start = cut.pos;
            let stop = match memchr::memchr(b'\n', bytes.get(start..cut.end).unwrap_or(&[])) {
                Some(nl) => start + nl,
                None => cut.end,
            };
            cut.pos = stop + 1;
            let line_no = self.next_line;
            self.next_line += 1;
            self.stats.lines += 1;
            let line = bytes.get(start..stop).unwrap_or(&[]);
            if is_blank(line) {
                self.stats.blank += 1;
                continue;
            }
            let too_large = if line.len() > self.limit {
                self.too_large(line)
            } else {
                None
            };
            if line.len() <= self.limit && self.headers.is_daemon_header(line) {
                self.stats.headers += 1;
                continue;
            }
            return Some(Span {
                range: start..stop,
                line: line_no,
                offset: buf.base + start as u64,
                len: line.len() as u64,
                too_large,
            });
        }
        None
    }

    /// The next block of documents of `cut`, at most `max` of them; empty when there is none.
    fn next_block(&mut self, buf: &Buffer, cut: &mut Cut, max: usize) -> Vec<Span> {
        let mut block = Vec::new();
        let mut bytes = 0usize;
        while block.len() < max && bytes < BLOCK_BYTES {
            match self.next_document(buf, cut) {
                Some(span) => {
                    bytes += span.range.len();
                    block.push(span);
                }
                None => break,
            }
        }
        block
    }
}

/// The verdicts on `spans` of `bytes`.
fn verdicts<'b>(
    v: &mut Validator,
    bytes: &'b [u8],
    spans: &[Span],
    traced: bool,
) -> Vec<Verdict<'b>> {
    spans
        .iter()
        .map(|span| match span.too_large {
            Some(e) => (
                Checked::rejected_without_id(e),
                Warnings::default(),
                None,
                None,
            ),
            None => {
                let doc = bytes.get(span.range.clone()).unwrap_or(&[]);
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
        })
        .collect()
}

/// Sends a worker's reply when dropped, so that one arrives for every block, even from a
/// worker that panicked (the scope then passes the panic on).
struct Replier<'b> {
    tx: mpsc::Sender<(usize, Reply<'b>)>,
    index: usize,
    spans: Vec<Span>,
    verdicts: Option<Vec<Verdict<'b>>>,
}

impl<'b> Replier<'b> {
    /// Validates the block on the calling worker (unless the run was cancelled) and replies.
    fn answer(mut self, kept: &Kept, bytes: &'b [u8], traced: bool, cancel: &AtomicBool) {
        if !cancel.load(Ordering::Relaxed) {
            let mut v = kept.get();
            self.verdicts = Some(verdicts(&mut v, bytes, &self.spans, traced));
        }
    }
}

impl Drop for Replier<'_> {
    fn drop(&mut self) {
        let reply = (std::mem::take(&mut self.spans), self.verdicts.take());
        // The receiver only goes away once the run is over.
        let _ = self.tx.send((self.index, reply));
    }
}

/// Where blocks are validated.
enum Workers<'s, 'scope> {
    /// On the calling thread, one block after the other.
    Inline(&'s mut Validator),
    /// On the pool, one task per block, while the calling thread reads and reports.
    Pool(&'s rayon::Scope<'scope>, &'scope Kept),
}

impl Batch {
    /// Validates an NDJSON stream (see the [module documentation](self)), handing every
    /// document to `sink` in stream order; returns what the stream held.
    ///
    /// With more than one job the work is a pipeline: the calling thread reads the next chunk
    /// and cuts lines into blocks while the workers validate the blocks it cut before, and it
    /// hands each block's verdicts to `sink`, in order, as soon as they are in.
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
        reader: R,
        config: &StreamConfig,
        mut sink: F,
    ) -> Result<StreamStats, StreamError<E>>
    where
        R: Read,
        F: FnMut(&StreamItem<'_>) -> Result<(), E>,
    {
        let options = *self.options();
        let mut split = Splitter {
            reader,
            chunk: config.chunk_bytes,
            want: config.chunk_bytes.min(FIRST_READ_BYTES),
            options,
            limit: options.max_document_bytes().min(MAX_LINE_BYTES),
            oversize: None,
            headers: Validator::new(options),
            stats: StreamStats::default(),
            next_line: 1,
            skipping: None,
        };
        let mut cur = Buffer::default();
        let mut next = Buffer::default();
        // Set when the run stops early: the workers then skip the blocks still queued.
        let cancel = AtomicBool::new(false);
        let cancel = &cancel;
        split.read(&[], 0, &mut cur).map_err(StreamError::Read)?;
        loop {
            let last = cur.eof;
            let kept = &self.kept;
            // On the calling thread alone the next chunk is read once this one is done, into
            // the same buffer; with workers it is read into the other buffer while they
            // validate this one.
            let (end, swap) = match &mut self.exec {
                Exec::Pool(pool) if pool.current_thread_index().is_none() => {
                    let end = pool.in_place_scope(|s| {
                        let workers = Workers::Pool(s, kept);
                        drain(
                            &mut split,
                            config,
                            cancel,
                            workers,
                            &cur,
                            Some(&mut next),
                            &mut sink,
                        )
                    });
                    (end?, true)
                }
                Exec::Global if rayon::current_thread_index().is_none() => {
                    let end = rayon::in_place_scope(|s| {
                        let workers = Workers::Pool(s, kept);
                        drain(
                            &mut split,
                            config,
                            cancel,
                            workers,
                            &cur,
                            Some(&mut next),
                            &mut sink,
                        )
                    });
                    (end?, true)
                }
                Exec::Sequential(v) => {
                    let workers = Workers::Inline(v);
                    let end = drain(&mut split, config, cancel, workers, &cur, None, &mut sink);
                    (end?, false)
                }
                // Called from a worker thread of the pool itself: waiting there for the pool
                // could wait forever, so the blocks are validated right here.
                Exec::Pool(_) | Exec::Global => {
                    let mut v = kept.get();
                    let workers = Workers::Inline(&mut v);
                    let end = drain(&mut split, config, cancel, workers, &cur, None, &mut sink);
                    (end?, false)
                }
            };
            if last {
                break;
            }
            if swap {
                std::mem::swap(&mut cur, &mut next);
            } else {
                split.refill(&mut cur, end).map_err(StreamError::Read)?;
            }
        }
        Ok(split.stats)
    }
}

/// Validates the documents of `cur` and hands them to `sink` in order; on the way, reads the
/// next buffer into `next`, if given, unless `cur` was the last. Returns where the partial
/// last line of `cur` starts.
fn drain<'c, R, E, F>(
    split: &mut Splitter<R>,
    config: &StreamConfig,
    cancel: &'c AtomicBool,
    mut workers: Workers<'_, 'c>,
    cur: &'c Buffer,
    mut next: Option<&mut Buffer>,
    sink: &mut F,
) -> Result<usize, StreamError<E>>
where
    R: Read,
    F: FnMut(&StreamItem<'_>) -> Result<(), E>,
{
    let bytes = cur.bytes();
    let traced = config.trace_facts;
    let max_in_flight = config.batch_documents;
    let block_docs = BLOCK_DOCUMENTS.min(max_in_flight);
    let mut cut = split.cut(cur);
    let mut read_error = None;
    let (tx, rx) = mpsc::channel::<(usize, Reply<'c>)>();
    // Replies by block, from the next one to report on.
    let mut ready: VecDeque<Option<Reply<'c>>> = VecDeque::new();
    let (mut submitted, mut reported) = (0usize, 0usize);
    let mut in_flight = 0usize;
    let mut more = true;
    let empty = Warnings::default();
    let result = loop {
        // Cut and hand out blocks while the records in flight allow.
        while more && in_flight < max_in_flight {
            let room = block_docs.min(max_in_flight - in_flight);
            let block = split.next_block(cur, &mut cut, room);
            if block.is_empty() {
                more = false;
                break;
            }
            in_flight += block.len();
            let index = submitted;
            submitted += 1;
            ready.push_back(None);
            match &mut workers {
                Workers::Inline(v) => {
                    let verdicts = verdicts(v, bytes, &block, traced);
                    if let Some(slot) = ready.back_mut() {
                        *slot = Some((block, Some(verdicts)));
                    }
                }
                Workers::Pool(scope, kept) => {
                    let kept: &Kept = kept;
                    let reply = Replier {
                        tx: tx.clone(),
                        index,
                        spans: block,
                        verdicts: None,
                    };
                    scope.spawn(move |_| reply.answer(kept, bytes, traced, cancel));
                }
            }
        }
        // The next buffer is read once the workers have blocks to validate.
        if let Some(next) = next.take().filter(|_| !cur.eof) {
            let rest = bytes.get(cut.end..).unwrap_or(&[]);
            if let Err(e) = split.read(rest, cur.base + cut.end as u64, next) {
                read_error = Some(e);
            }
            continue;
        }
        while let Ok((index, reply)) = rx.try_recv() {
            if let Some(slot) = index.checked_sub(reported).and_then(|i| ready.get_mut(i)) {
                *slot = Some(reply);
            }
        }
        // Report the blocks that are in, in order.
        let mut failed = false;
        while let Some(Some(_)) = ready.front() {
            let Some(Some((spans, verdicts))) = ready.pop_front() else {
                break;
            };
            reported += 1;
            in_flight -= spans.len();
            let Some(verdicts) = verdicts else {
                failed = true;
                break;
            };
            for (span, (result, warnings, facts, id)) in spans.iter().zip(&verdicts) {
                split
                    .stats
                    .counters
                    .record(result, usize::try_from(span.len).unwrap_or(usize::MAX));
                let item = StreamItem {
                    line: span.line,
                    offset: span.offset,
                    len: span.len,
                    document: if span.too_large.is_some() {
                        &[]
                    } else {
                        bytes.get(span.range.clone()).unwrap_or(&[])
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
                if let Err(e) = sink(&item) {
                    cancel.store(true, Ordering::Relaxed);
                    return Err(StreamError::Sink(e));
                }
            }
        }
        if failed {
            // A worker panicked: the scope passes the panic on.
            cancel.store(true, Ordering::Relaxed);
            break Ok(cut.end);
        }
        if !more && in_flight == 0 {
            break Ok(cut.end);
        }
        if ready.front().is_some_and(Option::is_none) && (!more || in_flight >= max_in_flight) {
            match rx.recv() {
                Ok((index, reply)) => {
                    if let Some(slot) = index.checked_sub(reported).and_then(|i| ready.get_mut(i)) {
                        *slot = Some(reply);
                    }
                }
                Err(_) => break Ok(cut.end),
            }
        }
    };
    // Every line of `cur` has its number now.
    split.number_skipped();
    match read_error {
        Some(e) if result.is_ok() => Err(StreamError::Read(e)),
        _ => result,
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
    fn a_pipelined_stream_stops_where_the_sink_or_the_reader_fails() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk on fire"))
            }
        }
        let input = format!("{GOOD}\n[]\n").repeat(500);
        let mut first = None;
        for jobs in [1, 2, 3] {
            let mut batch = Batch::with_jobs(Options::default(), jobs).unwrap();
            for per_pass in [1, 7, DEFAULT_BATCH_DOCUMENTS] {
                let config = StreamConfig::new()
                    .with_chunk_bytes(1000)
                    .with_batch_documents(per_pass);
                let mut calls = 0;
                let err = batch
                    .check_stream(input.as_bytes(), &config, |item| {
                        calls += 1;
                        assert_eq!(item.line(), calls);
                        if calls == 300 {
                            Err("full")
                        } else {
                            Ok(())
                        }
                    })
                    .unwrap_err();
                assert!(matches!(err, StreamError::Sink("full")));
                assert_eq!(calls, 300, "jobs {jobs} pass {per_pass}");

                let mut lines = Vec::new();
                let err = batch
                    .check_stream(input.as_bytes().chain(Failing), &config, |item| {
                        lines.push(item.line());
                        Ok::<(), ()>(())
                    })
                    .unwrap_err();
                assert!(matches!(err, StreamError::Read(ref e) if e.to_string() == "disk on fire"));
                // Every document of the buffers read whole, in order, then the error.
                assert!(lines.len() > 900, "jobs {jobs}: {}", lines.len());
                assert!(lines.iter().copied().eq(1..=lines.len() as u64));
                assert_eq!(*first.get_or_insert(lines.len()), lines.len());
            }
        }
    }

    #[test]
    fn blocks_and_passes_of_any_size_keep_the_order() {
        // Lines of very different sizes, so that blocks close on bytes as well as on counts.
        let mut input = String::new();
        for i in 0..700 {
            match i % 5 {
                0 => input.push_str(GOOD),
                1 => input.push_str(&format!(
                    r#"{{"id":"{i:016x}","name":"{}"}}"#,
                    "n".repeat(i * 40)
                )),
                2 => input.push_str(HEADER),
                3 => input.push_str(WARNS),
                _ => input.push('{'),
            }
            input.push('\n');
        }
        let opts = Options::default();
        let want = reference(opts, input.as_bytes());
        for jobs in [0, 1, 2] {
            let mut batch = Batch::with_jobs(opts, jobs).unwrap();
            for (chunk, per_pass) in [(1 << 20, 1000), (4096, 64), (100_000, 5)] {
                let config = StreamConfig::new()
                    .with_chunk_bytes(chunk)
                    .with_batch_documents(per_pass);
                let (got, stats) = run(&mut batch, input.as_bytes(), config);
                assert_eq!(got, want, "jobs {jobs} chunk {chunk}");
                assert_eq!(stats.counters.documents, 560);
                assert_eq!(stats.headers, 140);
            }
        }
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
