"""Edge behaviour of the Python SDK: values that applications do pass, and what the SDK sends.

Each probe is one trace. The `always` probes give documents the rules accept; the `rotating`
probes give documents that are rejected (or only warned about), and a run executes the third of
them picked by its seed, so every run adds only a handful of rejected documents while a few
seeds cover them all.
"""
import math
import os
import sqlite3

import names


def _seg(ctx, name, **kw):
    ctx.clock.work(0.1, 3)
    return ctx.rec.begin_segment(name, sampling=1, **kw)


def _end(ctx, **kw):
    ctx.clock.work(0.1, 3)
    ctx.rec.end_segment(**kw)


def _simple(ctx, name):
    seg = _seg(ctx, name)
    seg.put_annotation("probe", "name")
    with ctx.rec.in_subsegment(names.sub_name(ctx.rng)):
        ctx.clock.work(0.1, 2)
    _end(ctx)


def _sub(ctx, seg_name, sub_name):
    _seg(ctx, seg_name)
    with ctx.rec.in_subsegment(names.sub_name(ctx.rng)):
        with ctx.rec.in_subsegment(sub_name):
            ctx.clock.work(0.1, 2)
    _end(ctx)


# --- accepted -------------------------------------------------------------------------------------
def stripped_names(ctx):
    """The SDK removes ?;*()!$~^<> from names (and logs a warning)."""
    for n in names.PY_STRIPPED_NAMES[:4]:
        _sub(ctx, n, names.PY_STRIPPED_NAMES[-1])


def dropped_values(ctx):
    """Annotation keys outside [A-Za-z0-9_], non-scalar annotation values and AWS.-prefixed
    metadata namespaces are dropped by the SDK before sending."""
    seg = _seg(ctx, "orders.svc")
    seg.put_annotation("http.status", 200)
    seg.put_annotation("user-id", "u-1")
    seg.put_annotation("a b", True)
    seg.put_annotation("list_value", [1, 2])
    seg.put_annotation("none_value", None)
    seg.put_annotation("kept", "yes")
    seg.put_metadata("k", "v", "AWS.internal")
    seg.put_metadata("k", "v", 42)
    _end(ctx)


def odd_metadata(ctx):
    """json.dumps(default=str) and the SDK's metadata_to_dict meet application objects."""
    seg = _seg(ctx, "payments")
    deep = "bottom"
    for _ in range(100):  # 100 levels: JSON nesting about 105, inside the limit of 128
        deep = [deep]
    seg.put_metadata("deep", deep, "debug")
    seg.put_metadata("types", {"set": {"a"}, "frozen": frozenset([1]), "bytes": b"\xff\x00", "tuple": (1, "x"),
                               "range": range(3), "type": int, "complex": 1 + 2j, "big": 10**40,
                               "neg_zero": -0.0, "tiny": 5e-324, "huge": 1.7976931348623157e308,
                               "int_key": {1: "one", 2.5: "float key", True: "bool key", None: "none key"},
                               "money": names.Money(12.5, "EUR")}, "app")
    seg.put_metadata("empty", {}, "worker")
    seg.put_metadata("blank", "", "default")
    _end(ctx)


def chained_exception(ctx):
    """`raise ... from ...` and a 30-frame stack (max_trace_back)."""
    seg = _seg(ctx, "inventory-worker")

    def rec_fail(n):
        if n:
            return rec_fail(n - 1)
        try:
            {}["k"]
        except KeyError as e:
            raise RuntimeError("lookup failed") from e

    try:
        with ctx.rec.in_subsegment("reserve stock"):
            rec_fail(40)
    except RuntimeError as e:
        seg.add_exception(e, ctx.stacktrace.get_stacktrace(limit=ctx.rec.max_trace_back))
    _end(ctx)


def unicode_everywhere(ctx):
    seg = _seg(ctx, "注文サービス")
    seg.set_user("Jürgen Groß")
    seg.put_annotation("region", "東京")
    seg.put_metadata("text", "Grüße — 🍺 \u2028 \u0000 end", "órdenes")
    with ctx.rec.in_subsegment("ＡＰＩ-ゲートウェイ"):
        pass
    _end(ctx)


ALWAYS = [stripped_names, dropped_values, odd_metadata, chained_exception, unicode_everywhere]


# --- rejected or warned -----------------------------------------------------------------------------
def backslash_name(ctx):
    """The SDK's deny-list does not contain the backslash."""
    _simple(ctx, names.INVALID_NAMES["backslash"])


def backslash_sub_name(ctx):
    _sub(ctx, "checkout-api", names.INVALID_NAMES["backslash_path"])


def comma_name(ctx):
    _simple(ctx, names.INVALID_NAMES["comma"])


def only_stripped_name(ctx):
    """'(?)' passes the SDK's emptiness check, then stripping leaves '', which to_dict omits."""
    _simple(ctx, names.INVALID_NAMES["only_stripped"])


def long_name(ctx):
    _simple(ctx, names.INVALID_NAMES["too_long"])


def emoji_name(ctx):
    _sub(ctx, "shop-frontend", names.INVALID_NAMES["emoji"])


def tab_name(ctx):
    _simple(ctx, names.INVALID_NAMES["tab"])


def mark_name(ctx):
    _sub(ctx, "report 2024", names.INVALID_NAMES["combining_mark"])
    _simple(ctx, names.INVALID_NAMES["devanagari_signs"])


def sqlite_uri_name(ctx):
    """The sqlite3 patcher names the subsegment after the connect() argument, bypassing the
    SDK's name cleaning: a URI with a query string gives a '?' in the name."""
    _seg(ctx, "orders.svc")
    db = sqlite3.connect("file:probe?mode=memory&cache=shared", uri=True)
    db.execute("select 1").fetchall()
    _end(ctx)


def nan_metadata(ctx):
    """json.dumps writes NaN and Infinity: the body is no longer JSON."""
    seg = _seg(ctx, "rates=v3")
    seg.put_metadata("ratio", float("nan"), "debug")
    _end(ctx)


def inf_annotation(ctx):
    seg = _seg(ctx, "rates=v3")
    seg.put_annotation("ratio", math.inf)
    _end(ctx)


def upper_trace_id(ctx):
    """An upstream header in upper case is kept as is."""
    tid = "1-%08X-%024X" % (int(ctx.clock.now), ctx.rng.getrandbits(96))
    _seg(ctx, "api.example.com", traceid=tid, parent_id="%016X" % ctx.rng.getrandbits(64))
    _end(ctx)


def white_space_name(ctx):
    _simple(ctx, names.INVALID_NAMES["white_space"])


def end_before_start(ctx):
    seg = _seg(ctx, "billing/invoices")
    _end(ctx, end_time=seg.start_time - 0.25)


def long_user(ctx):
    seg = _seg(ctx, "auth#primary")
    seg.set_user("u" * 300)
    _end(ctx)


def int_and_str_key(ctx):
    """json.dumps writes the int key 1 as "1": a repeated key in the metadata object."""
    seg = _seg(ctx, "catalog&pricing")
    seg.put_metadata(1, "int key", "default")
    seg.put_metadata("1", "str key", "default")
    _end(ctx)


ROTATING = [backslash_name, backslash_sub_name, comma_name, only_stripped_name, long_name, emoji_name,
            tab_name, mark_name, sqlite_uri_name, nan_metadata, inf_annotation, upper_trace_id,
            white_space_name, end_before_start, long_user, int_and_str_key]


def oversize(ctx):
    """A segment above the UDP limit: the SDK's send fails (EMSGSIZE) and nothing arrives."""
    seg = _seg(ctx, "export-job")
    names.big_metadata(ctx.rng, seg, "python", target=70_000)
    _end(ctx)


def run(ctx, seed, with_oversize):
    os.makedirs("data", exist_ok=True)
    for p in ALWAYS:
        p(ctx)
    for i, p in enumerate(ROTATING):
        if i % 3 == seed % 3:
            p(ctx)
    if with_oversize:
        oversize(ctx)
