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
//! The stream is read into one buffer, in rounds of at most [`StreamConfig::chunk_bytes`]
//! (and at most 1 MiB, so that the buffer stays in the cache), each in pieces of at most
//! 256 KiB: a piece's complete lines are cut into blocks as soon as it is read, the partial
//! line at its end waits for the next piece, and the partial line at the end of a round moves
//! to the front of the buffer for the next round (the only bytes copied after the read). With
//! more than one job this is a pipeline: the calling thread reads and cuts the next piece
//! while the workers validate the blocks of the last ones, and it hands the verdicts to the
//! sink in stream order as they come in. Cutting reads only the newlines and short lines;
//! whether a longer line is a daemon header is told by the worker that validates it, after
//! the verdict: the pass notes whether the document object has the header's two keys, so an
//! accepted document is never searched again ([`Validator::is_daemon_header_of_last`]).
//! Memory stays below the buffer (a round plus the size limit) plus the records of at most
//! [`StreamConfig::batch_documents`] lines in flight, whatever the input size; neither the
//! chunk size nor the number of jobs ever changes a result.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Read};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use xseg::{Error, JsonStr, Options, Validator, Warnings};

use crate::trace::{validate_gathering, PackedFacts};
use crate::{Batch, Checked, Counters, Exec, Kept, TraceFacts};

/// Default bytes read per chunk (a stream reads at most 1 MiB per round).
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

    /// Bytes read per round at most (at least 1; a stream caps it at 1 MiB): the reading
    /// buffer holds this much after the carried partial line.
    pub const fn with_chunk_bytes(mut self, bytes: usize) -> Self {
        self.chunk_bytes = if bytes == 0 { 1 } else { bytes };
        self
    }

    /// Documents in flight at most (at least 1): cut from the input but not yet handed to the
    /// sink (a daemon header line counts as one until its worker has told it apart). Bounds
    /// the memory held by per-document records.
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

    /// The document's top-level `id` as written (as [`Traced::id`](crate::Traced::id) holds
    /// it), when the stream was read [`with_trace_facts`](StreamConfig::with_trace_facts): the
    /// `Id` of an `UnprocessedTraceSegments` entry should the trace checks reject the document.
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
    /// Capacity of the reading buffer, in bytes: room for the longest line kept and one
    /// round after it.
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

/// Bytes asked for by one read, at most: a piece is cut and validated soon after it is read,
/// while it is still in the cache.
const PIECE_BYTES: usize = 256 << 10;

/// Bytes of documents cut from the input but not yet reported, past which no more is read.
const READ_AHEAD_BYTES: usize = 1 << 20;

/// Bytes of a round, at most: the buffer holds this much after the carried line, and is read
/// into again from its front once its documents are reported. A small buffer stays in the
/// cache, where the documents are read from again as they are validated.
const ROUND_BYTES: usize = 1 << 20;

/// Lines at most this long are checked for daemon headers by the thread that cuts them.
const SHORT_LINE_BYTES: usize = 64;

/// Documents one worker task validates together, at most.
const BLOCK_DOCUMENTS: usize = 64;

/// Bytes of documents one worker task validates together, about at most.
const BLOCK_BYTES: usize = 256 << 10;

/// Embedded ids and annotation-key hashes a block's list has room for at first, per
/// document: more than most documents have.
const VALUES_PER_DOCUMENT: usize = 8;

/// A line to report: a document of a piece, or a line longer than the size limit.
#[derive(Clone, Debug)]
struct Span {
    /// Where the document is in its piece; empty for a line too long to keep.
    range: Range<usize>,
    line: u64,
    offset: u64,
    /// The line's length, without its `\n`.
    len: u64,
    /// Set for a line longer than the size limit: the core's verdict on such a document.
    too_large: Option<Error>,
    /// Whether the line may be a daemon header (it is longer than the lines the cutting
    /// thread checks, and not longer than the size limit): the worker that validates it tells.
    may_be_header: bool,
}

/// A line longer than the size limit, being skipped up to its newline.
struct Oversized {
    line: u64,
    offset: u64,
    len: u64,
    blank: bool,
    error: Error,
}

/// What a worker found in a block: the verdicts on its documents, in order, and which of its
/// lines are daemon headers (bit `i` for the block's line `i`), which have no verdict.
struct Verdicts<'b> {
    /// Each document's verdict and kept warnings.
    docs: Vec<(Checked<'b>, Warnings)>,
    /// When the trace facts are asked for, each document's facts (their ids and key hashes
    /// in `values`) and raw `id`, beside `docs`; empty otherwise.
    traced: Vec<(Option<PackedFacts>, Option<JsonStr<'b>>)>,
    headers: u64,
    /// The embedded ids and annotation-key hashes of the block's trace facts, one document's
    /// after the other's.
    values: Vec<u64>,
}

// A block's header lines fit the bits of `Verdicts::headers`.
const _: () = assert!(BLOCK_DOCUMENTS <= 64);

/// What a worker hands back for a block: the piece, the block's spans in it and their
/// verdicts; `None` when the block was not validated (the run was cancelled, or the worker
/// panicked).
type Reply<'b> = (&'b [u8], Vec<Span>, Option<Verdicts<'b>>);

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

/// The reading side of a stream: reads pieces, cuts them into lines, and keeps the counts.
/// It runs on the calling thread, while the workers validate the lines it cut before.
struct Splitter<R> {
    reader: R,
    piece: usize,
    options: Options,
    limit: usize,
    /// The core's verdict on an oversized line, found on the first one.
    oversize: Option<Error>,
    /// Checks short lines for daemon headers (reusing its buffers).
    headers: Validator,
    stats: StreamStats,
    next_line: u64,
    skipping: Option<Oversized>,
    eof: bool,
}

/// The part of the buffer a round has not handed out yet: `rest[..filled]` holds the start of
/// a line (no `\n` in it), whose first byte is at stream offset `offset` and at `at` in the
/// buffer.
struct Window<'c> {
    rest: &'c mut [u8],
    filled: usize,
    offset: u64,
    at: usize,
}

impl<'c> Window<'c> {
    /// Hands out the first `n` bytes.
    fn take(&mut self, n: usize) -> &'c mut [u8] {
        let n = n.min(self.rest.len());
        let (head, tail) = std::mem::take(&mut self.rest).split_at_mut(n);
        self.rest = tail;
        self.filled = self.filled.saturating_sub(n);
        self.offset += n as u64;
        self.at += n;
        head
    }
}

impl<R: Read> Splitter<R> {
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

    /// A skipped line is over: counted, and reported unless blank.
    fn finish_oversized(&mut self, o: Oversized) -> Option<Span> {
        self.stats.lines += 1;
        if o.blank {
            self.stats.blank += 1;
            return None;
        }
        Some(Span {
            range: 0..0,
            line: o.line,
            offset: o.offset,
            len: o.len,
            too_large: Some(o.error),
            may_be_header: false,
        })
    }

    /// Reads the next piece into the window and hands out its complete lines: the piece they
    /// are in and their documents (blank and header lines counted and left out), after a
    /// skipped line that ends in it. `None` when the window is full or the stream has ended.
    fn read_piece<'c>(
        &mut self,
        w: &mut Window<'c>,
        spans: &mut Vec<Span>,
    ) -> io::Result<Option<&'c [u8]>> {
        let want = self.piece.min(w.rest.len().saturating_sub(w.filled));
        if want == 0 || self.eof {
            return Ok(None);
        }
        let before = w.filled;
        let mut n = 0;
        while n < want {
            let Some(room) = w.rest.get_mut(before + n..before + want) else {
                break;
            };
            match self.reader.read(room) {
                Ok(0) => break,
                Ok(got) => n += got.min(room.len()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.stats.bytes_read += n as u64;
        self.eof = n < want;
        w.filled = before + n;
        spans.clear();
        let mut from = before;
        if let Some(mut o) = self.skipping.take() {
            // The window holds only new bytes: the oversized line's start was dropped.
            let new = w.rest.get(..w.filled).unwrap_or(&[]);
            match memchr::memchr(b'\n', new) {
                Some(nl) => {
                    o.blank = o.blank && is_blank(new.get(..nl).unwrap_or(&[]));
                    o.len += nl as u64;
                    spans.extend(self.finish_oversized(o));
                    w.take(nl + 1);
                    from = 0;
                }
                None => {
                    o.blank = o.blank && is_blank(new);
                    o.len += new.len() as u64;
                    // The bytes are dropped; their room is read into again.
                    w.offset += new.len() as u64;
                    w.filled = 0;
                    if self.eof {
                        spans.extend(self.finish_oversized(o));
                    } else {
                        self.skipping = Some(o);
                    }
                    return Ok(Some(&[]));
                }
            }
        }
        // The bytes before `from` are the start of a line: the search starts after them.
        let window = w.rest.get(..w.filled).unwrap_or(&[]);
        let complete = if self.eof {
            w.filled
        } else {
            match memchr::memrchr(b'\n', window.get(from..).unwrap_or(&[])) {
                Some(nl) => from + nl + 1,
                None => 0,
            }
        };
        let offset = w.offset;
        let piece: &'c [u8] = w.take(complete);
        self.cut(piece, offset, spans);
        // What is left is the start of a line; once longer than the limit it is skipped.
        let partial = w.rest.get(..w.filled).unwrap_or(&[]);
        if partial.len() > self.limit {
            if let Some(error) = self.too_large(partial) {
                self.skipping = Some(Oversized {
                    line: self.next_line,
                    offset: w.offset,
                    len: partial.len() as u64,
                    blank: is_blank(partial),
                    error,
                });
                self.next_line += 1;
                w.offset += partial.len() as u64;
                w.filled = 0;
            }
        }
        Ok(Some(piece))
    }

    /// The documents of the complete lines of `piece` (stream offset `offset`; its last line
    /// may lack its `\n` at the end of the stream).
    fn cut(&mut self, piece: &[u8], offset: u64, spans: &mut Vec<Span>) {
        let mut pos = 0;
        while pos < piece.len() {
            let start = pos;
            let stop = match memchr::memchr(b'\n', piece.get(start..).unwrap_or(&[])) {
                Some(nl) => start + nl,
                None => piece.len(),
            };
            pos = stop + 1;
            let line_no = self.next_line;
            self.next_line += 1;
            self.stats.lines += 1;
            let line = piece.get(start..stop).unwrap_or(&[]);
            if is_blank(line) {
                self.stats.blank += 1;
                continue;
            }
            // A short line is told apart here, at a small bounded cost (the daemon's header is
            // 29 bytes), so that a capture's header lines never reach the workers; whether a
            // longer line is a header is left to the worker that validates it, as telling
            // means reading the whole line.
            let short = line.len() <= SHORT_LINE_BYTES;
            if short && line.len() <= self.limit && self.headers.is_daemon_header(line) {
                self.stats.headers += 1;
                continue;
            }
            let may_be_header = !short && line.len() <= self.limit;
            let too_large = if line.len() > self.limit {
                self.too_large(line)
            } else {
                None
            };
            spans.push(Span {
                range: start..stop,
                line: line_no,
                offset: offset + start as u64,
                len: line.len() as u64,
                too_large,
                may_be_header,
            });
        }
    }
}

/// The verdicts on `spans` of `piece`, and which of them are daemon header lines.
fn verdicts<'b>(v: &mut Validator, piece: &'b [u8], spans: &[Span], traced: bool) -> Verdicts<'b> {
    let mut out = Verdicts {
        docs: Vec::with_capacity(spans.len()),
        traced: Vec::with_capacity(if traced { spans.len() } else { 0 }),
        headers: 0,
        // Room for a few ids and keys a document, so that a block seldom grows the list.
        values: Vec::with_capacity(if traced {
            VALUES_PER_DOCUMENT * spans.len()
        } else {
            0
        }),
    };
    for (i, span) in spans.iter().enumerate() {
        if let Some(e) = span.too_large {
            out.docs
                .push((Checked::rejected_without_id(e), Warnings::default()));
            if traced {
                out.traced.push((None, None));
            }
            continue;
        }
        let doc = piece.get(span.range.clone()).unwrap_or(&[]);
        let mark = out.values.len();
        let (checked, gathered) = if traced {
            let values = &mut out.values;
            let (checked, facts, id) = validate_gathering(v, doc, 0, |keys| {
                PackedFacts::gather(keys, doc.len(), values)
            });
            (checked, Some((facts, id)))
        } else {
            let outcome = v.validate(doc);
            (Checked::new(&outcome, v.warnings()), None)
        };
        // After the verdict: the pass noted whether an accepted document has the header's
        // keys at all, so almost no document is searched again.
        if span.may_be_header && v.is_daemon_header_of_last(doc) {
            out.headers |= 1u64.checked_shl(i as u32).unwrap_or(0);
            out.values.truncate(mark);
            continue;
        }
        out.docs.push((checked, v.warnings().clone()));
        if let Some(gathered) = gathered {
            out.traced.push(gathered);
        }
    }
    out
}

/// Sends a worker's reply when dropped, so that one arrives for every block, even from a
/// worker that panicked (the scope then passes the panic on).
struct Replier<'b> {
    tx: mpsc::Sender<(usize, Reply<'b>)>,
    index: usize,
    piece: &'b [u8],
    spans: Vec<Span>,
    verdicts: Option<Verdicts<'b>>,
}

impl<'b> Replier<'b> {
    /// Validates the block on the calling worker (unless the run was cancelled) and replies.
    fn answer(mut self, kept: &Kept, traced: bool, cancel: &AtomicBool) {
        if !cancel.load(Ordering::Relaxed) {
            let mut v = kept.get();
            self.verdicts = Some(verdicts(&mut v, self.piece, &self.spans, traced));
        }
    }
}

impl Drop for Replier<'_> {
    fn drop(&mut self) {
        let reply = (
            self.piece,
            std::mem::take(&mut self.spans),
            self.verdicts.take(),
        );
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
    /// With more than one job the work is a pipeline: the calling thread reads the input in
    /// pieces and cuts their lines into blocks while the workers validate the blocks it cut
    /// before, and it hands each block's verdicts to `sink`, in order, as soon as they are in.
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
        let limit = options.max_document_bytes().min(MAX_LINE_BYTES);
        let mut split = Splitter {
            reader,
            piece: config.chunk_bytes.min(PIECE_BYTES),
            options,
            limit,
            oversize: None,
            headers: Validator::new(options),
            stats: StreamStats::default(),
            next_line: 1,
            skipping: None,
            eof: false,
        };
        // One buffer, allocated once (zeroed by the system, so its untouched pages cost
        // nothing) and never cleared again: reads go straight into it. It holds a round after
        // the longest line carried over from the last one.
        let size = config
            .chunk_bytes
            .min(ROUND_BYTES)
            .saturating_add(limit)
            .saturating_add(1);
        let mut data = vec![0u8; size];
        split.stats.peak_buffer_bytes = data.capacity() as u64;
        // Set when the run stops early: the workers then skip the blocks still queued.
        let cancel = AtomicBool::new(false);
        let cancel = &cancel;
        let (mut carried, mut offset) = (0usize, 0u64);
        loop {
            let kept = &self.kept;
            let window = Window {
                rest: &mut data[..],
                filled: carried,
                offset,
                at: 0,
            };
            let (s, sk, c) = (&mut split, &mut sink, config);
            let round = match &mut self.exec {
                Exec::Pool(pool) if pool.current_thread_index().is_none() => {
                    pool.in_place_scope(|scope| {
                        drain(s, c, cancel, Workers::Pool(scope, kept), window, sk)
                    })
                }
                Exec::Global if rayon::current_thread_index().is_none() => {
                    rayon::in_place_scope(|scope| {
                        drain(s, c, cancel, Workers::Pool(scope, kept), window, sk)
                    })
                }
                Exec::Sequential(v) => drain(s, c, cancel, Workers::Inline(v), window, sk),
                // Called from a worker thread of the pool itself: waiting there for the pool
                // could wait forever, so the blocks are validated right here.
                Exec::Pool(_) | Exec::Global => {
                    let mut v = kept.get();
                    drain(s, c, cancel, Workers::Inline(&mut v), window, sk)
                }
            };
            let (at, filled, at_offset) = round?;
            if split.eof {
                break;
            }
            if at == 0 {
                // A full buffer of one line that was not skipped: only a core that accepted a
                // document over its size limit could leave this, and reading on would loop.
                return Err(StreamError::Read(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "a line longer than the document size limit was not rejected",
                )));
            }
            // The partial line moves to the front: the only bytes copied after the read.
            data.copy_within(at..at + filled, 0);
            carried = filled;
            offset = at_offset;
        }
        Ok(split.stats)
    }
}

/// One round over the buffer: reads pieces into `window`, validates their documents, and
/// hands them to `sink` in order, until the buffer is full or the stream has ended. Returns
/// where the partial last line is in the buffer, its length and its stream offset.
fn drain<'c, R, E, F>(
    split: &mut Splitter<R>,
    config: &StreamConfig,
    cancel: &'c AtomicBool,
    mut workers: Workers<'_, 'c>,
    mut window: Window<'c>,
    sink: &mut F,
) -> Result<(usize, usize, u64), StreamError<E>>
where
    R: Read,
    F: FnMut(&StreamItem<'_>) -> Result<(), E>,
{
    let traced = config.trace_facts;
    let max_in_flight = config.batch_documents;
    let block_docs = BLOCK_DOCUMENTS.min(max_in_flight);
    let (tx, rx) = mpsc::channel::<(usize, Reply<'c>)>();
    // Replies by block, from the next one to report on.
    let mut ready: VecDeque<Option<Reply<'c>>> = VecDeque::new();
    let (mut submitted, mut reported) = (0usize, 0usize);
    let (mut in_flight, mut in_flight_bytes) = (0usize, 0usize);
    // The documents of the last piece read, not handed out yet.
    let mut pending: VecDeque<Span> = VecDeque::new();
    let mut piece: &'c [u8] = &[];
    let mut spans = Vec::new();
    let mut reading = true;
    let mut read_error = None;
    let empty = Warnings::default();
    // The facts handed to the sink, refilled for each document.
    let mut facts_buf = TraceFacts::default();
    let result = loop {
        // Hand out blocks while the records in flight allow.
        while !pending.is_empty() && in_flight < max_in_flight {
            let room = block_docs.min(max_in_flight - in_flight);
            let mut block = Vec::new();
            let mut bytes = 0;
            while block.len() < room && bytes < BLOCK_BYTES {
                let Some(span) = pending.pop_front() else {
                    break;
                };
                bytes += span.range.len();
                block.push(span);
            }
            in_flight += block.len();
            in_flight_bytes += bytes;
            let index = submitted;
            submitted += 1;
            ready.push_back(None);
            match &mut workers {
                Workers::Inline(v) => {
                    let verdicts = verdicts(v, piece, &block, traced);
                    if let Some(slot) = ready.back_mut() {
                        *slot = Some((piece, block, Some(verdicts)));
                    }
                }
                Workers::Pool(scope, kept) => {
                    let kept: &Kept = kept;
                    let reply = Replier {
                        tx: tx.clone(),
                        index,
                        piece,
                        spans: block,
                        verdicts: None,
                    };
                    scope.spawn(move |_| reply.answer(kept, traced, cancel));
                }
            }
        }
        // Read the next piece once this one is handed out, unless enough is in flight.
        if reading && pending.is_empty() && in_flight_bytes < READ_AHEAD_BYTES {
            match split.read_piece(&mut window, &mut spans) {
                Ok(Some(p)) => {
                    piece = p;
                    pending.extend(spans.drain(..));
                }
                Ok(None) => reading = false,
                Err(e) => {
                    read_error = Some(e);
                    reading = false;
                }
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
            let Some(Some((piece, spans, verdicts))) = ready.pop_front() else {
                break;
            };
            reported += 1;
            in_flight -= spans.len();
            in_flight_bytes -= spans.iter().map(|s| s.range.len()).sum::<usize>();
            let Some(verdicts) = verdicts else {
                failed = true;
                break;
            };
            let mut docs = verdicts.docs.iter();
            let mut traced = verdicts.traced.iter();
            let values = verdicts.values.as_slice();
            for (i, span) in spans.iter().enumerate() {
                if verdicts.headers.checked_shr(i as u32).unwrap_or(0) & 1 != 0 {
                    split.stats.headers += 1;
                    continue;
                }
                let Some((result, warnings)) = docs.next() else {
                    break;
                };
                let (facts, id) = traced
                    .next()
                    .map_or((None, None), |(f, id)| (f.as_ref(), *id));
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
                        piece.get(span.range.clone()).unwrap_or(&[])
                    },
                    result: *result,
                    warnings: if span.too_large.is_some() {
                        &empty
                    } else {
                        warnings
                    },
                    facts: facts.as_ref().map(|packed| {
                        facts_buf.refill(packed, values);
                        &facts_buf
                    }),
                    id,
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
            break Ok(());
        }
        let can_read = reading && pending.is_empty() && in_flight_bytes < READ_AHEAD_BYTES;
        if !reading && pending.is_empty() && in_flight == 0 {
            break Ok(());
        }
        let can_hand_out = !pending.is_empty() && in_flight < max_in_flight;
        if ready.front().is_some_and(Option::is_none) && !can_read && !can_hand_out {
            match rx.recv() {
                Ok((index, reply)) => {
                    if let Some(slot) = index.checked_sub(reported).and_then(|i| ready.get_mut(i)) {
                        *slot = Some(reply);
                    }
                }
                Err(_) => break Ok(()),
            }
        }
    };
    match (read_error, result) {
        (Some(e), Ok(())) => Err(StreamError::Read(e)),
        (_, Err(e)) => Err(e),
        (None, Ok(())) => Ok((window.at, window.filled, window.offset)),
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
    fn header_like_lines_in_a_stream() {
        let limit = 400;
        let opts = Options::new(Profile::Service).with_max_document_bytes(limit);
        let nested = r#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2,"metadata":{"format":"json","version":1}}"#;
        let top = r#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2,"format":"json","version":1}"#;
        let spaced =
            " {\t\"extra\" : {\"format\":\"xml\"} , \"version\" : 1 , \"format\" : \"JSON\" }\r";
        let long = format!(
            r#"{{"format":"json","version":1,"pad":"{}"}}"#,
            "p".repeat(limit)
        );
        let input = [HEADER, nested, top, spaced, &long, GOOD, r#"{"version":1}"#].join("\n");
        let want = reference(opts, input.as_bytes());
        let lines: Vec<(u64, Option<ErrorKind>)> = want
            .iter()
            .map(|o| (o.line, o.error.map(|e| e.kind())))
            .collect();
        // the nested keys are a document's, the top-level ones a header's (skipped, however
        // valid a segment the line also is); a header over the size limit is a document
        assert_eq!(
            lines,
            [
                (2, None),
                (5, Some(ErrorKind::DocumentTooLarge)),
                (6, None),
                (7, Some(ErrorKind::MissingId)),
            ]
        );
        for jobs in [1, 2] {
            let mut batch = Batch::with_jobs(opts, jobs).unwrap();
            for chunk in [16, 100, 4096] {
                for per_pass in [1, 2, DEFAULT_BATCH_DOCUMENTS] {
                    let config = StreamConfig::new()
                        .with_chunk_bytes(chunk)
                        .with_batch_documents(per_pass);
                    let (got, stats) = run(&mut batch, input.as_bytes(), config);
                    assert_eq!(got, want, "jobs {jobs} chunk {chunk} pass {per_pass}");
                    assert_eq!((stats.lines, stats.headers, stats.blank), (7, 3, 0));
                    assert_eq!(stats.counters.documents, 4);
                }
            }
        }
    }

    #[test]
    fn a_short_header_over_the_size_limit_is_a_document() {
        let input = format!("{HEADER}\n{HEADER}\r\n[]\n");
        for (limit, want) in [(28, 3), (29, 2), (30, 1)] {
            let opts = Options::new(Profile::Service).with_max_document_bytes(limit);
            for jobs in [1, 2] {
                let mut batch = Batch::with_jobs(opts, jobs).unwrap();
                let (got, stats) = run(&mut batch, input.as_bytes(), StreamConfig::new());
                assert_eq!(got, reference(opts, input.as_bytes()), "limit {limit}");
                assert_eq!(got.len(), want, "limit {limit}");
                assert_eq!(stats.headers, 3 - want as u64, "limit {limit}");
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
