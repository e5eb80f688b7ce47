#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/.

Sources: the contract's edge cases (../shared/data/edge-cases.json beside the repository) and,
when present, the SDK samples (corpus/samples/*.ndjson). Seeds are small (at most 4 KiB, so
the 65 KiB size-limit case is left to the tests) and named for what they hold. Run from
anywhere; existing seed files are replaced, nothing else in the corpus directories is touched.
"""

import json
import pathlib
import random
import re

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
EDGE = ROOT.parent / "shared" / "data" / "edge-cases.json"
SAMPLES = sorted((ROOT / "corpus" / "samples").glob("*.ndjson"))
MAX_SEED = 4096
HEADER = b'{"format":"json","version":1}'


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def write(target, name, data):
    d = FUZZ / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def main():
    cases = json.loads(EDGE.read_text())
    docs = []  # (name, bytes)
    for c in cases:
        doc = c["document"].encode()
        if len(doc) <= MAX_SEED:
            docs.append((f"{c['case']}-{slug(c['what'])}", doc))
    for path in SAMPLES:
        kept = 0
        for i, line in enumerate(path.read_bytes().split(b"\n")):
            if 0 < len(line) <= MAX_SEED and not line.startswith(b'{"format"') and kept < 12:
                docs.append((f"sample-{path.stem}-{i + 1}", line))
                kept += 1

    for name, doc in docs:
        write("document_matches_reference", name, doc)

    headers = [
        HEADER,
        b'{ "version" : 1 , "format" : "JSON" }\r',
        b'{"format":"json","version":2}',
        b'{"format":"json","version":1,"version":1}',
        b'{"format":"xml","version":1}',
        b"[1]",
    ]
    for i, (name, doc) in enumerate(docs):
        write("frame_split_roundtrip", name, headers[i % len(headers)] + b"\n" + doc)
    write("frame_split_roundtrip", "no-newline", HEADER)
    write("frame_split_roundtrip", "empty-body", HEADER + b"\n")

    for i in range(0, len(docs), 3):
        group = docs[i : i + 3]
        texts = [d.decode("utf-8", "replace") for _, d in group]
        body = json.dumps({"TraceSegmentDocuments": texts}).encode()
        write("put_trace_segments_request", f"request-{group[0][0]}", b"\x00" + body)
        write("put_trace_segments_request", f"cut-{group[0][0]}", b"\x01" + b"\x00".join(d for _, d in group))
    write("put_trace_segments_request", "too-many", b"\x00" + json.dumps({"TraceSegmentDocuments": ["{}"] * 51}).encode())
    write("put_trace_segments_request", "not-array", b"\x00" + b'{"TraceSegmentDocuments":"{}"}')
    write("put_trace_segments_request", "repeated", b"\x00" + b'{"TraceSegmentDocuments":[],"TraceSegmentDocuments":[]}')

    rng = random.Random(7)
    for i in range(0, len(docs), 4):
        group = docs[i : i + 4]
        lines = []
        for _, d in group:
            lines += [HEADER, d, b"", b" \r"] if rng.random() < 0.5 else [d]
        stream = b"\n".join(lines) + (b"\n" if rng.random() < 0.5 else b"")
        chunk = rng.randrange(1, 300).to_bytes(2, "little")
        write("ndjson_chunking_matches_whole", f"stream-{group[0][0]}", chunk + stream)

    for i in range(24):
        n = rng.randrange(32, 1024)
        write("structured_segment", f"random-{i:02}", bytes(rng.randrange(256) for _ in range(n)))


if __name__ == "__main__":
    main()
