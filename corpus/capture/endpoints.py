#!/usr/bin/env python3
"""Local stand-in for the downstream services the traced applications call.

Listens on 127.0.0.1 only and answers deterministically (every answer is a function of the
request), so that the SDKs record real HTTP exchanges and real AWS SDK calls:

* `GET|POST|PUT|DELETE /api/...?status=S&size=N` - plain HTTP: status S, a body of N bytes.
* `POST /` with `X-Amz-Target: DynamoDB_20120810.<Op>` - DynamoDB JSON protocol.
* `POST /` with `X-Amz-Target: AmazonSQS.<Op>` - SQS JSON protocol.

AWS errors are chosen by the resource name the caller uses: a table or queue whose name contains
`missing` answers ResourceNotFound / QueueDoesNotExist (400), `throttled` answers a throttling
error, `flaky` fails the first attempt with a 500 (so the SDK retries once), `broken` always
answers 500. Request ids are derived from a hash of the request.
"""
import argparse
import hashlib
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

REASONS = {200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently",
           400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


def h(data, n):
    return hashlib.sha256(data).hexdigest()[:n]


def ddb_request_id(data):
    digest = hashlib.sha256(data).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(alphabet[b % 36] for b in (digest + hashlib.sha256(digest).digest())[:52])


def uuid_from(data):
    x = h(data, 32)
    return "%s-%s-%s-%s-%s" % (x[:8], x[8:12], x[12:16], x[16:20], x[20:])


def ddb_value(v, depth=0):
    if isinstance(v, bool):
        return {"BOOL": v}
    if isinstance(v, (int, float)):
        return {"N": str(v)}
    if isinstance(v, list):
        return {"L": [ddb_value(x, depth + 1) for x in v]}
    if isinstance(v, dict):
        return {"M": {k: ddb_value(x, depth + 1) for k, x in v.items()}}
    return {"S": str(v)}


def ddb_item(seed, i):
    return {
        "pk": {"S": "order#%s" % h(seed + str(i).encode(), 12)},
        "sk": {"S": "line#%04d" % i},
        "qty": {"N": str(1 + int(h(seed + b"q" + str(i).encode(), 2), 16) % 9)},
        "price": {"N": "%d.%02d" % (int(h(seed + b"p", 3), 16) % 500, i % 100)},
        "tags": {"L": [{"S": "a"}, {"S": "b"}]},
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # header and body are two writes: no delayed-ACK stalls
    server_version = "endpoints/1"
    sys_version = ""

    def log_message(self, *args):  # quiet
        pass

    def _reply(self, status, body, ctype="application/json", headers=()):
        if isinstance(body, str):
            body = body.encode("utf-8")
        bodyless = status in (204, 304)  # no body, no Content-Length (RFC 9110 6.4.1)
        self.send_response(status, REASONS.get(status, "Status"))
        self.send_header("Content-Type", ctype)
        if not bodyless:
            self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD" and not bodyless:
            self.wfile.write(body)

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _norm(self, body):
        """The body with this server's own address taken out (it holds an ephemeral port), so
        that ids derived from it are the same on every run."""
        return body.replace(self.headers.get("Host", "-").encode(), b"endpoint")

    def do_GET(self):
        self._plain(b"")

    def do_HEAD(self):
        self._plain(b"")

    def do_DELETE(self):
        self._plain(self._body())

    def do_PUT(self):
        self._plain(self._body())

    def do_POST(self):
        body = self._body()
        target = self.headers.get("X-Amz-Target", "")
        if target.startswith("DynamoDB_20120810."):
            return self._dynamodb(target.split(".", 1)[1], body)
        if target.startswith("AmazonSQS."):
            return self._sqs(target.split(".", 1)[1], body)
        return self._plain(body)

    def _plain(self, body):
        url = urlsplit(self.path)
        q = parse_qs(url.query)
        status = int(q.get("status", ["200"])[0])
        size = int(q.get("size", ["64"])[0])
        seed = (self.command + self.path).encode() + body
        chunk = ('{"id":"%s","ok":true,"pad":"' % h(seed, 16)).encode()
        pad = b"x" * max(0, size - len(chunk) - 2)
        self._reply(status, chunk + pad + b'"}')

    def _attempt(self):
        # "attempt=2; max=3" (botocore and AWS SDK v3 both send amz-sdk-request)
        v = self.headers.get("amz-sdk-request", "attempt=1")
        try:
            return int(v.split(";")[0].split("=")[1])
        except (IndexError, ValueError):
            return 1

    def _aws_error(self, rid_header, rid, status, code, message, proto):
        body = json.dumps({"__type": code, "message": message})
        self._reply(status, body, proto, [(rid_header, rid)])

    def _dynamodb(self, op, body):
        body = self._norm(body)
        proto = "application/x-amz-json-1.0"
        rid = ddb_request_id(op.encode() + body + str(self._attempt()).encode())
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            req = {}
        table = str(req.get("TableName", ""))
        if "missing" in table:
            return self._aws_error("x-amzn-RequestId", rid, 400,
                                   "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
                                   "Requested resource not found", proto)
        if "throttled" in table:
            return self._aws_error("x-amzn-RequestId", rid, 400,
                                   "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                                   "The level of configured provisioned throughput for the table was exceeded.",
                                   proto)
        if "broken" in table or ("flaky" in table and self._attempt() == 1):
            return self._aws_error("x-amzn-RequestId", rid, 500,
                                   "com.amazonaws.dynamodb.v20120810#InternalServerError",
                                   "Internal server error", proto)
        if op == "PutItem" and "conditional" in table:
            return self._aws_error("x-amzn-RequestId", rid, 400,
                                   "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                                   "The conditional request failed", proto)
        if op == "GetItem":
            out = {"Item": ddb_item(body, 0)}
        elif op in ("Query", "Scan"):
            n = int(h(body, 2), 16) % 12
            out = {"Items": [ddb_item(body, i) for i in range(n)], "Count": n, "ScannedCount": n}
        elif op == "BatchGetItem":
            out = {"Responses": {}, "UnprocessedKeys": {}}
        elif op == "UpdateItem":
            out = {"Attributes": {"version": {"N": str(int(h(body, 4), 16))}}}
        else:
            out = {}
        self._reply(200, json.dumps(out), proto, [("x-amzn-RequestId", rid)])

    def _sqs(self, op, body):
        raw, body = body, self._norm(body)
        proto = "application/x-amz-json-1.0"
        rid = uuid_from(op.encode() + body + str(self._attempt()).encode())
        try:
            req = json.loads(raw or b"{}")
        except ValueError:
            req = {}
        queue = str(req.get("QueueUrl", ""))
        if "missing" in queue:
            return self._aws_error("x-amzn-RequestId", rid, 400, "com.amazonaws.sqs#QueueDoesNotExist",
                                   "The specified queue does not exist.", proto)
        if "throttled" in queue:
            return self._aws_error("x-amzn-RequestId", rid, 400, "com.amazonaws.sqs#RequestThrottled",
                                   "Request is throttled.", proto)
        if "broken" in queue or ("flaky" in queue and self._attempt() == 1):
            return self._aws_error("x-amzn-RequestId", rid, 500, "com.amazonaws.sqs#InternalError",
                                   "We encountered an internal error. Please try again.", proto)
        if op == "SendMessage":
            msg = str(req.get("MessageBody", ""))
            out = {"MessageId": uuid_from(b"m" + body),
                   "MD5OfMessageBody": hashlib.md5(msg.encode("utf-8")).hexdigest()}
        elif op == "ReceiveMessage":
            n = int(h(body, 2), 16) % 4
            msgs = []
            for i in range(n):
                text = '{"job":"%s","n":%d}' % (h(body + bytes([i]), 10), i)
                msgs.append({"MessageId": uuid_from(body + bytes([i])),
                             "ReceiptHandle": h(body + bytes([i, 1]), 64),
                             "MD5OfBody": hashlib.md5(text.encode()).hexdigest(), "Body": text})
            out = {"Messages": msgs} if msgs else {}
        elif op == "GetQueueUrl":
            out = {"QueueUrl": "http://%s/123456789012/%s" % (self.headers.get("Host"), req.get("QueueName", "q"))}
        else:
            out = {}
        self._reply(200, json.dumps(out), proto, [("x-amzn-RequestId", rid)])


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # a client closing its keep-alive connection when it exits is no error
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(tmp, args.port_file)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
