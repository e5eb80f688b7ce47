//! Trace ids: `1-` + 8 hex (epoch seconds) + `-` + 24 hex.

use super::ids::hex8_word;
use crate::json::JsonStr;

/// A parsed trace id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceId {
    /// Format version; always 1.
    pub version: u8,
    /// Creation time, Unix seconds, from the 8 hex digits.
    pub epoch: u32,
    /// The 96-bit random part.
    pub random: u128,
    pub(crate) upper: bool,
    pub(crate) zero: bool,
}

/// What the engine needs of a trace id: its shape flags, its epoch and the whole id as one
/// number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shape {
    pub epoch: u32,
    pub upper: bool,
    pub zero: bool,
    /// The 8 hex digits of the epoch, then the 24 of the random part.
    pub number: u128,
}

fn check_bytes(b: &[u8]) -> Option<Shape> {
    if b.len() != 35
        || b.first() != Some(&b'1')
        || b.get(1) != Some(&b'-')
        || b.get(10) != Some(&b'-')
    {
        return None;
    }
    // eight digits at a time
    let (epoch, e) = hex8_word(b.get(2..10)?)?;
    let (r1, u1) = hex8_word(b.get(11..19)?)?;
    let (r2, u2) = hex8_word(b.get(19..27)?)?;
    let (r3, u3) = hex8_word(b.get(27..35)?)?;
    let random = (u128::from(r1) << 64) | (u128::from(r2) << 32) | u128::from(r3);
    Some(Shape {
        epoch: u32::try_from(epoch).ok()?,
        upper: e || u1 || u2 || u3,
        zero: epoch == 0 && random == 0,
        number: (u128::from(epoch) << 96) | random,
    })
}

/// Checks a trace id after unescaping.
#[inline]
pub(crate) fn check(s: JsonStr<'_>) -> Option<Shape> {
    if s.has_escapes() {
        check_bytes(&s.decode_small::<35>()?)
    } else {
        check_bytes(s.raw().as_bytes())
    }
}

/// Parses a trace id after unescaping.
pub(crate) fn parse(s: JsonStr<'_>) -> Option<TraceId> {
    let t = check(s)?;
    Some(TraceId {
        version: 1,
        epoch: t.epoch,
        random: t.number & ((1u128 << 96) - 1),
        upper: t.upper,
        zero: t.zero,
    })
}

/// A trace id (after unescaping) as one number: the 8 hex digits of the epoch, then the 24
/// of the random part.
#[inline]
pub(crate) fn number(s: JsonStr<'_>) -> Option<u128> {
    check(s).map(|t| t.number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_parts() {
        let t = parse(JsonStr::new("1-68000000-a006649127e371903a2de979", false)).unwrap();
        assert_eq!(t.epoch, 0x6800_0000);
        assert_eq!(t.random, 0xa006649127e371903a2de979);
        assert!(!t.upper && !t.zero);
        let c = check(JsonStr::new("1-68000000-a006649127e371903a2de979", false)).unwrap();
        assert_eq!((c.epoch, c.upper, c.zero), (0x6800_0000, false, false));
        assert!(
            parse(JsonStr::new("1-00000000-000000000000000000000000", false))
                .unwrap()
                .zero
        );
        assert!(
            parse(JsonStr::new("1-68000000-A006649127E371903A2DE979", false))
                .unwrap()
                .upper
        );
        assert_eq!(
            number(JsonStr::new("1-68000000-a006649127E371903a2de979", false)),
            Some(0x6800_0000_a006_6491_27e3_7190_3a2d_e979)
        );
        assert_eq!(
            number(JsonStr::new(
                r"1-68000000-a006649127E371903a2de97\u0039",
                true
            )),
            Some(0x6800_0000_a006_6491_27e3_7190_3a2d_e979)
        );
        for bad in [
            "2-68000000-a006649127e371903a2de979",
            "1-68000000-a006649127e371903a2de97",
            "1_68000000_a006649127e371903a2de979",
            " 1-68000000-a006649127e371903a2de97",
            "1-6800000g-a006649127e371903a2de979",
        ] {
            assert!(parse(JsonStr::new(bad, false)).is_none(), "{bad}");
            assert!(check(JsonStr::new(bad, false)).is_none(), "{bad}");
            assert!(number(JsonStr::new(bad, false)).is_none(), "{bad}");
        }
    }
}
