#!/usr/bin/env python3
"""Counts for a capture: documents per SDK, bytes, size histogram, document kinds, nesting, and the
verdicts of expect.py (both profiles) with the warnings behind `strict` rejections.

Usage: corpus_stats.py [--json OUT] [--no-verdicts] FRAMES.bin...
(each file: u32 little-endian length + raw daemon datagram, repeated)
"""
import argparse
import collections
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import expect  # noqa: E402

BUCKETS = [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]
BUCKET_NAMES = ["<=512", "<=1K", "<=2K", "<=4K", "<=8K", "<=16K", "<=32K", "<=64K"]


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    i = 0
    while i < len(data):
        (n,) = struct.unpack_from("<I", data, i)
        i += 4
        yield data[i:i + n]
        i += n


def split(datagram):
    nl = datagram.find(b"\n")
    return (datagram, b"") if nl < 0 else (datagram[:nl], datagram[nl + 1:])


def sdk_of(body, doc):
    """Python's json.dumps writes `": "`, Node's JSON.stringify `":"`."""
    return "python" if body.startswith(b'{"') and b'": ' in body[:200] else "node"


def sub_depth(e, d=0):
    subs = e.get("subsegments") if isinstance(e, dict) else None
    if not isinstance(subs, list) or not subs:
        return d
    return max(sub_depth(s, d + 1) for s in subs)


def json_depth(v):
    if isinstance(v, dict):
        return 1 + max((json_depth(x) for x in v.values()), default=0)
    if isinstance(v, list):
        return 1 + max((json_depth(x) for x in v), default=0)
    return 0


def walk(e):
    yield e
    for s in e.get("subsegments") or []:
        if isinstance(s, dict):
            yield from walk(s)


def kinds(doc):
    k = set()
    if doc.get("type") == "subsegment":
        k.add("subsegment")
    else:
        k.add("segment")
    if doc.get("in_progress") is True:
        k.add("in_progress")
    ents = list(walk(doc))
    if any(isinstance(e.get("cause"), (dict, str)) for e in ents):
        k.add("cause")
    if any(isinstance(e.get("cause"), dict) and any(x.get("stack") for x in e["cause"].get("exceptions") or [])
           for e in ents):
        k.add("stack")
    if any("sql" in e for e in ents):
        k.add("sql")
    if any(e.get("namespace") == "aws" for e in ents):
        k.add("aws")
    if any(e.get("namespace") == "remote" and "http" in e for e in ents):
        k.add("remote_http")
    if "http" in doc and isinstance(doc["http"], dict) and "request" in doc["http"] and doc.get("type") != "subsegment":
        k.add("web")
    if any("annotations" in e for e in ents):
        k.add("annotations")
    if any("metadata" in e for e in ents):
        k.add("metadata")
    return k


def stats(paths, verdicts=True):
    """Counts per SDK (and in total) over the datagrams of the given frame files; an item of
    `paths` may be a pair (sdk, path), else the SDK is told by the JSON separators."""
    expect.init()
    st = {}

    def S(sdk):
        if sdk not in st:
            st[sdk] = {"docs": 0, "body_bytes": 0, "datagram_bytes": 0, "sizes": [], "hist": [0] * len(BUCKETS),
                       "kinds": collections.Counter(), "sub_depth": collections.Counter(),
                       "json_depth": collections.Counter(), "headers": collections.Counter(),
                       "multiline": 0, "raw_non_ascii": 0, "u_escapes": 0, "unparsed": 0,
                       "service": collections.Counter(), "strict": collections.Counter(),
                       "strict_reasons": collections.Counter()}
        return st[sdk]

    for p in paths:
        known = None
        if isinstance(p, tuple):  # (sdk, path)
            known, p = p
        for dg in frames(p):
            header, body = split(dg)
            try:
                doc = json.loads(body)
            except ValueError:
                doc = None
            sdk = known or sdk_of(body, doc)
            s = S(sdk)
            s["docs"] += 1
            s["body_bytes"] += len(body)
            s["datagram_bytes"] += len(dg)
            s["sizes"].append(len(body))
            for i, b in enumerate(BUCKETS):
                if len(body) <= b:
                    s["hist"][i] += 1
                    break
            s["headers"][header.decode("utf-8", "replace")] += 1
            if b"\n" in body:
                s["multiline"] += 1
            if any(c >= 0x80 for c in body):
                s["raw_non_ascii"] += 1
            if b"\\u" in body:
                s["u_escapes"] += 1
            if isinstance(doc, dict):
                for k in kinds(doc):
                    s["kinds"][k] += 1
                s["sub_depth"][sub_depth(doc)] += 1
                s["json_depth"][json_depth(doc)] += 1
            else:
                s["unparsed"] += 1
            if verdicts:
                v = expect.both(body)
                s["service"][v["service"].get("ErrorCode", "accepted")] += 1
                s["strict"][v["strict"].get("ErrorCode", "accepted")] += 1
                if v["service"]["accepted"] and not v["strict"]["accepted"]:
                    for r in sorted(set(expect.warnings_of(body))):
                        s["strict_reasons"][r] += 1
    out = {}
    for sdk, s in sorted(st.items()):
        sz = sorted(s.pop("sizes"))
        q = lambda f: sz[min(len(sz) - 1, int(f * len(sz)))]
        s["size"] = {"min": sz[0], "p10": q(0.10), "p50": q(0.5), "p90": q(0.9), "p99": q(0.99), "max": sz[-1],
                     "mean": round(sum(sz) / len(sz))}
        s["hist"] = dict(zip(BUCKET_NAMES, s["hist"]))
        for k in ("kinds", "sub_depth", "json_depth", "headers", "service", "strict", "strict_reasons"):
            s[k] = dict(sorted(s[k].items(), key=lambda kv: str(kv[0])))
        out[sdk] = s
    tot = {"docs": sum(s["docs"] for s in out.values()), "body_bytes": sum(s["body_bytes"] for s in out.values()),
           "hist": {b: sum(s["hist"][b] for s in out.values()) for b in BUCKET_NAMES}}
    out["total"] = tot
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--json")
    ap.add_argument("--no-verdicts", action="store_true")
    a = ap.parse_args()
    out = stats(a.files, not a.no_verdicts)
    text = json.dumps(out, indent=1, ensure_ascii=False, default=str)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
