//! The committed real-SDK samples (`corpus/samples/*.ndjson`) through the fixer, then the
//! validator: no rejection of a fixable kind is left, and every line that needed no repair is
//! written byte for byte.

use xseg::fix::{FixOptions, Fixer, Status};
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

#[test]
fn samples_are_repaired_and_the_rest_is_untouched() {
    let mut counts = Vec::new();
    for profile in [Profile::Service, Profile::Strict] {
        let opts = FixOptions::new(Options::new(profile));
        let mut fixer = Fixer::new(opts);
        let mut find = Validator::new(Options::new(Profile::Service));
        let mut check = Validator::new(Options::new(profile));
        let mut out = Vec::new();
        let (mut fixed, mut unchanged, mut unfixable, mut headers) = (0, 0, 0, 0);
        let mut rejected_before = 0;
        let mut masked = 0;
        for file in ["python.ndjson", "node.ndjson"] {
            for line in lines(file) {
                if check.is_daemon_header(&line) {
                    headers += 1;
                    continue;
                }
                rejected_before += usize::from(!check.validate(&line).is_accepted());
                out.clear();
                let report = fixer.fix(&line, &mut out);
                check_report(&opts, &line, &out, &report);
                match report.status() {
                    Status::Fixed => fixed += 1,
                    Status::Unchanged => unchanged += 1,
                    Status::Unfixable => unfixable += 1,
                }
                let status = report.status();
                let reason = report.unfixable().map(|u| u.kind);
                // no rejection of a fixable kind is left: what is still rejected is a
                // document written unchanged because of a fault the fixer does not repair
                if let Some(r) = check.validate(&out).rejection() {
                    let reason = reason.unwrap_or_else(|| {
                        panic!("{file} ({profile:?}): {} left", r.error().kind().name())
                    });
                    assert!(!opts.repairs_kind(reason), "{file}: {}", reason.name());
                    assert_eq!(out, line, "{file}");
                    if opts.repairs_kind(r.error().kind()) {
                        masked += 1;
                    }
                }
                // a line that needed no repair is written byte for byte
                if !needs_repair(&mut find, &opts, &line) {
                    assert_ne!(status, Status::Fixed, "{file}");
                    assert_eq!(out, line, "{file}");
                }
            }
        }
        assert_eq!(
            headers,
            fixed + unchanged + unfixable,
            "one header per document"
        );
        counts.push((profile, fixed, unchanged, unfixable, rejected_before));
        eprintln!("{profile:?}: {fixed} fixed, {unchanged} unchanged, {unfixable} unfixable ({masked} of them also hold a repairable fault that validation reports first), {rejected_before} rejected before");
    }
    // the samples hold repairable faults, and the fixer leaves fewer rejections than it met
    for &(profile, fixed, _, unfixable, rejected_before) in &counts {
        assert!(fixed > 0, "{counts:?}");
        assert!(unfixable < rejected_before, "{profile:?}: {counts:?}");
    }
}
