#!/usr/bin/env python3
"""Chooses the committed sample set from a capture in corpus/out and computes its verdicts.

  make_samples.py [--out corpus/out] [--samples corpus/samples] [--seeds K]

Writes SAMPLES/python.ndjson and SAMPLES/node.ndjson (each document as its raw daemon datagram
followed by "\\n": `header\\nbody\\n`) and SAMPLES/verdicts.json (one entry per document, in file
order, with the verdicts of expect.py under both profiles).

The choice depends only on the order of the documents in the capture (which the seeded drivers
fix), never on their bytes, so a regeneration picks the same documents. Per SDK:
  1. every distinct rejection: the first document of each (service code, strict code, detail),
     where the detail is the offending name, the parser's complaint or the warnings;
  2. three large documents: the median one in (8 KB, 16 KB], the median in (16 KB, 32 KB], the
     largest one above 32 KB;
  3. one document per common kind stratum (document type, in_progress, cause, sql, aws, remote
     http, web segment, subsegment depth): its median occurrence; and every subsegment depth 0-4;
  4. then documents at an even stride through the capture (at most 8 KB each) up to PER_SDK.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus_stats as cs  # noqa: E402
import expect  # noqa: E402

PER_SDK = 110
COMMON = 20  # a stratum with at least this many documents gets a sample
STRATUM_TAGS = {"subsegment", "in_progress", "cause", "sql", "aws", "remote_http", "web"}


def lenient(body):
    try:
        return json.loads(body)
    except ValueError:
        return None


def detail(body, doc, v):
    """What a rejection is about, finer than its code: the offending name for name codes, the
    parser's complaint for ParseError, the warnings for strict-only rejections."""
    code = v["service"].get("ErrorCode") or v["strict"].get("ErrorCode")
    if code == "ParseError":
        try:
            expect.parse(body)
        except expect.ParseFailure as e:
            return str(e).split(":")[0]
    if code in ("InvalidName", "MissingName") and isinstance(doc, dict):
        for e in cs.walk(doc):
            n = e.get("name")
            if not isinstance(n, str) or not (1 <= len(n) <= 200) or not all(expect.name_char_ok(c) for c in n) \
                    or (code == "InvalidName" and not n.strip()):
                return repr(n)[:40]
    if v["service"]["accepted"]:
        return tuple(sorted(set(expect.warnings_of(body))))
    return ()


def short(v):
    return {"accepted": True} if v["accepted"] else {"accepted": False, "ErrorCode": v["ErrorCode"]}


def choose(docs):
    """docs: list of (position, datagram, body, parsed, verdicts); returns chosen positions."""
    chosen = []
    seen = set()

    def take(i):
        if i not in seen:
            seen.add(i)
            chosen.append(i)

    # 1. rejections, one per distinct kind
    sig_first = {}
    for i, (_, _, body, doc, v) in enumerate(docs):
        if v["service"]["accepted"] and v["strict"]["accepted"]:
            continue
        sig = (v["service"].get("ErrorCode"), v["strict"].get("ErrorCode"), detail(body, doc, v))
        sig_first.setdefault(sig, i)
    for sig in sorted(sig_first, key=lambda s: sig_first[s]):
        take(sig_first[sig])

    # 2. large documents
    def in_range(lo, hi):
        return [i for i, d in enumerate(docs) if lo < len(d[2]) <= hi and d[4]["service"]["accepted"]]

    for lo, hi in ((8192, 16384), (16384, 32768)):
        r = in_range(lo, hi)
        if r:
            take(sorted(r, key=lambda i: (len(docs[i][2]), i))[len(r) // 2])
    r = in_range(32768, 65536)
    if r:
        take(max(r, key=lambda i: (len(docs[i][2]), -i)))

    # 3. kind strata
    strata = {}
    for i, (_, _, body, doc, v) in enumerate(docs):
        if not isinstance(doc, dict) or len(body) > 8192 or not v["service"]["accepted"]:
            continue
        key = (tuple(sorted(cs.kinds(doc) & STRATUM_TAGS)), min(cs.sub_depth(doc), 4))
        strata.setdefault(key, []).append(i)
    for key in sorted(strata, key=lambda k: strata[k][0]):
        occ = strata[key]
        if len(occ) >= COMMON:
            take(occ[len(occ) // 2])

    # every subsegment nesting depth at least once
    for depth in range(5):
        if any(isinstance(docs[i][3], dict) and cs.sub_depth(docs[i][3]) == depth for i in chosen):
            continue
        occ = [i for i, d in enumerate(docs) if isinstance(d[3], dict) and cs.sub_depth(d[3]) == depth
               and len(d[2]) <= 16384 and d[4]["service"]["accepted"]]
        if occ:
            take(occ[len(occ) // 2])

    # 4. an even stride through the rest
    rest = [i for i, d in enumerate(docs) if i not in seen and len(d[2]) <= 8192 and d[4]["service"]["accepted"]]
    need = PER_SDK - len(chosen)
    if need > 0 and rest:
        stride = len(rest) / need
        for k in range(need):
            take(rest[int(k * stride + stride / 2)])
    return sorted(chosen)


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "out"))
    ap.add_argument("--samples", default=os.path.join(here, "..", "samples"))
    ap.add_argument("--seeds", type=int, default=0, help="seeds 1..K of the capture (default: all runs found)")
    a = ap.parse_args()
    if not a.seeds:
        while os.path.exists(os.path.join(a.out, "runs", "python-%d.bin" % (a.seeds + 1))):
            a.seeds += 1
        if not a.seeds:
            sys.exit("no capture in %s/runs: run corpus/capture/run.sh first" % a.out)
    expect.init()
    os.makedirs(a.samples, exist_ok=True)
    verdicts = []
    for sdk in ("python", "node"):
        docs = []
        for seed in range(1, a.seeds + 1):
            for dg in cs.frames(os.path.join(a.out, "runs", "%s-%d.bin" % (sdk, seed))):
                _, body = cs.split(dg)
                docs.append(((seed, len(docs)), dg, body, lenient(body), expect.both(body)))
        picks = choose(docs)
        name = sdk + ".ndjson"
        line = 0
        with open(os.path.join(a.samples, name), "wb") as f:
            for i in picks:
                _, dg, body, doc, v = docs[i]
                f.write(dg + b"\n")
                line += dg.count(b"\n") + 1  # the body is the last line of the datagram
                top_id = doc.get("id") if isinstance(doc, dict) else None
                verdicts.append({"file": name, "line": line, "id": top_id,
                                 "service": short(v["service"]), "strict": short(v["strict"])})
        size = os.path.getsize(os.path.join(a.samples, name))
        print("%s: %d documents, %d bytes" % (name, len(picks), size))
    with open(os.path.join(a.samples, "verdicts.json"), "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(v, ensure_ascii=False) for v in verdicts) + "\n]\n")
    # re-read the files as a document stream and check the line numbers
    check = {}
    for name in ("python.ndjson", "node.ndjson"):
        for ln, doc in expect.documents(os.path.join(a.samples, name)):
            check[(name, ln)] = expect.both(doc)
    assert len(check) == len(verdicts), "stream reading found %d documents, expected %d" % (len(check), len(verdicts))
    for v in verdicts:
        got = check[(v["file"], v["line"])]
        assert short(got["service"]) == v["service"] and short(got["strict"]) == v["strict"], v
    counts = {}
    for v in verdicts:
        for prof in ("service", "strict"):
            k = (prof, v[prof].get("ErrorCode", "accepted"))
            counts[k] = counts.get(k, 0) + 1
    print("verdicts.json: %d entries; %s" % (len(verdicts), ", ".join(
        "%s %s: %d" % (p, c, n) for (p, c), n in sorted(counts.items()))))


if __name__ == "__main__":
    main()
