//! Annotation keys: `[A-Za-z0-9_.]{1,500}` after unescaping.

use crate::json::JsonStr;
use crate::limits::MAX_ANNOTATION_KEY_CHARS;

/// Whether an annotation key is one the service keeps.
pub(crate) fn key_ok(s: JsonStr<'_>) -> bool {
    if !s.has_escapes() {
        let b = s.raw().as_bytes();
        return (1..=MAX_ANNOTATION_KEY_CHARS).contains(&b.len())
            && b.iter()
                .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.');
    }
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
    let mut n = 0;
    for c in s.chars() {
        if !ok(c) {
            return false;
        }
        n += 1;
    }
    (1..=MAX_ANNOTATION_KEY_CHARS).contains(&n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert!(key_ok(JsonStr::new("grpc.status_code", false)));
        assert!(!key_ok(JsonStr::new("bad key", false)));
        assert!(!key_ok(JsonStr::new("", false)));
        assert!(!key_ok(JsonStr::new("k-1", false)));
        assert!(key_ok(JsonStr::new(&"k".repeat(500), false)));
        assert!(!key_ok(JsonStr::new(&"k".repeat(501), false)));
        assert!(key_ok(JsonStr::new(r"a\u005fb", true)));
        assert!(!key_ok(JsonStr::new(r"a\u0020b", true)));
        assert!(!key_ok(JsonStr::new("ké", false)));
    }
}
