#!/usr/bin/env python3
"""Trace-level findings of document streams, written from docs/TRACES.md alone.

An independent check of xseg-batch's trace checker: it shares no code with it. Documents are
taken in stream order; only the ones `expect.py` accepts (profile service) are fed to the
checks, as the service keeps only those. Prints one JSON object per finding, in the order the
checker reports them (each document's own findings as it comes; orphans when the input ends,
in input order), then a summary line on stderr.

    python3 corpus/capture/trace_expect.py [--max-trace-bytes N] FILE...

Every file is its own input. There is no eviction here (no bound on open traces).
"""

import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import expect  # noqa: E402  (the document verdicts)

KEY = re.compile(r"[A-Za-z0-9_.]{1,500}\Z")
MESSAGE = ("Trace Size Exceeded. Reduce the number of segments per trace and the size of "
           "your segment documents.")


def entities(doc):
    """The embedded subsegments of a document, depth first, in document order."""
    for sub in doc.get("subsegments") or []:
        if isinstance(sub, dict):
            yield sub
            yield from entities(sub)


def indexed_keys(entity):
    ann = entity.get("annotations")
    if not isinstance(ann, dict):
        return []
    return [k for k, v in ann.items()
            if KEY.match(k) and (isinstance(v, (str, bool, int, float)))]


def check(path, limit):
    findings = []
    traces = {}
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    accepted = set()
    for v in expect_verdicts(path):
        if v["service"]["accepted"]:
            accepted.add(v["line"])
    for n, raw in enumerate(lines, 1):
        if n not in accepted:
            continue
        if raw.startswith(b"T1S"):
            continue  # OTLP payloads name no trace the checks read
        doc = json.loads(raw)
        tid = doc["trace_id"].lower()
        t = traces.setdefault(tid, {"bytes": 0, "over": False, "complete": set(),
                                    "known": set(), "keys": set(), "warned": False,
                                    "pending": []})
        did = doc.get("id", "").lower()
        t["bytes"] += len(raw)
        if t["over"] or t["bytes"] > limit:
            t["over"] = True
            findings.append({"line": n, "finding": "TraceSizeExceeded", "id": did,
                             "ErrorCode": "InvalidSegment", "Message": MESSAGE})
            continue
        if doc.get("in_progress") is not True:
            if did in t["complete"]:
                findings.append({"line": n, "finding": "DuplicateId", "id": did})
            t["complete"].add(did)
        if doc.get("type") == "subsegment" and isinstance(doc.get("parent_id"), str):
            parent = doc["parent_id"].lower()
            if parent not in t["known"] and not any(
                    p[1] == parent and p[2] == did for p in t["pending"]):
                t["pending"].append((n, parent, did))
        ids = [did] + [str(e.get("id", "")).lower() for e in entities(doc)]
        t["known"].update(ids)
        t["pending"] = [p for p in t["pending"] if p[1] not in t["known"]]
        if not t["warned"]:
            keys = [k for e in entities(doc) for k in indexed_keys(e)] + indexed_keys(doc)
            for k in keys:
                t["keys"].add(k)
                if len(t["keys"]) > 50:
                    t["warned"] = True
                    findings.append({"line": n, "finding": "TraceAnnotationsOverLimit",
                                     "id": did})
                    break
    orphans = sorted(p for t in traces.values() for p in t["pending"])
    for n, parent, did in orphans:
        findings.append({"line": n, "finding": "OrphanSubsegment", "id": did,
                         "parent_id": parent})
    return findings, len(traces)


def expect_verdicts(path):
    """expect.py's verdicts for the stream, one dict per document line."""
    import subprocess
    out = subprocess.run([sys.executable, expect.__file__, path], check=True,
                         capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-trace-bytes", type=int, default=512_000)
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    for path in args.files:
        findings, traces = check(path, args.max_trace_bytes)
        for f in findings:
            print(json.dumps({"file": os.path.basename(path), **f}))
        counts = {}
        for f in findings:
            counts[f["finding"]] = counts.get(f["finding"], 0) + 1
        print(f"{path}: {traces} traces, {counts}", file=sys.stderr)


if __name__ == "__main__":
    main()
