//! Counters over a batch, for an embedding service's metrics.

use core::ops::AddAssign;

use xseg::ErrorCode;

use crate::Checked;

/// Counts of documents, verdicts, warnings, bytes, and rejections per [`ErrorCode`].
///
/// Counters from different batches, threads or streams add up with [`merge`](Self::merge) (or
/// `+=`).
///
/// ```
/// use xseg::{ErrorCode, Validator};
/// use xseg_batch::{Checked, Counters};
///
/// let mut v = Validator::default();
/// let mut a = Counters::default();
/// let outcome = v.validate(b"[]");
/// a.record(&Checked::new(&outcome, v.warnings()), 2);
/// let mut b = a.clone();
/// b += &a;
/// assert_eq!(b.documents, 2);
/// assert_eq!(b.code(ErrorCode::MissingId), 2);
/// assert_eq!(b.bytes, 4);
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Documents validated.
    pub documents: u64,
    /// Documents accepted.
    pub accepted: u64,
    /// Documents rejected.
    pub rejected: u64,
    /// Warnings, over all documents (accepted and rejected).
    pub warnings: u64,
    /// Bytes of the documents validated.
    pub bytes: u64,
    /// Rejections per code, indexed by [`ErrorCode::index`].
    pub by_code: [u64; ErrorCode::ALL.len()],
}

impl Counters {
    /// Counts one document of `bytes` bytes.
    pub fn record(&mut self, result: &Checked<'_>, bytes: usize) {
        self.documents += 1;
        self.bytes += bytes as u64;
        self.warnings += result.warnings() as u64;
        match result.outcome().code() {
            None => self.accepted += 1,
            Some(code) => {
                self.rejected += 1;
                if let Some(n) = self.by_code.get_mut(code.index()) {
                    *n += 1;
                }
            }
        }
    }

    /// Rejections with `code`.
    pub fn code(&self, code: ErrorCode) -> u64 {
        self.by_code.get(code.index()).copied().unwrap_or(0)
    }

    /// Every code with its count, in the order of [`ErrorCode::ALL`] (zeros included).
    pub fn codes(&self) -> impl Iterator<Item = (ErrorCode, u64)> + '_ {
        ErrorCode::ALL.iter().map(|&c| (c, self.code(c)))
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &Counters) {
        self.documents += other.documents;
        self.accepted += other.accepted;
        self.rejected += other.rejected;
        self.warnings += other.warnings;
        self.bytes += other.bytes;
        for (mine, theirs) in self.by_code.iter_mut().zip(other.by_code.iter()) {
            *mine += theirs;
        }
    }
}

impl AddAssign<&Counters> for Counters {
    fn add_assign(&mut self, other: &Counters) {
        self.merge(other);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xseg::Validator;

    #[test]
    fn record_and_merge() {
        let mut v = Validator::default();
        let mut c = Counters::default();
        for doc in [&b"nope"[..], b"[]", b"{}", b"{\"id\":\"x\"}", b"{"] {
            let o = v.validate(doc);
            c.record(&Checked::new(&o, v.warnings()), doc.len());
        }
        assert_eq!((c.documents, c.accepted, c.rejected), (5, 0, 5));
        assert_eq!(c.bytes, 4 + 2 + 2 + 10 + 1);
        assert_eq!(c.code(ErrorCode::ParseError), 2);
        assert_eq!(c.code(ErrorCode::MissingId), 2);
        assert_eq!(c.code(ErrorCode::InvalidId), 1);
        assert_eq!(c.codes().map(|(_, n)| n).sum::<u64>(), c.rejected);
        assert_eq!(c.codes().count(), ErrorCode::ALL.len());

        let mut total = Counters::default();
        total.merge(&c);
        total += &c;
        assert_eq!(total.documents, 10);
        assert_eq!(total.code(ErrorCode::ParseError), 4);
        assert_eq!(total.bytes, 2 * c.bytes);
    }
}
