"""Calls PutTraceSegments with boto3, as an application would, and prints what boto3 returns.

    python boto3_calls.py ENDPOINT_URL < calls.json

Standard input is a JSON list of calls, each {"documents": [...], "secret": "test",
"attempts": 1}: the documents to send, the secret access key to sign with (key id "test"),
and how many attempts boto3 may make (1: no retries). Standard output is one JSON list with,
for each call, {"answer": {"UnprocessedTraceSegments": [...]}} or
{"error": {"code": ..., "message": ..., "status": ...}} from the ClientError boto3 raised.
"""

import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def client(endpoint, secret, attempts):
    return boto3.client(
        "xray",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key=secret,
        config=Config(retries={"total_max_attempts": attempts, "mode": "standard"}),
    )


def main():
    endpoint = sys.argv[1]
    clients = {}
    results = []
    for call in json.load(sys.stdin):
        key = (call.get("secret", "test"), call.get("attempts", 1))
        if key not in clients:
            clients[key] = client(endpoint, *key)
        try:
            response = clients[key].put_trace_segments(TraceSegmentDocuments=call["documents"])
            results.append({"answer": {"UnprocessedTraceSegments": response["UnprocessedTraceSegments"]}})
        except ClientError as e:
            results.append({"error": {
                "code": e.response["Error"]["Code"],
                "message": e.response["Error"]["Message"],
                "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
            }})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
