//! Numbers: times and integer-valued fields.

/// Parses a JSON number literal (already grammar-checked) as f64; `1e400` gives infinity.
#[inline]
pub(crate) fn to_f64(lit: &str) -> Option<f64> {
    lit.parse::<f64>().ok()
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

    #[test]
    fn integers_and_times() {
        assert!(integer_valued("200") && integer_valued("200.0") && integer_valued("2e2"));
        assert!(!integer_valued("200.5") && !integer_valued("1e400"));
        assert!(integer_valued("12345678901234567890123"));
        assert!(!integer_valued(&"9".repeat(400)));
        assert!(valid_time(to_f64("1.7e9").unwrap()));
        assert!(!valid_time(to_f64("1e400").unwrap()) && !valid_time(to_f64("-0").unwrap()));
    }
}
