//! The committed real-SDK samples (`corpus/samples/*.ndjson`) through the fixer, then the
//! validator: no rejection of a fixable kind is left, and every line that needed no repair is
//! written byte for byte.

use xseg::fix::{FixOptions, FixStatus, Fixer};
use xseg::{Options, Profile, Validator};

use crate::check_report;

fn lines(file: &str) -> Vec<Vec<u8>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus/samples")
        .join(file);
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// Whether validation of `doc` finds anything these options repair.
fn needs_repair(v: &mut Validator, opts: &FixOptions, doc: &[u8]) -> bool {
    let out = v.validate(doc);
    out.rejection()
        .is_some_and(|r| opts.repairs_kind(r.error().kind()))
        || v.warnings().iter().any(|w| opts.repairs_kind(w.kind()))
}

/// What one profile did to a stream.
#[derive(Debug, Default)]
struct Counts {
    headers: usize,
    fixed: usize,
    unchanged: usize,
    unfixable: usize,
    /// Documents the validator rejected before fixing.
    rejected_before: usize,
    /// Unfixable documents whose first rejection is of a repairable kind: written unchanged
    /// because of another fault.
    masked: usize,
    /// Unfixable documents by the kind of what is left.
    reasons: std::collections::BTreeMap<&'static str, usize>,
    /// Changes by the finding they answer.
    changes: std::collections::BTreeMap<&'static str, usize>,
}

/// Fixes every document of `lines` under `profile`, checking each report, that no rejection
/// of a repairable kind is left, and that every line that needed no repair is written byte for
/// byte.
fn run_stream(profile: Profile, what: &str, lines: &[Vec<u8>]) -> Counts {
    let opts = FixOptions::new(Options::new(profile));
    let mut fixer = Fixer::new(opts);
    let mut find = Validator::new(Options::new(Profile::Service));
    let mut check = Validator::new(Options::new(profile));
    let mut out = Vec::new();
    let mut n = Counts::default();
    for (i, line) in lines.iter().enumerate() {
        let at = || format!("{what}:{} ({profile:?})", i + 1);
        if check.is_daemon_header(line) {
            n.headers += 1;
            continue;
        }
        n.rejected_before += usize::from(!check.validate(line).is_accepted());
        out.clear();
        let report = fixer.fix(line, &mut out);
        check_report(&opts, line, &out, &report);
        let status = report.status();
        match status {
            FixStatus::Fixed => n.fixed += 1,
            FixStatus::Unchanged => n.unchanged += 1,
            FixStatus::Unfixable => n.unfixable += 1,
        }
        let reason = report.unfixable().map(|u| u.kind);
        if let Some(kind) = reason {
            *n.reasons.entry(kind.name()).or_default() += 1;
        }
        for c in report.changes() {
            *n.changes.entry(c.finding.name()).or_default() += 1;
        }
        // no rejection of a repairable kind is left: what is still rejected is a document
        // written unchanged because of a fault the fixer does not repair
        if let Some(r) = check.validate(&out).rejection() {
            let reason =
                reason.unwrap_or_else(|| panic!("{}: {} left", at(), r.error().kind().name()));
            assert!(!opts.repairs_kind(reason), "{}: {}", at(), reason.name());
            assert_eq!(&out, line, "{}", at());
            n.masked += usize::from(opts.repairs_kind(r.error().kind()));
        }
        // a line that needed no repair is written byte for byte
        if !needs_repair(&mut find, &opts, line) {
            assert_ne!(status, FixStatus::Fixed, "{}", at());
            assert_eq!(&out, line, "{}", at());
        }
    }
    eprintln!("{what} ({profile:?}): {n:?}");
    n
}

#[test]
fn samples_are_repaired_and_the_rest_is_untouched() {
    for profile in [Profile::Service, Profile::Strict] {
        let mut total = Counts::default();
        for file in ["python.ndjson", "node.ndjson"] {
            let n = run_stream(profile, file, &lines(file));
            // a daemon header before every document
            assert_eq!(n.headers, n.fixed + n.unchanged + n.unfixable, "{file}");
            total.fixed += n.fixed;
            total.unfixable += n.unfixable;
            total.rejected_before += n.rejected_before;
        }
        // the samples hold repairable faults, and fewer rejections are left than were met
        assert!(total.fixed > 0, "{profile:?}: {total:?}");
        assert!(
            total.unfixable < total.rejected_before,
            "{profile:?}: {total:?}"
        );
    }
}

/// The same on a whole capture: `XSEG_CORPUS=corpus/out/corpus.ndjson cargo test -p xseg
/// --test fix -- --ignored` (see `corpus/README.md` for how to make one).
#[test]
#[ignore = "needs XSEG_CORPUS set to an NDJSON capture"]
fn capture_is_repaired_and_the_rest_is_untouched() {
    let path = std::env::var("XSEG_CORPUS").expect("XSEG_CORPUS=path/to/corpus.ndjson");
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let lines: Vec<Vec<u8>> = text
        .split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    for profile in [Profile::Service, Profile::Strict] {
        let n = run_stream(profile, &path, &lines);
        assert!(
            n.fixed + n.unchanged + n.unfixable > 0,
            "{path}: no document"
        );
    }
}
