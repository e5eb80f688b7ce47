#!/usr/bin/env python3
"""Assembles the per-run captures of run.sh into the corpus files and checks them.

Reads OUT/runs/{python,node}-<seed>.{bin,driver.json,collector.json} for seeds 1..K and writes
  OUT/frames.bin      every datagram as u32 little-endian length + raw datagram, runs in the order
                      python-1, node-1, python-2, node-2, ...
  OUT/corpus.ndjson   every datagram followed by "\\n", i.e. `header\\nbody\\n` per document
  OUT/versions.json   the SDK and runtime versions the drivers reported
  OUT/stats.json      the counts of corpus_stats.py
and prints a summary. Exits 1 when a datagram was lost between a driver and its collector, or
when a body is not a single line (the NDJSON framing would break).
"""
import argparse
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus_stats  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seeds", type=int, required=True)
    a = ap.parse_args()
    runs_dir = os.path.join(a.out, "runs")
    problems = []
    runs = []
    versions = {}
    for seed in range(1, a.seeds + 1):
        for sdk in ("python", "node"):
            run = "%s-%d" % (sdk, seed)
            drv = json.load(open(os.path.join(runs_dir, run + ".driver.json")))
            col = json.load(open(os.path.join(runs_dir, run + ".collector.json")))
            got = list(corpus_stats.frames(os.path.join(runs_dir, run + ".bin")))
            runs.append((sdk, run, drv, col, got))
            v = {k: drv[k] for k in drv if k in ("sdk_version", "botocore", "python", "client_dynamodb",
                                                   "client_sqs", "node")}
            if versions.setdefault(sdk, v) != v:
                problems.append("%s: versions differ between runs" % run)
            if col["received"] != drv["sent"] or len(got) != drv["sent"] or col["bytes"] != drv["bytes"]:
                problems.append("%s: driver sent %d datagrams (%d bytes), collector received %d (%d bytes)"
                                % (run, drv["sent"], drv["bytes"], col["received"], col["bytes"]))
            if col["truncated"]:
                problems.append("%s: %d datagrams truncated" % (run, col["truncated"]))

    multiline = 0
    with open(os.path.join(a.out, "frames.bin"), "wb") as fb, open(os.path.join(a.out, "corpus.ndjson"), "wb") as nd:
        for sdk, run, drv, col, got in runs:
            for dg in got:
                fb.write(struct.pack("<I", len(dg)))
                fb.write(dg)
                header, body = corpus_stats.split(dg)
                if b"\n" in body or b"\r" in body or not body:
                    multiline += 1
                nd.write(dg + b"\n")
    if multiline:
        problems.append("%d bodies are not a single non-empty line" % multiline)

    with open(os.path.join(a.out, "versions.json"), "w") as f:
        json.dump(versions, f, indent=1)
        f.write("\n")
    st = corpus_stats.stats([(sdk, os.path.join(runs_dir, run + ".bin")) for sdk, run, *_ in runs])
    st["runs"] = {run: {"sent": drv["sent"], "failed": drv["failed"], "received": col["received"]}
                  for _, run, drv, col, _ in runs}
    st["versions"] = versions
    with open(os.path.join(a.out, "stats.json"), "w") as f:
        json.dump(st, f, indent=1, ensure_ascii=False)
        f.write("\n")

    print("versions: %s" % json.dumps(versions))
    for sdk in ("python", "node"):
        s = st[sdk]
        sent = sum(r[2]["sent"] for r in runs if r[0] == sdk)
        failed = sum(r[2]["failed"] for r in runs if r[0] == sdk)
        recv = sum(r[3]["received"] for r in runs if r[0] == sdk)
        print("%-6s docs %6d  body bytes %10d  sent %d, received %d, dropped %d, SDK send failures %d"
              % (sdk, s["docs"], s["body_bytes"], sent, recv, sent - recv, failed))
        print("       sizes %s" % json.dumps(s["size"]))
        print("       histogram %s" % json.dumps(s["hist"]))
        print("       kinds %s" % json.dumps(s["kinds"]))
        print("       service %s  strict %s" % (json.dumps(s["service"]), json.dumps(s["strict"])))
    t = st["total"]
    print("total  docs %6d  body bytes %10d (%.1f MB)" % (t["docs"], t["body_bytes"], t["body_bytes"] / 1e6))
    print("       histogram %s" % json.dumps(t["hist"]))
    print("       bodies not on one line: %d" % multiline)
    print("wrote %s/frames.bin, corpus.ndjson, stats.json, versions.json" % a.out)
    for p in problems:
        print("PROBLEM: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
