//! A small, synchronous LSP test client: spawns the real `djsa server` binary and speaks
//! JSON-RPC over its stdin/stdout. It answers the server's own requests (capability
//! registration, progress creation, showDocument) and records every notification.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::disallowed_methods,
    clippy::disallowed_types
)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The djsa binary, built once per test process (a no-op when it is up to date).
pub fn djsa_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(p) = std::env::var_os("DJSA_BIN") {
            return PathBuf::from(p);
        }
        let root = djsa_tests::repo_root();
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        let bin = target.join("debug").join("djsa");
        let status = Command::new(env!("CARGO"))
            .args(["build", "-q", "-p", "djsa", "--bin", "djsa"])
            .current_dir(&root)
            .status()
            .expect("cargo build");
        // The library this test links was just built; a failure here is someone else's edit in
        // progress in a shared checkout: use the binary that is there rather than fail.
        if !status.success() {
            assert!(
                bin.exists(),
                "cargo build -p djsa failed and there is no binary"
            );
            eprintln!(
                "warning: cargo build -p djsa failed; testing the existing {}",
                bin.display()
            );
        }
        bin
    })
    .clone()
}

pub fn uri(p: &Path) -> String {
    let s = p.to_string_lossy();
    let mut out = String::from("file://");
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
    /// Every notification (and server request) received, in order.
    pub log: Vec<Value>,
    /// Notifications not yet consumed by `wait_notification`.
    pending: Vec<Value>,
}

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse::<usize>().ok();
        }
    }
    let mut buf = vec![0; len?];
    r.read_exact(&mut buf).ok()?;
    serde_json::from_slice(&buf).ok()
}

impl Client {
    pub fn spawn() -> Client {
        let mut child = Command::new(djsa_bin())
            .arg("server")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn djsa server");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(m) = read_message(&mut r) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            rx,
            next_id: 1,
            log: Vec::new(),
            pending: Vec::new(),
        }
    }

    fn write(&mut self, v: &Value) {
        let body = serde_json::to_vec(v).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        self.stdin.write_all(&body).unwrap();
        self.stdin.flush().unwrap();
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.write(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Send a request without waiting; returns its id.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.write(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Receive one message, answering server requests; `None` on timeout.
    fn recv(&mut self, deadline: Instant) -> Option<Value> {
        let now = Instant::now();
        let left = deadline.saturating_duration_since(now);
        match self.rx.recv_timeout(left) {
            Ok(m) => {
                if m.get("method").is_some() {
                    if let Some(id) = m.get("id").cloned() {
                        // A request from the server: accept it.
                        let result = match m["method"].as_str() {
                            Some("window/showDocument") => json!({"success": true}),
                            _ => Value::Null,
                        };
                        self.write(&json!({"jsonrpc": "2.0", "id": id, "result": result}));
                    }
                    self.log.push(m.clone());
                    self.pending.push(m.clone());
                }
                Some(m)
            }
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                panic!("the server closed its output (crashed?)")
            }
        }
    }

    pub fn response(&mut self, id: i64, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            match self.recv(deadline) {
                Some(m) if m.get("method").is_none() && m.get("id") == Some(&json!(id)) => {
                    return m;
                }
                Some(_) => {}
                None => panic!("no response to request {id} within {timeout:?}"),
            }
        }
    }

    /// Send a request and return its `result` (panics on an error response).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        let r = self.response(id, Duration::from_secs(60));
        assert!(r.get("error").is_none(), "{method} failed: {r}");
        r["result"].clone()
    }

    /// Wait for a notification matching `pred` (consumed from the pending list).
    pub fn wait_notification(
        &mut self,
        timeout: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(i) = self.pending.iter().position(&pred) {
                return Some(self.pending.remove(i));
            }
            self.recv(deadline)?;
        }
    }

    /// Read messages for `d`, then forget the unconsumed ones (all stay in `log`).
    pub fn drain(&mut self, d: Duration) {
        let deadline = Instant::now() + d;
        while self.recv(deadline).is_some() {}
        self.pending.clear();
    }

    pub fn wait_diagnostics(&mut self, uri: &str, version: Option<i64>) -> Value {
        let u = uri.to_string();
        self.wait_notification(Duration::from_secs(60), move |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == u.as_str()
                && (version.is_none() || m["params"]["version"] == json!(version))
        })
        .unwrap_or_else(|| panic!("no diagnostics for {uri} (version {version:?})"))["params"]
            .clone()
    }

    /// The last published diagnostics per URI.
    pub fn latest_diagnostics(&self) -> std::collections::BTreeMap<String, Value> {
        let mut out = std::collections::BTreeMap::new();
        for m in &self.log {
            if m["method"] == "textDocument/publishDiagnostics" {
                out.insert(
                    m["params"]["uri"].as_str().unwrap_or("").to_string(),
                    m["params"]["diagnostics"].clone(),
                );
            }
        }
        out
    }

    /// `initialize` + `initialized`; returns the initialize result.
    pub fn initialize(&mut self, root: &Path, capabilities: Value) -> Value {
        let r = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "workspaceFolders": [{"uri": uri(root), "name": "proj"}],
                "capabilities": capabilities,
            }),
        );
        self.notify("initialized", json!({}));
        r
    }

    /// Wait until the server has loaded the project (custom request `djsa/status`).
    pub fn wait_indexed(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if self.request("djsa/status", Value::Null)["indexed"] == true {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("indexing never finished");
    }

    /// Wait until the indexing progress has ended.
    pub fn wait_progress_end(&mut self) {
        self.wait_notification(Duration::from_secs(120), |m| {
            m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end"
        })
        .expect("indexing never finished");
    }

    pub fn open(&mut self, path: &Path, version: i64) -> String {
        let text = std::fs::read_to_string(path).unwrap();
        let u = uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": u, "languageId": "python", "version": version, "text": text}}),
        );
        u
    }

    pub fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.child.try_wait() {
                Ok(Some(st)) => {
                    assert!(st.success(), "server exited with {st}");
                    return;
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    let _ = self.child.kill();
                    panic!("server did not exit after `exit`");
                }
            }
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Client capabilities like Neovim 0.11's (UTF-8 offered, resource operations, progress).
pub fn nvim_like_caps() -> Value {
    json!({
        "general": {"positionEncodings": ["utf-8", "utf-16", "utf-32"]},
        "window": {"workDoneProgress": true, "showDocument": {"support": true}},
        "workspace": {
            "applyEdit": true,
            // As Neovim 0.11 sends it: resource operations without `documentChanges: true`.
            "workspaceEdit": {"resourceOperations": ["rename", "create", "delete"]},
            "didChangeWatchedFiles": {"dynamicRegistration": true},
            "symbol": {"dynamicRegistration": false},
        },
        "textDocument": {
            "hover": {"contentFormat": ["markdown", "plaintext"]},
            "documentSymbol": {"hierarchicalDocumentSymbolSupport": true},
            "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "refactor", "source"]}}},
            "completion": {"completionItem": {"snippetSupport": false}},
            "publishDiagnostics": {"versionSupport": true},
        },
    })
}

/// Minimal capabilities: UTF-16 only, no resource operations, no progress.
pub fn plain_caps() -> Value {
    json!({
        "textDocument": {"hover": {"contentFormat": ["plaintext"]}},
    })
}

/// Copy a fixture project into a fresh temporary directory, with the Python environment off
/// (deterministic: only the project's own files are indexed).
pub fn temp_project(fixture: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("djsa-lsp-")
        .tempdir()
        .unwrap();
    copy_dir(&djsa_tests::fixtures_dir().join(fixture), dir.path());
    std::fs::write(dir.path().join("djsa.toml"), "python = \"none\"\n").unwrap();
    dir
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        let name = e.file_name();
        if name == "__pycache__" {
            continue;
        }
        if p.is_dir() {
            copy_dir(&p, &to.join(&name));
        } else {
            std::fs::copy(&p, to.join(&name)).unwrap();
        }
    }
}

/// Replace the temporary root in a JSON value's strings, for stable snapshots.
pub fn redact(v: &Value, root: &Path) -> String {
    let s = serde_json::to_string_pretty(v).unwrap();
    let r = s
        .replace(&uri(root), "file://$ROOT")
        .replace(&root.to_string_lossy().to_string(), "$ROOT");
    // The docs link points into this checkout.
    r.replace(&uri(&djsa_tests::repo_root()), "file://$REPO")
}
