//! The entity table: what [`Validator::parse`](crate::Validator::parse) keeps of its one pass
//! so that the borrowed view never reads the text again.
//!
//! One [`EntityRecord`] per entity object (the document, then each embedded subsegment at
//! every depth), in document order of their opening braces (pre-order); each record says how
//! many records of its subtree follow it, so the children of an entity are found by hopping
//! over subtrees. The annotation members of every entity sit in one list, each entity holding
//! the range of its own. The table lives in the validator and keeps its capacity between
//! documents.

use super::fields::Fields;
use crate::json::{JsonStr, ValueSpan};
use crate::trace_keys::TraceKeys;

/// One entity object: its fields, the size of its subtree and its annotations.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EntityRecord {
    /// The first value of each documented field.
    pub fields: Fields,
    /// How many records after this one belong to its embedded subsegments (at every depth).
    pub descendants: u32,
    /// The range of its annotation members in [`EntityTable::annotations`].
    pub annotations: (u32, u32),
}

impl EntityRecord {
    /// A record with nothing in it.
    pub(crate) const EMPTY: EntityRecord = EntityRecord {
        fields: Fields::EMPTY,
        descendants: 0,
        annotations: (0, 0),
    };
}

/// One member of an `annotations` object: where its key sits (between the quotes, local
/// offsets) and its value.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AnnotationRecord {
    /// Local offset of the key's first byte after the opening quote.
    pub key_start: u32,
    /// Length of the key's raw text in bytes.
    pub key_len: u32,
    /// Whether the key holds escapes.
    pub key_escaped: bool,
    /// Whether the key is one the service keeps (`annotations::key_ok`).
    pub valid_key: bool,
    /// The value.
    pub value: ValueSpan,
}

/// The entities and annotation members of the last document read with recording on.
#[derive(Debug, Default)]
pub(crate) struct EntityTable {
    /// Whether the checker records entities (`parse`) or not (`validate`).
    pub record: bool,
    /// Every entity, in pre-order.
    pub entities: Vec<EntityRecord>,
    /// Every annotation member of every entity, in document order.
    pub annotations: Vec<AnnotationRecord>,
    /// Whether the checker gathers [`TraceKeys`] (`validate_for_traces`).
    pub gather: bool,
    /// What the trace checks need, when gathering.
    pub trace: TraceKeys,
    /// Which of the daemon header's keys the document object holds
    /// (`entity::HEADER_FORMAT`, `entity::HEADER_VERSION`).
    pub header_keys: u8,
}

impl EntityTable {
    /// Forgets the last document, keeping the capacity; records from now on iff `record`,
    /// gathers trace keys iff `gather`.
    pub(crate) fn reset(&mut self, record: bool, gather: bool) {
        self.record = record;
        self.entities.clear();
        self.annotations.clear();
        self.gather = gather;
        self.trace.clear();
        self.header_keys = 0;
    }
}

/// Gathering the trace keys: kept out of line, so that the validator's hot functions stay as
/// small when it does not gather.
impl EntityTable {
    /// A slot for an embedded subsegment's id, filled when the subsegment closes, so that the
    /// ids stay in pre-order.
    #[inline(never)]
    pub(crate) fn id_slot(&mut self) -> u32 {
        let ids = &mut self.trace.embedded_ids;
        ids.push(0);
        (ids.len() - 1) as u32
    }

    /// The id of the document (`top`) or of the subsegment at `slot`.
    #[inline(never)]
    pub(crate) fn gather_id(&mut self, top: bool, slot: u32, value: u64) {
        if top {
            self.trace.id = Some(value);
        } else if let Some(id) = self.trace.embedded_ids.get_mut(slot as usize) {
            *id = value;
        }
    }

    /// The document's trace id.
    #[inline(never)]
    pub(crate) fn gather_trace_id(&mut self, number: u128) {
        self.trace.trace_id = Some(number);
    }

    /// The document's `parent_id`.
    #[inline(never)]
    pub(crate) fn gather_parent_id(&mut self, value: u64) {
        self.trace.parent_id = Some(value);
    }

    /// Whether the document is a standalone subsegment and in progress.
    #[inline(never)]
    pub(crate) fn gather_kind(&mut self, standalone: bool, in_progress: bool) {
        self.trace.standalone = standalone;
        self.trace.in_progress = in_progress;
    }

    /// An annotation key the service indexes.
    #[inline(never)]
    pub(crate) fn gather_key(&mut self, key: JsonStr<'_>) {
        self.trace.keys.push(crate::hash::key_hash(key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table's memory is bounded by the document: one record per entity object of at
    /// least two bytes (`{}`), so a 64 KiB document holds at most 32,768 records. Keep a
    /// record small enough for that to stay a few megabytes.
    #[test]
    fn records_stay_small() {
        assert!(core::mem::size_of::<EntityRecord>() <= 320);
        assert!(core::mem::size_of::<AnnotationRecord>() <= 24);
    }

    #[test]
    fn reset_keeps_capacity_and_sets_the_mode() {
        let mut t = EntityTable::default();
        t.reset(true, false);
        t.entities.push(EntityRecord::EMPTY);
        let cap = t.entities.capacity();
        t.reset(false, false);
        assert!(!t.record && t.entities.is_empty());
        assert_eq!(t.entities.capacity(), cap);
    }
}
