#!/usr/bin/env python3
"""Drive aws-xray-sdk (Python) through a seeded spread of traces.

Every document is produced and sent by the SDK itself (recorder, patchers for sqlite3,
http.client and botocore, UDP emitter); this script only plays the application. Ids and the
clock are seeded (os.urandom and time.time are replaced by seeded versions before the SDK is
imported), so a run is reproducible byte for byte on the same Python and SDK versions.

Prints one JSON line at the end: {"sdk": "python", "sent": N, "failed": F, ...}, where `sent`
counts the datagrams the SDK's socket accepted and `failed` the sends that raised.
"""
import argparse
import json
import os
import random
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--seed", type=int, required=True)
ap.add_argument("--traces", type=int, required=True)
ap.add_argument("--daemon", required=True, help="host:port of the collector")
ap.add_argument("--endpoint", required=True, help="host:port of endpoints.py")
ap.add_argument("--probes", type=int, default=1, help="1: add the SDK edge probes (probes_py.py)")
ap.add_argument("--oversize", action="store_true", help="add one segment above the UDP size limit")
ARGS = ap.parse_args()

# --- determinism: seeded ids and a seeded clock, installed before the SDK is imported -------
random.seed(ARGS.seed * 104729 + 3)  # the module-level generator (botocore's retry jitter)
_id_rng = random.Random(ARGS.seed * 7919 + 1)
os.urandom = lambda n: _id_rng.getrandbits(8 * n).to_bytes(n, "little") if n else b""


class Clock:
    """Wall clock stand-in: starts at a fixed epoch per seed, advances a few microseconds per
    read (like a real clock between two calls) and by simulated work durations."""

    def __init__(self, seed):
        self.now = 1764547200.0 + (seed % 1000) * 7200.0 + random.Random(seed).random()
        self.rng = random.Random(seed * 31 + 7)

    def time(self):
        self.now += self.rng.uniform(2e-6, 60e-6)
        return self.now

    def work(self, lo_ms, hi_ms):
        self.now += self.rng.uniform(lo_ms, hi_ms) / 1000.0


CLOCK = Clock(ARGS.seed)
time.time = CLOCK.time
_real_sleep = time.sleep
# botocore's retry back-off sleeps: let it pass on the seeded clock instead of the wall clock
time.sleep = lambda s: CLOCK.work(s * 1000.0, s * 1000.0)

os.environ["AWS_XRAY_DAEMON_ADDRESS"] = ARGS.daemon
os.environ["AWS_XRAY_CONTEXT_MISSING"] = "LOG_ERROR"
for k, v in {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
             "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/dev/null",
             "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}.items():
    os.environ[k] = v

import http.client  # noqa: E402
import importlib.metadata  # noqa: E402
import logging  # noqa: E402
import sqlite3  # noqa: E402

import botocore  # noqa: E402
import botocore.config  # noqa: E402
import botocore.session  # noqa: E402
from aws_xray_sdk.core import patch, xray_recorder as rec  # noqa: E402
from aws_xray_sdk.core.emitters.udp_emitter import UDPEmitter  # noqa: E402
from aws_xray_sdk.core.models import http as xhttp  # noqa: E402
from aws_xray_sdk.core.utils import stacktrace  # noqa: E402

import names  # noqa: E402  (corpus/capture/names.py)
import probes_py  # noqa: E402

logging.basicConfig(level=logging.CRITICAL)  # the SDK's warnings are expected here


class CountingEmitter(UDPEmitter):
    """The SDK's own UDP emitter; counts datagrams the socket accepted."""

    sent = 0
    failed = 0
    bytes = 0

    def _send_data(self, data):
        try:
            super()._send_data(data)
        except OSError:
            CountingEmitter.failed += 1
            raise
        CountingEmitter.sent += 1
        CountingEmitter.bytes += len(data.encode("utf-8"))
        # pace the sender a little so the collector never falls behind
        if CountingEmitter.sent % 64 == 0:
            _real_sleep(0.0005)


rng = random.Random(ARGS.seed)
rec.configure(
    sampling=False,
    context_missing="LOG_ERROR",
    daemon_address=ARGS.daemon,
    emitter=CountingEmitter(ARGS.daemon),
    max_trace_back=30,
    streaming_threshold=30,
    service="xseg-capture",
)
# What a plugin would have found on the host (the real plugins call the instance metadata
# service, which is not reachable here); the recorder copies this into every segment.
host_kind = rng.choice(["ec2", "ecs", "beanstalk", "none"])
if host_kind == "ec2":
    rec._aws_metadata["ec2"] = {"instance_id": "i-%017x" % rng.getrandbits(68),
                                "availability_zone": rng.choice(["eu-west-1a", "us-east-1c", "ap-northeast-1d"])}
    rec._origin = "AWS::EC2::Instance"
elif host_kind == "ecs":
    rec._aws_metadata["ecs"] = {"container": "ip-10-0-%d-%d.ec2.internal" % (rng.randrange(256), rng.randrange(256))}
    rec._origin = "AWS::ECS::Container"
elif host_kind == "beanstalk":
    rec._aws_metadata["elastic_beanstalk"] = {"environment_name": "shop-prod", "version_label": "app-%d" % rng.randrange(900),
                                              "deployment_id": rng.randrange(1, 400)}
    rec._origin = "AWS::ElasticBeanstalk::Environment"

patch(("sqlite3", "httplib", "botocore"))

EP_HOST, EP_PORT = ARGS.endpoint.rsplit(":", 1)
EP_PORT = int(EP_PORT)
DEAD_PORT = 9  # discard port on 127.0.0.1: nothing listens, connect() is refused

session = botocore.session.get_session()
_clients = {}


def client(service, region):
    key = (service, region)
    if key not in _clients:
        _clients[key] = session.create_client(
            service, region_name=region, endpoint_url="http://%s" % ARGS.endpoint,
            config=botocore.config.Config(retries={"max_attempts": 2, "mode": "standard"},
                                          connect_timeout=2, read_timeout=5))
    return _clients[key]


DB = sqlite3.connect(":memory:")
DB.execute("create table orders (id integer primary key, customer text, total real, status text)")
DB.executemany("insert into orders (customer, total, status) values (?, ?, ?)",
               [("c%d" % i, i * 1.25, "open") for i in range(50)])
FILE_DBS = {}


# --- application code that fails for real ------------------------------------------------------
class PaymentDeclined(Exception):
    pass


class InventoryError(RuntimeError):
    pass


def deep_fail(depth, kind):
    if depth > 0:
        return deep_fail(depth - 1, kind)
    if kind == 0:
        return 1 / (depth - depth)  # ZeroDivisionError
    if kind == 1:
        return {"a": 1}["missing-key"]  # KeyError
    if kind == 2:
        return json.loads("{'not': json}")  # json.JSONDecodeError
    if kind == 3:
        raise PaymentDeclined(names.error_message(rng))
    if kind == 4:
        return int("twelve")  # ValueError
    if kind == 5:
        raise InventoryError("stock for sku %s below zero: %d" % (rng.randrange(10**6), -rng.randrange(1, 50)))
    return [][rng.randrange(3)]  # IndexError


def raise_deep(depth):
    deep_fail(depth, rng.randrange(7))


# --- trace parts ---------------------------------------------------------------------------------
def http_call(parent_depth):
    method = rng.choice(["GET", "GET", "GET", "POST", "PUT", "DELETE"])
    status = rng.choices([200, 201, 204, 301, 400, 404, 409, 429, 500, 503], [60, 6, 4, 2, 4, 8, 2, 3, 6, 5])[0]
    size = rng.choice([0, 16, 120, 900, 4000])
    path = rng.choice(["/api/users/%d" % rng.randrange(10**5), "/api/orders", "/api/search?q=%s" % rng.choice(["shoes", "caf%C3%A9"]),
                       "/api/v2/items/%s/price" % rng.randrange(999), "/api/%E6%B3%A8%E6%96%87/status"])
    sep = "&" if "?" in path else "?"
    if rng.random() < 0.04:  # connection refused: a real remote error
        conn = http.client.HTTPConnection("127.0.0.1", DEAD_PORT, timeout=2)
    else:
        conn = http.client.HTTPConnection(EP_HOST, EP_PORT, timeout=5)
    try:
        conn.request(method, "%s%sstatus=%d&size=%d" % (path, sep, status, size),
                     body=b'{"x":1}' if method in ("POST", "PUT") else None,
                     headers={"User-Agent": "orders-client/1.4", "Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        CLOCK.work(1, 80)
    except OSError:
        pass
    finally:
        conn.close()


def sql_call():
    queries = ["select id, customer, total from orders where status = ?",
               "update orders set status = ? where id = %d" % rng.randrange(50),
               "select count(*) from orders where total > ?"]
    q = rng.choice(queries)
    if rng.random() < 0.3:
        db = DB
    else:  # a file database: the SDK names the subsegment after the path given to connect()
        path = rng.choice(["orders.db", "data/cache.sqlite3", "file:sessions.db"])
        db = FILE_DBS.get(path)
        if db is None:
            os.makedirs("data", exist_ok=True)
            db = sqlite3.connect(path, uri=path.startswith("file:"))
            db.execute("create table if not exists orders (id integer primary key, customer text, total real, status text)")
            FILE_DBS[path] = db
    if rng.random() < 0.08:
        q = "select * from ordres where id = ?"  # sqlite3.OperationalError: no such table
    try:
        db.execute(q, ("open",) if q.count("?") else ()).fetchall()
    except sqlite3.Error:
        pass
    CLOCK.work(0.2, 30)


TABLES = [t for t, _ in names.V["tables"]]
TABLE_W = [w for _, w in names.V["tables"]]
QUEUES = [q for q, _ in names.V["queues"]]
QUEUE_W = [w for _, w in names.V["queues"]]


def aws_call():
    region = rng.choice(names.V["regions"])
    try:
        if rng.random() < 0.65:
            ddb = client("dynamodb", region)
            table = rng.choices(TABLES, TABLE_W)[0]
            op = rng.choice(["get_item", "put_item", "query", "update_item"])
            key = {"pk": {"S": "order#%d" % rng.randrange(10**6)}, "sk": {"S": "v0"}}
            if op == "get_item":
                ddb.get_item(TableName=table, Key=key, ConsistentRead=rng.random() < 0.3)
            elif op == "put_item":
                ddb.put_item(TableName=table, Item=dict(key, total={"N": "%.2f" % (rng.random() * 300)}))
            elif op == "query":
                ddb.query(TableName=table, KeyConditionExpression="pk = :p", ScanIndexForward=rng.random() < 0.5,
                          ExpressionAttributeValues={":p": key["pk"]}, Limit=rng.randrange(1, 50))
            else:
                ddb.update_item(TableName=table, Key=key, UpdateExpression="SET #s = :s",
                                ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": "paid"}})
        else:
            sqs = client("sqs", region)
            q = "http://%s/123456789012/%s" % (ARGS.endpoint, rng.choices(QUEUES, QUEUE_W)[0])
            if rng.random() < 0.6:
                sqs.send_message(QueueUrl=q, MessageBody=json.dumps({"order": rng.randrange(10**6)}))
            else:
                sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=rng.randrange(1, 10), WaitTimeSeconds=0)
    except botocore.exceptions.ClientError:
        pass
    CLOCK.work(2, 40)


def local_work(depth, budget, edge):
    """A custom subsegment, possibly with children, possibly failing."""
    name = names.sub_name(rng, edge)
    ns = rng.choice(["local", "local", "local", "remote"]) if rng.random() < 0.2 else "local"
    fail = rng.random() < 0.12
    try:
        with rec.in_subsegment(name, namespace=ns) as sub:
            if rng.random() < 0.03:  # an in-progress subsegment, sent on its own
                rec.emitter.send_entity(sub)
            if rng.random() < 0.5:
                names.annotate(rng, sub, small=True)
            if rng.random() < 0.3:
                names.metadata(rng, sub, sdk="python")
            CLOCK.work(0.1, 15)
            children(depth + 1, budget, edge)
            if fail:
                raise_deep(rng.randrange(0, 29))
    except Exception:
        if rng.random() < 0.3:
            raise  # propagate: the parent records the same exception by id


def children(depth, budget, edge):
    if depth > 4 or budget[0] <= 0:
        return
    n = rng.choices([0, 1, 2, 3, 4], [35, 30, 20, 10, 5])[0] if depth > 1 else rng.randrange(0, 5)
    for _ in range(n):
        if budget[0] <= 0:
            return
        budget[0] -= 1
        kind = rng.choices(["local", "sql", "http", "aws"], [35, 25, 20, 20])[0]
        if kind == "local" or depth == 4:
            if depth < 4:
                local_work(depth, budget, edge)
            else:
                with rec.in_subsegment(names.sub_name(rng, edge)):
                    CLOCK.work(0.1, 5)
        elif kind == "sql":
            sql_call()
        elif kind == "http":
            http_call(depth)
        else:
            aws_call()


def web_segment_meta(seg):
    seg.put_http_meta(xhttp.URL, names.url(rng))
    seg.put_http_meta(xhttp.METHOD, rng.choice(["GET", "GET", "POST", "PUT", "DELETE", "PATCH"]))
    seg.put_http_meta(xhttp.USER_AGENT, names.user_agent(rng))
    if rng.random() < 0.3:
        seg.put_http_meta(xhttp.CLIENT_IP, "203.0.113.%d" % rng.randrange(256))
        seg.put_http_meta(xhttp.X_FORWARDED_FOR, True)
    else:
        seg.put_http_meta(xhttp.CLIENT_IP, "127.0.0.1")


def one_trace(i):
    edge = rng.random() < 0.01  # names the SDK has to clean (see names.PY_STRIPPED_NAMES)
    seg_name = names.seg_name(rng, edge)
    upstream = rng.random() < 0.3
    traceid = parent = None
    if upstream:
        traceid = "1-%08x-%024x" % (int(CLOCK.now) - rng.randrange(0, 3), rng.getrandbits(96))
        parent = "%016x" % rng.getrandbits(64)
    rec.streaming_threshold = rng.choice([0, 1, 2, 3, 5]) if rng.random() < 0.35 else 30
    seg = rec.begin_segment(seg_name, traceid=traceid, parent_id=parent, sampling=1)
    web = rng.random() < 0.8
    if web:
        web_segment_meta(seg)
    if rng.random() < 0.05:  # an in-progress segment, as long-running work sends first
        rec.emitter.send_entity(seg)
    if rng.random() < 0.6:
        seg.set_user(names.user(rng))
    if rng.random() < 0.75:
        names.annotate(rng, seg)
    if rng.random() < 0.7:
        names.metadata(rng, seg, sdk="python")
    big = rng.random() < 0.10
    budget = [rng.randrange(0, 4) if big else rng.randrange(0, 16)]
    try:
        children(1, budget, edge)
        if rng.random() < 0.08:
            raise_deep(rng.randrange(0, 29))
    except Exception as e:
        seg.add_exception(e, stacktrace.get_stacktrace(limit=rec.max_trace_back))
    if big:
        names.big_metadata(rng, seg, sdk="python", target=names.big_target(rng))
    if web:
        status = rng.choices([200, 201, 204, 302, 400, 401, 404, 429, 500, 502, 503], [70, 5, 3, 2, 4, 2, 5, 2, 4, 1, 2])[0]
        seg.put_http_meta(xhttp.STATUS, status)
        if status != 204 and rng.random() < 0.8:
            seg.put_http_meta(xhttp.CONTENT_LENGTH, rng.randrange(0, 200000))
    CLOCK.work(0.5, 120)
    rec.end_segment()


class ProbeContext:
    pass


PROBE_CTX = ProbeContext()
PROBE_CTX.rec, PROBE_CTX.rng, PROBE_CTX.clock, PROBE_CTX.stacktrace = rec, rng, CLOCK, stacktrace

for i in range(ARGS.traces):
    one_trace(i)
if ARGS.probes:
    probes_py.run(PROBE_CTX, ARGS.seed, ARGS.oversize)

print(json.dumps({"sdk": "python", "sdk_version": importlib.metadata.version("aws-xray-sdk"),
                  "botocore": botocore.__version__, "python": sys.version.split()[0], "seed": ARGS.seed,
                  "traces": ARGS.traces, "sent": CountingEmitter.sent, "failed": CountingEmitter.failed,
                  "bytes": CountingEmitter.bytes}), flush=True)
