//! [`TraceKeys`]: what trace-level checks need of a document, gathered by the validator during
//! its one pass ([`Validator::validate_for_traces_at`](crate::Validator::validate_for_traces_at)).

/// What the trace checks need of an accepted segment or standalone subsegment, gathered while
/// the validator checks it, with no entity table and no second walk: the trace id as one
/// number, the ids as numbers, the hashes of the annotation keys the service indexes, and
/// whether it is a standalone subsegment and in progress.
///
/// ```
/// let doc = br#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979",
///   "start_time":1,"end_time":2,"annotations":{"user":"u1","bad key":1},
///   "subsegments":[{"name":"db","id":"0000000000000001","start_time":1,"end_time":2,"annotations":{"n":2}}]}"#;
/// let mut v = xseg::Validator::default();
/// let (outcome, id) = v.validate_for_traces_at(doc, 0);
/// assert!(outcome.is_accepted());
/// assert_eq!(id.unwrap().raw(), "70de5b6f19ff9a0a");
/// let keys = v.trace_keys().unwrap();
/// assert_eq!(keys.trace_id(), 0x6800_0000_a006_6491_27e3_7190_3a2d_e979);
/// assert_eq!(keys.id(), Some(0x70de_5b6f_19ff_9a0a));
/// assert_eq!(keys.embedded_ids(), [1]);
/// let want = [xseg::annotation_key_hash("user"), xseg::annotation_key_hash("n")];
/// assert_eq!(keys.annotation_key_hashes(), want);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceKeys {
    pub(crate) trace_id: Option<u128>,
    pub(crate) id: Option<u64>,
    pub(crate) parent_id: Option<u64>,
    pub(crate) standalone: bool,
    pub(crate) in_progress: bool,
    pub(crate) embedded_ids: Vec<u64>,
    pub(crate) keys: Vec<u64>,
}

impl TraceKeys {
    /// Forgets the last document, keeping the capacity.
    pub(crate) fn clear(&mut self) {
        self.trace_id = None;
        self.id = None;
        self.parent_id = None;
        self.standalone = false;
        self.in_progress = false;
        self.embedded_ids.clear();
        self.keys.clear();
    }

    /// The trace id as one number: the 8 hex digits of the epoch, then the 24 of the random
    /// part (so `1-6800000A-…` and `1-6800000a-…` give the same number).
    pub fn trace_id(&self) -> u128 {
        self.trace_id.unwrap_or(0)
    }

    /// The top-level `id`.
    pub fn id(&self) -> Option<u64> {
        self.id
    }

    /// The top-level `parent_id`.
    pub fn parent_id(&self) -> Option<u64> {
        self.parent_id
    }

    /// Whether the document is a standalone subsegment (`"type": "subsegment"`).
    pub fn is_standalone_subsegment(&self) -> bool {
        self.standalone
    }

    /// Whether the document is in progress (`"in_progress": true`).
    pub fn in_progress(&self) -> bool {
        self.in_progress
    }

    /// The ids of the embedded subsegments at every depth, in document order of their
    /// opening braces.
    pub fn embedded_ids(&self) -> &[u64] {
        &self.embedded_ids
    }

    /// The [`annotation_key_hash`](crate::annotation_key_hash)es of the annotation keys the
    /// service indexes (a valid key with a string, number or boolean value), of the document
    /// and of every embedded subsegment, in document order, repeats included.
    pub fn annotation_key_hashes(&self) -> &[u64] {
        &self.keys
    }
}
