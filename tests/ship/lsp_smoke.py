"""Start `djsa server` (the binary a wheel installed) over stdio, do the LSP handshake on a
project, wait for the diagnostics of one file, then shut down and exit cleanly.

Usage: python3 lsp_smoke.py DJSA_BINARY PROJECT_DIR RELATIVE_FILE EXPECTED_CODE
Standard library only; exits non-zero (with the reason) on any failure or after 120 s.
"""

import json
import os
import pathlib
import queue
import subprocess
import sys
import threading
import time


def main() -> int:
    binary, project, rel_file, expected_code = sys.argv[1:5]
    root = pathlib.Path(project).resolve()
    target_uri = (root / rel_file).as_uri()
    proc = subprocess.Popen(
        [binary, "server"],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    messages: "queue.Queue[dict | None]" = queue.Queue()

    def reader() -> None:
        out = proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    messages.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            if length is None:
                messages.put(None)
                return
            messages.put(json.loads(out.read(length)))

    threading.Thread(target=reader, daemon=True).start()

    def send(msg: dict) -> None:
        body = json.dumps(msg).encode()
        proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        proc.stdin.flush()

    deadline = time.monotonic() + 120

    def wait_for(pred, what: str) -> dict:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SystemExit(f"lsp_smoke: timed out waiting for {what}")
            try:
                msg = messages.get(timeout=left)
            except queue.Empty:
                continue
            if msg is None:
                err = proc.stderr.read().decode(errors="replace") if proc.poll() is not None else ""
                raise SystemExit(f"lsp_smoke: server closed stdout while waiting for {what}\n{err}")
            # Answer the server's own requests (progress creation, registrations) with null.
            if "id" in msg and "method" in msg:
                send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            if pred(msg):
                return msg

    send({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {
            "processId": os.getpid(),
            "rootUri": root.as_uri(),
            "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
            "capabilities": {"window": {"workDoneProgress": True}},
        },
    })
    init = wait_for(lambda m: m.get("id") == 1 and "method" not in m, "the initialize response")
    info = init.get("result", {}).get("serverInfo", {})
    caps = init.get("result", {}).get("capabilities", {})
    if not caps:
        raise SystemExit(f"lsp_smoke: no capabilities in {init}")
    send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    diags = wait_for(
        lambda m: m.get("method") == "textDocument/publishDiagnostics"
        and m["params"]["uri"] == target_uri
        and m["params"]["diagnostics"],
        f"diagnostics of {rel_file}",
    )
    codes = sorted({str(d.get("code")) for d in diags["params"]["diagnostics"]})
    if expected_code not in codes:
        raise SystemExit(f"lsp_smoke: {expected_code} not among {codes}")
    send({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None})
    wait_for(lambda m: m.get("id") == 2 and "method" not in m, "the shutdown response")
    send({"jsonrpc": "2.0", "method": "exit", "params": None})
    try:
        code = proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise SystemExit("lsp_smoke: the server did not exit after `exit`")
    if code != 0:
        raise SystemExit(f"lsp_smoke: the server exited with {code}")
    print(f"lsp_smoke: ok: {info.get('name', '?')} {info.get('version', '')}, "
          f"{rel_file}: {', '.join(codes)}; clean shutdown")
    return 0


if __name__ == "__main__":
    sys.exit(main())
