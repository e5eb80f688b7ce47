//! [`ValueSpan`]: where a JSON value sits in the document and what kind of value it is.

use super::JsonStr;

/// What kind of JSON value a [`ValueSpan`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ValueKind {
    /// A string without backslash escapes.
    Str,
    /// A string holding at least one backslash escape.
    StrEsc,
    /// A number.
    Num,
    /// `true`.
    True,
    /// `false`.
    False,
    /// `null`.
    Null,
    /// An object.
    Obj,
    /// An array.
    Arr,
}

/// Where a value sits in the document (local offsets, `end` exclusive) and what it is.
/// Twelve bytes, `Copy`: the scanner records one per documented field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ValueSpan {
    /// Offset of the value's first byte.
    pub start: u32,
    /// Offset just after the value.
    pub end: u32,
    /// What the value is.
    pub kind: ValueKind,
}

impl ValueSpan {
    /// Whether the value is a string.
    #[inline(always)]
    pub(crate) fn is_str(self) -> bool {
        matches!(self.kind, ValueKind::Str | ValueKind::StrEsc)
    }

    /// Whether the value is a string, a number or a boolean (not `null`, an object or an
    /// array).
    #[inline(always)]
    pub(crate) fn is_scalar(self) -> bool {
        !matches!(self.kind, ValueKind::Null | ValueKind::Obj | ValueKind::Arr)
    }

    /// Whether the value is `true` or `false`.
    #[inline(always)]
    pub(crate) fn is_bool(self) -> bool {
        matches!(self.kind, ValueKind::True | ValueKind::False)
    }

    /// The value's JSON text in `text`, the document it was read from (e.g. a number's
    /// literal); empty when the span does not fit `text`.
    #[inline(always)]
    pub(crate) fn raw_in(self, text: &str) -> &str {
        text.get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }

    /// The string between the quotes of this string value in `text`, the document it was
    /// read from. Meaningful for strings only (check [`is_str`](Self::is_str) first).
    #[inline(always)]
    pub(crate) fn str_in(self, text: &str) -> JsonStr<'_> {
        JsonStr::new(
            text.get(self.start as usize + 1..(self.end as usize).saturating_sub(1))
                .unwrap_or(""),
            self.kind == ValueKind::StrEsc,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_literals_read_back() {
        let text = r#"{"a":"x\ty","b":12.5}"#;
        let s = ValueSpan {
            start: 5,
            end: 11,
            kind: ValueKind::StrEsc,
        };
        assert!(s.is_str() && !s.is_bool());
        assert_eq!(s.str_in(text).decode(), "x\ty");
        let n = ValueSpan {
            start: 16,
            end: 20,
            kind: ValueKind::Num,
        };
        assert_eq!(n.raw_in(text), "12.5");
        let out = ValueSpan {
            start: 40,
            end: 50,
            kind: ValueKind::Str,
        };
        assert_eq!((out.raw_in(text), out.str_in(text).raw()), ("", ""));
    }
}
