//! The committed real-SDK samples (`corpus/samples/`): every document's verdict under both
//! profiles, as recorded in `verdicts.json` by the corpus tools' independent checker.

use serde_json::Value;
use xseg::{Options, Profile, Validator};

fn samples_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/samples")
}

#[test]
fn every_sample_has_its_recorded_verdict() {
    let dir = samples_dir();
    let verdicts: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("verdicts.json")).unwrap()).unwrap();
    assert!(verdicts.len() >= 200, "{} verdicts", verdicts.len());
    let mut files = std::collections::HashMap::new();
    let mut checked = [0usize; 2];
    let mut rejected = [0usize; 2];
    for (i, profile) in [Profile::Service, Profile::Strict].into_iter().enumerate() {
        let mut v = Validator::new(Options::new(profile));
        for entry in &verdicts {
            let file = entry["file"].as_str().unwrap();
            let text = files
                .entry(file.to_string())
                .or_insert_with(|| std::fs::read(dir.join(file)).unwrap());
            let line_no = entry["line"].as_u64().unwrap() as usize;
            let line = text.split(|&c| c == b'\n').nth(line_no - 1).unwrap();
            // the line before each body is the daemon header the SDK sent
            let header = text.split(|&c| c == b'\n').nth(line_no - 2).unwrap();
            assert!(v.is_daemon_header(header), "{file}:{}", line_no - 1);
            let want = &entry[profile.name()];
            let out = v.validate(line);
            let what = format!("{file}:{line_no} ({})", profile.name());
            assert_eq!(
                out.is_accepted(),
                want["accepted"].as_bool().unwrap(),
                "{what}: {out:?}"
            );
            if let Some(r) = out.rejection() {
                rejected[i] += 1;
                assert_eq!(
                    r.code().as_str(),
                    want["ErrorCode"].as_str().unwrap(),
                    "{what}"
                );
                if let (Some(id), Some(want_id)) = (r.id(), entry["id"].as_str()) {
                    assert_eq!(id, want_id, "{what}");
                }
            }
            checked[i] += 1;
        }
    }
    assert_eq!(checked, [verdicts.len(); 2]);
    // the samples hold real rejections, and strict rejects more than service
    assert!(rejected[0] > 0 && rejected[1] > rejected[0], "{rejected:?}");
}
