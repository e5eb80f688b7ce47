#!/usr/bin/env python3
"""UDP collector standing in for the X-Ray daemon.

Binds 127.0.0.1 (ephemeral port unless --port is given), writes the port to --port-file once
bound, and records every datagram exactly as received to --out as `u32 little-endian length +
raw datagram`. Stops on SIGTERM/SIGINT after draining what is still queued in the socket, then
prints one JSON line: {"received": N, "bytes": B, "truncated": T}.
"""
import argparse
import json
import os
import signal
import socket
import struct
import sys

MAX_DATAGRAM = 65535  # larger than any UDP payload over IPv4 (65,507), so nothing is truncated
RCVBUF = 64 * 1024 * 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:  # root may exceed net.core.rmem_max
        sock.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33), RCVBUF)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
    sock.bind(("127.0.0.1", args.port))
    rcvbuf = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))

    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(sock.getsockname()[1]))
    os.replace(tmp, args.port_file)

    received = nbytes = truncated = 0
    sock.settimeout(0.2)
    with open(args.out, "wb") as out:
        while True:
            try:
                data, _anc, flags, _addr = sock.recvmsg(MAX_DATAGRAM)
            except socket.timeout:
                if stopping:
                    break
                continue
            except InterruptedError:
                continue
            if flags & socket.MSG_TRUNC:
                truncated += 1
            out.write(struct.pack("<I", len(data)))
            out.write(data)
            received += 1
            nbytes += len(data)
    print(json.dumps({"received": received, "bytes": nbytes, "truncated": truncated,
                      "rcvbuf": rcvbuf}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
