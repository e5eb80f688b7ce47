//! docs/FIXING.md names every finding the fixer repairs, and every repair family.

use xseg::fix::Repair;
use xseg::ErrorKind;

#[test]
fn fixing_md_names_every_repaired_kind_and_family() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/FIXING.md");
    let text = std::fs::read_to_string(path).unwrap();
    let mut repaired = 0;
    for &kind in ErrorKind::ALL {
        if Repair::for_kind(kind).is_some() {
            repaired += 1;
            let name = format!("`{}`", kind.name());
            assert!(text.contains(&name), "docs/FIXING.md lacks {name}");
        }
    }
    assert!(repaired >= 12, "{repaired}");
    for r in Repair::ALL {
        let heading = format!("### `{}`", r.name());
        let named = text.contains(&heading) || text.contains(&format!("### {}", heading_words(r)));
        assert!(named, "docs/FIXING.md has no section for {}", r.name());
    }
    assert!(text.contains(&format!("`{}`", xseg::fix::NAME_PLACEHOLDER)));
}

fn heading_words(r: Repair) -> &'static str {
    match r {
        Repair::Name => "`name`",
        Repair::AnnotationKey => "Annotation keys",
        Repair::AnnotationValue => "Annotation string values",
        Repair::Id => "Ids",
        Repair::Strict => "`strict`",
    }
}
