//! The documented entity fields: [`Field`], their slot table, and [`Fields`], where the reader
//! records the first value of each.

use super::slots::{self, SlotHash};
use crate::json::{self, JsonStr, ValueKind, ValueSpan};

macro_rules! fields {
    ($($name:ident => $key:literal,)*) => {
        /// The documented entity fields the scanner records.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub(crate) enum Field { $($name,)* }

        const FIELD_COUNT: usize = [$(Field::$name,)*].len();

        impl Field {
            /// The field a key names, after unescaping; `None` for undocumented keys.
            #[inline]
            pub(crate) fn of(key: JsonStr<'_>) -> Option<Field> {
                if key.has_escapes() {
                    let buf = key.decode_small::<16>()?;
                    Self::of_bytes(&buf)
                } else {
                    Self::of_bytes(key.raw().as_bytes())
                }
            }

            /// The key that names this field.
            pub(crate) const fn key(self) -> &'static [u8] {
                match self { $(Field::$name => $key,)* }
            }

            /// Every field.
            pub(crate) const ALL: [Field; FIELD_COUNT] = [$(Field::$name,)*];
        }
    };
}

fields! {
    Id => b"id",
    Name => b"name",
    TraceId => b"trace_id",
    StartTime => b"start_time",
    EndTime => b"end_time",
    InProgress => b"in_progress",
    ParentId => b"parent_id",
    Type => b"type",
    Error => b"error",
    Fault => b"fault",
    Throttle => b"throttle",
    User => b"user",
    Origin => b"origin",
    ResourceArn => b"resource_arn",
    Namespace => b"namespace",
    Http => b"http",
    Aws => b"aws",
    Service => b"service",
    Sql => b"sql",
    Cause => b"cause",
    Annotations => b"annotations",
    Metadata => b"metadata",
    Subsegments => b"subsegments",
    PrecursorIds => b"precursor_ids",
}

impl Field {
    /// Length and first two bytes pick the only candidate; one comparison confirms it.
    #[inline]
    fn of_bytes(b: &[u8]) -> Option<Field> {
        let f = match (b.len(), b.first()?, b.get(1).copied().unwrap_or(0)) {
            (2, b'i', _) => Field::Id,
            (3, b'a', _) => Field::Aws,
            (3, b's', _) => Field::Sql,
            (4, b'n', _) => Field::Name,
            (4, b't', _) => Field::Type,
            (4, b'u', _) => Field::User,
            (4, b'h', _) => Field::Http,
            (5, b'e', _) => Field::Error,
            (5, b'f', _) => Field::Fault,
            (5, b'c', _) => Field::Cause,
            (6, b'o', _) => Field::Origin,
            (7, b's', _) => Field::Service,
            (8, b't', b'r') => Field::TraceId,
            (8, b't', b'h') => Field::Throttle,
            (8, b'e', _) => Field::EndTime,
            (8, b'm', _) => Field::Metadata,
            (9, b'p', _) => Field::ParentId,
            (9, b'n', _) => Field::Namespace,
            (10, b's', _) => Field::StartTime,
            (11, b'i', _) => Field::InProgress,
            (11, b'a', _) => Field::Annotations,
            (11, b's', _) => Field::Subsegments,
            (12, b'r', _) => Field::ResourceArn,
            (13, b'p', _) => Field::PrecursorIds,
            _ => return None,
        };
        (b == f.key()).then_some(f)
    }
}

/// Fingerprints of the documented keys, in [`Field::ALL`] order.
// Built at compile time: an index out of range fails the build.
#[allow(clippy::indexing_slicing)]
const FIELD_FINGERPRINTS: [u64; FIELD_COUNT] = {
    let mut fps = [0u64; FIELD_COUNT];
    let mut i = 0;
    while i < FIELD_COUNT {
        fps[i] = json::const_fingerprint(Field::ALL[i].key());
        i += 1;
    }
    fps
};

/// The slot hash of the documented keys, found at compile time (see [`slots`]).
const FIELD_HASH: SlotHash = slots::find(&FIELD_FINGERPRINTS);

/// The documented fields by the slot of their key's fingerprint: a key is looked up with one
/// load and one comparison, without a jump table on its bytes.
// Built at compile time: an index out of range, or two fields in one slot, fails the build.
#[allow(clippy::indexing_slicing)]
static FIELD_SLOTS: [Option<Field>; FIELD_HASH.len()] = {
    let mut t: [Option<Field>; FIELD_HASH.len()] = [None; FIELD_HASH.len()];
    let mut i = 0;
    while i < FIELD_COUNT {
        let s = FIELD_HASH.slot(FIELD_FINGERPRINTS[i]);
        assert!(t[s].is_none(), "two documented keys share a slot");
        t[s] = Some(Field::ALL[i]);
        i += 1;
    }
    t
};

impl Field {
    /// The field a key names, given the key's fingerprint (`json::key_fingerprint`).
    #[inline(always)]
    pub(crate) fn of_fingerprint(key: JsonStr<'_>, fingerprint: u64) -> Option<Field> {
        let f = FIELD_SLOTS
            .get(FIELD_HASH.slot(fingerprint))
            .copied()
            .flatten()?;
        if FIELD_FINGERPRINTS.get(f as usize) != Some(&fingerprint) {
            return None;
        }
        let k = f.key();
        let same = if key.has_escapes() {
            key.chars()
                .map(|c| c as u32)
                .eq(k.iter().map(|&b| u32::from(b)))
        } else {
            json::same_fingerprinted(key.raw().as_bytes(), k)
        };
        same.then_some(f)
    }
}

/// The first occurrence of each documented field of one entity object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Fields {
    /// Local offset of the entity's `{`.
    pub start: u32,
    /// Local offset just after the entity's `}`.
    pub end: u32,
    vals: [Option<ValueSpan>; FIELD_COUNT],
}

impl Fields {
    /// No field recorded.
    pub(crate) const EMPTY: Fields = Fields {
        start: 0,
        end: 0,
        vals: [None; FIELD_COUNT],
    };

    /// The value recorded for `f`, `null` included.
    #[inline(always)]
    pub(crate) fn get_raw(&self, f: Field) -> Option<ValueSpan> {
        self.vals.get(f as usize).copied().flatten()
    }

    /// The value of `f`, with `null` read as absent (RULES.md §3).
    #[inline(always)]
    pub(crate) fn get(&self, f: Field) -> Option<ValueSpan> {
        self.get_raw(f).filter(|v| v.kind != ValueKind::Null)
    }

    #[inline(always)]
    pub(crate) fn set(&mut self, f: Field, v: ValueSpan) {
        if let Some(slot) = self.vals.get_mut(f as usize) {
            *slot = Some(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_found_by_its_key_and_only_by_it() {
        for f in Field::ALL {
            assert_eq!(Field::of_bytes(f.key()), Some(f));
            let k = std::str::from_utf8(f.key()).unwrap();
            assert_eq!(Field::of(JsonStr::new(k, false)), Some(f));
            let mut near = f.key().to_vec();
            if let Some(last) = near.last_mut() {
                *last ^= 1;
            }
            assert_eq!(Field::of_bytes(&near), None, "{k}");
            assert_eq!(Field::of_bytes(&f.key()[1..]), None, "{k}");
        }
        assert_eq!(
            Field::of(JsonStr::new(r"n\u0061me", true)),
            Some(Field::Name)
        );
        assert_eq!(Field::of(JsonStr::new("Name", false)), None);
        for f in Field::ALL {
            let k = std::str::from_utf8(f.key()).unwrap();
            let fp = json::key_fingerprint(JsonStr::new(k, false));
            assert_eq!(fp, json::const_fingerprint(f.key()));
            assert_eq!(Field::of_fingerprint(JsonStr::new(k, false), fp), Some(f));
            let upper = k.to_uppercase();
            let fp = json::key_fingerprint(JsonStr::new(&upper, false));
            assert_eq!(Field::of_fingerprint(JsonStr::new(&upper, false), fp), None);
        }
        let escaped = JsonStr::new(r"n\u0061me", true);
        let fp = json::key_fingerprint(escaped);
        assert_eq!(Field::of_fingerprint(escaped, fp), Some(Field::Name));
        assert_eq!(Field::of(JsonStr::new("", false)), None);
    }

    /// Keys the X-Ray SDKs and the segment document schema use beside the ones xseg checks
    /// today. Several of them collided with documented keys under the former fixed slot
    /// function `(fingerprint >> 25) & 63`.
    const SDK_KEYS: [&[u8]; 30] = [
        b"version",
        b"span_kind",
        b"tags",
        b"ecs",
        b"ec2",
        b"elastic_beanstalk",
        b"xray",
        b"sdk",
        b"links",
        b"sdk_version",
        b"auto_instrumentation",
        b"cloudwatch_logs",
        b"eks",
        b"operation",
        b"region",
        b"request_id",
        b"queue_url",
        b"table_name",
        b"retries",
        b"account_id",
        b"instance_id",
        b"availability_zone",
        b"container",
        b"container_id",
        b"pod",
        b"cluster_name",
        b"deployment_id",
        b"version_label",
        b"environment_name",
        b"log_group",
    ];

    const SCRATCH_LEN: usize = FIELD_COUNT + SDK_KEYS.len();

    const SCRATCH: [u64; SCRATCH_LEN] = {
        let mut fps = [0u64; SCRATCH_LEN];
        let mut i = 0;
        while i < SCRATCH_LEN {
            fps[i] = if i < FIELD_COUNT {
                json::const_fingerprint(Field::ALL[i].key())
            } else {
                json::const_fingerprint(SDK_KEYS[i - FIELD_COUNT])
            };
            i += 1;
        }
        fps
    };

    /// Found during the build, like the real table's.
    const SCRATCH_HASH: SlotHash = slots::find(&SCRATCH);

    #[test]
    fn adding_the_sdk_keys_still_gives_every_key_its_own_slot() {
        let old = SlotHash {
            mul: 1,
            shift: 25,
            bits: 6,
        };
        assert!(old.separates(&FIELD_FINGERPRINTS));
        for pair in [
            [&b"error"[..], b"version"],
            [b"error", b"span_kind"],
            [b"subsegments", b"tags"],
            [b"subsegments", b"ecs"],
        ] {
            let fps = pair.map(json::const_fingerprint);
            assert!(!old.separates(&fps), "{pair:?}");
        }
        assert!(!old.separates(&SCRATCH));
        assert!(SCRATCH_HASH.separates(&SCRATCH));
        let mut slots: Vec<usize> = SCRATCH.iter().map(|&f| SCRATCH_HASH.slot(f)).collect();
        slots.sort_unstable();
        slots.dedup();
        assert_eq!(slots.len(), SCRATCH_LEN);
        assert!(slots.iter().all(|&s| s < SCRATCH_HASH.len()));
        // the real table separates its keys too, and every slot holds its own key
        assert!(FIELD_HASH.separates(&FIELD_FINGERPRINTS));
        for f in Field::ALL {
            let s = FIELD_HASH.slot(json::const_fingerprint(f.key()));
            assert_eq!(FIELD_SLOTS[s], Some(f));
        }
    }
}
