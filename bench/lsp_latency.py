#!/usr/bin/env python3
"""Latency of `djsa server`: didChange -> publishDiagnostics after a one-line edit in a model of
the synthetic 2,000-model project, and the server's resident memory. Prints numbers; it is not a
pass/fail test (issue 5's targets: median < 20 ms, p95 < 50 ms, RSS < 300 MB).

    python3 bench/lsp_latency.py [--bin target/release/djsa] [--edits 200] [--python PY]

Standard library only. Generates bench/out/lsp2000 (50 apps x 40 models) unless --no-gen.
By default the project's Python environment is off (`python = "none"` in djsa.toml), so only
the project's own files are indexed; `--python PATH` indexes that environment's contrib apps too.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import queue
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


class Server:
    def __init__(self, cmd):
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.q = queue.Queue()
        self.next_id = 1
        self.backlog = []
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        out = self.p.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    self.q.put(None)
                    return
                line = line.decode().strip()
                if not line:
                    break
                k, v = line.split(":", 1)
                headers[k.lower()] = v.strip()
            body = out.read(int(headers["content-length"]))
            self.q.put((time.perf_counter(), json.loads(body)))

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == rid and "method" not in m)[1]

    def wait(self, pred, timeout=600):
        # Messages that did not match an earlier wait stay in the backlog: a publishDiagnostics
        # that arrives while a request waits for its response is still there for the next wait.
        for k, (t, m) in enumerate(self.backlog):
            if pred(m):
                del self.backlog[k]
                return t, m
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                item = self.q.get(timeout=1)
            except queue.Empty:
                continue
            if item is None:
                raise SystemExit("the server exited")
            t, m = item
            if "method" in m and "id" in m:  # a request from the server: accept it
                self.send({"jsonrpc": "2.0", "id": m["id"], "result": None})
            if pred(m):
                return t, m
            self.backlog.append((t, m))
            del self.backlog[:-1000]
        raise SystemExit("timed out waiting for the server")

    def rss_mb(self):
        status = Path(f"/proc/{self.p.pid}/status").read_text()
        vals = {}
        for line in status.splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                k, v = line.split(":", 1)
                vals[k] = int(v.split()[0]) / 1024
        return vals.get("VmRSS", 0.0), vals.get("VmHWM", 0.0)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=None, help="djsa binary (default: target/release/djsa, else target/debug/djsa)")
    ap.add_argument("--out", default=str(REPO / "bench" / "out" / "lsp2000"))
    ap.add_argument("--apps", type=int, default=50)
    ap.add_argument("--models-per-app", type=int, default=40)
    ap.add_argument("--edits", type=int, default=200)
    ap.add_argument("--python", default=None, help="Python environment to index (default: none)")
    ap.add_argument("--no-gen", action="store_true", help="reuse the generated project")
    args = ap.parse_args()

    binary = args.bin
    if binary is None:
        rel = REPO / "target" / "release" / "djsa"
        binary = str(rel if rel.exists() else REPO / "target" / "debug" / "djsa")
    out = Path(args.out)
    if not args.no_gen or not out.exists():
        subprocess.run([sys.executable, str(REPO / "bench" / "gen_project.py"), str(out), "--apps", str(args.apps),
                        "--models-per-app", str(args.models_per_app), "--quiet"], check=True)
    python = os.path.abspath(args.python) if args.python else "none"
    (out / "djsa.toml").write_text(f'python = "{python}"\n')

    models = sorted(out.glob("*/models.py")) + sorted(out.glob("*/*/models.py"))
    models = [m for m in models if "common" not in m.parts]
    target = models[len(models) // 2]
    text = target.read_text()
    lines = text.split("\n")
    edit_line = next(i for i, l in enumerate(lines) if "max_length=" in l and "CharField" in l)
    line = lines[edit_line]
    col = line.index("max_length=") + len("max_length=")
    digits = len(line[col:]) - len(line[col:].lstrip("0123456789"))
    comment_line = next(i for i, l in enumerate(lines) if l.startswith("class "))

    srv = Server([binary, "server"])
    uri = out.resolve().as_uri()
    t0 = time.perf_counter()
    srv.request("initialize", {
        "processId": os.getpid(), "rootUri": uri, "workspaceFolders": [{"uri": uri, "name": "bench"}],
        "capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}, "window": {"workDoneProgress": True},
                         "textDocument": {"publishDiagnostics": {"versionSupport": True}}},
    })
    srv.notify("initialized", {})
    t_end, _ = srv.wait(lambda m: m.get("method") == "$/progress" and m["params"]["value"].get("kind") == "end")
    index_s = t_end - t0
    status = srv.request("djsa/status", None)["result"]

    doc = target.resolve().as_uri()
    srv.notify("textDocument/didOpen", {"textDocument": {"uri": doc, "languageId": "python", "version": 1, "text": text}})
    srv.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == doc)

    def measure(kind, n, make_edit):
        nonlocal version
        lat = []
        for i in range(n):
            rng, new = make_edit(i)
            version += 1
            t = time.perf_counter()
            srv.notify("textDocument/didChange", {"textDocument": {"uri": doc, "version": version},
                                                  "contentChanges": [{"range": rng, "text": new}]})
            t2, _ = srv.wait(lambda m, v=version: m.get("method") == "textDocument/publishDiagnostics"
                             and m["params"]["uri"] == doc and m["params"].get("version") == v)
            lat.append((t2 - t) * 1000)
        return lat

    version = 1

    def option_edit(i):
        # max_length=NNN -> another value: changes the model's facts, re-runs the project checks.
        value = str(100 + (i % 50) + 1)
        start = {"line": edit_line, "character": col}
        end = {"line": edit_line, "character": col + option_edit.width}
        option_edit.width = len(value)
        return {"start": start, "end": end}, value
    option_edit.width = digits

    def comment_edit(i):
        # A trailing comment on a class line: re-parses the file, nothing else re-runs.
        c = len(lines[comment_line])
        return ({"start": {"line": comment_line, "character": c}, "end": {"line": comment_line, "character": c + (0 if i == 0 else 4)}},
                f"  #{i % 10}")

    warm = measure("warm-up", 5, option_edit)
    lat_opt = measure("option", args.edits, option_edit)
    lat_comment = measure("comment", max(20, args.edits // 4), comment_edit)
    # Typing during a running check: an edit lands while the previous one is being checked; the
    # time until the server answers the next request shows how fast the running check is
    # cancelled (the setter waits for it to unwind).
    cancel = []
    for i in range(10):
        rng, new = option_edit(1000 + i)
        version += 1
        srv.notify("textDocument/didChange", {"textDocument": {"uri": doc, "version": version},
                                              "contentChanges": [{"range": rng, "text": new}]})
        time.sleep(0.05)
        rng, new = option_edit(2000 + i)
        version += 1
        t = time.perf_counter()
        srv.notify("textDocument/didChange", {"textDocument": {"uri": doc, "version": version},
                                              "contentChanges": [{"range": rng, "text": new}]})
        srv.request("djsa/status", None)
        cancel.append((time.perf_counter() - t) * 1000)
        srv.wait(lambda m, v=version: m.get("method") == "textDocument/publishDiagnostics"
                 and m["params"]["uri"] == doc and m["params"].get("version") == v)
    rss, hwm = srv.rss_mb()
    srv.request("shutdown", None)
    srv.notify("exit", None)
    try:
        srv.p.wait(10)
    except subprocess.TimeoutExpired:
        srv.p.kill()

    n_models = args.apps * args.models_per_app
    print(f"djsa server latency  ({binary})")
    print(f"project: {out} ({n_models} models, {status.get('files')} files indexed, python={python})")
    print(f"edited:  {target.relative_to(out)} line {edit_line + 1}")
    print(f"indexing + first check: {index_s * 1000:.0f} ms")
    for name, xs in [("one-line edit of a field option", lat_opt), ("comment-only edit", lat_comment)]:
        print(f"didChange -> publishDiagnostics, {name} ({len(xs)} edits): "
              f"median {statistics.median(xs):.1f} ms, p95 {pct(xs, 95):.1f} ms, max {max(xs):.1f} ms")
    print(f"edit during a running check -> next request answered: median {statistics.median(cancel):.1f} ms, "
          f"max {max(cancel):.1f} ms (cancellation)")
    print(f"server memory: RSS {rss:.0f} MB (peak {hwm:.0f} MB)")
    print("targets (issue 5): median < 20 ms, p95 < 50 ms, RSS < 300 MB")
    del warm


if __name__ == "__main__":
    main()
