#!/usr/bin/env python3
"""bench/serve: `aud serve` throughput and event-to-destination latency.

Two phases, each on a fresh project in a temporary folder, everything on
127.0.0.1 and bounded in time:

  throughput: C connections send batches of B `track` messages as fast as the
              server acknowledges them (fsync on, streaming publishing on),
              for S seconds: accepted messages per second.
  latency:    the same at a fixed rate R messages/s. Every message is the
              first order of a new user, so each one makes that user enter
              the streaming audience `buyers`; a local webhook records when
              each user's upsert arrives. Latency = arrival - the 200 reply
              of the message's request. p50/p99/max.

Usage: bench/serve/run.py [--aud build/cli/aud] [--seconds 15] [--rate 2000]
                          [--connections 4] [--batch 100] [--engine jit|interp]
                          [--phase both|throughput|latency]
Prints a summary and one JSON line (`result: {...}`).
"""
import argparse
import base64
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

KEY = "bench_write_key"

PROGRAM = """import "std/ecommerce"
import "std/governance"

identity user_id: declared from userId

segment buyer = count(order_completed) >= 1

audience buyers {
  members buyer
  identities user_id
  refresh streaming
}

destination hook "Webhook" {
  connection hook
  actions analytics
  key user_id
}

publish buyers to hook
"""


class Hook(http.server.BaseHTTPRequestHandler):
    arrivals = {}
    lock = threading.Lock()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(n))
        now = time.monotonic()
        with Hook.lock:
            for u in body.get("upserts", []):
                Hook.arrivals.setdefault(u["key"], now)
        out = b'{"rejected":[]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def request(path, body):
    auth = base64.b64encode((KEY + ":").encode()).decode()
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Basic {auth}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def read_reply(sock, buf):
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    while len(rest) < length:
        rest += sock.recv(65536)
    return int(head[9:12]), rest[length:]


def get(port, path):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        data += c
    s.close()
    return data.split(b"\r\n\r\n", 1)[1].decode() if b"\r\n\r\n" in data else ""


def metric(port, name):
    for line in get(port, "/metrics").splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return -1.0


def phase(args, rate, seconds):
    d = tempfile.mkdtemp(prefix="aud-bench-serve-")
    hook_port = free_port()
    Hook.arrivals = {}
    hook = http.server.ThreadingHTTPServer(("127.0.0.1", hook_port), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    with open(os.path.join(d, "aud.toml"), "w") as f:
        f.write(
            '[project]\nname = "bench_serve"\n\n[connections.hook]\ntype = "http"\n'
            f'url = "http://127.0.0.1:{hook_port}/hook"\nbatch_size = 1000\nconcurrency = 4\n\n'
            '[serve]\nwrite_key = { env = "BENCH_WRITE_KEY" }\n'
        )
    with open(os.path.join(d, "main.aud"), "w") as f:
        f.write(PROGRAM)
    port = free_port()
    env = dict(os.environ, BENCH_WRITE_KEY=KEY)
    proc = subprocess.Popen(
        [args.aud, "-C", d, "serve", "--listen", f"127.0.0.1:{port}", "--engine", args.engine],
        env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "serve.err"), "w"))
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if get(port, "/healthz"):
                    break
            except OSError:
                time.sleep(0.05)
        acked = {}  # user -> 200 time
        lock = threading.Lock()
        stop = time.monotonic() + seconds
        counter = [0]
        per_conn_rate = rate / args.connections if rate else 0

        def load(conn_id):
            sock = socket.create_connection(("127.0.0.1", port), timeout=30)
            buf = b""
            n = 0
            start = time.monotonic()
            while time.monotonic() < stop:
                users = [f"c{conn_id}-u{n + i}" for i in range(args.batch)]
                n += args.batch
                msgs = ",".join(
                    '{"type":"track","userId":"%s","event":"Order Completed",'
                    '"messageId":"%s","properties":{"revenue":12.5}}' % (u, u) for u in users)
                body = ('{"batch":[' + msgs + "]}").encode()
                sock.sendall(request("/v1/batch", body))
                status, buf = read_reply(sock, buf)
                t = time.monotonic()
                if status != 200:
                    raise RuntimeError(f"status {status}")
                with lock:
                    counter[0] += len(users)
                    for u in users:
                        acked[u] = t
                if per_conn_rate:
                    ahead = start + n / per_conn_rate - time.monotonic()
                    if ahead > 0:
                        time.sleep(ahead)
            sock.close()

        t0 = time.monotonic()
        threads = [threading.Thread(target=load, args=(i,)) for i in range(args.connections)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        accepted = counter[0]
        # Wait for the publisher to catch up (bounded).
        catch_up_deadline = time.monotonic() + 120
        while time.monotonic() < catch_up_deadline:
            with Hook.lock:
                if len(Hook.arrivals) >= accepted:
                    break
            time.sleep(0.1)
        caught_up = time.monotonic()
        lat = []
        with Hook.lock:
            for u, t in acked.items():
                if u in Hook.arrivals:
                    lat.append(Hook.arrivals[u] - t)
        lat.sort()
        commits = metric(port, "aud_serve_commits_total")
        cycles = metric(port, "aud_serve_cycles_total")

        def pct(p):
            return lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float("nan")

        return {
            "rate_target": rate or "max",
            "seconds": round(elapsed, 2),
            "accepted": accepted,
            "accepted_per_s": round(accepted / elapsed),
            "published": len(lat),
            "catch_up_s": round(caught_up - (t0 + elapsed), 2),
            "p50_s": round(pct(0.50), 3),
            "p99_s": round(pct(0.99), 3),
            "max_s": round(lat[-1], 3) if lat else None,
            "commits": int(commits),
            "messages_per_commit": round(accepted / commits, 1) if commits > 0 else None,
            "cycles": int(cycles),
        }
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        hook.shutdown()
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aud", default="build/cli/aud")
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--rate", type=float, default=2000, help="the latency phase's messages/s")
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--engine", default="jit")
    ap.add_argument("--phase", choices=["both", "throughput", "latency"], default="both")
    args = ap.parse_args()
    out = {"cpus": os.cpu_count(), "batch": args.batch, "connections": args.connections}
    if args.phase != "latency":
        out["throughput"] = phase(args, 0, args.seconds)
        print("throughput:", json.dumps(out["throughput"]), flush=True)
    if args.phase != "throughput":
        out["latency"] = phase(args, args.rate, args.seconds)
        print("latency:   ", json.dumps(out["latency"]), flush=True)
    print("result:", json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
