//! Black-box tests of `djsa server`: the real binary over stdio, driven by a small Rust client
//! (tests/lsp_support.rs). Exact responses are insta snapshots under snapshots/ (paths redacted
//! to `$ROOT`); the project is tests/lsp_fixtures/shop copied to a temporary directory.
#![allow(
    clippy::unwrap_used,
    clippy::disallowed_methods,
    clippy::disallowed_types
)]

mod lsp_support;

use std::path::Path;
use std::time::Duration;

use lsp_support::*;
use serde_json::{Value, json};

fn snapshot(name: &str, value: &Value, root: &Path) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let text = redact(value, root);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

fn lsp_project() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("djsa-lsp-")
        .tempdir()
        .unwrap();
    copy_dir(
        &djsa_tests::repo_root().join("tests/lsp_fixtures/shop"),
        dir.path(),
    );
    std::fs::write(dir.path().join("djsa.toml"), "python = \"none\"\n").unwrap();
    dir
}

fn codes(diags: &Value) -> Vec<String> {
    let mut v: Vec<String> = diags
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// Position of the `nth` occurrence of `needle` (plus `delta` characters) in UTF-8 columns.
fn pos_utf8(text: &str, needle: &str, delta: usize) -> Value {
    let off = text.find(needle).unwrap() + delta;
    let line = text[..off].matches('\n').count();
    let col = off - text[..off].rfind('\n').map(|i| i + 1).unwrap_or(0);
    json!({"line": line, "character": col})
}

fn pos_utf16(text: &str, needle: &str, delta: usize) -> Value {
    let off = text.find(needle).unwrap() + delta;
    let line = text[..off].matches('\n').count();
    let start = text[..off].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col: usize = text[start..off].chars().map(char::len_utf16).sum();
    json!({"line": line, "character": col})
}

#[test]
fn initialize_negotiates_encoding_and_capabilities() {
    let proj = lsp_project();
    let mut c = Client::spawn();
    let r = c.initialize(proj.path(), nvim_like_caps());
    snapshot("lsp_initialize_utf8", &r, proj.path());
    c.shutdown();

    let mut c = Client::spawn();
    let r = c.initialize(proj.path(), plain_caps());
    assert_eq!(r["capabilities"]["positionEncoding"], "utf-16");
    c.shutdown();
}

#[test]
fn indexing_progress_and_workspace_diagnostics() {
    let proj = lsp_project();
    let root = proj.path();
    let mut c = Client::spawn();
    c.initialize(root, nvim_like_caps());
    c.wait_progress_end();
    c.drain(Duration::from_millis(300));
    // Watched files were registered, indexing reported progress, and every project file with
    // findings got its diagnostics without being opened.
    let reg = c
        .log
        .iter()
        .find(|m| m["method"] == "client/registerCapability")
        .expect("registration");
    snapshot("lsp_register_watchers", &reg["params"], root);
    let progress: Vec<Value> = c
        .log
        .iter()
        .filter(|m| m["method"] == "$/progress")
        .map(|m| m["params"]["value"]["kind"].clone())
        .collect();
    assert_eq!(
        progress,
        vec![json!("begin"), json!("report"), json!("end")]
    );
    let latest = c.latest_diagnostics();
    let files: Vec<&String> = latest.keys().collect();
    assert_eq!(files.len(), 2, "{files:?}");
    snapshot("lsp_workspace_diagnostics", &json!(latest), root);
    c.shutdown();
}

#[test]
fn diagnostics_follow_edits() {
    let proj = lsp_project();
    let root = proj.path();
    let models = root.join("shop/models.py");
    let mut c = Client::spawn();
    c.initialize(root, nvim_like_caps());
    c.wait_indexed();
    let uri = c.open(&models, 1);
    let d = c.wait_diagnostics(&uri, Some(1));
    assert_eq!(
        codes(&d["diagnostics"]),
        ["fields.E001", "fields.E135", "models.E015"]
    );
    snapshot("lsp_diagnostics_on_open", &d, root);

    // Rename `sku_` to `sku` (incremental change, UTF-8 positions): fields.E001 goes away.
    let text = std::fs::read_to_string(&models).unwrap();
    let start = pos_utf8(&text, "sku_", 3);
    let end = pos_utf8(&text, "sku_", 4);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2},
               "contentChanges": [{"range": {"start": start, "end": end}, "text": ""}]}),
    );
    let d = c.wait_diagnostics(&uri, Some(2));
    assert_eq!(codes(&d["diagnostics"]), ["fields.E135", "models.E015"]);

    // Add a field `created` (a full-text change): the ordering finding goes too.
    let fixed = text.replace("sku_ =", "sku =").replace(
        "    tags = ",
        "    created = models.DateTimeField(auto_now_add=True)\n    tags = ",
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": fixed}]}),
    );
    let d = c.wait_diagnostics(&uri, Some(3));
    assert_eq!(codes(&d["diagnostics"]), ["fields.E135"]);

    // A model in another file changes: that file's diagnostics are republished (cleared).
    let crm = root.join("crm/models.py");
    let crm_uri = c.open(&crm, 1);
    let d = c.wait_diagnostics(&crm_uri, Some(1));
    assert_eq!(codes(&d["diagnostics"]), ["models.E004"]);
    let crm_text = std::fs::read_to_string(&crm)
        .unwrap()
        .replace("IntegerField()", "IntegerField(primary_key=True)");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": crm_uri, "version": 2}, "contentChanges": [{"text": crm_text}]}),
    );
    let d = c.wait_diagnostics(&crm_uri, Some(2));
    assert_eq!(codes(&d["diagnostics"]), Vec::<String>::new());

    // Saving and closing: the closed file falls back to the disk text (which still has E004).
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": crm_uri}}),
    );
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": crm_uri}}),
    );
    let d = c.wait_diagnostics(&crm_uri, None);
    assert_eq!(codes(&d["diagnostics"]), ["models.E004"]);
    c.shutdown();
}

#[test]
fn watched_file_changes_are_reloaded() {
    let proj = lsp_project();
    let root = proj.path();
    let mut c = Client::spawn();
    c.initialize(root, nvim_like_caps());
    c.wait_indexed();
    c.drain(Duration::from_millis(200));
    // A new model file appears on disk (a git checkout, another tool).
    let crm = root.join("crm/models.py");
    std::fs::write(&crm, "from django.db import models\n\n\nclass Company(models.Model):\n    name_ = models.CharField(max_length=200)\n").unwrap();
    let extra = root.join("crm/extra.py");
    std::fs::write(&extra, "x = (\n").unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&crm), "type": 2}, {"uri": uri(&extra), "type": 1}]}),
    );
    let d = c.wait_diagnostics(&uri(&crm), None);
    assert_eq!(codes(&d["diagnostics"]), ["fields.E001"]);
    let d = c.wait_diagnostics(&uri(&extra), None);
    assert_eq!(codes(&d["diagnostics"]), ["DJSA001"]);
    // And disappears again.
    std::fs::remove_file(&extra).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&extra), "type": 3}]}),
    );
    let d = c.wait_diagnostics(&uri(&extra), None);
    assert_eq!(d["diagnostics"], json!([]));
    c.shutdown();
}

#[test]
fn navigation_hover_definition_symbols_completion() {
    let proj = lsp_project();
    let root = proj.path();
    let models = root.join("shop/models.py");
    let text = std::fs::read_to_string(&models).unwrap();
    let mut c = Client::spawn();
    c.initialize(root, nvim_like_caps());
    c.wait_indexed();
    let uri = c.open(&models, 1);
    c.wait_diagnostics(&uri, Some(1));
    let at = |needle: &str, delta: usize| json!({"textDocument": {"uri": uri}, "position": pos_utf8(&text, needle, delta)});

    let mut out = serde_json::Map::new();
    out.insert(
        "hover model".into(),
        c.request("textDocument/hover", at("class Product", 8)),
    );
    out.insert(
        "hover field".into(),
        c.request(
            "textDocument/hover",
            at("name = models.CharField(max_length=100", 1),
        ),
    );
    out.insert(
        "hover foreign key".into(),
        c.request("textDocument/hover", at("category = ", 2)),
    );
    out.insert(
        "hover m2m".into(),
        c.request("textDocument/hover", at("tags = ", 1)),
    );
    out.insert(
        "hover string reference".into(),
        c.request("textDocument/hover", at("\"crm.Company\"", 3)),
    );
    out.insert(
        "hover nothing".into(),
        c.request("textDocument/hover", at("from django", 2)),
    );
    out.insert(
        "definition class name".into(),
        c.request("textDocument/definition", at("ForeignKey(Category", 12)),
    );
    out.insert(
        "definition app.Model".into(),
        c.request("textDocument/definition", at("\"crm.Company\"", 6)),
    );
    out.insert(
        "definition Model".into(),
        c.request("textDocument/definition", at("\"Tag\"", 1)),
    );
    out.insert(
        "definition self".into(),
        c.request("textDocument/definition", at("\"self\"", 2)),
    );
    snapshot("lsp_hover_definition", &Value::Object(out), root);

    let syms = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    snapshot("lsp_document_symbols", &syms, root);
    let ws = c.request("workspace/symbol", json!({"query": "co"}));
    snapshot("lsp_workspace_symbols", &ws, root);

    // Completion inside a relation string and inside `class Meta:`, on an edited buffer.
    let mut out = serde_json::Map::new();
    out.insert(
        "inside a closed string".into(),
        c.request(
            "textDocument/completion",
            at("ForeignKey(\"crm.Company", 14),
        ),
    );
    out.insert(
        "same app".into(),
        c.request("textDocument/completion", at("ManyToManyField(\"Tag", 18)),
    );
    let edited = text
        .replace(
            "    tags = ",
            "    owner = models.ForeignKey(\"cr\n    tags = ",
        )
        .replace(
            "        ordering = [\"-created\"]\n",
            "        ordering = [\"-created\"]\n        verb\n",
        );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": edited}]}),
    );
    let at2 = |needle: &str, delta: usize| json!({"textDocument": {"uri": uri}, "position": pos_utf8(&edited, needle, delta)});
    out.insert(
        "relation string".into(),
        c.request(
            "textDocument/completion",
            at2("owner = models.ForeignKey(\"cr", 29),
        ),
    );

    out.insert(
        "meta option".into(),
        c.request("textDocument/completion", at2("        verb", 12)),
    );
    out.insert(
        "elsewhere".into(),
        c.request("textDocument/completion", at2("from django", 4)),
    );
    snapshot("lsp_completion", &Value::Object(out), root);
    c.shutdown();
}

#[test]
fn utf16_positions_with_non_ascii_text() {
    let proj = lsp_project();
    let root = proj.path();
    let models = root.join("shop/models.py");
    // Non-ASCII characters before the finding on the same line: UTF-16 and UTF-8 columns differ.
    let text = std::fs::read_to_string(&models)
        .unwrap()
        .replace("    sku_ = ", "    é = 1; 𝄞 = 2; sku_ = ");
    std::fs::write(&models, &text).unwrap();
    for (caps, utf16) in [(plain_caps(), true), (nvim_like_caps(), false)] {
        let mut c = Client::spawn();
        c.initialize(root, caps);
        c.wait_indexed();
        let uri = c.open(&models, 1);
        let d = c.wait_diagnostics(&uri, Some(1));
        let e001 = d["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "fields.E001")
            .unwrap()
            .clone();
        let expect = if utf16 {
            pos_utf16(&text, "sku_", 0)
        } else {
            pos_utf8(&text, "sku_", 0)
        };
        assert_eq!(e001["range"]["start"], expect, "utf16={utf16}");
        // Hover at the same kind of position answers for the same field.
        let p = if utf16 {
            pos_utf16(&text, "sku_", 2)
        } else {
            pos_utf8(&text, "sku_", 2)
        };
        let h = c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": p}),
        );
        let value = h["contents"]["value"].as_str().unwrap();
        assert!(value.contains("Product.sku_"), "{value}");
        c.shutdown();
    }
}

#[test]
fn code_actions_are_quick_fixes_of_the_diagnostics() {
    let proj = lsp_project();
    let root = proj.path();
    let models = root.join("shop/models.py");
    let mut c = Client::spawn();
    c.initialize(root, nvim_like_caps());
    c.wait_indexed();
    let uri = c.open(&models, 1);
    let d = c.wait_diagnostics(&uri, Some(1));
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 200, "character": 0}},
               "context": {"diagnostics": d["diagnostics"], "only": ["quickfix"]}}),
    );
    // Which findings carry fixes is the analysis' business; every action must be a well-formed
    // quick fix tied to one of the published diagnostics.
    for a in r.as_array().cloned().unwrap_or_default() {
        assert_eq!(a["kind"], "quickfix", "{a}");
        let diag = &a["diagnostics"][0];
        assert!(d["diagnostics"].as_array().unwrap().contains(diag), "{a}");
        assert!(a.get("edit").is_some() || a.get("command").is_some(), "{a}");
    }
    // Other kinds are not offered.
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 200, "character": 0}},
               "context": {"diagnostics": [], "only": ["refactor"]}}),
    );
    assert_eq!(r, Value::Null);
    c.shutdown();
}

#[test]
fn create_file_command_for_clients_without_resource_operations() {
    let proj = lsp_project();
    let root = proj.path();
    let mut c = Client::spawn();
    c.initialize(root, plain_caps());
    c.wait_indexed();
    let r = c.request(
        "workspace/executeCommand",
        json!({"command": "djsa.createFile", "arguments": []}),
    );
    assert_eq!(r, Value::Null);
    let new = root.join("shop/migrations/0001_initial.py");
    let args = json!([{"path": new.to_string_lossy(), "text": "from django.db import migrations\n\nx = (\n"}]);
    let r = c.request(
        "workspace/executeCommand",
        json!({"command": "djsa.createFile", "arguments": args}),
    );
    assert_eq!(r, Value::Null);
    assert_eq!(
        std::fs::read_to_string(&new).unwrap(),
        "from django.db import migrations\n\nx = (\n"
    );
    // The server loads the new file at once (no watcher needed) and shows it.
    let d = c.wait_diagnostics(&uri(&new), None);
    assert_eq!(codes(&d["diagnostics"]), ["DJSA001"]);
    assert!(
        c.log
            .iter()
            .any(|m| m["method"] == "window/showDocument"
                && m["params"]["uri"] == uri(&new).as_str())
    );
    // Never over an existing file.
    let id = c.send_request(
        "workspace/executeCommand",
        json!({"command": "djsa.createFile", "arguments": args}),
    );
    let r = c.response(id, Duration::from_secs(30));
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot create"),
        "{r}"
    );
    assert_eq!(
        std::fs::read_to_string(&new).unwrap(),
        "from django.db import migrations\n\nx = (\n"
    );
    c.shutdown();
}

fn migrate_project() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("djsa-lsp-")
        .tempdir()
        .unwrap();
    copy_dir(
        &djsa_tests::repo_root().join("tests/lsp_fixtures/migrate"),
        dir.path(),
    );
    std::fs::write(dir.path().join("djsa.toml"), "python = \"none\"\n").unwrap();
    dir
}

fn actions_for(c: &mut Client, uri: &str, diags: &Value) -> Value {
    c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri},
               "range": diags[0]["range"],
               "context": {"diagnostics": diags, "only": ["quickfix"]}}),
    )
}

fn wait_clean(c: &mut Client, uri: &str) {
    let u = uri.to_string();
    c.wait_notification(Duration::from_secs(60), move |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == u.as_str()
            && m["params"]["diagnostics"] == json!([])
    })
    .expect("the finding did not go away");
}

/// The "Create migration" quick fix: a CreateFile + insert workspace edit; once the file exists
/// the drift finding goes away.
#[test]
fn create_migration_quick_fix_with_resource_operations() {
    let proj = migrate_project();
    let root = proj.path();
    let models = root.join("notes/models.py");
    let mut c = Client::spawn();
    c.initialize(root, nvim_like_caps());
    c.wait_indexed();
    let uri = c.open(&models, 1);
    let d = c.wait_diagnostics(&uri, Some(1));
    assert_eq!(codes(&d["diagnostics"]), ["DJSA101"]);
    let actions = actions_for(&mut c, &uri, &d["diagnostics"]);
    snapshot("lsp_code_action_create_migration", &actions, root);

    // Apply it as a client does: create the file, insert the text, tell the server.
    let ops = actions[0]["edit"]["documentChanges"].as_array().unwrap();
    assert_eq!(ops[0]["kind"], "create");
    let new_uri = ops[0]["uri"].as_str().unwrap();
    assert_eq!(ops[1]["textDocument"]["uri"], new_uri);
    let text = ops[1]["edits"][0]["newText"].as_str().unwrap();
    let path = root.join("notes/migrations/0002_note_body.py");
    assert_eq!(new_uri, lsp_support::uri(&path));
    assert!(text.contains("migrations.AddField("), "{text}");
    std::fs::write(&path, text).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": new_uri, "type": 1}]}),
    );
    wait_clean(&mut c, &uri);

    // Go to definition from the new migration's dependency to the migration it names.
    let r = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": new_uri}, "position": pos_utf8(text, "'0001_initial'", 3)}),
    );
    assert_eq!(
        r,
        json!({"uri": lsp_support::uri(&root.join("notes/migrations/0001_initial.py")),
               "range": {"start": {"line": 3, "character": 6}, "end": {"line": 3, "character": 15}}})
    );
    c.shutdown();
}

/// A client with `workspace.codeLens.refreshSupport` (Neovim 0.11, VS Code) is asked to
/// re-request its lenses when the pending operations change (here: by a migration written
/// outside the editor), and not after an edit that leaves them as they were.
#[test]
fn code_lens_refresh_when_pending_operations_change() {
    let proj = migrate_project();
    let root = proj.path();
    let models = root.join("notes/models.py");
    let mut caps = nvim_like_caps();
    caps["workspace"]["codeLens"] = json!({"refreshSupport": true});
    let mut c = Client::spawn();
    c.initialize(root, caps);
    c.wait_indexed();
    let uri = c.open(&models, 1);
    let d = c.wait_diagnostics(&uri, Some(1));
    assert_eq!(codes(&d["diagnostics"]), ["DJSA101"]);
    let is_refresh = |m: &Value| m["method"] == "workspace/codeLens/refresh";

    // A comment edit: same pending operations, no refresh.
    let text = std::fs::read_to_string(&models).unwrap();
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2},
               "contentChanges": [{"text": format!("{text}# a comment\n")}]}),
    );
    c.wait_diagnostics(&uri, Some(2));
    c.drain(Duration::from_millis(500));
    assert!(
        !c.log.iter().any(is_refresh),
        "refresh without a change in pending operations"
    );

    // The migration appears on disk: the lens goes away, the client is asked to refresh.
    let actions = actions_for(&mut c, &uri, &d["diagnostics"]);
    let ops = actions[0]["edit"]["documentChanges"].as_array().unwrap();
    let new_text = ops[1]["edits"][0]["newText"].as_str().unwrap();
    let path = root.join("notes/migrations/0002_note_body.py");
    std::fs::write(&path, new_text).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": lsp_support::uri(&path), "type": 1}]}),
    );
    c.wait_notification(Duration::from_secs(60), is_refresh)
        .expect("no workspace/codeLens/refresh after the pending operations changed");
    c.shutdown();
}

/// Without resource operations the same fix runs the server command that writes the file.
#[test]
fn create_migration_quick_fix_through_the_server_command() {
    let proj = migrate_project();
    let root = proj.path();
    let models = root.join("notes/models.py");
    let mut c = Client::spawn();
    c.initialize(root, plain_caps());
    c.wait_indexed();
    let uri = c.open(&models, 1);
    let d = c.wait_diagnostics(&uri, Some(1));
    let actions = actions_for(&mut c, &uri, &d["diagnostics"]);
    let a = &actions[0];
    assert_eq!(
        a["title"],
        "Create migration notes/migrations/0002_note_body.py"
    );
    assert!(a.get("edit").is_none(), "{a}");
    assert_eq!(a["command"]["command"], "djsa.createFile");
    c.request(
        "workspace/executeCommand",
        json!({"command": a["command"]["command"], "arguments": a["command"]["arguments"]}),
    );
    let path = root.join("notes/migrations/0002_note_body.py");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        a["command"]["arguments"][0]["text"].as_str().unwrap()
    );
    wait_clean(&mut c, &uri);
    c.shutdown();
}

/// Deterministic pseudo-random numbers (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// 1,000 random edits sent without waiting to a generated 10-app project: the server neither
/// crashes nor stalls, and its final diagnostics equal a cold `djsa check` of the final text.
#[test]
fn stress_random_edits_match_a_cold_check() {
    let dir = tempfile::Builder::new()
        .prefix("djsa-lsp-stress-")
        .tempdir()
        .unwrap();
    let root = dir.path().join("proj");
    let gen_script = djsa_tests::repo_root().join("bench/gen_project.py");
    let st = std::process::Command::new("python3")
        .arg(&gen_script)
        .arg(&root)
        .args(["--apps", "10", "--models-per-app", "20", "--seed", "7"])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::write(root.join("djsa.toml"), "python = \"none\"\n").unwrap();
    let mut targets: Vec<std::path::PathBuf> = Vec::new();
    for e in std::fs::read_dir(&root).unwrap() {
        let p = e.unwrap().path().join("models.py");
        if p.is_file() {
            targets.push(p);
        }
    }
    targets.sort();
    let targets: Vec<_> = targets.into_iter().take(3).collect();
    assert!(!targets.is_empty());

    let mut c = Client::spawn();
    c.initialize(&root, nvim_like_caps());
    c.wait_indexed();
    let mut docs: Vec<(String, String, i64)> = targets
        .iter()
        .map(|p| (c.open(p, 1), std::fs::read_to_string(p).unwrap(), 1))
        .collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let snippets = [
        "x",
        "_",
        "(",
        ")",
        "\"",
        "\n",
        "    ",
        "models.",
        "ForeignKey(\"self\", on_delete=models.CASCADE)",
        "= models.CharField(",
        "max_length=",
        "1",
        "é",
        "#",
        ":",
    ];
    for i in 0..1000 {
        let d = rng.below(docs.len());
        let (uri, text, version) = &mut docs[d];
        let len = text.len();
        let mut a = rng.below(len + 1);
        while !text.is_char_boundary(a) {
            a -= 1;
        }
        let mut b = (a + rng.below(8)).min(len);
        while !text.is_char_boundary(b) {
            b -= 1;
        }
        let b = b.max(a);
        let ins = if rng.below(3) == 0 {
            ""
        } else {
            snippets[rng.below(snippets.len())]
        };
        let to_pos = |t: &str, off: usize| {
            let line = t[..off].matches('\n').count();
            let col = off - t[..off].rfind('\n').map(|i| i + 1).unwrap_or(0);
            json!({"line": line, "character": col})
        };
        let range = json!({"start": to_pos(text, a), "end": to_pos(text, b)});
        text.replace_range(a..b, ins);
        *version += 1;
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": *version}, "contentChanges": [{"range": range, "text": ins}]}),
        );
        // Interleave requests, as an editor does while typing.
        if i % 50 == 0 {
            c.send_request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": to_pos(text, a)}),
            );
        }
    }
    // The server must still answer, and publish the final versions.
    for (uri, _, version) in docs.clone() {
        c.wait_diagnostics(&uri, Some(version));
    }
    c.drain(Duration::from_millis(1500));
    let st = c.request("djsa/status", Value::Null);
    assert_eq!(st["indexed"], true);

    // Cold check of the final texts.
    for (p, (_, text, _)) in targets.iter().zip(&docs) {
        std::fs::write(p, text).unwrap();
    }
    let run = djsa_tests::djsa(&["check", root.to_str().unwrap(), "--output-format", "json"]);
    let cold: Value = serde_json::from_str(&run.stdout).unwrap();
    let mut expected: Vec<String> = cold["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["file"].is_string())
        .map(|d| {
            let mut msg = match d["object"].as_str() {
                Some(o) => format!("{o}: {}", d["message"].as_str().unwrap()),
                None => d["message"].as_str().unwrap().to_string(),
            };
            if let Some(h) = d["hint"].as_str() {
                msg.push_str("\nHINT: ");
                msg.push_str(h);
            }
            format!(
                "{}:{}:{} {}",
                d["file"].as_str().unwrap(),
                d["line"],
                d["code"].as_str().unwrap(),
                msg
            )
        })
        .collect();
    expected.sort();
    let prefix = format!("{}/", uri(&root));
    let mut got: Vec<String> = Vec::new();
    for (u, diags) in c.latest_diagnostics() {
        let rel = u.strip_prefix(&prefix).unwrap_or(&u).to_string();
        for d in diags.as_array().unwrap() {
            got.push(format!(
                "{rel}:{}:{} {}",
                d["range"]["start"]["line"].as_u64().unwrap() + 1,
                d["code"].as_str().unwrap(),
                d["message"].as_str().unwrap()
            ));
        }
    }
    got.sort();
    assert_eq!(got, expected);
    c.shutdown();
}

fn library_project() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("djsa-lsp-")
        .tempdir()
        .unwrap();
    copy_dir(
        &djsa_tests::repo_root().join("tests/lsp_fixtures/library"),
        dir.path(),
    );
    std::fs::write(dir.path().join("djsa.toml"), "python = \"none\"\n").unwrap();
    dir
}

fn refs(c: &mut Client, uri: &str, pos: Value, decl: bool) -> Value {
    c.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri}, "position": pos, "context": {"includeDeclaration": decl}}),
    )
}

/// References of a model, a field and a SQLAlchemy column across models, imports, migrations,
/// Meta options and the other ORM.
#[test]
fn find_references_across_models_migrations_and_sqlalchemy() {
    let proj = library_project();
    let root = proj.path();
    let models = root.join("library/models.py");
    let tables = root.join("warehouse/tables.py");
    let mig1 = root.join("library/migrations/0001_initial.py");
    let text = std::fs::read_to_string(&models).unwrap();
    let ttext = std::fs::read_to_string(&tables).unwrap();
    let mtext = std::fs::read_to_string(&mig1).unwrap();
    let mut c = Client::spawn();
    let caps = c.initialize(root, nvim_like_caps());
    assert_eq!(caps["capabilities"]["referencesProvider"], true);
    c.wait_indexed();
    let uri = c.open(&models, 1);
    c.wait_diagnostics(&uri, Some(1));
    let turi = lsp_support::uri(&tables);
    let muri = lsp_support::uri(&mig1);
    let mut out = serde_json::Map::new();
    out.insert(
        "model Author with declaration".into(),
        refs(&mut c, &uri, pos_utf8(&text, "class Author", 7), true),
    );
    out.insert(
        "model Book without declaration".into(),
        refs(&mut c, &uri, pos_utf8(&text, "class Book", 7), false),
    );
    out.insert(
        "field title".into(),
        refs(&mut c, &uri, pos_utf8(&text, "title = ", 1), true),
    );
    out.insert(
        "field from a migration operation".into(),
        refs(&mut c, &muri, pos_utf8(&mtext, "(\"name\"", 2), true),
    );
    out.insert(
        "relation target".into(),
        refs(
            &mut c,
            &uri,
            pos_utf8(&text, "ForeignKey(Author", 12),
            false,
        ),
    );
    out.insert(
        "sqlalchemy column".into(),
        refs(
            &mut c,
            &turi,
            pos_utf8(&ttext, "Column(\"id\", BigInteger", 9),
            true,
        ),
    );
    out.insert(
        "sqlalchemy table".into(),
        refs(
            &mut c,
            &turi,
            pos_utf8(&ttext, "\"library_book\",", 3),
            true,
        ),
    );
    out.insert(
        "nothing".into(),
        refs(&mut c, &uri, pos_utf8(&text, "from django", 2), true),
    );
    snapshot("lsp_references", &Value::Object(out), root);
    c.shutdown();
}

/// Hover shows the last migration, the type per backend and the other ORM's column; hover on
/// SQLAlchemy code; completion of field options and of Meta options not set yet.
#[test]
fn hover_cross_orm_and_option_completion() {
    let proj = library_project();
    let root = proj.path();
    let models = root.join("library/models.py");
    let tables = root.join("warehouse/tables.py");
    let text = std::fs::read_to_string(&models).unwrap();
    let ttext = std::fs::read_to_string(&tables).unwrap();
    let mut c = Client::spawn();
    c.initialize(root, nvim_like_caps());
    c.wait_indexed();
    let uri = c.open(&models, 1);
    c.wait_diagnostics(&uri, Some(1));
    let turi = lsp_support::uri(&tables);
    let at = |u: &str, t: &str, needle: &str, delta: usize| json!({"textDocument": {"uri": u}, "position": pos_utf8(t, needle, delta)});
    let mut out = serde_json::Map::new();
    out.insert(
        "field title".into(),
        c.request("textDocument/hover", at(&uri, &text, "title = ", 1)),
    );
    out.insert(
        "model Book".into(),
        c.request("textDocument/hover", at(&uri, &text, "class Book", 7)),
    );
    out.insert(
        "sqlalchemy column".into(),
        c.request(
            "textDocument/hover",
            at(&turi, &ttext, "Column(\"title\"", 9),
        ),
    );
    out.insert(
        "sqlalchemy table".into(),
        c.request("textDocument/hover", at(&turi, &ttext, "\"stock\"", 2)),
    );
    snapshot("lsp_hover_cross_orm", &Value::Object(out), root);

    let edited = text
        .replace(
            "    isbn = models.CharField(max_length=13, default=\"\")\n",
            "    isbn = models.CharField(max_length=13, default=\"\", n)\n    pages = models.IntegerField()\n",
        )
        .replace(
            "        ordering = [\"-title\"]\n",
            "        ordering = [\"-title\"]\n        ord\n",
        );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": edited}]}),
    );
    let mut out = serde_json::Map::new();
    out.insert(
        "char field option".into(),
        c.request(
            "textDocument/completion",
            at(&uri, &edited, "default=\"\", n)", 13),
        ),
    );
    let labels = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    let all = c.request(
        "textDocument/completion",
        at(&uri, &edited, "IntegerField()", 13),
    );
    let all = labels(&all);
    assert!(all.contains(&"null".to_string()), "{all:?}");
    assert!(!all.contains(&"max_length".to_string()), "{all:?}");
    let fk = c.request(
        "textDocument/completion",
        at(&uri, &edited, "ForeignKey(Author, ", 19),
    );
    let fk = labels(&fk);
    assert!(fk.contains(&"related_query_name".to_string()), "{fk:?}");
    assert!(
        !fk.contains(&"on_delete".to_string()),
        "given already: {fk:?}"
    );
    assert!(
        !fk.contains(&"related_name".to_string()),
        "given already: {fk:?}"
    );
    out.insert(
        "meta option not set yet".into(),
        c.request(
            "textDocument/completion",
            at(&uri, &edited, "        ord\n", 11),
        ),
    );
    snapshot("lsp_completion_options", &Value::Object(out), root);
    c.shutdown();
}

/// The code lens on a drifting model, its command writing the migration, and the source actions
/// (make migrations, bridge a SQLAlchemy table to Django).
#[test]
fn code_lens_and_source_actions() {
    let proj = library_project();
    let root = proj.path();
    let models = root.join("library/models.py");
    let tables = root.join("warehouse/tables.py");
    let ttext = std::fs::read_to_string(&tables).unwrap();
    let mut c = Client::spawn();
    let init = c.initialize(root, nvim_like_caps());
    assert_eq!(
        init["capabilities"]["codeLensProvider"],
        json!({"resolveProvider": false})
    );
    c.wait_indexed();
    let uri = c.open(&models, 1);
    c.wait_diagnostics(&uri, Some(1));
    let lenses = c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    );
    let source = |c: &mut Client, u: &str, range: Value| {
        c.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": u}, "range": range,
                   "context": {"diagnostics": [], "only": ["source"]}}),
        )
    };
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}});
    let make = source(&mut c, &uri, whole.clone());
    let turi = lsp_support::uri(&tables);
    let stock = pos_utf8(&ttext, "\"stock\"", 2);
    let bridge = source(&mut c, &turi, json!({"start": stock, "end": stock}));
    let mut out = serde_json::Map::new();
    out.insert("code lens".into(), lenses.clone());
    out.insert("source actions in models.py".into(), make.clone());
    out.insert("source actions in tables.py".into(), bridge.clone());
    snapshot("lsp_code_lens_source_actions", &Value::Object(out), root);

    // The make-migrations action creates exactly what `djsa makemigrations library` writes.
    let ops = make[0]["edit"]["documentChanges"].as_array().unwrap();
    let new_path = root.join("library/migrations/0003_book_isbn.py");
    assert_eq!(ops[0]["uri"], lsp_support::uri(&new_path));
    let out = std::process::Command::new(djsa_bin())
        .args(["makemigrations", "--dry-run", "-v", "3", "library"])
        .current_dir(root)
        .output()
        .unwrap();
    let cli = String::from_utf8_lossy(&out.stdout).to_string();
    let body = ops[1]["edits"][0]["newText"].as_str().unwrap();
    let body_ops = &body[body.find("operations").unwrap()..];
    assert!(cli.contains(body_ops), "{cli}\n---\n{body}");

    // The lens command writes the migration; the drift, the lens and the action go away.
    let cmd = &lenses[0]["command"];
    c.request(
        "workspace/executeCommand",
        json!({"command": cmd["command"], "arguments": cmd["arguments"]}),
    );
    assert_eq!(std::fs::read_to_string(&new_path).unwrap(), body);
    let u = uri.clone();
    c.wait_notification(Duration::from_secs(60), move |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == u.as_str()
            && !codes(&m["params"]["diagnostics"]).contains(&"DJSA101".to_string())
    })
    .expect("DJSA101 did not go away");
    let lenses = c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(lenses, Value::Null);
    assert_eq!(source(&mut c, &uri, whole), Value::Null);

    // Bridging writes a new module; once the model is there the action is not offered again;
    // an existing module of that name gets the model appended.
    let ops = bridge[0]["edit"]["documentChanges"].as_array().unwrap();
    let bridged = root.join("warehouse/django_models_stock.py");
    assert_eq!(ops[0]["uri"], lsp_support::uri(&bridged));
    let written = ops[1]["edits"][0]["newText"].as_str().unwrap();
    assert!(written.contains("class Stock(models.Model):"), "{written}");
    std::fs::write(&bridged, written).unwrap();
    let mine = root.join("warehouse/django_models_library_book.py");
    std::fs::write(&mine, "from django.db import models\n\n# mine\n").unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": lsp_support::uri(&bridged), "type": 1}, {"uri": lsp_support::uri(&mine), "type": 1}]}),
    );
    c.drain(Duration::from_millis(300));
    assert_eq!(
        source(&mut c, &turi, json!({"start": stock, "end": stock})),
        Value::Null
    );
    let lb = pos_utf8(&ttext, "\"library_book\",", 2);
    let again = source(&mut c, &turi, json!({"start": lb, "end": lb}));
    snapshot("lsp_source_action_bridge_append", &again, root);
    c.shutdown();
}

/// With a database URL, the live drift (DJSA30x) is published with the other findings; a
/// connection failure is one warning without the password, and the live findings go away.
#[test]
fn live_drift_from_a_database_url() {
    let proj = library_project();
    let root = proj.path();
    let db = root.join("live.sqlite3");
    let made = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3, sys\n\
             c = sqlite3.connect(sys.argv[1])\n\
             c.execute('CREATE TABLE library_author (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, name varchar(100) NOT NULL)')\n\
             c.commit()\n",
        )
        .arg(&db)
        .status()
        .expect("python3 is needed to make the SQLite database");
    assert!(made.success());
    let models = root.join("library/models.py");
    let mut c = Client::spawn();
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": lsp_support::uri(root),
               "workspaceFolders": [{"uri": lsp_support::uri(root), "name": "proj"}],
               "capabilities": nvim_like_caps(),
               "initializationOptions": {"databaseUrl": format!("sqlite://{}", db.display()),
                                         "liveIntervalSeconds": 0}}),
    );
    c.notify("initialized", json!({}));
    c.wait_indexed();
    let uri = c.open(&models, 1);
    let u = uri.clone();
    let live = c
        .wait_notification(Duration::from_secs(60), move |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == u.as_str()
                && codes(&m["params"]["diagnostics"])
                    .iter()
                    .any(|c| c.starts_with("DJSA30"))
        })
        .expect("no live drift published");
    let live_codes: Vec<String> = codes(&live["params"]["diagnostics"])
        .into_iter()
        .filter(|c| c.starts_with("DJSA30"))
        .collect();
    assert!(!live_codes.is_empty());
    let book_missing = live["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| {
            d["code"].as_str().unwrap().starts_with("DJSA30")
                && d["message"].as_str().unwrap().contains("library_book")
        });
    assert!(book_missing, "{live}");

    // A server that cannot be reached: one warning, no password, the live findings dropped.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"djsa": {"databaseUrl": "postgres://djsa:s3cr3t-pw@127.0.0.1:1/nothing"}}}),
    );
    let warn = c
        .wait_notification(Duration::from_secs(60), |m| {
            m["method"] == "window/showMessage"
        })
        .expect("no warning for an unreachable database");
    assert_eq!(warn["params"]["type"], 2, "{warn}");
    let text = warn["params"]["message"].as_str().unwrap();
    assert!(text.contains("live database"), "{text}");
    assert!(!text.contains("s3cr3t-pw"), "password leaked: {text}");
    let u = uri.clone();
    c.wait_notification(Duration::from_secs(60), move |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == u.as_str()
            && !codes(&m["params"]["diagnostics"])
                .iter()
                .any(|c| c.starts_with("DJSA30"))
    })
    .expect("live findings not dropped");
    // The same failure again (a save) is not announced twice.
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}}),
    );
    c.drain(Duration::from_millis(1500));
    let warnings = c
        .log
        .iter()
        .filter(|m| m["method"] == "window/showMessage")
        .count();
    assert_eq!(warnings, 1);
    c.shutdown();
}

/// Go to definition from `related_name`, SQLAlchemy `ForeignKey("table.column")`,
/// `relationship("Class")` and `back_populates`.
#[test]
fn definition_from_related_name_and_sqlalchemy_strings() {
    let proj = library_project();
    let root = proj.path();
    let models = root.join("library/models.py");
    let orm = root.join("warehouse/orm.py");
    let tables = root.join("warehouse/tables.py");
    let text = std::fs::read_to_string(&models).unwrap();
    let otext = std::fs::read_to_string(&orm).unwrap();
    let ttext = std::fs::read_to_string(&tables).unwrap();
    let mut c = Client::spawn();
    c.initialize(root, nvim_like_caps());
    c.wait_indexed();
    let uri = lsp_support::uri(&models);
    let ouri = lsp_support::uri(&orm);
    let turi = lsp_support::uri(&tables);
    let def = |c: &mut Client, u: &str, t: &str, needle: &str, delta: usize| {
        c.request(
            "textDocument/definition",
            json!({"textDocument": {"uri": u}, "position": pos_utf8(t, needle, delta)}),
        )
    };
    let loc = |path: &Path, t: &str, needle: &str, len: usize| {
        let start = pos_utf8(t, needle, 0);
        let end = pos_utf8(t, needle, len);
        json!({"uri": lsp_support::uri(path), "range": {"start": start, "end": end}})
    };
    assert_eq!(
        def(&mut c, &uri, &text, "related_name=\"books\"", 16),
        loc(&models, &text, "Author(models", 6)
    );
    assert_eq!(
        def(&mut c, &ouri, &otext, "ForeignKey(\"parent.id\")", 20),
        loc(
            &orm,
            &otext,
            "id: Mapped[int] = mapped_column(primary_key=True)\n    children",
            2
        )
    );
    assert_eq!(
        def(&mut c, &turi, &ttext, "ForeignKey(\"library_book.id\")", 15),
        loc(
            &tables,
            &ttext,
            "Column(\"id\", BigInteger, primary_key=True)",
            42
        )
    );
    assert_eq!(
        def(&mut c, &ouri, &otext, "relationship(\"Child\"", 15),
        loc(&orm, &otext, "Child(Base)", 5)
    );
    assert_eq!(
        def(&mut c, &ouri, &otext, "back_populates=\"parent\"", 17),
        loc(&orm, &otext, "parent: Mapped[\"Parent\"]", 6)
    );
    assert_eq!(
        def(&mut c, &ouri, &otext, "back_populates=\"children\"", 17),
        loc(&orm, &otext, "children: Mapped", 8)
    );
    assert_eq!(
        def(&mut c, &ouri, &otext, "__tablename__ = \"child\"", 18),
        Value::Null
    );
    c.shutdown();
}

/// Several workspace folders: each is its own project (database, diagnostics, lenses), requests
/// go to the folder holding the file, workspace symbols cover all, a removed folder's
/// diagnostics are withdrawn.
#[test]
fn multi_root_workspace_folders_are_separate_projects() {
    let lib = library_project();
    let mig = migrate_project();
    let (lroot, mroot) = (lib.path(), mig.path());
    let mut c = Client::spawn();
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": lsp_support::uri(lroot),
               "workspaceFolders": [{"uri": lsp_support::uri(lroot), "name": "library"},
                                    {"uri": lsp_support::uri(mroot), "name": "migrate"}],
               "capabilities": nvim_like_caps()}),
    );
    c.notify("initialized", json!({}));
    c.wait_indexed();
    assert_eq!(c.request("djsa/status", Value::Null)["roots"], 2);
    let lmodels = lroot.join("library/models.py");
    let mmodels = mroot.join("notes/models.py");
    let luri = c.open(&lmodels, 1);
    let muri = c.open(&mmodels, 1);
    let ld = c.wait_diagnostics(&luri, Some(1));
    let md = c.wait_diagnostics(&muri, Some(1));
    assert!(codes(&ld["diagnostics"]).contains(&"DJSA101".to_string()));
    assert_eq!(codes(&md["diagnostics"]), ["DJSA101"]);
    // Each folder's lens names its own app, and the command runs in that folder.
    let lens = c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": muri}}),
    );
    assert_eq!(
        lens[0]["command"]["title"],
        "1 pending migration operation: Add field body to note"
    );
    let lens_l = c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": luri}}),
    );
    assert_eq!(lens_l[0]["command"]["arguments"][0]["app"], "library");
    let mtext = std::fs::read_to_string(&mmodels).unwrap();
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": muri}, "position": pos_utf8(&mtext, "class Note", 7)}),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("notes_note"),
        "{hover}"
    );
    let syms = c.request("workspace/symbol", json!({"query": ""}));
    let names: Vec<&str> = syms
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Note") && names.contains(&"Book"),
        "{names:?}"
    );
    c.request(
        "workspace/executeCommand",
        json!({"command": lens[0]["command"]["command"], "arguments": lens[0]["command"]["arguments"]}),
    );
    assert!(mroot.join("notes/migrations/0002_note_body.py").exists());
    wait_clean(&mut c, &muri);
    // The library folder still drifts: the command did not run there.
    assert!(!lroot.join("library/migrations/0003_book_isbn.py").exists());

    // Removing a folder withdraws its findings (make the notes model drift again first).
    std::fs::remove_file(mroot.join("notes/migrations/0002_note_body.py")).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": lsp_support::uri(&mroot.join("notes/migrations/0002_note_body.py")), "type": 3}]}),
    );
    let u = muri.clone();
    c.wait_notification(Duration::from_secs(60), move |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == u.as_str()
            && m["params"]["diagnostics"] != json!([])
    })
    .expect("DJSA101 did not come back");
    c.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [], "removed": [{"uri": lsp_support::uri(mroot), "name": "migrate"}]}}),
    );
    let u = muri.clone();
    c.wait_notification(Duration::from_secs(60), move |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == u.as_str()
            && m["params"]["diagnostics"] == json!([])
    })
    .expect("the removed folder's diagnostics stayed");
    assert_eq!(c.request("djsa/status", Value::Null)["roots"], 1);
    c.shutdown();
}
