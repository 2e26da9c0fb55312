#!/usr/bin/env python3
"""End-to-end tests of `slim serve`, one case per ctest entry:
server_test.py CASE --slim BIN --shared DIR.

Each case starts a real server on a free port (--port 0; the port is read from its first
stderr line) with ../shared/models/stories260K/stories260K.gguf and talks to it with the
standard library only (http.client, socket, ssl). References are independent of SlimLLM:
the greedy text published in ../shared/README.md, the OpenAI wire format, RFC 6455's
handshake, promtool and the openssl command-line tool.
"""
import argparse
import base64
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

A = None  # parsed arguments
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "server")


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def model_path():
    return os.path.join(A.shared, "models/stories260K/stories260K.gguf")


def reference_text():
    """The decoded greedy continuation of BOS quoted in ../shared/README.md."""
    text = open(os.path.join(A.shared, "README.md"), encoding="utf-8").read()
    m = re.search(r'Decoded, this begins: "(.+?)"\s*\n\s*\n', text, re.S)
    expect(m, "reference text not found in shared README")
    return " ".join(m.group(1).split())


class Server:
    """A `slim serve` child process; stop() checks that it exits cleanly on SIGTERM."""

    def __init__(self, *extra, tls_ca=None):
        cmd = [A.slim, "serve", "-m", model_path(), "--port", "0", "-t", "2", *extra]
        self.p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.log = []
        self.tls_ca = tls_ca
        first = self.p.stderr.readline().decode("utf-8", "replace")
        self.log.append(first)
        m = re.search(r"listening on (https?)://[0-9.]+:(\d+)", first)
        if not m:
            self.p.kill()
            raise AssertionError(f"no 'listening on' line from slim serve: {first!r} "
                                 f"{self.p.stderr.read().decode(errors='replace')}")
        self.port = int(m.group(2))
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if self.request("GET", "/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("server did not become ready:\n" + self.text_log())

    def _drain(self):
        for line in self.p.stderr:
            self.log.append(line.decode("utf-8", "replace"))

    def text_log(self):
        return "".join(self.log)

    def wait_log(self, text, timeout=10):
        """True once `text` appears in the server's stderr (read by another thread)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if text in self.text_log():
                return True
            time.sleep(0.02)
        return False

    def conn(self, timeout=60):
        if self.tls_ca:
            ctx = ssl.create_default_context(cafile=self.tls_ca)
            return http.client.HTTPSConnection("localhost", self.port, timeout=timeout, context=ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=60):
        c = self.conn(timeout)
        try:
            data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
            c.request(method, path, body=data, headers=headers or {})
            r = c.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            c.close()

    def post(self, path, body, headers=None):
        st, hd, data = self.request("POST", path, body, headers)
        return st, hd, json.loads(data) if data else None

    def stream(self, path, body, headers=None):
        """POSTs with stream: true and returns (status, headers, [event payload strings])."""
        c = self.conn()
        try:
            c.request("POST", path, body=json.dumps(body).encode(), headers=headers or {})
            r = c.getresponse()
            raw = r.read().decode("utf-8")
            return r.status, dict(r.getheaders()), parse_sse(raw)
        finally:
            c.close()

    def metrics(self, headers=None):
        st, _, data = self.request("GET", "/metrics", headers=headers)
        expect(st == 200, f"/metrics answered {st}")
        return data.decode()

    def metrics_after(self, requests):
        """/metrics once it counts `requests` answered requests besides the /metrics reads: a
        request is counted just after its response is written, so a client that has its response
        can be a moment ahead of the counters."""
        deadline = time.time() + 5
        while True:
            text = self.metrics()
            counted = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                          if line.startswith("slim_requests_total{") and 'route="/metrics"' not in line)
            if counted >= requests or time.time() > deadline:
                return text
            time.sleep(0.01)

    def alive(self):
        expect(self.p.poll() is None, "the server process died:\n" + self.text_log())
        st, _, _ = self.request("GET", "/health")
        expect(st == 200, f"/health answered {st}")

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                raise AssertionError("server did not stop on SIGTERM:\n" + self.text_log())
        self.reader.join(timeout=5)
        expect(self.p.returncode == 0,
               f"server exited {self.p.returncode}:\n" + self.text_log())

    def __enter__(self):
        return self

    def __exit__(self, et, ev, tb):
        if et is None:
            self.stop()
        elif self.p.poll() is None:
            self.p.kill()
            self.p.wait()
            sys.stderr.write("server log:\n" + self.text_log())


def parse_sse(raw):
    """Strict server-sent events as OpenAI sends them: 'data: X' events separated by blank lines."""
    expect(raw.endswith("\n\n"), f"stream does not end with a blank line: {raw[-80:]!r}")
    events = raw[:-2].split("\n\n")
    out = []
    for e in events:
        expect(e.startswith("data: ") and "\n" not in e, f"malformed event {e!r}")
        out.append(e[len("data: "):])
    expect(out and out[-1] == "[DONE]", "stream does not end with data: [DONE]")
    expect(out.count("[DONE]") == 1, "more than one [DONE]")
    return out


def chunks_of(events):
    return [json.loads(e) for e in events[:-1]]


def metric_value(text, name, labels=None):
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        if labels and not all(f'{k}="{v}"' in (m.group(2) or "") for k, v in labels.items()):
            continue
        return float(m.group(3))
    return None


# ---------------------------------------------------------------------------------------------


def case_reference_greedy():
    """Greedy decoding from BOS over HTTP gives the README's published text; response shapes."""
    ref = reference_text()
    with Server() as s:
        st, hd, r = s.post("/v1/completions", {"model": "stories260K", "prompt": [1],
                                               "max_tokens": 64, "temperature": 0})
        expect(st == 200, f"status {st}: {r}")
        expect(hd.get("Content-Type", "").startswith("application/json"), f"content type {hd}")
        expect(r["object"] == "text_completion" and r["id"].startswith("cmpl-"), r)
        expect(r["model"] == "stories260K" and isinstance(r["created"], int), r)
        ch = r["choices"]
        expect(len(ch) == 1 and ch[0]["index"] == 0 and ch[0]["finish_reason"] == "length", ch)
        text = " ".join(ch[0]["text"].split())
        expect(text.startswith(ref) or ref.startswith(text),
               f"greedy text differs from the reference:\n  got {text!r}\n  ref {ref!r}")
        expect(len(text) >= min(len(ref), 100), f"too short: {text!r}")
        u = r["usage"]
        expect(u == {"prompt_tokens": 1, "completion_tokens": 64, "total_tokens": 65}, u)
        # A text prompt: the model continues it the same way.
        st, _, r2 = s.post("/v1/completions", {"prompt": "Once upon a time", "max_tokens": 12,
                                               "temperature": 0})
        expect(st == 200 and ref.startswith("Once upon a time" + r2["choices"][0]["text"]),
               f"continuation differs: {r2}")
        # Chat shape.
        st, _, c = s.post("/v1/chat/completions", {"messages": [{"role": "user", "content": "Hi"}],
                                                   "max_tokens": 8, "seed": 1})
        expect(st == 200 and c["object"] == "chat.completion" and c["id"].startswith("chatcmpl-"), c)
        msg = c["choices"][0]["message"]
        expect(msg["role"] == "assistant" and isinstance(msg["content"], str), msg)
        expect(c["usage"]["total_tokens"] == c["usage"]["prompt_tokens"] + c["usage"]["completion_tokens"], c)
        st, _, m = s.request("GET", "/v1/models")
        m = json.loads(m)
        expect(st == 200 and m["object"] == "list" and m["data"][0]["id"] == "stories260K", m)
        expect(m["data"][0]["object"] == "model", m)
        st, _, h = s.request("GET", "/health")
        expect(st == 200 and json.loads(h) == {"status": "ok"}, h)
        st, hd, page = s.request("GET", "/")
        expect(st == 200 and hd["Content-Type"].startswith("text/html") and b"<html" in page, hd)
        expect(b"http://" not in page and b"https://" not in page, "the page loads external resources")


def case_chat_template():
    """Chat prompts are rendered with the chat template: a model without one uses ChatML
    (rendered here by hand), and --chat-template picks another built-in."""
    msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello there"}]
    chatml = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in msgs)
    chatml += "<|im_start|>assistant\n"
    p = subprocess.run([A.slim, "tokenize", "-m", model_path(), "-p", chatml, "--ids", "--parse-special"],
                       capture_output=True, timeout=60)
    expect(p.returncode == 0, p.stderr)
    want = len(p.stdout.split())
    with Server() as s:
        expect(s.wait_log("chatml"), "no note about the ChatML fallback:\n" + s.text_log())
        st, _, r = s.post("/v1/chat/completions", {"messages": msgs, "max_tokens": 1})
        expect(st == 200 and r["usage"]["prompt_tokens"] == want,
               f"prompt_tokens {r.get('usage')} != {want} tokens of the ChatML rendering")
    with Server("--chat-template", "zephyr") as s:
        st, _, r = s.post("/v1/chat/completions", {"messages": msgs, "max_tokens": 1})
        expect(st == 200 and r["usage"]["prompt_tokens"] != want, f"--chat-template ignored: {r}")
    p = subprocess.run([A.slim, "serve", "-m", model_path(), "--port", "0", "--chat-template", "nope"],
                       capture_output=True, timeout=30)
    expect(p.returncode != 0 and b"unknown chat template" in p.stderr, p.stderr)


def case_streaming_format():
    """SSE chunks in OpenAI's format; their text equals the non-streaming response."""
    with Server() as s:
        for path, body in (("/v1/completions", {"prompt": "Once upon a time", "max_tokens": 30}),
                           ("/v1/chat/completions",
                            {"messages": [{"role": "user", "content": "Tell a story"}], "max_tokens": 30})):
            body.update({"temperature": 0.8, "seed": 11})
            st, _, whole = s.post(path, body)
            expect(st == 200, whole)
            chat = "chat" in path
            want = whole["choices"][0]["message"]["content"] if chat else whole["choices"][0]["text"]
            st, hd, events = s.stream(path, dict(body, stream=True, stream_options={"include_usage": True}))
            expect(st == 200 and hd["Content-Type"].startswith("text/event-stream"), hd)
            chunks = chunks_of(events)
            ids = {c["id"] for c in chunks}
            expect(len(ids) == 1, f"chunk ids differ: {ids}")
            obj = "chat.completion.chunk" if chat else "text_completion"
            expect(all(c["object"] == obj for c in chunks), [c["object"] for c in chunks])
            usage = chunks[-1]
            expect(usage["choices"] == [] and usage["usage"] == whole["usage"], usage)
            body_chunks = chunks[:-1]
            last = body_chunks[-1]["choices"][0]
            expect(last["finish_reason"] == whole["choices"][0]["finish_reason"], last)
            expect(all(c["choices"][0]["finish_reason"] is None for c in body_chunks[:-1]),
                   "finish_reason before the last chunk")
            if chat:
                expect(body_chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""},
                       body_chunks[0])
                expect(last["delta"] == {}, last)
                got = "".join(c["choices"][0]["delta"].get("content", "") for c in body_chunks)
            else:
                got = "".join(c["choices"][0]["text"] for c in body_chunks)
            expect(got == want, f"streamed text differs:\n  {got!r}\n  {want!r}")
            expect(len(body_chunks) > 3, "the text was not streamed in pieces")
            # Without stream_options there is no usage chunk.
            _, _, ev2 = s.stream(path, dict(body, stream=True))
            expect(all("usage" not in c for c in chunks_of(ev2)), "unrequested usage chunk")


def raw_exchange(port, data, timeout=10):
    """Sends raw bytes, returns everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        out = b""
        while True:
            try:
                b = sock.recv(65536)
            except socket.timeout:
                break
            if not b:
                break
            out += b
        return out


def case_malformed_requests():
    """The corrupt-request corpus over HTTP, raw protocol garbage, wrong routes and limits."""
    manifest = os.path.join(DATA, "bad_requests", "manifest.tsv")
    rows = [l.rstrip("\n").split("\t") for l in open(manifest, encoding="utf-8") if not l.startswith("#")]
    expect(len(rows) >= 50, "corpus too small")
    with Server("--ctx", "64", "--max-body-kb", "64") as s:
        for fname, ep, status, sub in rows:
            body = open(os.path.join(DATA, "bad_requests", fname), "rb").read()
            path = "/v1/chat/completions" if ep == "chat" else "/v1/completions"
            st, hd, data = s.request("POST", path, body, {"Content-Type": "application/json"})
            expect(st == int(status), f"{fname}: status {st}, expected {status}: {data[:200]}")
            err = json.loads(data)["error"]
            expect(sub in err["message"], f"{fname}: {err['message']!r} lacks {sub!r}")
            expect(set(err) == {"message", "type", "param", "code"}, err)
        s.alive()
        checks = [
            ("GET", "/v1/completions", None, 405, "not allowed"),
            ("POST", "/v1/models", b"{}", 405, "not allowed"),
            ("GET", "/nope", None, 404, "no such endpoint"),
            ("POST", "/v1/completions", {"model": "gpt-4", "prompt": "a"}, 404, "does not exist"),
            ("POST", "/v1/completions", {"prompt": "the " * 200}, 400, "context"),
            ("POST", "/v1/completions", {"prompt": [1, 99999]}, 400, "not a token id"),
            ("POST", "/v1/completions", b"x" * (65 * 1024), 413, "exceeds"),
        ]
        for method, path, body, status, sub in checks:
            st, _, data = s.request(method, path, body)
            expect(st == status, f"{method} {path}: {st}, expected {status}: {data[:200]}")
            expect(sub in json.loads(data)["error"]["message"], f"{path}: {data[:300]}")
        st, _, data = s.request("POST", "/v1/completions", {"model": "gpt-4", "prompt": "a"})
        expect(json.loads(data)["error"]["code"] == "model_not_found", data)
        # Protocol-level garbage: answered 4xx or closed, never a crash.
        for raw in (b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"\x00\xff" * 100 + b"\r\n\r\n",
                    b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                    b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                    b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"):
            out = raw_exchange(s.port, raw)
            expect(out == b"" or re.match(rb"HTTP/1\.[01] 4\d\d", out), f"{raw[:40]!r} -> {out[:100]!r}")
        out = raw_exchange(s.port, b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        expect(out.startswith(b"HTTP/1.1 431"), out[:60])
        # A body shorter than its Content-Length, then the client goes away.
        with socket.create_connection(("127.0.0.1", s.port)) as sock:
            sock.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"pro")
        s.alive()
        st, _, r = s.post("/v1/completions", {"prompt": "Once", "max_tokens": 4})
        expect(st == 200 and r["usage"]["completion_tokens"] == 4, r)


BATCH_REQUESTS = [
    ("/v1/completions", {"prompt": "Once upon a time", "temperature": 0, "max_tokens": 48}),
    ("/v1/completions", {"prompt": "The little dog", "temperature": 0.9, "seed": 7, "max_tokens": 48}),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "Lily"}], "temperature": 1.0,
                              "top_k": 0, "top_p": 1.0, "min_p": 0, "seed": 123456789, "max_tokens": 48}),
    ("/v1/completions", {"prompt": "One day", "temperature": 0.7, "seed": 3, "max_tokens": 64,
                         "stop": ["."]}),
]


def stream_text(s, path, body):
    st, _, events = s.stream(path, dict(body, stream=True))
    expect(st == 200, f"status {st}")
    out = []
    for c in chunks_of(events):
        ch = c["choices"][0]
        out.append(ch.get("text") or ch.get("delta", {}).get("content", ""))
    return "".join(out), chunks_of(events)[-1]["choices"][0]["finish_reason"]


def case_batch_invariance():
    """Each request's tokens are identical alone and with three others in the same batches."""
    with Server("--parallel", "4", "--batch-window-ms", "200") as s:
        alone = [stream_text(s, p, b) for p, b in BATCH_REQUESTS]
        m0 = s.metrics()
        steps_before = metric_value(m0, "slim_batch_size_count")
        single_before = metric_value(m0, "slim_batch_size_bucket", {"le": "1"})
        expect(steps_before == single_before, "requests run one at a time should use batches of one")
        for attempt in range(3):
            results = [None] * len(BATCH_REQUESTS)

            def worker(i):
                results[i] = stream_text(s, *BATCH_REQUESTS[i])

            threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(BATCH_REQUESTS))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for i, (got, want) in enumerate(zip(results, alone)):
                expect(got == want, f"request {i} differs with company:\n  {got!r}\n  alone {want!r}")
        m1 = s.metrics()
        multi = (metric_value(m1, "slim_batch_size_count") - steps_before) - \
                (metric_value(m1, "slim_batch_size_bucket", {"le": "1"}) - single_before)
        expect(multi >= 30, f"only {multi} decode steps ran with more than one request: not batched")
        four = metric_value(m1, "slim_batch_size_count") - metric_value(m1, "slim_batch_size_bucket", {"le": "3"})
        expect(four >= 10, f"only {four} steps with all four requests")


def case_disconnect_cancels():
    """A client that goes away stops its generation (streaming and not)."""
    with Server("--ctx", "4096") as s:
        body = {"prompt": [1], "max_tokens": 4000, "ignore_eos": True, "temperature": 0.8, "seed": 1}
        for streaming in (True, False):
            before = metric_value(s.metrics(), "slim_generated_tokens_total")
            sock = socket.create_connection(("127.0.0.1", s.port))
            data = json.dumps(dict(body, stream=streaming)).encode()
            sock.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: " + str(len(data)).encode() + b"\r\n\r\n" + data)
            if streaming:
                got = b""
                while got.count(b"data: ") < 3:
                    got += sock.recv(4096)
            else:
                time.sleep(0.05)
            sock.close()
            deadline = time.time() + 10
            while time.time() < deadline:
                m = s.metrics()
                if metric_value(m, "slim_active_requests") == 0 and \
                        metric_value(m, "slim_generated_tokens_total") > before:
                    break
                time.sleep(0.02)
            gen = metric_value(m, "slim_generated_tokens_total") - before
            expect(metric_value(m, "slim_active_requests") == 0, "the request is still running")
            expect(gen < 4000, f"generation was not cancelled ({gen:.0f} tokens)")
            expect(metric_value(m, "slim_requests_total", {"code": "499"}) is not None,
                   "no 499 (client closed) recorded")
        s.alive()


def case_admission_429():
    """A KV budget smaller than two contexts: concurrent requests get 429 + Retry-After."""
    # stories260K: 5 layers x 2 (K, V) x 32 floats x 4 bytes = 1280 bytes per token, so a
    # 1200-token request reserves ~1.5 MiB and a 2 MiB budget holds one.
    with Server("--ctx", "2048", "--kv-budget-mb", "2", "--parallel", "4") as s:
        body = {"prompt": [1], "max_tokens": 1200, "ignore_eos": True, "seed": 5}
        st, _, r = s.post("/v1/completions", dict(body, max_tokens=2040))
        expect(st == 400 and "--kv-budget-mb" in r["error"]["message"], r)
        results = []
        lock = threading.Lock()

        def worker():
            st2, hd, data = s.request("POST", "/v1/completions", json.dumps(body).encode())
            with lock:
                results.append((st2, hd, data))

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(r[0] for r in results)
        expect(200 in codes and 429 in codes and set(codes) <= {200, 429}, f"statuses {codes}")
        for st2, hd, data in results:
            if st2 == 429:
                expect(int(hd.get("Retry-After", "0")) >= 1, f"429 without Retry-After: {hd}")
                err = json.loads(data)["error"]
                expect(err["code"] == "rate_limit_exceeded" and "budget" in err["message"], err)
        s.alive()


def case_api_keys():
    """--api-key-file: Bearer keys (plain or sha256: lines); /health and / stay open."""
    with tempfile.TemporaryDirectory() as d:
        keyfile = os.path.join(d, "keys")
        hashed = hashlib.sha256(b"second-key-from-hash").hexdigest()
        with open(keyfile, "w") as f:
            f.write(f"# keys\nfirst-plain-key-123\nsha256:{hashed}\n")
        with Server("--api-key-file", keyfile) as s:
            body = {"prompt": "Once", "max_tokens": 2}
            st, hd, r = s.post("/v1/completions", body)
            expect(st == 401 and r["error"]["code"] == "invalid_api_key", r)
            expect(hd.get("WWW-Authenticate") == "Bearer", hd)
            st, _, r = s.post("/v1/completions", body, {"Authorization": "Bearer wrong-key-0000"})
            expect(st == 401, r)
            for key in ("first-plain-key-123", "second-key-from-hash"):
                st, _, r = s.post("/v1/completions", body, {"Authorization": "Bearer " + key})
                expect(st == 200, f"{key}: {r}")
            st, _, _ = s.request("GET", "/v1/models")
            expect(st == 401, "/v1/models without a key")
            st, _, _ = s.request("GET", "/metrics")
            expect(st == 401, "/metrics without a key")
            expect(s.request("GET", "/health")[0] == 200, "/health needs no key")
            expect(s.request("GET", "/")[0] == 200, "the page needs no key")
            auth = {"Authorization": "Bearer first-plain-key-123"}
            expect(s.request("GET", "/metrics", headers=auth)[0] == 200, "/metrics with a key")
            expect("first-plain-key" not in s.text_log(), "a key appeared in the log")


def case_promtool_metrics():
    """/metrics passes `promtool check metrics` and counts what happened."""
    promtool = "/usr/bin/promtool"
    expect(os.path.exists(promtool), "promtool missing: run scripts/install-deps.sh (Debian prometheus)")
    with Server() as s:
        s.post("/v1/completions", {"prompt": "Once", "max_tokens": 5, "temperature": 0})
        s.stream("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "max_tokens": 3,
                                          "stream": True})
        s.post("/v1/completions", {"prompt": 5})
        text = s.metrics_after(4)  # /health (start-up), two generations, the 400
        p = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True)
        expect(p.returncode == 0, f"promtool: {p.stdout.decode()} {p.stderr.decode()}\n{text}")
        expect(metric_value(text, "slim_requests_total", {"route": "/v1/completions", "code": "200"}) == 1, text)
        expect(metric_value(text, "slim_requests_total", {"route": "/v1/completions", "code": "400"}) == 1, text)
        expect(metric_value(text, "slim_generated_tokens_total") == 8, text)
        expect(metric_value(text, "slim_time_to_first_token_seconds_count") == 2, text)
        expect(metric_value(text, "process_resident_memory_bytes") > 1e6, text)
        for name in ("slim_request_duration_seconds_count", "slim_batch_size_count", "slim_queue_depth",
                     "slim_kv_cache_reserved_bytes", "slim_kv_cache_budget_bytes"):
            expect(metric_value(text, name) is not None, f"{name} missing")
        if any(os.path.exists(f"/sys/class/thermal/thermal_zone{i}/temp") for i in range(8)):
            expect("slim_cpu_temperature_celsius{" in text, "thermal zones exist but no temperature")


def case_tls():
    """--tls-cert/--tls-key: HTTPS with TLS 1.3; TLS 1.2 clients and plain HTTP are refused."""
    with tempfile.TemporaryDirectory() as d:
        cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        p = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                            "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                            "-addext", "subjectAltName=DNS:localhost"], capture_output=True)
        expect(p.returncode == 0, p.stderr.decode())
        with Server("--tls-cert", cert, "--tls-key", key, tls_ca=cert) as s:
            expect("https://" in s.log[0], s.log[0])
            st, _, r = s.post("/v1/completions", {"prompt": "Once", "max_tokens": 3})
            expect(st == 200 and r["usage"]["completion_tokens"] == 3, r)
            c = s.conn()
            c.connect()
            expect(c.sock.version() == "TLSv1.3", c.sock.version())
            c.close()
            ctx = ssl.create_default_context(cafile=cert)
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            try:
                with socket.create_connection(("127.0.0.1", s.port), timeout=10) as raw:
                    with ctx.wrap_socket(raw, server_hostname="localhost"):
                        pass
                raise AssertionError("a TLS 1.2 handshake succeeded")
            except ssl.SSLError:
                pass
            out = raw_exchange(s.port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            expect(b"200 OK" not in out, "plain HTTP answered on the TLS port")
            s.alive()
        p = subprocess.run([A.slim, "serve", "-m", model_path(), "--port", "0", "--tls-cert", cert],
                           capture_output=True, timeout=30)
        expect(p.returncode != 0 and b"together" in p.stderr, p.stderr)
        p = subprocess.run([A.slim, "serve", "-m", model_path(), "--port", "0", "--tls-cert", cert,
                            "--tls-key", os.path.join(d, "missing.pem")], capture_output=True, timeout=30)
        expect(p.returncode != 0 and b"--tls-key" in p.stderr, p.stderr)


class WebSocket:
    """A minimal RFC 6455 client (text frames, client masking)."""

    def __init__(self, port, path, headers=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           f"Sec-WebSocket-Version: 13\r\n{extra}\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            b = self.sock.recv(1)
            if not b:
                break
            head += b
        self.status = int(head.split(b" ")[1]) if head else 0
        if self.status == 101:
            accept = base64.b64encode(hashlib.sha1(
                (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
            expect(f"sec-websocket-accept: {accept}".lower() in head.decode().lower(),
                   f"bad Sec-WebSocket-Accept: {head!r}")

    def send(self, text):
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        hdr = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n))
        self.sock.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _read(self, n):
        out = b""
        while len(out) < n:
            b = self.sock.recv(n - len(out))
            if not b:
                raise EOFError("websocket closed")
            out += b
        return out

    def recv(self):
        b0, b1 = self._read(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", self._read(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self._read(8))[0]
        expect(not b1 & 0x80, "server frames must not be masked")
        payload = self._read(n)
        expect(b0 & 0x0F == 1 and b0 & 0x80, f"expected a final text frame, opcode {b0 & 0x0F}")
        return payload.decode()

    def close(self):
        self.sock.close()


def case_websocket():
    """WebSocket on the generation paths streams the same chunks as SSE, then [DONE]."""
    body = {"messages": [{"role": "user", "content": "Tell a story"}], "max_tokens": 24,
            "temperature": 0.8, "seed": 9}
    with Server() as s:
        _, _, events = s.stream("/v1/chat/completions", dict(body, stream=True))
        sse = [json.loads(e) for e in events[:-1]]
        ws = WebSocket(s.port, "/v1/chat/completions")
        expect(ws.status == 101, f"upgrade answered {ws.status}")
        for _ in range(2):  # two requests on one socket
            ws.send(json.dumps(body))
            msgs = []
            while True:
                m = ws.recv()
                msgs.append(m)
                if m == "[DONE]":
                    break
            got = [json.loads(m) for m in msgs[:-1]]
            strip = lambda cs: [(c["object"], c["choices"]) for c in cs]
            expect(strip(got) == strip(sse), f"WebSocket chunks differ from SSE:\n{got}\n{sse}")
        ws.send("{not json")
        err = json.loads(ws.recv())
        expect("invalid JSON" in err["error"]["message"], err)
        ws.send(json.dumps({"prompt": "x"}))  # wrong body for the chat path
        expect("'messages' is required" in json.loads(ws.recv())["error"]["message"], "")
        ws.close()
        bad = WebSocket(s.port, "/metrics")
        expect(bad.status == 404, f"WebSocket on /metrics answered {bad.status}")
        bad.close()
        s.alive()


def case_cors():
    """CORS is off by default; --cors-origin adds the headers and answers preflights."""
    with Server() as s:
        st, hd, _ = s.request("GET", "/v1/models", headers={"Origin": "http://evil.example"})
        expect(st == 200 and "Access-Control-Allow-Origin" not in hd, hd)
        st, _, _ = s.request("OPTIONS", "/v1/completions", headers={"Origin": "http://evil.example"})
        expect(st == 405, f"preflight without --cors-origin answered {st}")
    with Server("--cors-origin", "http://app.example") as s:
        st, hd, _ = s.request("GET", "/v1/models", headers={"Origin": "http://app.example"})
        expect(hd.get("Access-Control-Allow-Origin") == "http://app.example", hd)
        st, hd, _ = s.request("OPTIONS", "/v1/chat/completions",
                              headers={"Origin": "http://app.example", "Access-Control-Request-Method": "POST"})
        expect(st == 204 and "POST" in hd.get("Access-Control-Allow-Methods", ""), (st, hd))
        expect("Authorization" in hd.get("Access-Control-Allow-Headers", ""), hd)


def case_timeouts():
    """--timeout closes a connection that stalls mid-request; --idle-timeout idle keep-alives."""
    with Server("--timeout", "1", "--idle-timeout", "1") as s:
        t0 = time.time()
        with socket.create_connection(("127.0.0.1", s.port), timeout=15) as sock:
            sock.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"pr")
            data = sock.recv(100)
        expect(data == b"" or data.startswith(b"HTTP/1.1 4"), data)
        expect(time.time() - t0 < 5, f"stalled request held for {time.time() - t0:.1f}s")
        c = s.conn()
        c.request("GET", "/health")
        c.getresponse().read()
        t0 = time.time()
        c.sock.settimeout(15)
        expect(c.sock.recv(10) == b"", "idle connection not closed")
        expect(time.time() - t0 < 5, "idle connection held too long")
        c.close()
        s.alive()


def case_log_privacy():
    """Prompts and outputs reach the log only with --log-content."""
    secret = "ZEBRA-SECRET-PROMPT"
    for flag, shown in ((), False), (("--log-content",), True):
        with Server(*flag) as s:
            st, _, _ = s.post("/v1/completions", {"prompt": secret, "max_tokens": 2})
            expect(st == 200, st)
            expect(s.wait_log("/v1/completions"), "no access-log line:\n" + s.text_log())
            log = s.text_log()
            expect((secret in log) == shown, f"prompt in log = {secret in log} with {flag}:\n{log}")


def case_size_limits():
    """--max-prompt-kb and --max-body-kb."""
    with Server("--max-prompt-kb", "1", "--max-body-kb", "4") as s:
        st, _, r = s.post("/v1/completions", {"prompt": "a" * 2000})
        expect(st == 400 and "at most 1024" in r["error"]["message"], r)
        st, _, r = s.post("/v1/completions", {"prompt": "a", "pad": "b" * 5000})
        expect(st == 413, (st, r))
        s.alive()


def case_bad_options():
    """Bad command lines fail with one clear message."""
    for args, sub in ((["--parallel", "0"], b"--parallel"), (["--port", "70000"], b"--port"),
                      (["--host", "not-an-ip"], b"--host"), (["--api-key-file", "/nonexistent"], b"key file"),
                      (["--timeout", "0"], b"--timeout")):
        p = subprocess.run([A.slim, "serve", "-m", model_path(), *args], capture_output=True, timeout=30)
        expect(p.returncode != 0 and sub in p.stderr, f"{args}: {p.returncode} {p.stderr!r}")
    p = subprocess.run([A.slim, "serve", "--help"], capture_output=True, timeout=30)
    expect(p.returncode == 0 and b"--kv-budget-mb" in p.stdout, p.stdout)


CASES = {name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--slim", required=True)
    ap.add_argument("--shared", required=True)
    A = ap.parse_args()
    CASES[A.case]()
    print(f"ok: {A.case}")


if __name__ == "__main__":
    main()
