#!/usr/bin/env python3
"""Load benchmark for `slim serve` (a benchmark, not a test: it reports, never asserts).

N concurrent clients each send streaming chat completions back to back for T seconds and
report aggregate decode tokens/s, time to first token (p50/p99), request and error counts, and
the server's resident memory (from /metrics) after warm-up and at the end.

Start a server yourself and point at it:
    benchmarks/load_bench.py --url http://127.0.0.1:8080 --clients 4 --seconds 60
or let the benchmark start one (and stop it afterwards):
    benchmarks/load_bench.py --slim build/bin/slim --model /tmp/m.gguf --parallel 4 -t 2 \\
        --clients 1,4 --seconds 60 --max-tokens 64

Several --clients values run one after the other against the same server. Standard library
only; --json prints one JSON object per run.
"""
import argparse
import http.client
import json
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

PROMPTS = [
    "Tell me a short story about a cat who learns to fly.",
    "Explain why the sky is blue in two sentences.",
    "Write a haiku about autumn leaves.",
    "List three ideas for a rainy afternoon.",
    "What is the capital of France, and what is it known for?",
    "Describe a sunrise over the ocean.",
    "Give me a recipe idea with eggs and spinach.",
    "Summarize the plot of a mystery novel you invent.",
]


def percentile(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


class Target:
    def __init__(self, url, api_key=None):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port or 80
        self.headers = {"Content-Type": "application/json"}
        if api_key:
            self.headers["Authorization"] = "Bearer " + api_key

    def conn(self, timeout=600):
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def rss(self):
        c = self.conn(10)
        c.request("GET", "/metrics", headers=self.headers)
        text = c.getresponse().read().decode()
        c.close()
        m = re.search(r"^process_resident_memory_bytes (\S+)$", text, re.M)
        return float(m.group(1)) if m else float("nan")


def one_request(target, body):
    """Streams one chat completion; returns (status, ttft_s, completion_tokens, total_s)."""
    t0 = time.perf_counter()
    c = target.conn()
    try:
        c.request("POST", "/v1/chat/completions", body=json.dumps(body).encode(), headers=target.headers)
        r = c.getresponse()
        if r.status != 200:
            r.read()
            return r.status, None, 0, time.perf_counter() - t0
        ttft, tokens, buf = None, 0, b""
        while True:
            line = r.readline()
            if not line:
                break
            line = line.strip()
            if not line.startswith(b"data: "):
                continue
            data = line[6:]
            if data == b"[DONE]":
                break
            chunk = json.loads(data)
            if chunk.get("usage"):
                tokens = chunk["usage"]["completion_tokens"]
            ch = chunk.get("choices") or []
            if ch and ch[0].get("delta", {}).get("content") and ttft is None:
                ttft = time.perf_counter() - t0
        return 200, ttft, tokens, time.perf_counter() - t0
    except OSError:
        return -1, None, 0, time.perf_counter() - t0
    finally:
        c.close()


def run(target, clients, seconds, max_tokens, warmup):
    stop_at = time.perf_counter() + warmup + seconds
    measure_from = time.perf_counter() + warmup
    lock = threading.Lock()
    stats = {"ttft": [], "tokens": 0, "requests": 0, "status": {}}

    def client(i):
        n = 0
        while time.perf_counter() < stop_at:
            body = {"messages": [{"role": "user", "content": PROMPTS[(i + n) % len(PROMPTS)]}],
                    "max_tokens": max_tokens, "temperature": 0.8, "seed": i * 1000 + n,
                    "ignore_eos": True, "stream": True, "stream_options": {"include_usage": True}}
            n += 1
            start = time.perf_counter()
            st, ttft, tokens, _ = one_request(target, body)
            end = time.perf_counter()
            if st == 429:
                time.sleep(0.05)
            with lock:
                if start >= measure_from:
                    stats["status"][st] = stats["status"].get(st, 0) + 1
                    stats["requests"] += 1
                    if ttft is not None:
                        stats["ttft"].append(ttft)
                if end >= measure_from and st == 200:
                    # Tokens of requests that straddle the window start count in proportion.
                    frac = 1.0 if start >= measure_from else (end - measure_from) / max(end - start, 1e-9)
                    stats["tokens"] += tokens * frac

    rss_start = None
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    time.sleep(warmup)
    rss_start = target.rss()
    t_measure = time.perf_counter()
    rss_samples = []
    while any(t.is_alive() for t in threads):
        time.sleep(min(5.0, max(0.5, seconds / 20)))
        if time.perf_counter() < stop_at:
            rss_samples.append(target.rss())
    for t in threads:
        t.join()
    elapsed = max(time.perf_counter() - t_measure, 1e-9)
    errors = sum(n for st, n in stats["status"].items() if st not in (200, 429))
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": stats["requests"],
        "tokens_per_s": round(stats["tokens"] / seconds, 2),
        "ttft_p50_ms": round(percentile(stats["ttft"], 50) * 1000, 1),
        "ttft_p99_ms": round(percentile(stats["ttft"], 99) * 1000, 1),
        "status_429": stats["status"].get(429, 0),
        "errors": errors,
        "rss_after_warmup_mib": round(rss_start / 2**20, 1),
        "rss_max_mib": round(max(rss_samples + [rss_start]) / 2**20, 1),
        "rss_end_mib": round(target.rss() / 2**20, 1),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="a running server, e.g. http://127.0.0.1:8080")
    ap.add_argument("--slim", help="start this slim binary instead")
    ap.add_argument("--model", help="model for the started server")
    ap.add_argument("--parallel", type=int, default=4)
    ap.add_argument("-t", "--threads", type=int, default=0)
    ap.add_argument("--server-arg", action="append", default=[], help="extra slim serve argument")
    ap.add_argument("--clients", default="1,4", help="comma-separated client counts, run in turn")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--warmup", type=float, default=5)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--api-key")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    proc = None
    if a.url:
        url = a.url
    elif a.slim and a.model:
        cmd = [a.slim, "serve", "-m", a.model, "--port", "0", "--parallel", str(a.parallel), "--quiet",
               *a.server_arg]
        if a.threads:
            cmd += ["-t", str(a.threads)]
        proc = subprocess.Popen(cmd, stderr=subprocess.PIPE)
        line = proc.stderr.readline().decode()
        m = re.search(r"listening on http://([0-9.]+):(\d+)", line)
        if not m:
            sys.exit(f"server did not start: {line}")
        url = f"http://{m.group(1)}:{m.group(2)}"
        threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
    else:
        sys.exit("give --url, or --slim and --model")
    target = Target(url, a.api_key)
    for _ in range(600):
        try:
            c = target.conn(5)
            c.request("GET", "/health")
            if c.getresponse().status == 200:
                break
        except OSError:
            pass
        time.sleep(0.1)
    try:
        if not a.json:
            print(f"{'clients':>7} {'tok/s':>8} {'TTFT p50 ms':>12} {'TTFT p99 ms':>12} {'requests':>9} "
                  f"{'429s':>5} {'errors':>6} {'RSS warm MiB':>12} {'RSS max MiB':>11} {'RSS end MiB':>11}")
        for n in [int(x) for x in a.clients.split(",")]:
            r = run(target, n, a.seconds, a.max_tokens, a.warmup)
            if a.json:
                print(json.dumps(r), flush=True)
            else:
                print(f"{r['clients']:>7} {r['tokens_per_s']:>8.1f} {r['ttft_p50_ms']:>12.1f} "
                      f"{r['ttft_p99_ms']:>12.1f} {r['requests']:>9} {r['status_429']:>5} {r['errors']:>6} "
                      f"{r['rss_after_warmup_mib']:>12.1f} {r['rss_max_mib']:>11.1f} {r['rss_end_mib']:>11.1f}",
                      flush=True)
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
