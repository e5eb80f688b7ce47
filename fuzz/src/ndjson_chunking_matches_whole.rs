//! `ndjson_chunking_matches_whole`: an NDJSON stream read in chunks of any size (the first
//! two input bytes choose it) gives the same documents, line numbers, offsets, verdicts and
//! counts as the stream read in one chunk; and those documents are the lines the reference
//! splitter keeps (RULES.md §1), each with the verdict the model gives it alone.

use xseg_batch::{Batch, StreamConfig, StreamItem};
use xseg_reference::{stream, Options, Verdict};

use crate::answer::literal;

/// One reported document: line, offset, the document, code, message, `Id`, warnings.
type Item = (
    u64,
    u64,
    Vec<u8>,
    Option<String>,
    Option<String>,
    Option<String>,
    usize,
);

fn item(it: &StreamItem<'_>) -> Item {
    let r = it.result();
    (
        it.line(),
        it.offset(),
        it.document().to_vec(),
        r.outcome().code().map(|c| c.as_str().to_string()),
        r.outcome().rejection().map(|r| r.message().to_string()),
        r.outcome().id().map(|c| c.into_owned()),
        r.warnings(),
    )
}

fn read(stream: &[u8], config: &StreamConfig) -> (Vec<Item>, (u64, u64, u64)) {
    let mut batch = Batch::sequential(xseg::Options::default());
    let mut items = Vec::new();
    let stats = batch
        .check_stream(stream, config, |it| {
            items.push(item(it));
            Ok::<(), ()>(())
        })
        .unwrap_or_else(|e| panic!("reading from memory failed: {e:?}"));
    (items, (stats.lines, stats.headers, stats.blank))
}

/// The property.
pub fn run(data: &[u8]) {
    let data = data.get(..crate::MAX_INPUT).unwrap_or(data);
    let (chunk, stream) = match data {
        [a, b, rest @ ..] => (1 + usize::from(u16::from_le_bytes([*a, *b])) % 4096, rest),
        _ => (1, data),
    };
    let whole = read(
        stream,
        &StreamConfig::new().with_chunk_bytes(stream.len().max(1)),
    );
    let chunked = read(
        stream,
        &StreamConfig::new()
            .with_chunk_bytes(chunk)
            .with_batch_documents(1 + chunk % 7),
    );
    assert!(
        whole == chunked,
        "chunks of {chunk} change the result: {}",
        literal(stream)
    );

    let limit = xseg::limits::MAX_DOCUMENT_BYTES;
    let lines = stream::documents(stream, limit);
    assert_eq!(whole.0.len(), lines.len(), "documents: {}", literal(stream));
    for (got, line) in whole.0.iter().zip(&lines) {
        assert_eq!((got.0, got.1), (line.number, line.offset as u64));
        if line.document.len() <= limit {
            assert_eq!(got.2, line.document);
        }
        let out = xseg_reference::check(line.document, &Options::default());
        let want = match &out.verdict {
            Verdict::Accepted(_) => (None, None, None, out.warnings.len()),
            Verdict::Rejected(r) => (
                Some(r.code.as_str().to_string()),
                Some(r.message()),
                r.id.clone(),
                got.6,
            ),
        };
        assert_eq!(
            (got.3.clone(), got.4.clone(), got.5.clone(), got.6),
            want,
            "line {}",
            literal(line.document)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{mutants, seeds};

    #[test]
    fn smoke() {
        let seeds = seeds("ndjson_chunking_matches_whole");
        for s in &seeds {
            run(s);
        }
        for m in mutants(&seeds, 300, 4) {
            run(&m);
        }
    }
}
