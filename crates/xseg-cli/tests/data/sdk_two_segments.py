#!/usr/bin/env python3
"""Records two segments with the AWS X-Ray SDK for Python, which sends each one as a datagram to
the daemon address in AWS_XRAY_DAEMON_ADDRESS:

1. `svc,eu`: the SDK cleans `?;*()!$~^<>` out of names but passes a comma through, and the
   service rejects it (InvalidName);
2. `checkout`: valid.

Prints one JSON line with the two segment ids, in the order sent: {"ids": ["...", "..."]}.
"""
import json
import logging
import os

from aws_xray_sdk.core import xray_recorder as recorder

logging.basicConfig(level=logging.ERROR)
recorder.configure(
    sampling=False,
    context_missing="LOG_ERROR",
    daemon_address=os.environ["AWS_XRAY_DAEMON_ADDRESS"],
)

ids = []
for name in ("svc,eu", "checkout"):
    segment = recorder.begin_segment(name, sampling=1)
    segment.put_annotation("sent_by", "sdk_two_segments")
    with recorder.in_subsegment("work"):
        pass
    ids.append(segment.id)
    recorder.end_segment()

print(json.dumps({"ids": ids}), flush=True)
