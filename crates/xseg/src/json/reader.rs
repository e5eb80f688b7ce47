//! The grammar and depth layer: a reader that checks JSON left to right, skips the values
//! nobody needs without recursion, and hands out objects and arrays member by member.
//!
//! The reader knows nothing about X-Ray. It reports two things besides syntax errors: where
//! each value sits ([`ValueSpan`]), and keys repeated inside an object, which go to a
//! [`RepeatSink`] for objects the reader closes itself (skipped values and objects read with
//! [`Reader::obj_end`]) and back to the caller for objects it closes with
//! [`Reader::obj_close`].

use super::keys::{key_in, KeyEntry, KeySet};
use super::lex::{eof_or, scan_literal, scan_number, scan_string, ws};
use super::{JsonStr, SynErr, ValueKind, ValueSpan};
use crate::error::ErrorKind;
use crate::limits;

type R<T> = Result<T, SynErr>;

/// Where the reader reports a key repeated in an object it closes itself.
pub(crate) trait RepeatSink {
    /// A key repeats in an object; `at` is the local offset of the value of its earliest
    /// second occurrence (D7).
    fn repeated_key(&mut self, at: u32);
}

/// One open container of the skipper.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Open {
    is_object: bool,
    keys: KeySet,
}

/// Reusable buffers; their capacity survives between documents.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// The keys of the open objects that keep theirs, for repeated-key detection.
    pub keys: Vec<KeyEntry>,
    /// The containers the skipper has open.
    pub open: Vec<Open>,
}

impl Scratch {
    /// Buffers sized for typical documents.
    pub(crate) fn with_capacity() -> Self {
        Scratch {
            keys: Vec::with_capacity(1024),
            open: Vec::with_capacity(limits::MAX_DEPTH + 2),
        }
    }
}

/// An object being read member by member ([`Reader::obj_begin`]).
#[derive(Debug)]
pub(crate) struct ObjIter {
    keys: KeySet,
    /// After each member, the caller stores here the offset just after the member's value.
    pub pos: usize,
    first: bool,
}

/// An array being read element by element ([`Reader::arr_begin`]).
#[derive(Debug)]
pub(crate) struct ArrIter {
    /// After each element, the caller stores here the offset just after it.
    pub pos: usize,
    first: bool,
}

/// The reader over one UTF-8-checked document.
pub(crate) struct Reader<'a, 's, S> {
    b: &'a [u8],
    text: &'a str,
    max_depth: usize,
    scratch: &'s mut Scratch,
    /// The key [`obj_key`](Self::obj_key) returned last.
    last_key: KeyEntry,
    /// Receives the keys repeated in objects the reader closes itself.
    pub sink: S,
}

impl<'a, 's, S: RepeatSink> Reader<'a, 's, S> {
    /// A reader over `text` with nesting limit `max_depth`; clears `scratch`.
    pub(crate) fn new(text: &'a str, max_depth: usize, scratch: &'s mut Scratch, sink: S) -> Self {
        scratch.keys.clear();
        scratch.open.clear();
        Reader {
            b: text.as_bytes(),
            text,
            max_depth,
            scratch,
            last_key: KeyEntry::default(),
            sink,
        }
    }

    /// The document.
    #[inline(always)]
    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    /// The byte at `pos`.
    #[inline(always)]
    pub(crate) fn at(&self, pos: usize) -> Option<u8> {
        self.b.get(pos).copied()
    }

    /// The first non-white-space offset from `pos`.
    #[inline(always)]
    pub(crate) fn ws(&self, pos: usize) -> usize {
        ws(self.b, pos)
    }

    #[inline(always)]
    fn str_at(&self, start: usize, end: usize, escaped: bool) -> JsonStr<'a> {
        JsonStr::new(self.text.get(start..end).unwrap_or(""), escaped)
    }

    /// Checks that nothing but white space follows the top-level value ending at `end`.
    pub(crate) fn finish_document(&self, end: usize) -> R<()> {
        let pos = self.ws(end);
        if pos < self.b.len() {
            Err((ErrorKind::TrailingCharacters, pos))
        } else {
            Ok(())
        }
    }

    /// Checks a whole document that is one JSON value of any kind; returns where the value
    /// starts.
    pub(crate) fn document(&mut self) -> R<usize> {
        let pos = self.ws(0);
        let end = self.value(pos, 1)?;
        self.finish_document(end)?;
        Ok(pos)
    }

    /// Checks a string, number or literal at `pos`; returns the index after it.
    #[inline(always)]
    pub(crate) fn scalar(&self, pos: usize) -> R<usize> {
        let b = self.b;
        match self.at(pos) {
            Some(b'"') => Ok(scan_string(b, pos + 1)?.0 + 1),
            Some(b'-' | b'0'..=b'9') => scan_number(b, pos),
            Some(b't') => scan_literal(b, pos, b"true"),
            Some(b'f') => scan_literal(b, pos, b"false"),
            Some(b'n') => scan_literal(b, pos, b"null"),
            None => Err((ErrorKind::UnexpectedEof, b.len())),
            Some(_) => Err((ErrorKind::ExpectedValue, pos)),
        }
    }

    /// Checks any value at `pos` (nesting depth `depth`); returns the index after it.
    #[inline]
    pub(crate) fn value(&mut self, pos: usize, depth: usize) -> R<usize> {
        match self.at(pos) {
            Some(b'{' | b'[') => self.container(pos, depth),
            _ => self.scalar(pos),
        }
    }

    /// Checks any value and tells where it is and what it was.
    #[inline(always)]
    pub(crate) fn value_span(&mut self, pos: usize, depth: usize) -> R<ValueSpan> {
        let b = self.b;
        let (end, kind) = match self.at(pos) {
            Some(b'"') => {
                let (close, esc) = scan_string(b, pos + 1)?;
                let kind = if esc {
                    ValueKind::StrEsc
                } else {
                    ValueKind::Str
                };
                (close + 1, kind)
            }
            Some(b'-' | b'0'..=b'9') => (scan_number(b, pos)?, ValueKind::Num),
            Some(b't') => (scan_literal(b, pos, b"true")?, ValueKind::True),
            Some(b'f') => (scan_literal(b, pos, b"false")?, ValueKind::False),
            Some(b'n') => (scan_literal(b, pos, b"null")?, ValueKind::Null),
            Some(b'{') => (self.container(pos, depth)?, ValueKind::Obj),
            Some(b'[') => (self.container(pos, depth)?, ValueKind::Arr),
            None => return Err((ErrorKind::UnexpectedEof, b.len())),
            Some(_) => return Err((ErrorKind::ExpectedValue, pos)),
        };
        Ok(ValueSpan {
            start: pos as u32,
            end: end as u32,
            kind,
        })
    }

    /// Checks an object or array without recursion: an explicit stack of open containers.
    fn container(&mut self, start: usize, depth: usize) -> R<usize> {
        // The stacks are moved into locals for the loop, so their lengths stay in registers;
        // they go back on every path, keeping their capacity for the next document.
        let mut open = std::mem::take(&mut self.scratch.open);
        let mut keys = std::mem::take(&mut self.scratch.keys);
        let result = self.skip(&mut open, &mut keys, start, depth);
        self.scratch.open = open;
        self.scratch.keys = keys;
        result
    }

    #[inline(always)]
    fn skip(
        &mut self,
        open: &mut Vec<Open>,
        keys: &mut Vec<KeyEntry>,
        start: usize,
        depth: usize,
    ) -> R<usize> {
        let (b, text) = (self.b, self.text);
        let floor = open.len();
        let mut d = depth;
        // Open the container at `start`; after that the loop reads one element per turn, or,
        // with `closing` set, closes the container whose bracket is at `pos`. Plain
        // conditional branches only: no state to dispatch on.
        // `is_object` and `cur` describe the innermost open container and stay in registers;
        // `open` holds the frames of the containers around it, up to the one at `start`.
        let mut is_object = b.get(start) == Some(&b'{');
        let mut cur = KeySet::new(start);
        let mut pos = ws(b, start + 1);
        let mut closing = b.get(pos) == Some(if is_object { &b'}' } else { &b']' });
        if d > self.max_depth {
            return Err((ErrorKind::NestingTooDeep, start));
        }
        loop {
            if !closing {
                let vpos = if is_object {
                    let k = key_in(b, text, pos)?;
                    cur.add(text, keys, &k);
                    k.value_start as usize
                } else {
                    pos
                };
                match b.get(vpos) {
                    Some(&c @ (b'{' | b'[')) => {
                        d += 1;
                        if d > self.max_depth {
                            return Err((ErrorKind::NestingTooDeep, vpos));
                        }
                        open.push(Open {
                            is_object,
                            keys: cur,
                        });
                        is_object = c == b'{';
                        cur = KeySet::new(vpos);
                        pos = ws(b, vpos + 1);
                        closing = b.get(pos) == Some(if is_object { &b'}' } else { &b']' });
                        continue;
                    }
                    _ => pos = self.scalar(vpos)?,
                }
            } else {
                // `pos` is at the closing bracket of the innermost container
                pos += 1;
                if is_object {
                    if let Some(at) = cur.close(text, keys) {
                        self.sink.repeated_key(at);
                    }
                }
                if open.len() <= floor {
                    return Ok(pos);
                }
                if let Some(f) = open.pop() {
                    is_object = f.is_object;
                    cur = f.keys;
                }
                d -= 1;
            }
            // after a value: `,` and the next element, or the closing bracket
            pos = ws(b, pos);
            match b.get(pos) {
                Some(b',') => {
                    pos = ws(b, pos + 1);
                    closing = false;
                }
                Some(&c) if c == if is_object { b'}' } else { b']' } => closing = true,
                _ => return Err(eof_or(b, pos, ErrorKind::ExpectedCommaOrEnd)),
            }
        }
    }

    /// Starts reading the object whose `{` is at `start`, at nesting depth `depth`.
    pub(crate) fn obj_begin(&mut self, start: usize, depth: usize) -> R<ObjIter> {
        if depth > self.max_depth {
            return Err((ErrorKind::NestingTooDeep, start));
        }
        Ok(ObjIter {
            keys: KeySet::new(start),
            pos: start + 1,
            first: true,
        })
    }

    /// The next member of an object: its key and the offset of its value, or `None` after the
    /// closing brace. The caller reads the value and stores the offset after it in `it.pos`.
    #[inline(always)]
    pub(crate) fn obj_key(&mut self, it: &mut ObjIter) -> R<Option<(JsonStr<'a>, usize)>> {
        let member = self.obj_key_untracked(it)?;
        if member.is_some() {
            self.track_key(it);
        }
        Ok(member)
    }

    /// Adds the key [`obj_key_untracked`](Self::obj_key_untracked) returned last to the
    /// object's repeated-key tracking.
    #[inline(always)]
    pub(crate) fn track_key(&mut self, it: &mut ObjIter) {
        let k = self.last_key;
        it.keys.add(self.text, &mut self.scratch.keys, &k);
    }

    /// Records a repeated key the caller found itself instead of calling
    /// [`track_key`](Self::track_key); `at` is the offset of the repeat's value.
    #[inline]
    pub(crate) fn repeat_at(&mut self, it: &mut ObjIter, at: usize) {
        it.keys.record_repeat(at);
    }

    /// [`obj_key`](Self::obj_key) without adding the key to the object's repeated-key tracking:
    /// the caller either calls [`track_key`](Self::track_key) or checks the key itself.
    #[inline(always)]
    pub(crate) fn obj_key_untracked(
        &mut self,
        it: &mut ObjIter,
    ) -> R<Option<(JsonStr<'a>, usize)>> {
        let mut pos = self.ws(it.pos);
        if it.first {
            it.first = false;
            if self.at(pos) == Some(b'}') {
                it.pos = pos + 1;
                return Ok(None);
            }
        } else {
            match self.at(pos) {
                Some(b',') => pos = self.ws(pos + 1),
                Some(b'}') => {
                    it.pos = pos + 1;
                    return Ok(None);
                }
                _ => return Err(eof_or(self.b, pos, ErrorKind::ExpectedCommaOrEnd)),
            }
        }
        let k = key_in(self.b, self.text, pos)?;
        self.last_key = k;
        Ok(Some((
            self.str_at(k.key_start as usize, k.key_end as usize, k.escaped),
            k.value_start as usize,
        )))
    }

    /// The fingerprint of the key [`obj_key`](Self::obj_key) returned last.
    #[inline(always)]
    pub(crate) fn last_key_fingerprint(&self) -> u64 {
        self.last_key.hash
    }

    /// Closes an object read to its end: the offset after it, and where its earliest repeated
    /// key's second value is (for the caller to judge; the sink is not told).
    #[inline]
    pub(crate) fn obj_close(&mut self, it: ObjIter) -> (usize, Option<u32>) {
        (it.pos, it.keys.close(self.text, &mut self.scratch.keys))
    }

    /// Closes an object read to its end, telling the sink about a repeated key; returns the
    /// offset after the object.
    pub(crate) fn obj_end(&mut self, it: ObjIter) -> usize {
        let (end, dup) = self.obj_close(it);
        if let Some(at) = dup {
            self.sink.repeated_key(at);
        }
        end
    }

    /// Starts reading the array whose `[` is at `start`, at nesting depth `depth`.
    pub(crate) fn arr_begin(&self, start: usize, depth: usize) -> R<ArrIter> {
        if depth > self.max_depth {
            return Err((ErrorKind::NestingTooDeep, start));
        }
        Ok(ArrIter {
            pos: start + 1,
            first: true,
        })
    }

    /// The offset of the next element, or `None` after the closing bracket. The caller reads
    /// the element and stores the offset after it in `it.pos`.
    #[inline]
    pub(crate) fn arr_next(&self, it: &mut ArrIter) -> R<Option<usize>> {
        let pos = self.ws(it.pos);
        if it.first {
            it.first = false;
            if self.at(pos) == Some(b']') {
                it.pos = pos + 1;
                return Ok(None);
            }
            return Ok(Some(pos));
        }
        match self.at(pos) {
            Some(b',') => Ok(Some(self.ws(pos + 1))),
            Some(b']') => {
                it.pos = pos + 1;
                Ok(None)
            }
            _ => Err(eof_or(self.b, pos, ErrorKind::ExpectedCommaOrEnd)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Repeats(Vec<u32>);

    impl RepeatSink for Repeats {
        fn repeated_key(&mut self, at: u32) {
            self.0.push(at);
        }
    }

    fn read(doc: &str, max_depth: usize) -> (R<usize>, Vec<u32>) {
        let mut scratch = Scratch::default();
        let mut r = Reader::new(doc, max_depth, &mut scratch, Repeats::default());
        let out = r.document();
        (out, r.sink.0)
    }

    #[test]
    fn skips_documents_and_reports_repeats_innermost_first() {
        assert_eq!(
            read(r#" {"a":[1,{"b":2,"b":3}],"a":4} "#, 8),
            (Ok(1), vec![20, 28])
        );
        assert_eq!(read("[[[]]]", 3).0, Ok(0));
        assert_eq!(read("[[[]]]", 2).0, Err((ErrorKind::NestingTooDeep, 2)));
        assert_eq!(read(r#"{"a" 1}"#, 8).0, Err((ErrorKind::ExpectedColon, 5)));
        assert_eq!(read("{1:2}", 8).0, Err((ErrorKind::KeyMustBeString, 1)));
        assert_eq!(read("[1 2]", 8).0, Err((ErrorKind::ExpectedCommaOrEnd, 3)));
        assert_eq!(read("[1", 8).0, Err((ErrorKind::UnexpectedEof, 2)));
        assert_eq!(read("1 2", 8).0, Err((ErrorKind::TrailingCharacters, 2)));
    }

    /// An object of `keys` in order (each a raw key text and its unescaped form), every value
    /// a small object; returns the document and the offset of the value of the earliest second
    /// occurrence of a repeated key, found by comparing every pair.
    fn object_of(keys: &[(String, String)]) -> (String, Option<u32>) {
        let mut doc = String::from("{");
        let mut starts = Vec::new();
        for (i, (raw, _)) in keys.iter().enumerate() {
            if i > 0 {
                doc.push(',');
            }
            doc.push_str(&format!("\"{raw}\":"));
            starts.push(doc.len() as u32);
            doc.push_str(&format!("{{\"v\":{i},\"w\":[{i}]}}"));
        }
        doc.push('}');
        let repeat = (0..keys.len())
            .find(|&j| (0..j).any(|i| keys[i].1 == keys[j].1))
            .map(|j| starts[j]);
        (doc, repeat)
    }

    #[test]
    fn repeated_keys_are_found_in_objects_of_every_size() {
        for n in [0usize, 1, 2, 3, 7, 8, 9, 16, 17, 40, 120, 400] {
            let plain: Vec<(String, String)> = (0..n)
                .map(|i| (format!("key{i}"), format!("key{i}")))
                .collect();
            let mut cases = vec![plain.clone()];
            for (i, j) in [
                (0, 1),
                (0, n / 2),
                (n / 3, n.saturating_sub(1)),
                (n / 2, n / 2 + 1),
            ] {
                if i < j && j < n {
                    let mut keys = plain.clone();
                    keys[j] = keys[i].clone();
                    cases.push(keys.clone());
                    // the same key spelled with an escape
                    let un = keys[i].1.clone();
                    keys[j] = (un.replacen('k', "\\u006b", 1), un);
                    cases.push(keys.clone());
                    // and a second, later repeat: the earliest second occurrence counts
                    if j + 2 < n {
                        keys[j + 2] = keys[0].clone();
                        cases.push(keys);
                    }
                }
            }
            for keys in cases {
                let (doc, want) = object_of(&keys);
                let (out, repeats) = read(&doc, 8);
                assert_eq!(out, Ok(0), "{doc}");
                assert_eq!(repeats, want.into_iter().collect::<Vec<_>>(), "{doc}");
                // read member by member, the repeat comes back to the caller
                let mut scratch = Scratch::default();
                let mut r = Reader::new(&doc, 8, &mut scratch, Repeats::default());
                let mut it = r.obj_begin(0, 1).expect("object");
                while let Some((_, v)) = r.obj_key(&mut it).expect("member") {
                    it.pos = r.value(v, 2).expect("value");
                }
                assert_eq!(r.obj_close(it), (doc.len(), want), "{doc}");
                assert!(r.sink.0.is_empty());
            }
        }
    }

    #[test]
    fn objects_and_arrays_are_read_member_by_member() {
        let doc = r#"{"k":[true,null],"k":1}"#;
        let mut scratch = Scratch::default();
        let mut r = Reader::new(doc, 8, &mut scratch, Repeats::default());
        let mut it = r.obj_begin(0, 1).expect("object");
        let mut seen = Vec::new();
        while let Some((k, v)) = r.obj_key(&mut it).expect("member") {
            seen.push((k.raw().to_string(), r.value_span(v, 2).expect("value").kind));
            it.pos = r.value(v, 2).expect("value");
        }
        assert_eq!(
            seen,
            [("k".into(), ValueKind::Arr), ("k".into(), ValueKind::Num)]
        );
        assert_eq!(r.obj_close(it), (23, Some(21)));
        assert!(r.sink.0.is_empty());
        let mut a = r.arr_begin(5, 2).expect("array");
        let mut elems = Vec::new();
        while let Some(e) = r.arr_next(&mut a).expect("element") {
            elems.push(e);
            a.pos = r.value(e, 3).expect("element");
        }
        assert_eq!((elems, a.pos), (vec![6, 11], 16));
    }
}
