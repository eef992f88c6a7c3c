//! `djsa server`: the language server (LSP over stdio) on tower-lsp-server. The only module
//! with LSP types. Analysis results come from the same salsa queries as `djsa check`.
//!
//! - [`session`]: the database and the open documents; edits are applied before any `.await`.
//! - [`convert`]: byte spans <-> positions in the negotiated encoding, diagnostics, fixes.
//! - [`ide`]: hover, definition, symbols, completion over the project model.

pub mod actions;
pub mod convert;
pub mod definition;
pub mod ide;
pub mod lens;
pub mod livedb;
pub mod references;
pub mod session;

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use djsa_analysis::checks::check_project;
use djsa_analysis::db::SourceFile;
use rustc_hash::FxHashMap;
use serde_json::Value;
use tokio::sync::watch;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types as lsp;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

use convert::{CREATE_FILE_COMMAND, EditSupport, Encoding, LineMap};
use session::{ClientInfo, Session, Snapshot};

use crate::workspace::{Overrides, Workspace};

/// Run the server on stdin/stdout until the client exits.
pub fn run_stdio() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(serve(tokio::io::stdin(), tokio::io::stdout()));
    // Do not wait for blocking threads: one is still reading stdin (the client may keep it
    // open after `exit`), others may be checking a project nobody waits for.
    rt.shutdown_background();
    Ok(())
}

/// Serve one client over a pair of byte streams (stdio, or pipes in tests).
pub async fn serve<I, O>(input: I, output: O)
where
    I: tokio::io::AsyncRead + Unpin,
    O: tokio::io::AsyncWrite,
{
    let (service, socket) = LspService::build(Backend::new)
        .custom_method("djsa/status", Backend::status)
        .finish();
    Server::new(input, output, socket).serve(service).await;
}

/// Per document: the version and diagnostics last sent.
type Published = FxHashMap<lsp::Uri, (Option<i32>, Vec<lsp::Diagnostic>)>;

struct Inner {
    client: Client,
    session: Mutex<Session>,
    /// Sends the revision after every input change; the diagnostics task waits on it.
    changed: watch::Sender<u64>,
    /// What was last published per document (version, diagnostics), to send only changes.
    published: tokio::sync::Mutex<Published>,
    /// Database URL for live drift, and the live task's wake-up.
    live: Mutex<livedb::LiveConfig>,
    live_kick: watch::Sender<u64>,
    /// [`lens::signature`] at the last publish (only when the client supports lens refresh).
    lens_sig: Mutex<Option<u64>>,
}

#[derive(Clone)]
pub struct Backend {
    inner: Arc<Inner>,
    /// Multi-root workspaces: one more backend (session, database, diagnostics and live tasks)
    /// per workspace folder after the first; requests go to the folder holding the file
    /// ([`Backend::route`]). Empty in those backends themselves.
    roots: Arc<Mutex<Vec<Backend>>>,
}

fn log(msg: &str) {
    if std::env::var_os("DJSA_LOG").is_some() {
        eprintln!("djsa server: {msg}");
    }
}

fn path_of_uri(uri: &lsp::Uri) -> Option<PathBuf> {
    if uri.scheme().as_str() != "file" {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}

fn content_modified() -> Error {
    Error {
        code: ErrorCode::ServerError(-32801),
        message: "content modified".into(),
        data: None,
    }
}

impl Backend {
    fn new(client: Client) -> Self {
        let (tx, rx) = watch::channel(0u64);
        let (kick, kick_rx) = watch::channel(0u64);
        let inner = Arc::new(Inner {
            client,
            session: Mutex::new(Session::new()),
            changed: tx,
            published: tokio::sync::Mutex::new(FxHashMap::default()),
            lens_sig: Mutex::new(None),
            live: Mutex::new(livedb::LiveConfig::default()),
            live_kick: kick,
        });
        tokio::spawn(diagnostics_task(inner.clone(), rx));
        tokio::spawn(livedb::live_task(inner.clone(), kick_rx));
        Backend {
            inner,
            roots: Arc::default(),
        }
    }

    fn session(&self) -> MutexGuard<'_, Session> {
        // A panic while holding the lock leaves the session usable: every mutation is a whole
        // input set, so recover the guard instead of failing every later request.
        self.inner.session.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Mutate the session (synchronously), then wake the diagnostics task.
    fn mutate(&self, f: impl FnOnce(&mut Session)) {
        let rev = {
            let mut s = self.session();
            f(&mut s);
            s.revision
        };
        self.inner.changed.send_replace(rev);
    }

    /// Run a read on a database snapshot off the async threads; retried when an edit cancels it.
    async fn read<T: Send + 'static>(
        &self,
        f: impl Fn(&Snapshot) -> T + Send + Sync + 'static,
    ) -> Result<Option<T>> {
        let f = Arc::new(f);
        for _ in 0..5 {
            let Some(snap) = self.session().snapshot() else {
                return Ok(None);
            };
            let f = f.clone();
            let res = tokio::task::spawn_blocking(move || {
                salsa::Cancelled::catch(AssertUnwindSafe(move || {
                    let out = f(&snap);
                    drop(snap);
                    out
                }))
            })
            .await;
            match res {
                Ok(Ok(v)) => return Ok(Some(v)),
                Ok(Err(_cancelled)) => continue,
                Err(e) => {
                    log(&format!("request failed: {e}"));
                    return Err(Error::internal_error());
                }
            }
        }
        Err(content_modified())
    }

    fn root(&self) -> Option<PathBuf> {
        self.session().client.root.clone()
    }

    /// This backend and those of the other workspace folders.
    fn all_roots(&self) -> Vec<Backend> {
        let mut out = vec![self.clone()];
        out.extend(
            self.roots
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .cloned(),
        );
        out
    }

    /// The backend of the workspace folder holding a path (the innermost one), else this one.
    fn route_path(&self, path: &Path) -> Backend {
        let mut best: Option<(usize, Backend)> = None;
        for b in self.all_roots() {
            if let Some(r) = b.root()
                && path.starts_with(&r)
            {
                let n = r.components().count();
                if best.as_ref().is_none_or(|(m, _)| n > *m) {
                    best = Some((n, b));
                }
            }
        }
        best.map(|(_, b)| b).unwrap_or_else(|| self.clone())
    }

    fn route(&self, uri: &lsp::Uri) -> Backend {
        match path_of_uri(uri) {
            Some(p) => self.route_path(&p),
            None => self.clone(),
        }
    }

    /// Commands name their file in the first argument (`path`, or `uri` for the lens command).
    fn route_command(&self, params: &lsp::ExecuteCommandParams) -> Backend {
        let arg = params.arguments.first();
        if let Some(p) = arg.and_then(|a| a.get("path")).and_then(Value::as_str) {
            return self.route_path(Path::new(p));
        }
        match arg
            .and_then(|a| a.get("uri"))
            .and_then(Value::as_str)
            .and_then(|u| u.parse::<lsp::Uri>().ok())
        {
            Some(u) => self.route(&u),
            None => self.clone(),
        }
    }

    /// File events grouped by the backend that owns them.
    fn split_events(&self, changes: Vec<lsp::FileEvent>) -> Vec<(Backend, Vec<lsp::FileEvent>)> {
        let roots = self.all_roots();
        let mut groups: Vec<Vec<lsp::FileEvent>> = vec![Vec::new(); roots.len()];
        for ev in changes {
            let target = path_of_uri(&ev.uri).map(|p| self.route_path(&p));
            let i = target
                .and_then(|t| roots.iter().position(|r| Arc::ptr_eq(&r.inner, &t.inner)))
                .unwrap_or(0);
            groups[i].push(ev);
        }
        roots
            .into_iter()
            .zip(groups)
            .filter(|(_, g)| !g.is_empty())
            .collect()
    }

    /// A backend for another workspace folder, configured like this one.
    fn add_root(&self, folder: PathBuf) -> Backend {
        let b = Backend::new(self.inner.client.clone());
        let mut info = self.session().client.clone();
        info.root = Some(folder);
        b.session().client = info;
        let live = self
            .inner
            .live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        *b.inner.live.lock().unwrap_or_else(|e| e.into_inner()) = live;
        self.roots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(b.clone());
        b
    }

    /// Forget a workspace folder's backend and withdraw its diagnostics.
    async fn remove_root(&self, folder: &Path) {
        let removed: Vec<Backend> = {
            let mut roots = self.roots.lock().unwrap_or_else(|e| e.into_inner());
            let (gone, keep): (Vec<Backend>, Vec<Backend>) = roots
                .drain(..)
                .partition(|b| b.root().as_deref() == Some(folder));
            *roots = keep;
            gone
        };
        for b in removed {
            let published: Vec<lsp::Uri> = b.inner.published.lock().await.keys().cloned().collect();
            for uri in published {
                self.inner
                    .client
                    .publish_diagnostics(uri, Vec::new(), None)
                    .await;
            }
        }
    }

    /// Wake the live-drift task (it decides whether a database is configured).
    fn kick_live(&self) {
        self.inner.live_kick.send_modify(|n| *n += 1);
    }

    /// Custom request `djsa/status`: whether indexing finished (every workspace folder), the
    /// revision (of the first folder), the file count and the number of folders.
    async fn status(&self) -> Result<Value> {
        let roots = self.all_roots();
        let mut indexed = true;
        let mut files = 0;
        for b in &roots {
            let s = b.session();
            indexed &= s.ws.is_some();
            files += s.ws.as_ref().map(|w| w.files.len()).unwrap_or(0);
        }
        Ok(serde_json::json!({
            "indexed": indexed,
            "revision": self.session().revision,
            "files": files,
            "roots": roots.len(),
        }))
    }

    async fn index(&self) {
        let (root, progress_ok) = {
            let s = self.session();
            (s.client.root.clone(), s.client.work_done_progress)
        };
        let root = match root.or_else(|| std::env::current_dir().ok()) {
            Some(r) => r,
            None => return,
        };
        let token = lsp::ProgressToken::String("djsa/indexing".into());
        let mut progress = None;
        if progress_ok
            && self
                .inner
                .client
                .create_work_done_progress(token.clone())
                .await
                .is_ok()
        {
            progress = Some(
                self.inner
                    .client
                    .progress(token, "djsa")
                    .with_message(format!("Indexing {}", root.display()))
                    .begin()
                    .await,
            );
        }
        let r2 = root.clone();
        let ov = self.session().client.overrides.clone();
        let loaded = tokio::task::spawn_blocking(move || Workspace::load(&r2, &ov)).await;
        match loaded {
            Ok(Ok(ws)) => {
                let n = ws.files.len();
                self.mutate(|s| s.install(ws));
                self.kick_live();
                if let Some(p) = &progress {
                    p.report(format!("Checking {n} files")).await;
                }
                // Compute and publish the first results while the progress is still shown.
                publish_current(&self.inner).await;
            }
            Ok(Err(e)) => {
                self.inner
                    .client
                    .show_message(
                        lsp::MessageType::ERROR,
                        format!("djsa: cannot load the project at {}: {e:#}", root.display()),
                    )
                    .await;
            }
            Err(e) => log(&format!("indexing failed: {e}")),
        }
        if let Some(p) = progress {
            p.finish_with_message("Indexed").await;
        }
    }

    async fn register_watchers(&self) {
        if !self.session().client.watch_registration {
            return;
        }
        let watchers: Vec<Value> = ["**/*.py", "**/pyproject.toml", "**/djsa.toml"]
            .iter()
            .map(|g| serde_json::json!({ "globPattern": g }))
            .collect();
        let reg = lsp::Registration {
            id: "djsa-watched-files".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: Some(serde_json::json!({ "watchers": watchers })),
        };
        if let Err(e) = self.inner.client.register_capability(vec![reg]).await {
            log(&format!("cannot register file watchers: {e}"));
        }
    }

    /// Reload the whole workspace (configuration changed).
    async fn reload(&self) {
        let root = {
            let s = self.session();
            match s
                .ws
                .as_ref()
                .map(|w| w.root.clone())
                .or_else(|| s.client.root.clone())
            {
                Some(r) => r,
                None => return,
            }
        };
        let ov = self.session().client.overrides.clone();
        let loaded = tokio::task::spawn_blocking(move || Workspace::load(&root, &ov)).await;
        match loaded {
            Ok(Ok(ws)) => {
                self.mutate(|s| s.install(ws));
                self.kick_live();
            }
            Ok(Err(e)) => {
                self.inner
                    .client
                    .show_message(
                        lsp::MessageType::ERROR,
                        format!("djsa: cannot reload the project: {e:#}"),
                    )
                    .await
            }
            Err(e) => log(&format!("reload failed: {e}")),
        }
    }
}

/// All diagnostics of the project, per file, converted for the client.
fn compute_diagnostics(snap: &Snapshot) -> Vec<(lsp::Uri, Option<i32>, Vec<lsp::Diagnostic>)> {
    let db = &snap.db;
    // The check families are independent queries: compute them on all cores first (an edit
    // cancels the workers like any other query; the panic reaches `Cancelled::catch` above).
    crate::workspace::prewarm_checks(db, snap.project);
    let live = snap
        .live
        .map(|l| djsa_analysis::schema::live_drift(db, snap.project, l));
    let diags = check_project(db, snap.project)
        .iter()
        .chain(live.into_iter().flatten());
    let mut per_file: FxHashMap<SourceFile, Vec<lsp::Diagnostic>> = FxHashMap::default();
    let mut maps: FxHashMap<SourceFile, LineMap<'_>> = FxHashMap::default();
    for d in diags {
        let Some(f) = d.file else { continue };
        let map = maps
            .entry(f)
            .or_insert_with(|| LineMap::new(f.text(db), snap.enc));
        per_file
            .entry(f)
            .or_default()
            .push(convert::diagnostic(d, map, snap.docs_base.as_deref()));
    }
    // Open documents are always reported (empty when clean), with their version.
    for p in snap.versions.keys() {
        if let Some(f) = snap.file(p) {
            per_file.entry(f).or_default();
        }
    }
    let mut out = Vec::new();
    for (f, list) in per_file {
        let Some(path) = snap.paths.get(&f) else {
            continue;
        };
        let Some(uri) = convert::uri(path) else {
            continue;
        };
        out.push((uri, snap.versions.get(path).copied(), list));
    }
    out.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    out
}

/// Compute diagnostics for the current revision and publish what changed; `false` when the
/// computation was cancelled or became stale.
async fn publish_current(inner: &Arc<Inner>) -> bool {
    let snap = {
        let s = inner.session.lock().unwrap_or_else(|e| e.into_inner());
        s.snapshot()
    };
    let Some(snap) = snap else { return false };
    let rev = snap.revision;
    let res = tokio::task::spawn_blocking(move || {
        salsa::Cancelled::catch(AssertUnwindSafe(move || {
            let out = compute_diagnostics(&snap);
            let lens = snap
                .code_lens_refresh
                .then(|| lens::signature(&snap.db, snap.project));
            drop(snap);
            (out, lens)
        }))
    })
    .await;
    let (results, lens_sig) = match res {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => return false,
        Err(e) => {
            log(&format!("diagnostics failed: {e}"));
            return false;
        }
    };
    let mut published = inner.published.lock().await;
    {
        let s = inner.session.lock().unwrap_or_else(|e| e.into_inner());
        if s.revision != rev {
            return false;
        }
    }
    let mut seen: FxHashMap<lsp::Uri, ()> = FxHashMap::default();
    for (uri, version, diags) in results {
        seen.insert(uri.clone(), ());
        let same = published
            .get(&uri)
            .is_some_and(|(v, d)| *v == version && *d == diags);
        if same {
            continue;
        }
        if diags.is_empty() && version.is_none() && !published.contains_key(&uri) {
            continue;
        }
        inner
            .client
            .publish_diagnostics(uri.clone(), diags.clone(), version)
            .await;
        published.insert(uri, (version, diags));
    }
    // Files that had findings and have none now (and are not open): clear them.
    let stale: Vec<lsp::Uri> = published
        .keys()
        .filter(|u| !seen.contains_key(*u))
        .cloned()
        .collect();
    for uri in stale {
        if published.get(&uri).is_some_and(|(_, d)| !d.is_empty()) {
            inner
                .client
                .publish_diagnostics(uri.clone(), Vec::new(), None)
                .await;
        }
        published.remove(&uri);
    }
    // Pending operations changed somewhere: lenses in other open files are stale.
    if let Some(sig) = lens_sig {
        let mut last = inner.lens_sig.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|l| l != sig) {
            let client = inner.client.clone();
            tokio::spawn(async move {
                let _ = client.code_lens_refresh().await;
            });
        }
        *last = Some(sig);
    }
    true
}

/// Publishes diagnostics after each change, coalescing bursts: a computation cancelled by a
/// newer edit is dropped, and the loop picks up the newest revision.
async fn diagnostics_task(inner: Arc<Inner>, mut rx: watch::Receiver<u64>) {
    while rx.changed().await.is_ok() {
        rx.borrow_and_update();
        publish_current(&inner).await;
    }
}

fn client_info(params: &lsp::InitializeParams) -> ClientInfo {
    let caps = &params.capabilities;
    let root = params
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .and_then(|f| path_of_uri(&f.uri))
        .or_else(|| {
            #[allow(deprecated)]
            params.root_uri.as_ref().and_then(path_of_uri)
        });
    let enc = Encoding::negotiate(
        caps.general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref()),
    );
    let ws_edit = caps
        .workspace
        .as_ref()
        .and_then(|w| w.workspace_edit.as_ref());
    let create_files = ws_edit
        .and_then(|e| e.resource_operations.as_ref())
        .is_some_and(|ops| ops.contains(&lsp::ResourceOperationKind::Create));
    let edits = EditSupport {
        // Resource operations only exist inside `documentChanges`, so a client that offers them
        // takes `documentChanges` (Neovim 0.11 advertises the one without the other).
        document_changes: ws_edit.and_then(|e| e.document_changes).unwrap_or(false) || create_files,
        create_files,
    };
    let td = caps.text_document.as_ref();
    let opts = params.initialization_options.as_ref();
    let opt_str = |k: &str| {
        opts.and_then(|o| o.get(k))
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    ClientInfo {
        root,
        enc: Some(enc),
        edits,
        work_done_progress: caps
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false),
        watch_registration: caps
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false),
        markdown_hover: td
            .and_then(|t| t.hover.as_ref())
            .and_then(|h| h.content_format.as_ref())
            .is_none_or(|f| f.contains(&lsp::MarkupKind::Markdown)),
        hierarchical_symbols: td
            .and_then(|t| t.document_symbol.as_ref())
            .and_then(|d| d.hierarchical_document_symbol_support)
            .unwrap_or(false),
        code_lens_refresh: caps
            .workspace
            .as_ref()
            .and_then(|w| w.code_lens.as_ref())
            .and_then(|c| c.refresh_support)
            .unwrap_or(false),
        overrides: Overrides {
            settings: opt_str("settings"),
            python: opt_str("python"),
            select: Vec::new(),
            ignore: Vec::new(),
        },
        docs_base: opts
            .and_then(|o| o.get("docsBaseUrl"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(default_docs_base),
    }
}

/// The repository's docs/checks/ as a file URL, when it exists (a development build).
fn default_docs_base() -> Option<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()?
        .join("docs")
        .join("checks");
    if !dir.is_dir() {
        return None;
    }
    let uri = convert::uri(&dir)?;
    Some(format!("{}/", uri.as_str().trim_end_matches('/')))
}

fn position_params(p: &lsp::TextDocumentPositionParams) -> Option<PathBuf> {
    path_of_uri(&p.text_document.uri)
}

#[allow(deprecated)]
fn symbol_information(snap: &Snapshot, s: &ide::Symbol) -> Option<lsp::SymbolInformation> {
    let path = snap.paths.get(&s.file)?;
    let map = LineMap::new(s.file.text(&snap.db), snap.enc);
    Some(lsp::SymbolInformation {
        name: s.name.clone(),
        kind: if s.is_model {
            lsp::SymbolKind::CLASS
        } else {
            lsp::SymbolKind::FIELD
        },
        tags: None,
        deprecated: None,
        location: lsp::Location::new(convert::uri(path)?, map.range(s.name_span)),
        container_name: s.container.clone(),
    })
}

#[allow(deprecated)]
fn document_symbol(map: &LineMap<'_>, s: &ide::Symbol) -> lsp::DocumentSymbol {
    lsp::DocumentSymbol {
        name: s.name.clone(),
        detail: s.detail.clone(),
        kind: if s.is_model {
            lsp::SymbolKind::CLASS
        } else {
            lsp::SymbolKind::FIELD
        },
        tags: None,
        deprecated: None,
        range: map.range(s.span),
        selection_range: map.range(s.name_span),
        children: if s.is_model {
            Some(s.children.iter().map(|c| document_symbol(map, c)).collect())
        } else {
            None
        },
    }
}

impl Backend {
    /// [`CREATE_FILE_COMMAND`]: create each `{path, text}` (never overwriting), tell the session,
    /// and open the first file in the editor.
    async fn create_files(&self, arguments: &[Value]) -> Result<Option<Value>> {
        let mut created = Vec::new();
        for arg in arguments {
            let (Some(path), Some(text)) = (
                arg.get("path").and_then(Value::as_str),
                arg.get("text").and_then(Value::as_str),
            ) else {
                return Err(Error::invalid_params("expected {path, text}"));
            };
            let path = PathBuf::from(path);
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            // Never overwrite: create_new fails when the file exists.
            let res = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .and_then(|mut f| {
                    use std::io::Write;
                    f.write_all(text.as_bytes())
                });
            if let Err(e) = res {
                return Err(Error::invalid_params(format!(
                    "cannot create {}: {e}",
                    path.display()
                )));
            }
            created.push(path);
        }
        self.mutate(|s| {
            for p in &created {
                s.sync_path(p);
            }
        });
        if let Some(p) = created.first()
            && let Some(uri) = convert::uri(p)
        {
            let _ = self
                .inner
                .client
                .show_document(lsp::ShowDocumentParams {
                    uri,
                    external: None,
                    take_focus: Some(true),
                    selection: None,
                })
                .await;
        }
        Ok(None)
    }
}

impl Backend {
    async fn did_open_here(&self, params: lsp::DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let Some(path) = path_of_uri(&doc.uri) else {
            return;
        };
        self.mutate(|s| {
            s.open.insert(
                path.clone(),
                session::OpenDoc {
                    text: doc.text,
                    version: doc.version,
                },
            );
            s.sync_path(&path);
        });
    }

    async fn did_change_here(&self, params: lsp::DidChangeTextDocumentParams) {
        let Some(path) = path_of_uri(&params.text_document.uri) else {
            return;
        };
        let version = params.text_document.version;
        self.mutate(|s| {
            let enc = s.enc();
            let Some(doc) = s.open.get_mut(&path) else {
                return;
            };
            for ch in &params.content_changes {
                convert::apply_change(&mut doc.text, ch, enc);
            }
            doc.version = version;
            s.sync_path(&path);
        });
    }

    async fn did_save_here(&self, params: lsp::DidSaveTextDocumentParams) {
        let Some(path) = path_of_uri(&params.text_document.uri) else {
            return;
        };
        self.mutate(|s| {
            if let (Some(text), Some(doc)) = (params.text, s.open.get_mut(&path)) {
                doc.text = text;
            }
            s.sync_path(&path);
            s.load_libraries();
        });
        if path.extension().is_some_and(|e| e == "py") {
            self.kick_live();
        }
    }

    async fn did_change_configuration_here(&self, params: lsp::DidChangeConfigurationParams) {
        let url = livedb::url_from_settings(&params.settings);
        let interval = livedb::interval_from_settings(&params.settings);
        {
            let mut live = self.inner.live.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(url) = url {
                live.url = url.or_else(|| crate::live::database_url(None));
            }
            if interval.is_some() {
                live.interval = interval;
            }
        }
        self.kick_live();
    }

    async fn did_close_here(&self, params: lsp::DidCloseTextDocumentParams) {
        let Some(path) = path_of_uri(&params.text_document.uri) else {
            return;
        };
        self.mutate(|s| {
            s.open.remove(&path);
            s.sync_path(&path);
        });
    }

    async fn did_change_watched_files_here(&self, params: lsp::DidChangeWatchedFilesParams) {
        let mut config_changed = false;
        self.mutate(|s| {
            for ev in &params.changes {
                let Some(path) = path_of_uri(&ev.uri) else {
                    continue;
                };
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if name == "pyproject.toml" || name == "djsa.toml" {
                    config_changed = true;
                    continue;
                }
                // An open document's text is the editor's, not the disk's.
                if s.open.contains_key(&path) {
                    continue;
                }
                s.sync_path(&path);
            }
            s.load_libraries();
        });
        if config_changed {
            self.reload().await;
        }
    }

    async fn code_action_here(
        &self,
        params: lsp::CodeActionParams,
    ) -> Result<Option<lsp::CodeActionResponse>> {
        let Some(path) = path_of_uri(&params.text_document.uri) else {
            return Ok(None);
        };
        let range = params.range;
        let only = params.context.only.clone();
        let quickfix = actions::admits(only.as_deref(), "quickfix");
        if !quickfix
            && !actions::admits(only.as_deref(), actions::MAKE_MIGRATIONS_KIND)
            && !actions::admits(only.as_deref(), actions::BRIDGE_TABLE_KIND)
        {
            return Ok(None);
        }
        let out = self
            .read(move |snap| {
                let Some(file) = snap.file(&path) else {
                    return Vec::new();
                };
                let db = &snap.db;
                let map = LineMap::new(file.text(db), snap.enc);
                let (lo, hi) = (map.offset(range.start), map.offset(range.end));
                let path_of = |f: SourceFile| snap.paths.get(&f).cloned();
                let mut actions = Vec::new();
                for d in check_project(db, snap.project).iter().filter(|_| quickfix) {
                    if d.file != Some(file)
                        || d.fixes.is_empty()
                        || d.span.end < lo
                        || d.span.start > hi
                    {
                        continue;
                    }
                    let ld = convert::diagnostic(d, &map, snap.docs_base.as_deref());
                    for (i, fix) in d.fixes.iter().enumerate() {
                        if let Some(a) = convert::code_action(
                            db,
                            fix,
                            ld.clone(),
                            &snap.root,
                            &path_of,
                            snap.enc,
                            snap.edits,
                            i == 0,
                        ) {
                            actions.push(lsp::CodeActionOrCommand::CodeAction(a));
                        }
                    }
                }
                actions.extend(actions::source_actions(snap, file, range, only.as_deref()));
                actions
            })
            .await?;
        Ok(out.filter(|v| !v.is_empty()))
    }

    async fn execute_command_here(
        &self,
        params: lsp::ExecuteCommandParams,
    ) -> Result<Option<Value>> {
        if params.command == lens::MAKE_MIGRATIONS_COMMAND {
            return self.make_migrations_command(params).await;
        }
        if params.command != CREATE_FILE_COMMAND {
            return Err(Error::invalid_params(format!(
                "unknown command {}",
                params.command
            )));
        }
        self.create_files(&params.arguments).await
    }

    async fn references_here(
        &self,
        params: lsp::ReferenceParams,
    ) -> Result<Option<Vec<lsp::Location>>> {
        let Some(path) = position_params(&params.text_document_position) else {
            return Ok(None);
        };
        let pos = params.text_document_position.position;
        let decl = params.context.include_declaration;
        let out = self
            .read(move |snap| {
                let file = snap.file(&path)?;
                let locs = references::locations(snap, file, pos, decl);
                (!locs.is_empty()).then_some(locs)
            })
            .await?;
        Ok(out.flatten())
    }

    async fn code_lens_here(
        &self,
        params: lsp::CodeLensParams,
    ) -> Result<Option<Vec<lsp::CodeLens>>> {
        let Some(path) = path_of_uri(&params.text_document.uri) else {
            return Ok(None);
        };
        let out = self
            .read(move |snap| {
                let file = snap.file(&path)?;
                let lenses = lens::code_lenses(snap, file);
                (!lenses.is_empty()).then_some(lenses)
            })
            .await?;
        Ok(out.flatten())
    }

    async fn hover_here(&self, params: lsp::HoverParams) -> Result<Option<lsp::Hover>> {
        let Some(path) = position_params(&params.text_document_position_params) else {
            return Ok(None);
        };
        let pos = params.text_document_position_params.position;
        let out = self
            .read(move |snap| {
                let file = snap.file(&path)?;
                let map = LineMap::new(file.text(&snap.db), snap.enc);
                let (span, md) = ide::hover(&snap.db, snap.project, file, map.offset(pos))?;
                let contents = if snap.markdown_hover {
                    lsp::HoverContents::Markup(lsp::MarkupContent {
                        kind: lsp::MarkupKind::Markdown,
                        value: md,
                    })
                } else {
                    lsp::HoverContents::Markup(lsp::MarkupContent {
                        kind: lsp::MarkupKind::PlainText,
                        value: md.replace(['*', '`'], ""),
                    })
                };
                Some(lsp::Hover {
                    contents,
                    range: Some(map.range(span)),
                })
            })
            .await?;
        Ok(out.flatten())
    }

    async fn goto_definition_here(
        &self,
        params: lsp::GotoDefinitionParams,
    ) -> Result<Option<lsp::GotoDefinitionResponse>> {
        let Some(path) = position_params(&params.text_document_position_params) else {
            return Ok(None);
        };
        let pos = params.text_document_position_params.position;
        let out = self
            .read(move |snap| {
                let file = snap.file(&path)?;
                let db = &snap.db;
                let map = LineMap::new(file.text(db), snap.enc);
                let offset = map.offset(pos);
                let (tfile, name_span) = ide::definition(db, snap.project, file, offset)
                    .map(|(_, f, _, n)| (f, n))
                    .or_else(|| {
                        definition::definition(db, snap.project, file, offset)
                            .map(|(_, f, s)| (f, s))
                    })?;
                let tpath = snap.paths.get(&tfile)?;
                let tmap = LineMap::new(tfile.text(db), snap.enc);
                Some(lsp::GotoDefinitionResponse::Scalar(lsp::Location::new(
                    convert::uri(tpath)?,
                    tmap.range(name_span),
                )))
            })
            .await?;
        Ok(out.flatten())
    }

    async fn document_symbol_here(
        &self,
        params: lsp::DocumentSymbolParams,
    ) -> Result<Option<lsp::DocumentSymbolResponse>> {
        let Some(path) = path_of_uri(&params.text_document.uri) else {
            return Ok(None);
        };
        let out = self
            .read(move |snap| {
                let file = snap.file(&path)?;
                let syms = ide::document_symbols(&snap.db, snap.project, file);
                if snap.hierarchical_symbols {
                    let map = LineMap::new(file.text(&snap.db), snap.enc);
                    Some(lsp::DocumentSymbolResponse::Nested(
                        syms.iter().map(|s| document_symbol(&map, s)).collect(),
                    ))
                } else {
                    let mut flat = Vec::new();
                    for s in &syms {
                        flat.extend(symbol_information(snap, s));
                        flat.extend(
                            s.children
                                .iter()
                                .filter_map(|c| symbol_information(snap, c)),
                        );
                    }
                    Some(lsp::DocumentSymbolResponse::Flat(flat))
                }
            })
            .await?;
        Ok(out.flatten())
    }

    async fn symbol_here(
        &self,
        params: lsp::WorkspaceSymbolParams,
    ) -> Result<Option<lsp::WorkspaceSymbolResponse>> {
        let query = params.query;
        let out = self
            .read(move |snap| {
                let syms = ide::workspace_symbols(&snap.db, snap.project, &query);
                lsp::WorkspaceSymbolResponse::Flat(
                    syms.iter()
                        .filter_map(|s| symbol_information(snap, s))
                        .collect(),
                )
            })
            .await?;
        Ok(out)
    }

    async fn completion_here(
        &self,
        params: lsp::CompletionParams,
    ) -> Result<Option<lsp::CompletionResponse>> {
        let Some(path) = position_params(&params.text_document_position) else {
            return Ok(None);
        };
        let pos = params.text_document_position.position;
        let out = self
            .read(move |snap| {
                let file = snap.file(&path)?;
                let map = LineMap::new(file.text(&snap.db), snap.enc);
                let items = ide::completion(&snap.db, snap.project, file, map.offset(pos));
                if items.is_empty() {
                    return None;
                }
                let items: Vec<lsp::CompletionItem> = items
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| lsp::CompletionItem {
                        label: c.label.clone(),
                        kind: Some(if c.is_model {
                            lsp::CompletionItemKind::CLASS
                        } else {
                            lsp::CompletionItemKind::PROPERTY
                        }),
                        detail: c.detail,
                        sort_text: Some(format!("{i:05}")),
                        filter_text: Some(c.label),
                        text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit::new(
                            map.range(c.replace),
                            c.insert,
                        ))),
                        ..Default::default()
                    })
                    .collect();
                Some(lsp::CompletionResponse::List(lsp::CompletionList {
                    is_incomplete: false,
                    items,
                }))
            })
            .await?;
        Ok(out.flatten())
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: lsp::InitializeParams) -> Result<lsp::InitializeResult> {
        let info = client_info(&params);
        *self.inner.live.lock().unwrap_or_else(|e| e.into_inner()) =
            livedb::initial_config(params.initialization_options.as_ref());
        let enc = info.enc.unwrap_or(Encoding::Utf16);
        self.session().client = info;
        // Each further workspace folder is its own project.
        for folder in params.workspace_folders.iter().flatten().skip(1) {
            if let Some(p) = path_of_uri(&folder.uri) {
                self.add_root(p);
            }
        }
        Ok(lsp::InitializeResult {
            server_info: Some(lsp::ServerInfo {
                name: "djsa".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: lsp::ServerCapabilities {
                position_encoding: Some(enc.kind()),
                text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
                    lsp::TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
                        will_save: None,
                        will_save_wait_until: None,
                        save: Some(lsp::TextDocumentSyncSaveOptions::SaveOptions(
                            lsp::SaveOptions {
                                include_text: Some(false),
                            },
                        )),
                    },
                )),
                hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
                definition_provider: Some(lsp::OneOf::Left(true)),
                document_symbol_provider: Some(lsp::OneOf::Left(true)),
                workspace_symbol_provider: Some(lsp::OneOf::Left(true)),
                completion_provider: Some(lsp::CompletionOptions {
                    trigger_characters: Some(vec!["\"".into(), "'".into(), ".".into()]),
                    ..Default::default()
                }),
                references_provider: Some(lsp::OneOf::Left(true)),
                workspace: Some(lsp::WorkspaceServerCapabilities {
                    workspace_folders: Some(lsp::WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(lsp::OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                code_lens_provider: Some(lsp::CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
                    lsp::CodeActionOptions {
                        code_action_kinds: Some(vec![
                            lsp::CodeActionKind::QUICKFIX,
                            lsp::CodeActionKind::from(actions::MAKE_MIGRATIONS_KIND.to_string()),
                            lsp::CodeActionKind::from(actions::BRIDGE_TABLE_KIND.to_string()),
                        ]),
                        work_done_progress_options: Default::default(),
                        resolve_provider: Some(false),
                    },
                )),
                execute_command_provider: Some(lsp::ExecuteCommandOptions {
                    commands: vec![
                        CREATE_FILE_COMMAND.into(),
                        lens::MAKE_MIGRATIONS_COMMAND.into(),
                    ],
                    work_done_progress_options: Default::default(),
                }),
                ..Default::default()
            },
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: lsp::InitializedParams) {
        // Requests to the client run in their own task: a handler waiting on the client would
        // hold up `exit` when the client stops answering.
        let me = self.clone();
        tokio::spawn(async move {
            me.register_watchers().await;
            me.index().await;
        });
        // The other workspace folders.
        for b in self.all_roots().into_iter().skip(1) {
            tokio::spawn(async move { b.index().await });
        }
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: lsp::DidOpenTextDocumentParams) {
        self.route(&params.text_document.uri)
            .did_open_here(params)
            .await
    }

    async fn did_change(&self, params: lsp::DidChangeTextDocumentParams) {
        self.route(&params.text_document.uri)
            .did_change_here(params)
            .await
    }

    async fn did_save(&self, params: lsp::DidSaveTextDocumentParams) {
        self.route(&params.text_document.uri)
            .did_save_here(params)
            .await
    }

    async fn did_change_workspace_folders(&self, params: lsp::DidChangeWorkspaceFoldersParams) {
        for f in &params.event.removed {
            if let Some(p) = path_of_uri(&f.uri) {
                self.remove_root(&p).await;
            }
        }
        for f in &params.event.added {
            let Some(p) = path_of_uri(&f.uri) else {
                continue;
            };
            if self
                .all_roots()
                .iter()
                .any(|b| b.root().as_deref() == Some(p.as_path()))
            {
                continue;
            }
            let b = self.add_root(p);
            tokio::spawn(async move { b.index().await });
        }
    }

    async fn did_change_configuration(&self, params: lsp::DidChangeConfigurationParams) {
        for b in self.all_roots() {
            b.did_change_configuration_here(params.clone()).await;
        }
    }

    async fn did_close(&self, params: lsp::DidCloseTextDocumentParams) {
        self.route(&params.text_document.uri)
            .did_close_here(params)
            .await
    }

    async fn did_change_watched_files(&self, params: lsp::DidChangeWatchedFilesParams) {
        for (b, changes) in self.split_events(params.changes) {
            b.did_change_watched_files_here(lsp::DidChangeWatchedFilesParams { changes })
                .await;
        }
    }

    async fn code_action(
        &self,
        params: lsp::CodeActionParams,
    ) -> Result<Option<lsp::CodeActionResponse>> {
        self.route(&params.text_document.uri)
            .code_action_here(params)
            .await
    }

    async fn execute_command(&self, params: lsp::ExecuteCommandParams) -> Result<Option<Value>> {
        self.route_command(&params)
            .execute_command_here(params)
            .await
    }

    async fn references(&self, params: lsp::ReferenceParams) -> Result<Option<Vec<lsp::Location>>> {
        self.route(&params.text_document_position.text_document.uri)
            .references_here(params)
            .await
    }

    async fn code_lens(&self, params: lsp::CodeLensParams) -> Result<Option<Vec<lsp::CodeLens>>> {
        self.route(&params.text_document.uri)
            .code_lens_here(params)
            .await
    }

    async fn hover(&self, params: lsp::HoverParams) -> Result<Option<lsp::Hover>> {
        self.route(&params.text_document_position_params.text_document.uri)
            .hover_here(params)
            .await
    }

    async fn goto_definition(
        &self,
        params: lsp::GotoDefinitionParams,
    ) -> Result<Option<lsp::GotoDefinitionResponse>> {
        self.route(&params.text_document_position_params.text_document.uri)
            .goto_definition_here(params)
            .await
    }

    async fn document_symbol(
        &self,
        params: lsp::DocumentSymbolParams,
    ) -> Result<Option<lsp::DocumentSymbolResponse>> {
        self.route(&params.text_document.uri)
            .document_symbol_here(params)
            .await
    }

    async fn symbol(
        &self,
        params: lsp::WorkspaceSymbolParams,
    ) -> Result<Option<lsp::WorkspaceSymbolResponse>> {
        let mut all = Vec::new();
        for b in self.all_roots() {
            if let Some(lsp::WorkspaceSymbolResponse::Flat(v)) =
                b.symbol_here(params.clone()).await?
            {
                all.extend(v);
            }
        }
        Ok(Some(lsp::WorkspaceSymbolResponse::Flat(all)))
    }

    async fn completion(
        &self,
        params: lsp::CompletionParams,
    ) -> Result<Option<lsp::CompletionResponse>> {
        self.route(&params.text_document_position.text_document.uri)
            .completion_here(params)
            .await
    }
}
