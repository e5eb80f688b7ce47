//! docs/ERRORS.md lists every diagnostic kind with its code and category.

use xseg::ErrorKind;

#[test]
fn errors_md_lists_every_kind_with_its_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/ERRORS.md");
    let text = std::fs::read_to_string(path).unwrap();
    for kind in ErrorKind::ALL {
        let row = format!(
            "| `{}` | `{}` | {:?} | {} |",
            kind.name(),
            kind.code(),
            kind.category(),
            kind.description()
        );
        assert!(
            text.contains(&row),
            "docs/ERRORS.md lacks or misstates: {row}"
        );
    }
}
