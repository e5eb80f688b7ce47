//! `fix_is_idempotent_and_accepted`: on arbitrary bytes taken as a document, under both
//! profiles, the fixer (`xseg::fix`)
//!
//! - writes an accepted document with no warnings byte for byte;
//! - writes a document it reports unchanged or not fixable byte for byte, and a document it
//!   reports fixed so that it is accepted;
//! - lists every change: replaying the listed changes on the input gives the output, and each
//!   change's `before` is what the input holds there;
//! - is idempotent: fixing the output again changes nothing;
//! - leaves no finding of a kind it repairs in a document whose only findings were of such
//!   kinds (a document the service accepts, all of whose warnings are repairable).
//!
//! The input is also tried with a name of disallowed characters put in front, so that most
//! inputs that are segments need a repair.

use xseg::fix::{FixOptions, FixReport, FixStatus, Fixer};
use xseg::{Options, Profile, Validator};

use crate::answer::literal;

fn check_changes(input: &[u8], out: &[u8], report: &FixReport<'_>) {
    let mut rebuilt = Vec::with_capacity(out.len());
    let mut last = 0;
    for c in report.changes() {
        assert!(
            last <= c.start && c.start <= c.end,
            "{c:?}: {}",
            literal(input)
        );
        let replaced = input.get(c.start..c.end).unwrap_or_default();
        match c.after {
            Some(after) => {
                assert_eq!(replaced, c.before.as_bytes(), "{c:?}: {}", literal(input));
                assert_ne!(c.before, after, "{c:?}");
            }
            None => assert!(
                std::str::from_utf8(replaced).is_ok_and(|r| r.contains(c.before)),
                "{c:?}: {}",
                literal(input)
            ),
        }
        rebuilt.extend_from_slice(input.get(last..c.start).unwrap_or_default());
        rebuilt.extend_from_slice(c.after.unwrap_or("").as_bytes());
        last = c.end;
    }
    rebuilt.extend_from_slice(input.get(last..).unwrap_or_default());
    assert_eq!(
        rebuilt,
        out,
        "changes do not explain the output: {}",
        literal(input)
    );
}

fn check(doc: &[u8], profile: Profile) {
    let opts = FixOptions::new(Options::new(profile));
    let mut fixer = Fixer::new(opts);
    let mut v = Validator::new(Options::new(profile));
    let mut service = Validator::new(Options::new(Profile::Service));
    let lit = || literal(doc);

    let clean = v.validate(doc).is_accepted() && v.warnings().is_empty();
    // only repairable findings: accepted by the service, every warning kept and repairable
    let only_repairable = service.validate(doc).is_accepted()
        && service.warnings().total() == service.warnings().as_slice().len()
        && service
            .warnings()
            .iter()
            .all(|w| opts.repairs_kind(w.kind()));

    let mut once = Vec::new();
    let report = fixer.fix(doc, &mut once);
    let status = report.status();
    check_changes(doc, &once, &report);
    match status {
        FixStatus::Unchanged | FixStatus::Unfixable => {
            assert_eq!(once, doc, "{profile:?} {status:?}: {}", lit());
            assert_eq!(report.unfixable().is_some(), status == FixStatus::Unfixable);
        }
        FixStatus::Fixed => {
            assert!(report.changes().len() > 0);
            assert!(v.validate(&once).is_accepted(), "{profile:?}: {}", lit());
        }
    }
    if clean {
        assert_eq!(status, FixStatus::Unchanged, "{profile:?}: {}", lit());
    }
    if only_repairable {
        assert_ne!(status, FixStatus::Unfixable, "{profile:?}: {}", lit());
        assert!(v.validate(&once).is_accepted(), "{profile:?}: {}", lit());
        for w in v.warnings() {
            assert!(
                !opts.repairs_kind(w.kind()),
                "{profile:?}: {w:?} left in {}",
                literal(&once)
            );
        }
    }

    let mut twice = Vec::new();
    let again = fixer.fix(&once, &mut twice);
    assert_ne!(again.status(), FixStatus::Fixed, "{profile:?}: {}", lit());
    assert_eq!(twice, once, "{profile:?}: fixing twice differs: {}", lit());
}

/// The property.
pub fn run(data: &[u8]) {
    let data = data.get(..crate::MAX_INPUT).unwrap_or(data);
    for profile in [Profile::Service, Profile::Strict] {
        check(data, profile);
    }
    // the same behind a name that needs a repair
    if let Some(rest) = data.strip_prefix(b"{") {
        let doc = [&br#"{"name":"a (b), \u0028c\\d","#[..], rest].concat();
        for profile in [Profile::Service, Profile::Strict] {
            check(&doc, profile);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{mutants, seeds};

    #[test]
    fn smoke() {
        let seeds = seeds("fix_is_idempotent_and_accepted");
        for s in &seeds {
            run(s);
        }
        for m in mutants(&seeds, 400, 7) {
            run(&m);
        }
    }
}
