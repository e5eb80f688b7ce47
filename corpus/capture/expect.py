#!/usr/bin/env python3
"""Independent reference checker for xseg's validation contract.

Implements sections 2-6 of the validation rules (spec/RULES.md, with the refinements written down
in docs/DECISIONS.md) for both profiles, `service` and `strict`, and gives the verdict of each
document: accepted, or rejected with an ErrorCode, the Id and the Message of the
UnprocessedTraceSegments entry.

It shares no code with the Rust engine: it parses with Python's `json` module (made strict with
hooks: no NaN/Infinity, no lone surrogates, duplicate keys kept, numbers kept as written) and walks
the parsed tree in document order.

Usage:
    expect.py FILE...            verdicts of every document in NDJSON / daemon-frame files
    expect.py --self-test EDGE   compare with an edge-cases.json file (exit 1 on any difference)
"""
import argparse
import base64
import binascii
import json
import math
import os
import re
import sys

MAX_SIZE = 65_536
MAX_DEPTH = 128

HERE = os.path.dirname(os.path.abspath(__file__))
NAME_CHARS_CANDIDATES = [
    os.environ.get("XSEG_NAME_CHARS", ""),
    os.path.join(HERE, "..", "..", "..", "shared", "data", "name-chars.txt"),
    os.path.join(HERE, "..", "..", "shared", "data", "name-chars.txt"),
    "/work/shared/data/name-chars.txt",
]

HEX16 = re.compile(r"[0-9a-fA-F]{16}\Z")
TRACE_ID = re.compile(r"1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24}\Z")
ANN_KEY = re.compile(r"[A-Za-z0-9_.]{1,500}\Z")
DIGITS = re.compile(r"[0-9]+\Z")
B64 = re.compile(r"[A-Za-z0-9+/]*\Z")

# Unicode White_Space (PropList.txt)
WHITE_SPACE = set([0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F,
                   0x205F, 0x3000] + list(range(0x2000, 0x200B)))


def load_name_ranges():
    for p in NAME_CHARS_CANDIDATES:
        if p and os.path.exists(p):
            ranges = []
            with open(p) as f:
                for line in f:
                    line = line.split("#", 1)[0].strip()
                    if not line:
                        continue
                    a, _, b = line.partition("..")
                    ranges.append((int(a, 16), int(b or a, 16)))
            return ranges
    raise SystemExit("name-chars.txt not found (set XSEG_NAME_CHARS)")


NAME_RANGES = None


def name_char_ok(c):
    o = ord(c)
    lo, hi = 0, len(NAME_RANGES)
    while lo < hi:
        mid = (lo + hi) // 2
        a, b = NAME_RANGES[mid]
        if o < a:
            hi = mid
        elif o > b:
            lo = mid + 1
        else:
            return True
    return False


# --- strict JSON parsing -----------------------------------------------------------------------
class Num:
    """A JSON number as written, with its value as an IEEE double."""
    __slots__ = ("text", "f")

    def __init__(self, text):
        self.text = text
        try:
            self.f = float(text)
        except OverflowError:
            self.f = math.inf

    def finite(self):
        return math.isfinite(self.f)

    def integral(self):
        return self.finite() and self.f == math.floor(self.f)

    def __repr__(self):
        return "Num(%s)" % self.text


class Obj:
    """A JSON object: its members in document order, duplicates kept."""
    __slots__ = ("pairs", "first")

    def __init__(self, pairs):
        self.pairs = pairs
        self.first = {}
        for k, v in pairs:
            if k not in self.first:
                self.first[k] = v

    def get(self, key):
        """Value of `key` (the first copy); None when absent or null."""
        return self.first.get(key)

    def has_dup(self):
        return len(self.first) != len(self.pairs)


class ParseFailure(Exception):
    pass


def _reject_constant(name):
    raise ParseFailure("constant %s" % name)


def nesting_depth_ok(text):
    """Scans the text for container depth (strings skipped). Only meaningful for valid JSON;
    malformed input fails the parse anyway, with the same code."""
    depth = 0
    in_str = False
    esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def has_surrogate(s):
    return any(0xD800 <= ord(c) <= 0xDFFF for c in s)


def check_strings(v):
    """Lone surrogates survive json.loads as surrogate code points: find them."""
    stack = [v]
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            if has_surrogate(x):
                return False
        elif isinstance(x, Obj):
            for k, y in x.pairs:
                if has_surrogate(k):
                    return False
                stack.append(y)
        elif isinstance(x, list):
            stack.extend(x)
    return True


def parse(doc):
    """bytes -> tree of Obj / list / str / Num / bool / None; raises ParseFailure."""
    if doc.startswith(b"\xef\xbb\xbf"):
        raise ParseFailure("BOM")
    try:
        text = doc.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ParseFailure("invalid UTF-8")
    if not nesting_depth_ok(text):
        raise ParseFailure("nesting too deep")
    try:
        v = json.loads(text, object_pairs_hook=Obj, parse_float=Num, parse_int=Num,
                       parse_constant=_reject_constant, strict=True)
    except ParseFailure:
        raise
    except (ValueError, RecursionError) as e:
        raise ParseFailure(str(e))
    if not check_strings(v):
        raise ParseFailure("lone surrogate")
    return v


# --- verdicts ------------------------------------------------------------------------------------
class Reject(Exception):
    def __init__(self, code, subsegment_form):
        super().__init__(code)
        self.code = code
        self.subsegment_form = subsegment_form


def is_num(v):
    return isinstance(v, Num)


def is_str(v):
    return isinstance(v, str)


def is_bool(v):
    return isinstance(v, bool)


def is_obj(v):
    return isinstance(v, Obj)


def any_dup(v):
    stack = [v]
    while stack:
        x = stack.pop()
        if isinstance(x, Obj):
            if x.has_dup():
                return True
            stack.extend(y for _, y in x.pairs)
        elif isinstance(x, list):
            stack.extend(x)
    return False


def upper_or_zero(s, zero):
    return any("A" <= c <= "F" for c in s) or s == zero


ZERO_ID = "0" * 16
ZERO_TRACE = "1-00000000-000000000000000000000000"


class Checker:
    def __init__(self, strict):
        self.strict = strict
        self.warnings = []

    # The entity-local checks a-h of section 3, for one entity object.
    def entity(self, e, top, standalone, sub_form, ann_owner):
        def fail(code):
            raise Reject(code, sub_form)

        # a. a repeated key in the entity object
        if e.has_dup():
            fail("InvalidSegment")
        # b. id
        v = e.get("id")
        if v is None:
            fail("MissingId")
        if not is_str(v) or not HEX16.match(v):
            fail("InvalidId")
        if upper_or_zero(v, ZERO_ID) and not self.warn('upper-case or zero id'):
            fail("InvalidId")
        # c. name
        v = e.get("name")
        if v is None:
            fail("MissingName")
        if not is_str(v) or not (1 <= len(v) <= 200) or not all(name_char_ok(c) for c in v):
            fail("InvalidName")
        if all(ord(c) in WHITE_SPACE for c in v) and not self.warn('white-space name'):
            fail("InvalidName")
        # d. trace_id
        v = e.get("trace_id")
        if v is None:
            if top:
                fail("MissingTraceId")
        else:
            if not is_str(v) or not TRACE_ID.match(v):
                fail("InvalidTraceId")
            if upper_or_zero(v, ZERO_TRACE) and not self.warn('upper-case or zero trace_id'):
                fail("InvalidTraceId")
        # e. start_time
        st = e.get("start_time")
        if st is None:
            fail("MissingStartTime")
        if not is_num(st) or not st.finite() or not st.f > 0:
            fail("InvalidStartTime")
        # f. end_time / in_progress
        et = e.get("end_time")
        if et is None:
            if e.get("in_progress") is not True:
                fail("MissingEndTime")
        else:
            if not is_num(et) or not et.finite() or not et.f > 0:
                fail("InvalidEndTime")
            if et.f < st.f and not self.warn('end_time before start_time'):
                fail("InvalidEndTime")
        # g. parent_id
        v = e.get("parent_id")
        if v is None:
            if standalone:
                fail("MissingParentId")
        else:
            if not is_str(v) or not HEX16.match(v):
                fail("InvalidParentId")
            if upper_or_zero(v, ZERO_ID) and not self.warn('upper-case or zero parent_id'):
                fail("InvalidParentId")
        # h. every other documented field (type errors always; warnings under strict)
        if not self.fields_ok(e, ann_owner):
            fail("InvalidSegment")

    def warn(self, reason):
        """A warning: fatal under strict only. Returns False when the entity fails."""
        self.warnings.append(reason)
        return not self.strict

    def fields_ok(self, e, ann_owner):
        W = self.warn
        g = e.get
        v = g("in_progress")
        if v is not None and not is_bool(v):
            return False
        v = g("type")
        if v is not None:
            if not is_str(v):
                return False
            if v != "subsegment" and not W('type not subsegment'):
                return False
        for k in ("error", "fault", "throttle"):
            v = g(k)
            if v is not None and not is_bool(v):
                return False
        for k in ("user", "origin", "resource_arn", "namespace"):
            v = g(k)
            if v is not None and not is_str(v):
                return False
        v = g("user")
        if v is not None and len(v) > 250 and not W('user over 250'):
            return False
        v = g("namespace")
        if v is not None and v not in ("aws", "remote", "local") and not W('namespace value'):
            return False
        v = g("http")
        if v is not None and not self.http_ok(v):
            return False
        for k in ("aws", "service"):
            v = g(k)
            if v is not None and not is_obj(v):
                return False
        v = g("sql")
        if v is not None:
            if not is_obj(v):
                return False
            for _, m in v.pairs:
                if m is not None and not is_str(m):
                    return False
        v = g("cause")
        if v is not None and not self.cause_ok(v):
            return False
        v = g("annotations")
        if v is not None:
            if not is_obj(v):
                return False
            for key, val in v.pairs:
                bad = not ANN_KEY.match(key)
                if isinstance(val, bool):
                    pass
                elif is_str(val):
                    bad = bad or len(val) > 1000
                elif is_num(val):
                    bad = bad or not val.finite()
                else:  # null, object, array
                    bad = True
                if bad and not W('annotation key or value'):
                    return False
            if id(v) == ann_owner and not W('more than 50 annotations'):
                return False
        v = g("metadata")
        if v is not None:
            if not is_obj(v):
                return False
            for ns, val in v.pairs:
                if (not is_obj(val) or ns.startswith("AWS.")) and not W('metadata namespace'):
                    return False
        v = g("subsegments")
        if v is not None:
            if not isinstance(v, list):
                return False
            if any(not is_obj(x) for x in v):
                return False
        v = g("precursor_ids")
        if v is not None:
            if not isinstance(v, list):
                return False
            for x in v:
                if not is_str(x):
                    return False
                if not HEX16.match(x) and not W('precursor id not hex'):
                    return False
        return True

    def http_ok(self, h):
        W = self.warn
        if not is_obj(h):
            return False
        req = h.get("request")
        if req is not None:
            if not is_obj(req):
                return False
            for k in ("method", "url", "user_agent", "client_ip"):
                v = req.get(k)
                if v is not None and not is_str(v):
                    return False
            for k in ("x_forwarded_for", "traced"):
                v = req.get(k)
                if v is not None and not is_bool(v):
                    return False
            for _, v in req.pairs:
                if is_str(v) and len(v) > 250 and not W('http.request string over 250'):
                    return False
        resp = h.get("response")
        if resp is not None:
            if not is_obj(resp):
                return False
            v = resp.get("status")
            if v is not None and not (is_num(v) and v.integral()):
                return False
            v = resp.get("content_length")
            if v is not None:
                if is_num(v):
                    if not v.finite():
                        return False
                elif is_str(v) and DIGITS.match(v):
                    if not W('content_length string'):
                        return False
                else:
                    return False
        return True

    def cause_ok(self, c):
        W = self.warn
        if is_str(c):
            return bool(HEX16.match(c))
        if not is_obj(c):
            return False
        v = c.get("working_directory")
        if v is not None and not is_str(v):
            return False
        v = c.get("paths")
        if v is not None:
            if not isinstance(v, list) or any(not is_str(x) for x in v):
                return False
        v = c.get("exceptions")
        if v is not None:
            if not isinstance(v, list):
                return False
            for ex in v:
                if not is_obj(ex):
                    return False
                i = ex.get("id")
                if i is None:
                    if not W('exception without id'):
                        return False
                elif not is_str(i) or not HEX16.match(i):
                    return False
                for k in ("message", "type", "cause"):
                    x = ex.get(k)
                    if x is not None and not is_str(x):
                        return False
                x = ex.get("remote")
                if x is not None and not is_bool(x):
                    return False
                for k in ("truncated", "skipped"):
                    x = ex.get(k)
                    if x is not None and not (is_num(x) and x.integral()):
                        return False
                st = ex.get("stack")
                if st is not None:
                    if not isinstance(st, list):
                        return False
                    for fr in st:
                        if not is_obj(fr):
                            return False
                        for k in ("path", "label"):
                            x = fr.get(k)
                            if x is not None and not is_str(x):
                                return False
                        x = fr.get("line")
                        if x is not None and not (is_num(x) and x.integral()):
                            return False
        return True


def annotation_owner(root):
    """id() of the `annotations` object holding the document's 51st annotation (document order,
    every key counted), or None. Walks entities in document order: an entity's members in order,
    descending into `subsegments` where that key stands."""
    count = 0

    def walk(e):
        nonlocal count
        for k, v in e.pairs:
            if k == "annotations" and is_obj(v) and e.first.get("annotations") is v:
                for _ in v.pairs:
                    count += 1
                    if count == 51:
                        return id(v)
            elif k == "subsegments" and isinstance(v, list) and e.first.get("subsegments") is v:
                for s in v:
                    if is_obj(s):
                        r = walk(s)
                        if r is not None:
                            return r
        return None

    return walk(root)


def verdict(doc, strict):
    """bytes -> dict like an edge-cases.json verdict."""
    return _verdict(doc, strict)[0]


def warnings_of(doc):
    """The warnings (section 6) of a document accepted under `service`, as short reasons."""
    return _verdict(doc, False)[1]


def _verdict(doc, strict):
    if len(doc) > MAX_SIZE:
        return {"accepted": False, "ErrorCode": "InvalidSegment",
                "Message": "Invalid segment. ErrorCode: InvalidSegment"}, []
    if doc.startswith(b"T1S"):
        rest = doc[3:]
        ok = len(rest) > 0 and len(rest) % 4 == 0
        if ok:
            try:
                s = rest.decode("ascii")
                body = s.rstrip("=")
                ok = len(s) - len(body) <= 2 and bool(B64.match(body))
                if ok:
                    base64.b64decode(s, validate=True)
            except (UnicodeDecodeError, binascii.Error, ValueError):
                ok = False
        if ok:
            return {"accepted": True}, []
        return {"accepted": False, "ErrorCode": "ParseError",
                "Message": "Invalid segment. ErrorCode: ParseError"}, []
    try:
        root = parse(doc)
    except ParseFailure:
        return {"accepted": False, "ErrorCode": "ParseError",
                "Message": "Invalid segment. ErrorCode: ParseError"}, []
    if not is_obj(root):
        return {"accepted": False, "ErrorCode": "MissingId",
                "Message": "Invalid segment. ErrorCode: MissingId"}, []
    top_id = root.first.get("id")
    typ = root.get("type")
    standalone = typ == "subsegment"

    def out(code, sub_form):
        r = {"accepted": False, "ErrorCode": code}
        if is_str(top_id):
            r["Id"] = top_id
        if sub_form:
            r["Message"] = "Invalid subsegment. ErrorCode: %s, Cause: null" % code
        else:
            r["Message"] = "Invalid segment. ErrorCode: %s" % code
        return r, []

    if strict and any_dup(root):
        return out("InvalidSegment", standalone)
    ck = Checker(strict)
    owner = annotation_owner(root)
    try:
        # the top level, then embedded subsegments depth-first in document order
        stack = [(root, True)]
        while stack:
            e, top = stack.pop()
            ck.entity(e, top, standalone and top, standalone or not top, owner)
            subs = e.get("subsegments")
            if isinstance(subs, list):
                stack.extend((s, False) for s in reversed(subs))
    except Reject as r:
        return out(r.code, r.subsegment_form)
    warnings = ck.warnings + (["repeated key"] if any_dup(root) else [])
    if warnings:  # under `service` a repeated key outside entity objects only warns
        return {"accepted": True, "warns": True}, warnings
    return {"accepted": True}, []


def both(doc):
    return {"service": verdict(doc, False), "strict": verdict(doc, True)}


# --- files ---------------------------------------------------------------------------------------
HEADER_RE = re.compile(rb"\s*\{.*\}\s*\Z", re.S)


def is_daemon_header(line):
    """RULES 7 / DECISIONS D24: a JSON object with format "json" (any case) and version 1."""
    if not HEADER_RE.match(line):
        return False
    try:
        h = parse(line)
    except ParseFailure:
        return False
    if not is_obj(h) or h.has_dup():
        return False
    f = h.get("format")
    v = h.get("version")
    return is_str(f) and f.lower() == "json" and is_num(v) and v.text == "1"


def documents(path):
    """(1-based line number, document bytes) of every document line of an NDJSON stream."""
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for i, line in enumerate(lines, 1):
        if line.strip(b" \t\r") == b"":
            continue
        if is_daemon_header(line.rstrip(b"\r")):
            continue
        yield i, line


def self_test(path):
    cases = json.load(open(path))
    bad = 0
    for c in cases:
        doc = c["document"].encode("utf-8", errors="surrogatepass")
        got = both(doc)
        for prof in ("service", "strict"):
            want = c[prof]
            if got[prof] != want:
                bad += 1
                print("%s %s: want %s got %s" % (c["case"], prof, want, got[prof]))
    print("%d passed, %d failed" % (len(cases) * 2 - bad, bad))
    return 1 if bad else 0


def main():
    global NAME_RANGES
    ap = argparse.ArgumentParser()
    ap.add_argument("--self-test", metavar="EDGE_CASES_JSON")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    NAME_RANGES = load_name_ranges()
    if a.self_test:
        return self_test(a.self_test)
    for p in a.files:
        for line, doc in documents(p):
            v = both(doc)
            print(json.dumps({"file": os.path.basename(p), "line": line, **v}, ensure_ascii=False))
    return 0


def init():
    global NAME_RANGES
    if NAME_RANGES is None:
        NAME_RANGES = load_name_ranges()


if __name__ == "__main__":
    sys.exit(main())
