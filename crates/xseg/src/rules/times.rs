//! Numbers: times and integer-valued fields.
//!
//! [`to_f64`] gives exactly what `str::parse::<f64>` gives (the correctly rounded value), but
//! reads the common literals itself: timestamps such as `1744830464.123` or
//! `1744830464.1234567` take a few dozen instructions here instead of the general parser's few
//! hundred. This file depends on nothing else in the crate (the fuzz crate compiles it alone
//! to compare it with the standard library on arbitrary input).

/// The powers of ten that an `f64` holds exactly: `10^0` to `10^22`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `10^0` to `10^22` as integers.
const POW10_INT: [u128; 23] = [
    1,
    10,
    100,
    1000,
    10000,
    100000,
    1000000,
    10000000,
    100000000,
    1000000000,
    10000000000,
    100000000000,
    1000000000000,
    10000000000000,
    100000000000000,
    1000000000000000,
    10000000000000000,
    100000000000000000,
    1000000000000000000,
    10000000000000000000,
    100000000000000000000,
    1000000000000000000000,
    10000000000000000000000,
];

/// `10^0` to `10^8`.
const POW10_U64: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// Every integer up to this one (2^53) is exact in an `f64`.
const MAX_EXACT: u64 = 1 << 53;

/// Parses a JSON number literal (already grammar-checked) as f64; `1e400` gives infinity.
/// Bit for bit the value of `lit.parse::<f64>()`, for any string.
#[inline]
pub(crate) fn to_f64(lit: &str) -> Option<f64> {
    match fast_f64(lit.as_bytes()) {
        Some(v) => Some(v),
        None => lit.parse::<f64>().ok(),
    }
}

/// Digits of a mantissa at most: any 19 digits fit a `u64`.
const MAX_DIGITS: usize = 19;

/// Eight ASCII zeros.
const LOW: u64 = 0x3030_3030_3030_3030;

/// Whether the eight bytes of `chunk` (little-endian) are all ASCII digits.
#[inline]
fn eight_digits(chunk: u64) -> bool {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    chunk & HIGH == LOW && chunk.wrapping_add(0x0606_0606_0606_0606) & HIGH == LOW
}

/// The value of eight ASCII digits (little-endian: the first digit in the low byte).
#[inline]
fn eight_value(chunk: u64) -> u64 {
    let v = chunk.wrapping_sub(LOW);
    // pairs of digits, then quadruples, then all eight
    let v = v.wrapping_mul(10).wrapping_add(v >> 8) & 0x00FF_00FF_00FF_00FF;
    let v = v.wrapping_mul(100).wrapping_add(v >> 16) & 0x0000_FFFF_0000_FFFF;
    v.wrapping_mul(10_000).wrapping_add(v >> 32) & 0xFFFF_FFFF
}

/// A literal `-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?` read as `mantissa × 10^exponent`, with the
/// mantissa's digits as one integer; `None` for any other string and for a mantissa of more
/// than 19 digits (leading zeros included), which are left to the general parser.
#[inline]
fn decimal(b: &[u8]) -> Option<(bool, u64, i64)> {
    let (neg, body) = match b.split_first() {
        Some((b'-', r)) => (true, r),
        _ => (false, b),
    };
    // The integer part, eight digits at once when it starts with them (every timestamp does).
    let (mut mant, skip) = match body.first_chunk::<8>() {
        Some(chunk) if eight_digits(u64::from_le_bytes(*chunk)) => {
            (eight_value(u64::from_le_bytes(*chunk)), 8usize)
        }
        _ => (0u64, 0usize),
    };
    let mut int_digits = body.len();
    for (i, &c) in body.iter().enumerate().skip(skip) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            int_digits = i;
            break;
        }
        // wraps past 19 digits, which are refused below
        mant = mant.wrapping_mul(10).wrapping_add(u64::from(d));
    }
    if int_digits == 0 || int_digits > MAX_DIGITS {
        return None;
    }
    let mut rest = body.get(int_digits..).unwrap_or(&[]);
    let mut frac_digits = 0usize;
    if let Some((b'.', frac)) = rest.split_first() {
        rest = frac;
        let n = frac.len();
        match body.last_chunk::<8>() {
            // A fraction of one to eight digits that ends the literal: its digits are the last
            // `n` bytes, read as eight digits with zeros after them (the mantissa gains the
            // zeros and the exponent loses them).
            Some(last) if (1..=8).contains(&n) && int_digits + n <= MAX_DIGITS => {
                let tail = u64::from_le_bytes(*last) >> ((8 - n) * 8);
                let padded = tail | LOW.checked_shl((n * 8) as u32).unwrap_or(0);
                if let (true, Some(&scale), Some(&drop)) =
                    (eight_digits(padded), POW10_U64.get(n), POW10_U64.get(8 - n))
                {
                    mant = mant
                        .wrapping_mul(scale)
                        .wrapping_add(eight_value(padded) / drop);
                    frac_digits = n;
                    rest = &[];
                }
            }
            _ => {}
        }
        if frac_digits == 0 {
            let mut end = frac.len();
            for (i, &c) in frac.iter().enumerate() {
                let d = c.wrapping_sub(b'0');
                if d > 9 {
                    end = i;
                    break;
                }
                mant = mant.wrapping_mul(10).wrapping_add(u64::from(d));
            }
            if end == 0 || int_digits + end > MAX_DIGITS {
                return None;
            }
            frac_digits = end;
            rest = frac.get(end..).unwrap_or(&[]);
        }
    }
    let frac_digits = frac_digits as i64;
    let mut exp = 0i64;
    if let Some((b'e' | b'E', r)) = rest.split_first() {
        rest = r;
        let exp_neg = match rest.split_first() {
            Some((b'-', r)) => {
                rest = r;
                true
            }
            Some((b'+', r)) => {
                rest = r;
                false
            }
            _ => false,
        };
        let mut exp_digits = 0usize;
        while let Some((&c, r)) = rest.split_first() {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            // Past a million the value is zero or infinite anyway: the general parser decides.
            exp = (exp * 10 + i64::from(d)).min(1_000_000);
            exp_digits += 1;
            rest = r;
        }
        if exp_digits == 0 {
            return None;
        }
        if exp_neg {
            exp = -exp;
        }
    }
    if !rest.is_empty() {
        return None;
    }
    Some((neg, mant, exp - frac_digits))
}

/// The correctly rounded value of a decimal literal when it can be had cheaply and surely;
/// `None` sends the literal to the general parser.
///
/// - Clinger's fast path: a mantissa of at most 2^53 and a power of ten of at most 10^22 are
///   both exact in an `f64`, so one IEEE multiplication or division, itself correctly
///   rounded, gives the correctly rounded value.
/// - A larger mantissa (up to 2^64) divided by a power of ten of at most 10^22, such as a
///   17-digit timestamp with 7 decimals: the quotient of the two rounded operands is within
///   about one unit in the last place of the true value, and an exact integer comparison tells
///   whether it (or its neighbour) is the correctly rounded one. A value too near a halfway
///   point, or at a power of two, goes to the general parser.
#[inline]
fn fast_f64(b: &[u8]) -> Option<f64> {
    let (neg, mant, exp) = decimal(b)?;
    let magnitude = if mant <= MAX_EXACT && (-22..=22).contains(&exp) {
        let p = *POW10.get(exp.unsigned_abs() as usize)?;
        if exp < 0 {
            mant as f64 / p
        } else {
            mant as f64 * p
        }
    } else if (-22..0).contains(&exp) {
        rounded_quotient(mant, exp.unsigned_abs() as usize)?
    } else {
        return None;
    };
    Some(if neg { -magnitude } else { magnitude })
}

/// `mant / 10^k` correctly rounded (`1 <= k <= 22`), when the rounded quotient or one of its
/// neighbours is surely it.
#[inline]
fn rounded_quotient(mant: u64, k: usize) -> Option<f64> {
    let p = *POW10.get(k)?;
    let guess = mant as f64 / p;
    let bits = guess.to_bits();
    let biased = (bits >> 52) & 0x7ff;
    if biased == 0 || biased == 0x7ff {
        return None;
    }
    // guess = sig × 2^-shift, with 2^52 <= sig < 2^53
    let mut sig = (bits & ((1 << 52) - 1)) | (1 << 52);
    let shift = 1075i64 - biased as i64;
    if !(1..=63).contains(&shift) {
        return None;
    }
    let ten_k = *POW10_INT.get(k)?;
    // x - guess = (mant × 2^shift - sig × 10^k) / (10^k × 2^shift); both products < 2^127
    let scaled = i128::try_from(u128::from(mant) << shift).ok()?;
    let ten = i128::try_from(ten_k).ok()?;
    let mut diff = scaled - i128::from(sig) * ten;
    // `guess` is the correctly rounded value when |x - guess| < ulp / 2, i.e. |diff| < 10^k / 2
    // (10^k is even). One step towards x when it is not.
    for _ in 0..2 {
        if diff.unsigned_abs() < ten_k / 2 {
            // Just above a power of two the next value down is nearer: not decided here.
            if sig == 1 << 52 && diff < 0 {
                return None;
            }
            let bits = (bits & !((1 << 52) - 1)) | (sig & ((1 << 52) - 1));
            return Some(f64::from_bits(bits));
        }
        if diff > 0 {
            sig += 1;
            diff -= ten;
        } else {
            sig -= 1;
            diff += ten;
        }
        if !(1 << 52..1 << 53).contains(&sig) {
            return None;
        }
    }
    None
}

/// `start_time` / `end_time`: finite and greater than 0.
#[inline]
pub(crate) fn valid_time(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

/// Integer-valued: finite, no fractional part (`200.0` and `2e2` pass).
#[inline]
pub(crate) fn integer_valued(lit: &str) -> bool {
    // A short run of digits is an integer whatever its value; anything else (fractions,
    // exponents, integers too long to be sure of) goes through f64, where `1e400` and a
    // 400-digit integer are infinite (D14).
    let plain = lit.len() <= 18 && !lit.bytes().any(|c| matches!(c, b'.' | b'e' | b'E'));
    plain || to_f64(lit).is_some_and(|v| v.is_finite() && v.fract() == 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn integers_and_times() {
        assert!(integer_valued("200") && integer_valued("200.0") && integer_valued("2e2"));
        assert!(!integer_valued("200.5") && !integer_valued("1e400"));
        assert!(integer_valued("12345678901234567890123"));
        assert!(!integer_valued(&"9".repeat(400)));
        assert!(valid_time(to_f64("1.7e9").unwrap()));
        assert!(!valid_time(to_f64("1e400").unwrap()) && !valid_time(to_f64("-0").unwrap()));
    }

    /// `to_f64` and the standard parser agree bit for bit (NaN never comes out of either).
    fn same(lit: &str) {
        let want = lit.parse::<f64>().ok().map(f64::to_bits);
        assert_eq!(to_f64(lit).map(f64::to_bits), want, "{lit:?}");
    }

    #[test]
    fn edges_match_the_standard_parser() {
        for lit in [
            "0",
            "-0",
            "-0.0",
            "0e0",
            "-0e-5",
            "0.0000000000000000000000",
            "9007199254740992",
            "9007199254740993",
            "9007199254740993.0",
            "-9007199254740993",
            "900719925474099.3",
            "90071992547409921",
            "18446744073709551615",
            "18446744073709551616",
            "1844674407370955161.5",
            "1e22",
            "1e23",
            "1e-22",
            "1e-23",
            "1.0000000000000000000001",
            "0.0000000000000000000001",
            "1744830464.1234567",
            "1744830464.123456",
            "1744830464.5",
            "1744830464",
            "1744830464.9999999",
            "4503599627370496.5",
            "4503599627370497.5",
            "9007199254740991.5",
            "0.30000000000000004",
            "2.2250738585072014e-308",
            "4.9e-324",
            "1.7976931348623157e308",
            "1e400",
            "-1e400",
            "007",
            "1.5E+3",
            "1.5e-0",
            "12345678901234567e-22",
            "1e99999999999999999999",
            // not JSON: left to the standard parser, which decides
            "",
            "-",
            "1.",
            ".5",
            "+1",
            "1e",
            "1e+",
            "inf",
            "NaN",
            "1_0",
            " 1",
        ] {
            same(lit);
        }
    }

    #[test]
    fn the_fast_paths_are_taken() {
        // Clinger's fast path and the checked quotient both decide these without the
        // general parser (the results are compared with it above and below).
        assert!(fast_f64(b"1744830464.123").is_some());
        assert!(fast_f64(b"-1744830464.1234567").is_some());
        assert!(fast_f64(b"9007199254740992e22").is_some());
        assert!(fast_f64(b"1e23").is_none());
        assert!(fast_f64(b"123456789012345678901").is_none());
        assert!(fast_f64(b"1.").is_none());
    }

    /// A literal from parts: sign, integer digits, fraction digits, exponent.
    fn literal(neg: bool, int: &str, frac: &str, exp: Option<(char, &str, i32)>) -> String {
        let mut s = String::new();
        if neg {
            s.push('-');
        }
        s.push_str(int);
        if !frac.is_empty() {
            s.push('.');
            s.push_str(frac);
        }
        if let Some((e, sign, n)) = exp {
            s.push(e);
            s.push_str(sign);
            s.push_str(&n.to_string());
        }
        s
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn decimal_literals_match_the_standard_parser(
            neg in any::<bool>(),
            int in "[0-9]{1,20}",
            frac in "[0-9]{0,24}",
            exp in proptest::option::of((
                prop_oneof![Just('e'), Just('E')],
                prop_oneof![Just(""), Just("+"), Just("-")],
                0i32..40,
            )),
        ) {
            let lit = literal(neg, &int, &frac, exp);
            same(&lit);
        }

        #[test]
        fn timestamps_match_the_standard_parser(secs in 0u64..4_000_000_000, frac in "[0-9]{0,9}") {
            same(&literal(false, &secs.to_string(), &frac, None));
        }

        #[test]
        fn integers_near_two_to_the_53_match(n in 0u64..1 << 20, frac in "[0-9]{1,4}", k in 0usize..6) {
            let base = (1u64 << 53) - (1 << 19) + n;
            same(&format!("{base}"));
            let s = base.to_string();
            let (i, f) = s.split_at(s.len() - k.min(s.len() - 1));
            same(&literal(false, i, &format!("{f}{frac}"), None));
        }

        #[test]
        fn any_string_matches_the_standard_parser(s in "[-+0-9.eE]{0,30}") {
            same(&s);
        }
    }
}
