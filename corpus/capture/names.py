"""Vocabulary for the Python driver: names, annotations, metadata (seeded by the caller's RNG).

The lists live in vocab.json, which driver_node.js reads too; the choices and their weights here
mirror the ones in driver_node.js.
"""
import datetime
import decimal
import json
import os

V = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "vocab.json"), encoding="utf-8"))

SEG_NAMES = V["seg_names"]
SUB_NAMES = V["sub_names"]
NON_ASCII_NAMES = V["non_ascii_names"]
PY_STRIPPED_NAMES = V["py_stripped_names"]  # valid once the Python SDK strips ?;*()!$~^<>
INVALID_NAMES = V["invalid_names"]


def seg_name(rng, edge=False):
    if edge and rng.random() < 0.5:
        return rng.choice(PY_STRIPPED_NAMES)
    if rng.random() < 0.15:
        return rng.choice(NON_ASCII_NAMES)
    return rng.choice(SEG_NAMES)


def sub_name(rng, edge=False):
    if edge and rng.random() < 0.3:
        return rng.choice(PY_STRIPPED_NAMES)
    if rng.random() < 0.1:
        return rng.choice(NON_ASCII_NAMES)
    return rng.choice(SUB_NAMES)


def error_message(rng):
    return rng.choice(V["error_messages"])


def url(rng):
    r = rng.random()
    if r < 0.01:  # a long url (over 250 characters)
        return "https://shop.example.com/" + "p/" * 140
    return rng.choice(["https://shop.example.com/cart", "https://shop.example.com/orders/%d" % rng.randrange(10**6),
                       "http://10.0.3.7:8080/health", "https://api.example.com/v2/search?q=caf%C3%A9&page=2",
                       "https://例え.jp/注文/%d" % rng.randrange(999),
                       "https://shop.example.com/checkout?step=2&token=" + "%032x" % rng.getrandbits(128)])


def user_agent(rng):
    return rng.choice(V["user_agents"])


def user(rng):
    return rng.choice(["u-%d" % rng.randrange(10**6), "%032x" % rng.getrandbits(128)] + V["users"])


ANN_KEYS = V["ann_keys"]
ODD_ANN_KEYS = V["odd_ann_keys"]


def ann_value(rng, kind):
    if kind == "str":
        if rng.random() < 0.01:
            return "x" * rng.choice([999, 1000, 1001])
        return rng.choice(V["ann_strings"] + ["x" * 20, "%08x" % rng.getrandbits(32)])
    if kind == "int":
        return rng.choice([0, 1, -7, rng.randrange(10**6), rng.randrange(10**6), 2**53 + 1, 10**20, -2**63])
    if kind == "float":
        return rng.choice([0.5, 3.14159, -0.0, 1e-7, 1.5e300, rng.random() * 1000, rng.random(), 0.1 + 0.2])
    return rng.random() < 0.5


def annotate(rng, entity, small=False):
    n = rng.randrange(1, 4) if small else rng.choice([1, 2, 3, 4, 6, 8, 12])
    if not small and rng.random() < 0.005:
        n = 55  # more than X-Ray indexes
    for i in range(n):
        key = rng.choice(ANN_KEYS) if rng.random() > 0.002 else rng.choice(ODD_ANN_KEYS)
        if n > 12:
            key = "k%d" % i
        entity.put_annotation(key, ann_value(rng, rng.choice(["str", "int", "float", "bool"])))


class Money:
    """An application object: the SDK turns its public attributes into a dict."""

    def __init__(self, amount, currency):
        self.amount = amount
        self.currency = currency
        self._secret = "not serialised"


def namespace(rng):
    if rng.random() < 0.002:
        return V["reserved_namespace"]  # the Python SDK drops it
    return rng.choice(V["namespaces"])


def small_value(rng):
    k = rng.randrange(12)
    if k == 0:
        return {"id": rng.randrange(10**6), "items": [rng.randrange(100) for _ in range(rng.randrange(5))]}
    if k == 1:
        return ["a", 1, 2.5, True, None, {"nested": {"deeper": ["x"]}}]
    if k == 2:
        return "Grüße aus Köln — 🍺"
    if k == 3:
        return datetime.datetime(2025, 12, 1, 8, rng.randrange(60), rng.randrange(60))
    if k == 4:
        return decimal.Decimal("%d.%02d" % (rng.randrange(1000), rng.randrange(100)))
    if k == 5:
        return {"tags", "sale"} if rng.random() < 0.5 else ("tuple", rng.randrange(9))
    if k == 6:
        return b"\x00\x01bytes"
    if k == 7:
        return Money(rng.randrange(10**4) / 100, "EUR")
    if k == 8:
        return None
    if k == 9:
        return rng.random() * 10 ** rng.randrange(-5, 25)
    if k == 10:
        return {"deep": [[[[[[{"level": 7}]]]]]]}
    return "line1\nline2\t\"quoted\" \\ back"


def metadata(rng, entity, sdk="python"):
    for _ in range(rng.randrange(1, 5)):
        entity.put_metadata(rng.choice(V["metadata_keys"]), small_value(rng), namespace(rng))


def _record(rng, i):
    return {"id": "%016x" % rng.getrandbits(64), "seq": i, "sku": "SKU-%06d" % rng.randrange(10**6),
            "qty": rng.randrange(1, 20), "price": round(rng.random() * 200, 2),
            "title": rng.choice(V["record_titles"]),
            "flags": [rng.random() < 0.5 for _ in range(3)], "note": None if rng.random() < 0.5 else "ok"}


def big_target(rng):
    lo, hi = rng.choices([(7_500, 16_000), (16_000, 32_000), (32_000, 54_000)], [50, 25, 25])[0]
    return rng.randrange(lo, hi)


def big_metadata(rng, entity, sdk="python", target=None):
    """Adds a metadata payload of about `target` bytes as the SDK serialises it."""
    if target is None:
        target = big_target(rng)
    rows = []
    size = 0
    while size < target:
        r = _record(rng, len(rows))
        rows.append(r)
        size += len(json.dumps(r, ensure_ascii=(sdk == "python")).encode("utf-8")) + 2
    entity.put_metadata("rows", rows, rng.choice(["debug", "default", "export"]))
