//! The trace checker: per-trace state in bounded memory, closed least-recently-used.
//!
//! Layout, so that memory is a fixed amount per open trace plus a fixed amount per tracked
//! id or key, whatever the input:
//!
//! - `traces`: a slab of [`Trace`] records (64 bytes each), reused through a free list, on a
//!   doubly linked recency list (most recent first) and found by trace id through `by_trace`;
//! - `common`: the first [`COMMON_KEYS`] distinct annotation keys the checker meets, numbered
//!   once for all traces. A trace holds each of them as one bit of its record, so the few keys
//!   a service writes on every segment take no node and no search;
//! - `nodes`: a slab of 16-byte [`Node`]s, one per id or other annotation-key hash a trace holds,
//!   chained per trace. A trace of at most [`LINEAR_NODES`] nodes (almost every trace: SDK
//!   traces hold a few ids and keys) is searched by walking its chain, whose nodes were mostly
//!   allocated together and sit in a few cache lines; a larger one has its nodes indexed by
//!   `(trace, kind, value)` in `by_node`, so no search is ever longer than [`LINEAR_NODES`]
//!   steps;
//! - `pending`: standalone subsegments whose parent has not shown up yet, chained per trace.
//!
//! `max_open_traces` bounds the first; `max_tracked` bounds the other two together. The index
//! tables keep 32 bits of each entry's hash beside it, so they grow without reading the
//! records they point to.

use core::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use super::facts::TraceFacts;
use super::finding::{TraceFinding, TraceFindingKind};

/// Default trace size limit: 500 KB of documents, as the X-Ray service counts them.
pub const DEFAULT_MAX_TRACE_BYTES: u64 = 512_000;

/// Default number of traces kept open at once.
pub const DEFAULT_MAX_OPEN_TRACES: usize = 100_000;

/// Default number of ids, annotation-key hashes and waiting subsegments kept over all open
/// traces.
pub const DEFAULT_MAX_TRACKED: usize = 1 << 20;

/// Annotations the service indexes per trace.
pub const MAX_TRACE_ANNOTATIONS: u32 = 50;

/// Most traces that can be open at once: slots are numbered in 30 bits.
pub const MAX_OPEN_TRACES_CEILING: usize = 1 << 30;

/// How a [`TraceChecker`] checks and how much it keeps.
///
/// ```
/// use xseg_batch::TraceConfig;
///
/// let config = TraceConfig::new().with_max_trace_bytes(100_000).with_max_open_traces(1_000);
/// assert_eq!(config.max_trace_bytes(), 100_000);
/// assert_eq!(config.max_open_traces(), 1_000);
/// assert_eq!(TraceConfig::default().max_trace_bytes(), 512_000);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceConfig {
    max_trace_bytes: u64,
    max_open_traces: usize,
    max_tracked: usize,
}

impl Default for TraceConfig {
    fn default() -> Self {
        TraceConfig::new()
    }
}

impl TraceConfig {
    /// The defaults: [`DEFAULT_MAX_TRACE_BYTES`], [`DEFAULT_MAX_OPEN_TRACES`],
    /// [`DEFAULT_MAX_TRACKED`].
    pub const fn new() -> Self {
        TraceConfig {
            max_trace_bytes: DEFAULT_MAX_TRACE_BYTES,
            max_open_traces: DEFAULT_MAX_OPEN_TRACES,
            max_tracked: DEFAULT_MAX_TRACKED,
        }
    }

    /// The trace size limit in bytes of documents: the document that takes a trace past it,
    /// and every later one of the trace, is rejected.
    pub const fn with_max_trace_bytes(mut self, bytes: u64) -> Self {
        self.max_trace_bytes = bytes;
        self
    }

    /// How many traces are kept open at once (1 to [`MAX_OPEN_TRACES_CEILING`]); a new
    /// trace past that closes the least recently used one.
    pub const fn with_max_open_traces(mut self, traces: usize) -> Self {
        self.max_open_traces = if traces == 0 {
            1
        } else if traces > MAX_OPEN_TRACES_CEILING {
            MAX_OPEN_TRACES_CEILING
        } else {
            traces
        };
        self
    }

    /// How many ids, annotation-key hashes and waiting subsegments are kept over all open
    /// traces (at least 1). Past it the least recently used traces are closed; a trace that
    /// alone needs more stops being checked for repeated ids, annotations and orphans (its
    /// size is still checked).
    pub const fn with_max_tracked(mut self, entries: usize) -> Self {
        self.max_tracked = if entries == 0 { 1 } else { entries };
        self
    }

    /// The trace size limit.
    pub const fn max_trace_bytes(&self) -> u64 {
        self.max_trace_bytes
    }

    /// How many traces are kept open at once.
    pub const fn max_open_traces(&self) -> usize {
        self.max_open_traces
    }

    /// How many ids, key hashes and waiting subsegments are kept.
    pub const fn max_tracked(&self) -> usize {
        self.max_tracked
    }
}

const NIL: u32 = u32::MAX;

/// Most nodes a trace holds before they are indexed in the node table; below it, a search
/// walks the trace's chain.
const LINEAR_NODES: u16 = 32;

/// A table entry: a slab index and 32 bits of its hash.
type Entry = (u32, u32);

/// The table hash of a 32-bit hash: both halves the same, so the table's bucket bits (the
/// low ones) and tag bits (the top seven) both come from it.
const fn wide(h: u32) -> u64 {
    (h as u64) | ((h as u64) << 32)
}

/// The trace went over the size limit: its later documents are rejected.
const OVER_LIMIT: u8 = 1;
/// The trace's annotation warning was given.
const ANNOTATIONS_WARNED: u8 = 2;
/// The trace needed more than the whole budget: only its size is still checked.
const SATURATED: u8 = 4;
/// The trace's nodes are in the node table.
const INDEXED: u8 = 8;

/// Annotation keys numbered in [`CommonKeys`]: one bit each in [`Trace::common`].
const COMMON_KEYS: usize = 128;

/// Slots of the [`CommonKeys`] table: twice its keys, so a search stops at an empty slot
/// after a step or two.
const COMMON_SLOTS: usize = 2 * COMMON_KEYS;

/// The first [`COMMON_KEYS`] distinct annotation-key hashes the checker meets, numbered in
/// the order met, in an open-addressing table. Keys do not leave it: past the first
/// [`COMMON_KEYS`], a key is held as a node of its trace.
#[derive(Clone, Debug)]
struct CommonKeys {
    /// Key hashes, by slot.
    hashes: [u64; COMMON_SLOTS],
    /// The number of the key in each slot, plus one; 0 for an empty slot.
    numbers: [u8; COMMON_SLOTS],
    len: usize,
    /// Mixed into a hash to choose its slot, at random per checker: keys chosen to collide
    /// cost a longer search, never a wrong answer.
    seed: u64,
}

// Numbers plus one fit in a byte, and a trace holds one bit per number.
const _: () = assert!(COMMON_KEYS < u8::MAX as usize && COMMON_KEYS <= u128::BITS as usize);

impl CommonKeys {
    fn new(seed: u64) -> Self {
        CommonKeys {
            hashes: [0; COMMON_SLOTS],
            numbers: [0; COMMON_SLOTS],
            len: 0,
            seed,
        }
    }

    /// The number of key hash `hash`, numbered now if it is new and there is room.
    fn number(&mut self, hash: u64) -> Option<u32> {
        let start = ((hash ^ self.seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize;
        // At most COMMON_KEYS slots are taken, so a search meets an empty slot.
        for step in 0..COMMON_SLOTS {
            let i = (start + step) % COMMON_SLOTS;
            let (Some(&n), Some(&h)) = (self.numbers.get(i), self.hashes.get(i)) else {
                return None;
            };
            if n == 0 {
                if self.len == COMMON_KEYS {
                    return None;
                }
                let number = self.len;
                if let (Some(ns), Some(hs)) = (self.numbers.get_mut(i), self.hashes.get_mut(i)) {
                    *ns = number as u8 + 1;
                    *hs = hash;
                    self.len += 1;
                    return Some(number as u32);
                }
                return None;
            }
            if h == hash {
                return Some(u32::from(n) - 1);
            }
        }
        None
    }
}

/// One open trace.
#[derive(Clone, Copy, Debug)]
struct Trace {
    key: u128,
    bytes: u64,
    /// Recency list; `next` also links free slots.
    prev: u32,
    next: u32,
    /// Chain of this trace's nodes.
    nodes: u32,
    /// Chain of this trace's waiting subsegments.
    pending: u32,
    /// Distinct indexed annotation keys so far (until the warning, at
    /// [`MAX_TRACE_ANNOTATIONS`] + 1).
    keys: u8,
    /// Nodes in the chain.
    count: u16,
    flags: u8,
    /// One bit per `(kind, value)` the chain may hold ([`seen_bit`]): a search for a value
    /// whose bit is clear needs no walk. Bits are cleared only when the whole chain is freed.
    seen: u32,
    /// The [`CommonKeys`] the trace holds, one bit per number.
    common: u128,
}

/// The bit of [`Trace::seen`] for `value` held as the node tag `tag`'s kind.
// `Trace::keys` counts to one past the limit in a byte.
const _: () = assert!(MAX_TRACE_ANNOTATIONS < u8::MAX as u32);

const fn seen_bit(tag: u32, value: u64) -> u32 {
    // The kind as a search compares it ([`same`]): 0 for an id of either kind, 2 for a key,
    // 3 for an awaited parent.
    let kind = ((tag >> 30) & ((tag >> 31) | 2)) as u64;
    let mixed =
        (value ^ kind.wrapping_mul(0xA076_1D64_78BD_642F)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    1 << (mixed >> 59)
}

/// What a node holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
enum NodeKind {
    /// An id seen in the trace (a document's or an embedded subsegment's).
    Known = 0,
    /// An id seen in the trace that was also the id of a complete document. A search for a
    /// [`Known`](NodeKind::Known) id finds it too ([`same`]): one node per id.
    Complete = 1,
    /// An annotation-key hash.
    Key = 2,
    /// A parent id some waiting subsegment names.
    Awaited = 3,
}

/// One id or key hash of one trace.
#[derive(Clone, Copy, Debug)]
struct Node {
    value: u64,
    /// Trace slot in the low 30 bits, [`NodeKind`] in the top 2.
    tag: u32,
    /// Next node of the same trace, or next free node.
    next: u32,
}

const fn tag(slot: u32, kind: NodeKind) -> u32 {
    slot | ((kind as u32) << 30)
}

/// What a search compares of a tag: [`NodeKind::Known`] and [`NodeKind::Complete`] are the
/// same id, so an id's node changes kind in place and keeps its hash and filter bit.
const fn same(tag: u32) -> u32 {
    if tag >> 31 == 0 {
        tag | (1 << 30)
    } else {
        tag
    }
}

/// What [`TraceChecker::complete_id`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum IdState {
    /// The id is new to the trace.
    New,
    /// The id was known, but not as a complete document's.
    Known,
    /// A complete document already had the id.
    Repeated,
}

/// A standalone subsegment waiting for its parent.
#[derive(Clone, Copy, Debug)]
struct Pending<P> {
    parent: u64,
    id: Option<u64>,
    seq: u64,
    position: P,
    next: u32,
    /// The slot of its trace; [`NIL`] once freed.
    slot: u32,
}

/// Checks the documents of many traces, in input order, for what the X-Ray service does to a
/// trace as a whole: the trace size limit, repeated complete ids, more than 50 annotation
/// keys, and standalone subsegments whose parent never shows up.
///
/// Feed it each accepted document's [`TraceFacts`] with [`check`](Self::check), in input
/// order, then call [`finish`](Self::finish) at the end of the input. `P` is whatever the
/// caller uses to find a document again (an index, a file and line); findings carry it.
///
/// Memory is bounded: at most [`TraceConfig::max_open_traces`] traces are open, 64 bytes
/// each plus their share of the index, and at most [`TraceConfig::max_tracked`] ids,
/// annotation-key hashes and waiting subsegments are kept over all of them, 16 bytes each
/// plus a 9-byte index slot for those of traces past 32 (see
/// [`memory_bytes`](Self::memory_bytes)). The first 128 distinct annotation keys the checker
/// meets are numbered once, in a fixed 2.3 KB table, and take a bit of a trace's record
/// rather than an entry.
///
/// ```
/// use xseg_batch::{TraceChecker, TraceConfig, TraceFacts, TraceFindingKind};
///
/// let trace = 0x6800_0000_a006_6491_27e3_7190_3a2d_e979;
/// let mut checker = TraceChecker::new(TraceConfig::new().with_max_trace_bytes(1_000));
/// let mut findings = Vec::new();
/// checker.check(1u64, &TraceFacts::new(trace, 0xa, 600), &mut findings);
/// checker.check(2, &TraceFacts::new(trace, 0xa, 300), &mut findings);
/// checker.check(3, &TraceFacts::new(trace, 0xb, 200), &mut findings);
/// checker.check(
///     4,
///     &TraceFacts::new(trace, 0xc, 100).with_standalone_subsegment(true).with_parent_id(0xf),
///     &mut findings,
/// );
/// checker.finish(&mut findings);
/// let got: Vec<_> = findings.iter().map(|f| (f.position, f.name())).collect();
/// assert_eq!(got, [(2, "DuplicateId"), (3, "TraceSizeExceeded"), (4, "TraceSizeExceeded")]);
/// ```
#[derive(Debug)]
pub struct TraceChecker<P = u64> {
    config: TraceConfig,
    /// foldhash, seeded at random per checker: fast, and hard to flood with colliding ids.
    hasher: DefaultHashBuilder,
    traces: Vec<Trace>,
    free_trace: u32,
    by_trace: HashTable<Entry>,
    /// Most and least recently used open traces.
    newest: u32,
    oldest: u32,
    open: usize,
    nodes: Vec<Node>,
    free_node: u32,
    /// The nodes of the traces with more than [`LINEAR_NODES`] nodes.
    by_node: HashTable<Entry>,
    common: Box<CommonKeys>,
    pending: Vec<Pending<P>>,
    free_pending: u32,
    /// Live nodes plus live waiting subsegments.
    tracked: usize,
    /// Documents checked so far: orders the orphans of a closing trace.
    seq: u64,
    stats: TraceStats,
}

/// What a [`TraceChecker`] has seen and done.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceStats {
    /// Documents checked.
    pub documents: u64,
    /// Traces opened (a trace closed and seen again counts again).
    pub traces: u64,
    /// Traces closed because `max_open_traces` or `max_tracked` was reached.
    pub evicted: u64,
    /// Traces that needed more than `max_tracked` alone.
    pub saturated: u64,
    /// Documents rejected for the trace size.
    pub size_rejections: u64,
    /// `DuplicateId` warnings.
    pub duplicate_ids: u64,
    /// `TraceAnnotationsOverLimit` warnings.
    pub annotations_over_limit: u64,
    /// `OrphanSubsegment` warnings.
    pub orphans: u64,
    /// Most traces open at once.
    pub peak_open: u64,
}

impl<P: Copy> Default for TraceChecker<P> {
    fn default() -> Self {
        TraceChecker::new(TraceConfig::default())
    }
}

impl<P: Copy> TraceChecker<P> {
    /// A checker with nothing open.
    pub fn new(config: TraceConfig) -> Self {
        let hasher = DefaultHashBuilder::default();
        TraceChecker {
            config,
            common: Box::new(CommonKeys::new(hasher.hash_one(COMMON_KEYS))),
            hasher,
            traces: Vec::new(),
            free_trace: NIL,
            by_trace: HashTable::new(),
            newest: NIL,
            oldest: NIL,
            open: 0,
            nodes: Vec::new(),
            free_node: NIL,
            by_node: HashTable::new(),
            pending: Vec::new(),
            free_pending: NIL,
            tracked: 0,
            seq: 0,
            stats: TraceStats::default(),
        }
    }

    /// The configuration.
    pub const fn config(&self) -> &TraceConfig {
        &self.config
    }

    /// What the checker has seen and done so far.
    pub const fn stats(&self) -> TraceStats {
        self.stats
    }

    /// Traces open now.
    pub const fn open_traces(&self) -> usize {
        self.open
    }

    /// Ids, annotation-key hashes and waiting subsegments kept now.
    pub const fn tracked(&self) -> usize {
        self.tracked
    }

    /// The heap the checker holds, in bytes, from its containers' capacities (index tables
    /// counted with their control bytes). Bounded by the configuration: see
    /// [`memory_bound`](Self::memory_bound).
    pub fn memory_bytes(&self) -> usize {
        fn table_bytes(capacity: usize) -> usize {
            if capacity == 0 {
                0
            } else {
                // buckets = capacity * 8 / 7 rounded up to a power of two; one control byte
                // per bucket plus a group's worth.
                let buckets = (capacity * 8 / 7).next_power_of_two();
                buckets * (core::mem::size_of::<Entry>() + 1) + 16
            }
        }
        self.traces.capacity() * core::mem::size_of::<Trace>()
            + table_bytes(self.by_trace.capacity())
            + self.nodes.capacity() * core::mem::size_of::<Node>()
            + table_bytes(self.by_node.capacity())
            + self.pending.capacity() * core::mem::size_of::<Pending<P>>()
            + core::mem::size_of::<CommonKeys>()
    }

    /// The most [`memory_bytes`](Self::memory_bytes) can reach with this configuration:
    /// every container at most twice the size its limit needs (vectors and tables grow by
    /// doubling).
    pub fn memory_bound(&self) -> usize {
        let per_trace = core::mem::size_of::<Trace>() + 2 * (core::mem::size_of::<Entry>() + 1);
        let per_entry = core::mem::size_of::<Node>().max(core::mem::size_of::<Pending<P>>())
            + 2 * (core::mem::size_of::<Entry>() + 1);
        // One document may add entries before the budget is enforced: a document's ids and
        // keys are bounded by its size (an id takes 16 hex digits).
        let slack = (self.config.max_trace_bytes / 8) as usize;
        2 * (self.config.max_open_traces * per_trace
            + (self.config.max_tracked + slack) * per_entry)
            + core::mem::size_of::<CommonKeys>()
            + 64
    }

    /// Checks one accepted document, given in input order: appends to `out` the findings
    /// for it (a trace-size rejection, `DuplicateId`, `TraceAnnotationsOverLimit`) and, when
    /// opening its trace closes another, the `OrphanSubsegment` warnings of the closed trace
    /// (tied to their own documents).
    ///
    /// A document rejected for the trace size is otherwise ignored: the service does not
    /// keep it.
    pub fn check(&mut self, position: P, facts: &TraceFacts, out: &mut Vec<TraceFinding<P>>) {
        let seq = self.seq;
        self.seq += 1;
        self.stats.documents += 1;
        let slot = self.open_trace(facts.trace_id(), out);
        let finding = |kind| TraceFinding {
            position,
            kind,
            trace_id: facts.trace_id(),
            id: facts.id(),
        };
        let Some(t) = self.traces.get_mut(slot as usize) else {
            return;
        };
        // Size.
        let bytes = t.bytes.saturating_add(facts.size());
        if t.flags & OVER_LIMIT != 0 || bytes > self.config.max_trace_bytes {
            let first = t.flags & OVER_LIMIT == 0;
            // `bytes` counts the accepted documents only: the service keeps no rejected one.
            t.flags |= OVER_LIMIT;
            self.stats.size_rejections += 1;
            out.push(finding(TraceFindingKind::TraceSizeExceeded {
                trace_bytes: bytes,
                limit: self.config.max_trace_bytes,
            }));
            if first {
                // Nothing of this trace will be accepted again: its ids and keys are no longer
                // needed. Its waiting subsegments stay, to be reported when it closes.
                self.free_nodes(slot);
            }
            return;
        }
        t.bytes = bytes;
        if t.flags & SATURATED != 0 {
            return;
        }
        // Its id: a repeated complete id, or a new id some subsegment may wait for.
        let mut new_id = None;
        if let Some(id) = facts.id() {
            let state = if facts.in_progress() {
                if self.insert_node(slot, NodeKind::Known, id) {
                    IdState::New
                } else {
                    IdState::Known
                }
            } else {
                self.complete_id(slot, id)
            };
            match state {
                IdState::New => new_id = Some(id),
                IdState::Known => {}
                IdState::Repeated => {
                    self.stats.duplicate_ids += 1;
                    out.push(finding(TraceFindingKind::DuplicateId));
                }
            }
        }
        // Orphan candidate: its parent must be known by the time the trace closes.
        if facts.is_standalone_subsegment() {
            if let Some(parent) = facts.parent_id() {
                if self.find_node(slot, NodeKind::Known, parent).is_none() {
                    self.add_pending(slot, parent, facts.id(), seq, position);
                }
            }
        }
        // Every new id the document brings may be the parent some subsegment waits for.
        if let Some(id) = new_id {
            self.resolve_awaited(slot, id);
        }
        for &id in facts.embedded_ids() {
            if self.insert_node(slot, NodeKind::Known, id) {
                self.resolve_awaited(slot, id);
            }
        }
        // Annotation keys.
        let warned = self
            .traces
            .get(slot as usize)
            .is_none_or(|t| t.flags & ANNOTATIONS_WARNED != 0);
        if !warned {
            for &key in facts.annotation_keys() {
                let new = match self.common.number(key) {
                    Some(number) => {
                        let bit = 1u128 << number;
                        self.traces.get_mut(slot as usize).is_some_and(|t| {
                            let new = t.common & bit == 0;
                            t.common |= bit;
                            new
                        })
                    }
                    None => self.insert_node(slot, NodeKind::Key, key),
                };
                if !new {
                    continue;
                }
                let Some(t) = self.traces.get_mut(slot as usize) else {
                    break;
                };
                t.keys = t.keys.saturating_add(1);
                if u32::from(t.keys) > MAX_TRACE_ANNOTATIONS {
                    t.flags |= ANNOTATIONS_WARNED;
                    t.common = 0;
                    self.stats.annotations_over_limit += 1;
                    out.push(finding(TraceFindingKind::TraceAnnotationsOverLimit));
                    self.free_nodes_of_kind(slot, NodeKind::Key);
                    break;
                }
            }
        }
        self.enforce_budget(slot, out);
    }

    /// Closes every open trace, appending the `OrphanSubsegment` warnings of all of them to
    /// `out` in input order. The checker is then empty and can take a new input.
    pub fn finish(&mut self, out: &mut Vec<TraceFinding<P>>) {
        // The waiting subsegments are read from their own slab, so that closing many open
        // traces reads none of their records but those that have some waiting.
        let traces = &self.traces;
        let mut orphans: Vec<(u64, TraceFinding<P>)> = self
            .pending
            .iter()
            .filter_map(|p| {
                let t = traces.get(p.slot as usize)?;
                Some((p.seq, orphan(p, t.key)))
            })
            .collect();
        orphans.sort_by_key(|(seq, _)| *seq);
        self.stats.orphans += orphans.len() as u64;
        out.extend(orphans.into_iter().map(|(_, f)| f));
        self.traces.clear();
        self.free_trace = NIL;
        self.by_trace.clear();
        self.newest = NIL;
        self.oldest = NIL;
        self.open = 0;
        self.nodes.clear();
        self.free_node = NIL;
        self.by_node.clear();
        self.pending.clear();
        self.free_pending = NIL;
        self.tracked = 0;
    }

    // ---- traces and recency ----

    /// 32 bits of the trace's hash.
    fn hash_trace(&self, key: u128) -> u32 {
        (self.hasher.hash_one(key) >> 32) as u32
    }

    /// The slot of `key`'s trace, opened if needed (closing the least recently used one when
    /// `max_open_traces` are open), moved to the front of the recency list.
    fn open_trace(&mut self, key: u128, out: &mut Vec<TraceFinding<P>>) -> u32 {
        // A trace's documents tend to come together: the newest trace needs no lookup.
        if self
            .traces
            .get(self.newest as usize)
            .is_some_and(|t| t.key == key)
        {
            return self.newest;
        }
        let hash = self.hash_trace(key);
        let traces = &self.traces;
        let found = self.by_trace.find(wide(hash), |&(s, h)| {
            h == hash && traces.get(s as usize).is_some_and(|t| t.key == key)
        });
        if let Some(&(slot, _)) = found {
            if self.newest != slot {
                self.unlink(slot);
                self.push_front(slot);
            }
            return slot;
        }
        if self.open >= self.config.max_open_traces {
            self.evict_oldest(out);
        }
        let record = Trace {
            key,
            bytes: 0,
            prev: NIL,
            next: NIL,
            nodes: NIL,
            pending: NIL,
            keys: 0,
            count: 0,
            flags: 0,
            seen: 0,
            common: 0,
        };
        let slot = if self.free_trace != NIL {
            let slot = self.free_trace;
            if let Some(t) = self.traces.get_mut(slot as usize) {
                self.free_trace = t.next;
                *t = record;
            }
            slot
        } else {
            self.traces.push(record);
            (self.traces.len() - 1) as u32
        };
        self.by_trace
            .insert_unique(wide(hash), (slot, hash), |&(_, h)| wide(h));
        self.open += 1;
        self.stats.traces += 1;
        self.stats.peak_open = self.stats.peak_open.max(self.open as u64);
        self.push_front(slot);
        slot
    }

    fn unlink(&mut self, slot: u32) {
        let Some(t) = self.traces.get(slot as usize).copied() else {
            return;
        };
        match self.traces.get_mut(t.prev as usize) {
            Some(p) => p.next = t.next,
            None => self.newest = t.next,
        }
        match self.traces.get_mut(t.next as usize) {
            Some(n) => n.prev = t.prev,
            None => self.oldest = t.prev,
        }
    }

    fn push_front(&mut self, slot: u32) {
        let newest = self.newest;
        if let Some(t) = self.traces.get_mut(slot as usize) {
            t.prev = NIL;
            t.next = newest;
        }
        match self.traces.get_mut(newest as usize) {
            Some(n) => n.prev = slot,
            None => self.oldest = slot,
        }
        self.newest = slot;
    }

    fn evict_oldest(&mut self, out: &mut Vec<TraceFinding<P>>) {
        let slot = self.oldest;
        if slot != NIL {
            self.stats.evicted += 1;
            self.close(slot, out);
        }
    }

    /// Closes a trace: reports its waiting subsegments, frees everything it holds.
    fn close(&mut self, slot: u32, out: &mut Vec<TraceFinding<P>>) {
        let Some(t) = self.traces.get(slot as usize).copied() else {
            return;
        };
        let mut orphans = Vec::new();
        self.collect_pending(slot, t.key, &mut orphans);
        orphans.sort_by_key(|(seq, _)| *seq);
        self.stats.orphans += orphans.len() as u64;
        out.extend(orphans.into_iter().map(|(_, f)| f));
        self.free_nodes(slot);
        self.unlink(slot);
        let hash = self.hash_trace(t.key);
        if let Ok(entry) = self.by_trace.find_entry(wide(hash), |&(s, _)| s == slot) {
            entry.remove();
        }
        if let Some(t) = self.traces.get_mut(slot as usize) {
            t.next = self.free_trace;
            t.prev = NIL;
        }
        self.free_trace = slot;
        self.open -= 1;
    }

    /// Closes least recently used traces other than `current` while more than `max_tracked`
    /// entries are kept; if `current` alone is too many, it stops keeping any.
    fn enforce_budget(&mut self, current: u32, out: &mut Vec<TraceFinding<P>>) {
        while self.tracked > self.config.max_tracked {
            if self.oldest == current || self.oldest == NIL {
                self.stats.saturated += 1;
                self.free_nodes(current);
                self.free_pending_of(current);
                if let Some(t) = self.traces.get_mut(current as usize) {
                    t.flags |= SATURATED;
                }
                return;
            }
            self.stats.evicted += 1;
            self.close(self.oldest, out);
        }
    }

    // ---- nodes: ids and key hashes ----

    /// 32 bits of the node table's hash of `(tag, value)`.
    fn hash_node(&self, tag: u32, value: u64) -> u32 {
        (self.hasher.hash_one((same(tag), value)) >> 32) as u32
    }

    /// Records `id` as a complete document's: says whether it is new to the trace, was
    /// known, or was already a complete document's.
    fn complete_id(&mut self, slot: u32, id: u64) -> IdState {
        match self.find_node(slot, NodeKind::Known, id) {
            None => {
                let tag = tag(slot, NodeKind::Complete);
                self.add_node(slot, tag, seen_bit(tag, id), id);
                IdState::New
            }
            Some(index) => match self.nodes.get_mut(index as usize) {
                Some(n) if n.tag >> 30 == NodeKind::Known as u32 => {
                    n.tag = tag(n.tag & !(3 << 30), NodeKind::Complete);
                    IdState::Known
                }
                _ => IdState::Repeated,
            },
        }
    }

    /// `id` is new to the trace: the subsegments waiting for it as their parent are attached.
    /// Inlined, so the usual trace, with none waiting, costs one test.
    #[inline]
    fn resolve_awaited(&mut self, slot: u32, id: u64) {
        if self
            .traces
            .get(slot as usize)
            .is_some_and(|t| t.pending != NIL)
        {
            self.resolve_awaited_cold(slot, id);
        }
    }

    #[inline(never)]
    fn resolve_awaited_cold(&mut self, slot: u32, id: u64) {
        if self.find_node(slot, NodeKind::Awaited, id).is_some() {
            self.resolve(slot, id);
        }
    }

    /// The trace's node holding `value` as `kind`.
    #[inline]
    fn find_node(&self, slot: u32, kind: NodeKind, value: u64) -> Option<u32> {
        let t = self.traces.get(slot as usize)?;
        let tag = tag(slot, kind);
        self.find_in(t, tag, seen_bit(tag, value), value)
    }

    /// The node of trace `t` holding `(tag, value)`, whose filter bit is `bit`.
    #[inline]
    fn find_in(&self, t: &Trace, tag: u32, bit: u32, value: u64) -> Option<u32> {
        if t.flags & INDEXED != 0 {
            return self.find_indexed(tag, value);
        }
        if t.seen & bit == 0 {
            return None;
        }
        self.scan_chain(t.nodes, tag, value)
    }

    /// The node holding `(tag, value)` of a trace whose nodes are in the node table.
    #[inline(never)]
    fn find_indexed(&self, tag: u32, value: u64) -> Option<u32> {
        let hash = self.hash_node(tag, value);
        let nodes = &self.nodes;
        self.by_node
            .find(wide(hash), |&(i, h)| {
                h == hash
                    && nodes
                        .get(i as usize)
                        .is_some_and(|n| same(n.tag) == same(tag) && n.value == value)
            })
            .map(|&(i, _)| i)
    }

    /// The node of the chain from `index` holding `(tag, value)`.
    fn scan_chain(&self, mut index: u32, tag: u32, value: u64) -> Option<u32> {
        while let Some(n) = self.nodes.get(index as usize) {
            if n.value == value && same(n.tag) == same(tag) {
                return Some(index);
            }
            index = n.next;
        }
        None
    }

    /// Adds `value` to the trace's set of `kind`; `false` when it was there already.
    #[inline]
    fn insert_node(&mut self, slot: u32, kind: NodeKind, value: u64) -> bool {
        let Some(t) = self.traces.get(slot as usize) else {
            return false;
        };
        let tag = tag(slot, kind);
        let bit = seen_bit(tag, value);
        if self.find_in(t, tag, bit, value).is_some() {
            return false;
        }
        self.add_node(slot, tag, bit, value);
        true
    }

    /// Adds a node holding `(tag, value)`, whose filter bit is `bit`, to the chain of the
    /// trace in `slot` (and to the index), without looking for it first.
    fn add_node(&mut self, slot: u32, tag: u32, bit: u32, value: u64) {
        let Some(t) = self.traces.get_mut(slot as usize) else {
            return;
        };
        let node = Node {
            value,
            tag,
            next: t.nodes,
        };
        let index = match self.nodes.get_mut(self.free_node as usize) {
            Some(free) => {
                let index = self.free_node;
                self.free_node = free.next;
                *free = node;
                index
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        t.nodes = index;
        t.count = t.count.saturating_add(1);
        t.seen |= bit;
        self.tracked += 1;
        if t.flags & INDEXED != 0 {
            self.index_node(index, tag, value);
        } else if t.count > LINEAR_NODES {
            t.flags |= INDEXED;
            let mut at = t.nodes;
            while let Some(n) = self.nodes.get(at as usize).copied() {
                self.index_node(at, n.tag, n.value);
                at = n.next;
            }
        }
    }

    /// Puts node `index`, holding `(tag, value)`, in the node table.
    fn index_node(&mut self, index: u32, tag: u32, value: u64) {
        let hash = self.hash_node(tag, value);
        self.by_node
            .insert_unique(wide(hash), (index, hash), |&(_, h)| wide(h));
    }

    /// Frees a node that is no longer in any chain; `indexed` when its trace's nodes are in
    /// the node table.
    fn release_node(&mut self, index: u32, indexed: bool) {
        let Some(n) = self.nodes.get(index as usize).copied() else {
            return;
        };
        if indexed {
            let hash = self.hash_node(n.tag, n.value);
            if let Ok(entry) = self.by_node.find_entry(wide(hash), |&(i, _)| i == index) {
                entry.remove();
            }
        }
        if let Some(n) = self.nodes.get_mut(index as usize) {
            n.next = self.free_node;
        }
        self.free_node = index;
        self.tracked -= 1;
    }

    fn free_nodes(&mut self, slot: u32) {
        let Some(t) = self.traces.get_mut(slot as usize) else {
            return;
        };
        let indexed = t.flags & INDEXED != 0;
        t.flags &= !INDEXED;
        t.count = 0;
        t.seen = 0;
        t.common = 0;
        let mut index = core::mem::replace(&mut t.nodes, NIL);
        while index != NIL {
            let next = self.nodes.get(index as usize).map_or(NIL, |n| n.next);
            self.release_node(index, indexed);
            index = next;
        }
    }

    fn free_nodes_of_kind(&mut self, slot: u32, kind: NodeKind) {
        self.unchain_nodes(slot, |n| n.tag == tag(slot, kind));
    }

    /// Removes from the trace's chain, and frees, the nodes `drop` selects.
    fn unchain_nodes(&mut self, slot: u32, drop: impl Fn(&Node) -> bool) {
        let Some(t) = self.traces.get(slot as usize) else {
            return;
        };
        let indexed = t.flags & INDEXED != 0;
        let mut prev = NIL;
        let mut index = t.nodes;
        while index != NIL {
            let Some(n) = self.nodes.get(index as usize).copied() else {
                break;
            };
            if drop(&n) {
                match self.nodes.get_mut(prev as usize) {
                    Some(p) => p.next = n.next,
                    None => {
                        if let Some(t) = self.traces.get_mut(slot as usize) {
                            t.nodes = n.next;
                        }
                    }
                }
                if let Some(t) = self.traces.get_mut(slot as usize) {
                    t.count = t.count.saturating_sub(1);
                }
                self.release_node(index, indexed);
            } else {
                prev = index;
            }
            index = n.next;
        }
    }

    // ---- waiting subsegments ----

    /// Records a standalone subsegment waiting for `parent`, unless the same subsegment (an
    /// in-progress copy, say) already waits for it: one warning per subsegment.
    fn add_pending(&mut self, slot: u32, parent: u64, id: Option<u64>, seq: u64, position: P) {
        let Some(t) = self.traces.get(slot as usize) else {
            return;
        };
        let mut index = t.pending;
        while let Some(p) = self.pending.get(index as usize) {
            if p.parent == parent && p.id == id {
                return;
            }
            index = p.next;
        }
        let Some(t) = self.traces.get_mut(slot as usize) else {
            return;
        };
        let record = Pending {
            parent,
            id,
            seq,
            position,
            next: t.pending,
            slot,
        };
        let index = if self.free_pending != NIL {
            let index = self.free_pending;
            if let Some(p) = self.pending.get_mut(index as usize) {
                self.free_pending = p.next;
                *p = record;
            }
            index
        } else {
            self.pending.push(record);
            (self.pending.len() - 1) as u32
        };
        t.pending = index;
        self.tracked += 1;
        self.insert_node(slot, NodeKind::Awaited, parent);
    }

    /// `parent` showed up: the subsegments waiting for it are attached.
    fn resolve(&mut self, slot: u32, parent: u64) {
        self.unchain_nodes(slot, |n| {
            n.tag == tag(slot, NodeKind::Awaited) && n.value == parent
        });
        let Some(t) = self.traces.get(slot as usize) else {
            return;
        };
        let mut prev = NIL;
        let mut index = t.pending;
        while index != NIL {
            let Some(p) = self.pending.get(index as usize).copied() else {
                break;
            };
            if p.parent == parent {
                match self.pending.get_mut(prev as usize) {
                    Some(q) => q.next = p.next,
                    None => {
                        if let Some(t) = self.traces.get_mut(slot as usize) {
                            t.pending = p.next;
                        }
                    }
                }
                self.release_pending(index);
            } else {
                prev = index;
            }
            index = p.next;
        }
    }

    fn release_pending(&mut self, index: u32) {
        if let Some(p) = self.pending.get_mut(index as usize) {
            p.next = self.free_pending;
            p.slot = NIL;
            self.free_pending = index;
            self.tracked -= 1;
        }
    }

    fn free_pending_of(&mut self, slot: u32) {
        let Some(t) = self.traces.get_mut(slot as usize) else {
            return;
        };
        let mut index = core::mem::replace(&mut t.pending, NIL);
        while index != NIL {
            let next = self.pending.get(index as usize).map_or(NIL, |p| p.next);
            self.release_pending(index);
            index = next;
        }
    }

    /// The trace's waiting subsegments as orphan findings (with their sequence numbers), and
    /// frees them.
    fn collect_pending(&mut self, slot: u32, key: u128, out: &mut Vec<(u64, TraceFinding<P>)>) {
        let Some(t) = self.traces.get(slot as usize) else {
            return;
        };
        let mut index = t.pending;
        while index != NIL {
            let Some(p) = self.pending.get(index as usize) else {
                break;
            };
            out.push((p.seq, orphan(p, key)));
            index = p.next;
        }
        self.free_pending_of(slot);
    }
}

/// The `OrphanSubsegment` finding of a waiting subsegment of trace `key`.
fn orphan<P: Copy>(p: &Pending<P>, key: u128) -> TraceFinding<P> {
    TraceFinding {
        position: p.position,
        kind: TraceFindingKind::OrphanSubsegment {
            parent_id: p.parent,
        },
        trace_id: key,
        id: p.id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u128 = 0x6800_0000_a006_6491_27e3_7190_3a2d_e979;

    fn names(out: &[TraceFinding<u64>]) -> Vec<(u64, &'static str)> {
        out.iter().map(|f| (f.position, f.name())).collect()
    }

    #[test]
    fn trace_record_is_a_few_dozen_bytes() {
        assert_eq!(core::mem::size_of::<Trace>(), 64);
        assert_eq!(core::mem::size_of::<Node>(), 16);
        assert_eq!(core::mem::size_of::<Pending<u64>>(), 48);
    }

    #[test]
    fn lru_eviction_reports_orphans_of_the_closed_trace_only() {
        let mut c = TraceChecker::new(TraceConfig::new().with_max_open_traces(2));
        let mut out = Vec::new();
        let sub = |trace, id| {
            TraceFacts::new(trace, id, 10)
                .with_standalone_subsegment(true)
                .with_parent_id(0xfff)
        };
        c.check(0, &sub(1, 1), &mut out);
        c.check(1, &sub(2, 2), &mut out);
        c.check(2, &TraceFacts::new(1, 3, 10), &mut out); // trace 1 becomes the newest
        c.check(3, &TraceFacts::new(3, 4, 10), &mut out); // closes trace 2
        assert_eq!(names(&out), [(1, "OrphanSubsegment")]);
        assert_eq!(out[0].trace_id, 2);
        assert_eq!(out[0].id, Some(2));
        assert_eq!(c.open_traces(), 2);
        c.finish(&mut out);
        assert_eq!(names(&out)[1..], [(0, "OrphanSubsegment")]);
        assert_eq!(c.open_traces(), 0);
        assert_eq!(c.tracked(), 0);
        let s = c.stats();
        assert_eq!((s.traces, s.evicted, s.orphans, s.peak_open), (3, 1, 2, 2));
    }

    #[test]
    fn budget_closes_old_traces_then_saturates_a_huge_one() {
        let mut c = TraceChecker::new(TraceConfig::new().with_max_tracked(10));
        let mut out = Vec::new();
        c.check(0, &TraceFacts::new(1, 1, 10), &mut out); // one node per id: 1
        let mut big = TraceFacts::new(T, 2, 10);
        for id in 100..109 {
            big = big.with_embedded_id(id);
        }
        c.check(1, &big, &mut out); // 1 + 10 more: 11 in all, so trace 1 is closed
        assert_eq!(c.stats().evicted, 1);
        assert_eq!(c.tracked(), 10);
        let mut bigger = TraceFacts::new(T, 3, 10);
        for id in 200..210 {
            bigger = bigger.with_embedded_id(id);
        }
        c.check(2, &bigger, &mut out);
        assert_eq!(c.stats().saturated, 1);
        assert_eq!(c.tracked(), 0);
        // A saturated trace still has its size checked, and nothing else.
        c.check(3, &TraceFacts::new(T, 2, 10), &mut out);
        assert!(out.is_empty());
        assert!(c.memory_bytes() <= c.memory_bound());
    }

    #[test]
    fn over_limit_frees_the_sets_but_keeps_waiting_subsegments() {
        let mut c = TraceChecker::new(TraceConfig::new().with_max_trace_bytes(100));
        let mut out = Vec::new();
        let sub = TraceFacts::new(T, 1, 50)
            .with_standalone_subsegment(true)
            .with_parent_id(9);
        c.check(0, &sub, &mut out);
        c.check(1, &TraceFacts::new(T, 9, 51), &mut out);
        assert_eq!(c.tracked(), 1, "only the waiting subsegment");
        c.finish(&mut out);
        assert_eq!(
            names(&out),
            [(1, "TraceSizeExceeded"), (0, "OrphanSubsegment")]
        );
    }

    #[test]
    fn common_keys_are_numbered_once_until_the_table_is_full() {
        let mut common = CommonKeys::new(7);
        let numbers: Vec<_> = (0..COMMON_KEYS as u64 + 5)
            .map(|k| common.number(k.wrapping_mul(0x1234_5678_9abc_def1)))
            .collect();
        for (k, n) in numbers.iter().enumerate() {
            let want = (k < COMMON_KEYS).then_some(k as u32);
            assert_eq!(*n, want, "key {k}");
        }
        // Numbers stay: asked again, every numbered key gives its number.
        assert_eq!(
            common.number(3u64.wrapping_mul(0x1234_5678_9abc_def1)),
            Some(3)
        );
        assert_eq!(common.number(0), Some(0));
    }

    #[test]
    fn keys_past_the_common_table_are_held_as_entries_and_counted_alike() {
        let mut c = TraceChecker::new(TraceConfig::new());
        let mut out = Vec::new();
        // Three traces take the first 120 keys, 40 each: no warning.
        for t in 0..3u64 {
            let mut f = TraceFacts::new(u128::from(10 + t), 10 + t, 10);
            for k in 40 * t..40 * (t + 1) {
                f = f.with_annotation_key(&format!("k{k}"));
            }
            c.check(t, &f, &mut out);
        }
        assert!(out.is_empty());
        assert_eq!(c.tracked(), 3, "the ids only");
        // Trace 2's keys: 8 numbered in the table, then 42 held as entries.
        let mut g = TraceFacts::new(2, 2, 10);
        for k in 120..170 {
            g = g.with_annotation_key(&format!("k{k}"));
        }
        c.check(3, &g, &mut out);
        c.check(4, &g.clone().with_in_progress(true), &mut out);
        assert!(out.is_empty(), "50 distinct keys, each counted once");
        assert_eq!(c.tracked(), 3 + 1 + 42);
        // One key of each kind, both seen already, then a new one: the 51st.
        let h = TraceFacts::new(2, 3, 10)
            .with_annotation_key("k120")
            .with_annotation_key("k169")
            .with_annotation_key("k170");
        c.check(5, &h, &mut out);
        assert_eq!(names(&out), [(5, "TraceAnnotationsOverLimit")]);
        assert_eq!(c.tracked(), 3 + 2, "trace 2's key entries freed");
    }

    #[test]
    fn annotation_keys_are_counted_once_and_freed_after_the_warning() {
        let mut c = TraceChecker::new(TraceConfig::new());
        let mut out = Vec::new();
        let mut f = TraceFacts::new(T, 1, 10);
        for k in 0..50 {
            f = f.with_annotation_key(&format!("k{k}"));
        }
        c.check(0, &f, &mut out);
        c.check(1, &f.clone().with_in_progress(true), &mut out);
        assert!(out.is_empty());
        c.check(
            2,
            &TraceFacts::new(T, 2, 10).with_annotation_key("k51"),
            &mut out,
        );
        c.check(
            3,
            &TraceFacts::new(T, 3, 10).with_annotation_key("k52"),
            &mut out,
        );
        assert_eq!(names(&out), [(2, "TraceAnnotationsOverLimit")]);
        assert_eq!(
            c.tracked(),
            3,
            "ids only: one node for each complete document"
        );
    }

    #[test]
    fn slots_are_reused_after_eviction() {
        let mut c = TraceChecker::<u64>::new(TraceConfig::new().with_max_open_traces(3));
        let mut out = Vec::new();
        for i in 0..1000u64 {
            c.check(i, &TraceFacts::new(u128::from(i), i, 10), &mut out);
        }
        assert!(out.is_empty());
        assert_eq!(c.open_traces(), 3);
        assert!(c.traces.len() <= 4);
        assert_eq!(c.tracked(), 3);
        assert!(c.memory_bytes() <= c.memory_bound());
    }

    /// The checks as a plain model: one set per trace and kind, nothing closed or bounded.
    fn model(docs: &[(u128, TraceFacts)], limit: u64) -> Vec<(u64, TraceFindingKind)> {
        use std::collections::{HashMap, HashSet};
        #[derive(Default)]
        struct M {
            bytes: u64,
            over: bool,
            warned: bool,
            complete: HashSet<u64>,
            known: HashSet<u64>,
            keys: HashSet<u64>,
            pending: Vec<(u64, Option<u64>, u64)>,
        }
        let mut traces: HashMap<u128, M> = HashMap::new();
        let mut out = Vec::new();
        let mut orphans = Vec::new();
        for (pos, (trace, f)) in docs.iter().enumerate() {
            let pos = pos as u64;
            let t = traces.entry(*trace).or_default();
            let bytes = t.bytes.saturating_add(f.size());
            if t.over || bytes > limit {
                if !t.over {
                    t.known.clear();
                    t.complete.clear();
                    t.keys.clear();
                }
                t.over = true;
                out.push((
                    pos,
                    TraceFindingKind::TraceSizeExceeded {
                        trace_bytes: bytes,
                        limit,
                    },
                ));
                continue;
            }
            t.bytes = bytes;
            if let Some(id) = f.id() {
                if !f.in_progress() && !t.complete.insert(id) {
                    out.push((pos, TraceFindingKind::DuplicateId));
                }
            }
            if let (true, Some(parent)) = (f.is_standalone_subsegment(), f.parent_id()) {
                if !t.known.contains(&parent)
                    && !t.pending.iter().any(|p| p.0 == parent && p.1 == f.id())
                {
                    t.pending.push((parent, f.id(), pos));
                }
            }
            for id in f.id().into_iter().chain(f.embedded_ids().iter().copied()) {
                if t.known.insert(id) {
                    t.pending.retain(|p| p.0 != id);
                }
            }
            if !t.warned {
                for &k in f.annotation_keys() {
                    if t.keys.insert(k) && t.keys.len() > MAX_TRACE_ANNOTATIONS as usize {
                        t.warned = true;
                        t.keys.clear();
                        out.push((pos, TraceFindingKind::TraceAnnotationsOverLimit));
                        break;
                    }
                }
            }
        }
        for t in traces.values() {
            for &(parent, _, pos) in &t.pending {
                orphans.push((
                    pos,
                    TraceFindingKind::OrphanSubsegment { parent_id: parent },
                ));
            }
        }
        orphans.sort_by_key(|o| o.0);
        out.extend(orphans);
        out
    }

    fn arb_facts() -> impl proptest::strategy::Strategy<Value = (u128, TraceFacts)> {
        use proptest::prelude::*;
        (
            0u128..3,
            0u64..120,
            prop::option::of(0u64..120),
            any::<bool>(),
            1u64..400,
            prop::collection::vec(0u64..120, 0..24),
            prop::collection::vec(0u64..70, 0..12),
        )
            .prop_map(|(trace, id, parent, in_progress, size, embedded, keys)| {
                let mut f = TraceFacts::new(trace, id, size).with_in_progress(in_progress);
                if let Some(p) = parent {
                    f = f.with_standalone_subsegment(true).with_parent_id(p);
                }
                for e in embedded {
                    f = f.with_embedded_id(e);
                }
                for k in keys {
                    f = f.with_annotation_key(&format!("k{k}"));
                }
                (trace, f)
            })
    }

    #[test]
    fn a_large_trace_is_indexed_and_answers_the_same() {
        let mut c = TraceChecker::new(TraceConfig::new());
        let mut out = Vec::new();
        let mut f = TraceFacts::new(T, 1, 10);
        for id in 100..140 {
            f = f.with_embedded_id(id);
        }
        c.check(0, &f, &mut out);
        let slot = c.open_trace(T, &mut Vec::new());
        assert_ne!(c.traces[slot as usize].flags & INDEXED, 0);
        assert_eq!(c.by_node.len(), c.tracked());
        let sub = TraceFacts::new(T, 200, 10)
            .with_standalone_subsegment(true)
            .with_parent_id(139);
        c.check(1, &sub, &mut out); // its parent is known: no orphan
        c.check(2, &TraceFacts::new(T, 1, 10), &mut out);
        let late = TraceFacts::new(T, 201, 10)
            .with_standalone_subsegment(true)
            .with_parent_id(300);
        c.check(3, &late, &mut out);
        c.check(
            4,
            &TraceFacts::new(T, 5, 10).with_embedded_id(300),
            &mut out,
        );
        c.finish(&mut out);
        assert_eq!(names(&out), [(2, "DuplicateId")]);
        assert_eq!((c.by_node.len(), c.tracked()), (0, 0));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

        /// Chain walks for small traces, the node table for large ones, and the model agree.
        #[test]
        fn the_checker_agrees_with_the_model(
            docs in proptest::collection::vec(arb_facts(), 1..80),
            limit in 2_000u64..40_000,
        ) {
            let mut c = TraceChecker::new(TraceConfig::new().with_max_trace_bytes(limit));
            let mut out = Vec::new();
            for (i, (_, f)) in docs.iter().enumerate() {
                c.check(i as u64, f, &mut out);
                proptest::prop_assert!(c.memory_bytes() <= c.memory_bound());
            }
            c.finish(&mut out);
            let got: Vec<_> = out.iter().map(|f| (f.position, f.kind)).collect();
            proptest::prop_assert_eq!(got, model(&docs, limit));
        }
    }
}
