//! `number_literal_matches_std`: on arbitrary bytes, the engine's number reader (its fast paths
//! for timestamps and other short decimal literals, `crates/xseg/src/rules/times.rs`) gives
//! bit for bit the `f64` of `str::parse::<f64>`, or fails where it fails. The input is read
//! whole, and also cut at every `,`, so that one input tries many literals.
//!
//! The reader is crate-internal to `xseg`, so its self-contained source is compiled into this
//! crate here.

// The property uses only the parser of the module.
#[allow(dead_code)]
#[path = "../../crates/xseg/src/rules/times.rs"]
mod times;

/// Inputs longer than this are cut: a literal of a few hundred bytes says all there is to say.
const MAX_LITERAL: usize = 512;

fn check(lit: &str) {
    let want = lit.parse::<f64>().ok().map(f64::to_bits);
    let got = times::to_f64(lit).map(f64::to_bits);
    assert_eq!(got, want, "{lit:?}");
}

/// Checks the property on `data`.
pub fn run(data: &[u8]) {
    let data = data.get(..MAX_LITERAL).unwrap_or(data);
    let text = String::from_utf8_lossy(data);
    check(&text);
    for part in text.split(',') {
        check(part);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{mutants, seeds};

    #[test]
    fn smoke() {
        let seeds = seeds("number_literal_matches_std");
        for s in &seeds {
            run(s);
        }
        for m in mutants(&seeds, 2000, 3) {
            run(&m);
        }
    }
}
