//! The server's state: the loaded workspace (salsa database + inputs) and the editor's open
//! documents, which override the disk. Every mutation here runs synchronously inside a handler,
//! before its first `.await`, so a later request never sees an older text.
//!
//! Threads: setting an input cancels every outstanding database snapshot and waits for it to be
//! dropped. Snapshots only live inside `spawn_blocking` closures that never take the session
//! lock, so a setter (which holds the lock) never waits on a thread that waits on it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use djsa_analysis::db::{Project, RootDatabase, SourceFile};
use djsa_analysis::schema::{DbSchema, LiveSchema};
use rustc_hash::FxHashMap;
use salsa::Setter;

use super::convert::{EditSupport, Encoding};
use crate::workspace::{Overrides, Workspace, read_text};

pub struct OpenDoc {
    pub text: String,
    pub version: i32,
}

/// What the client told us at `initialize`.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub root: Option<PathBuf>,
    pub enc: Option<Encoding>,
    pub edits: EditSupport,
    pub work_done_progress: bool,
    pub watch_registration: bool,
    pub markdown_hover: bool,
    pub hierarchical_symbols: bool,
    /// The client re-requests code lenses on `workspace/codeLens/refresh`.
    pub code_lens_refresh: bool,
    pub docs_base: Option<String>,
    /// `initializationOptions.settings` / `.python`, as `djsa check --settings/--python`.
    pub overrides: Overrides,
}

pub struct Session {
    pub client: ClientInfo,
    pub ws: Option<Workspace>,
    pub by_path: Arc<FxHashMap<PathBuf, SourceFile>>,
    pub open: FxHashMap<PathBuf, OpenDoc>,
    /// Bumped on every input change; results computed for an older revision are dropped.
    pub revision: u64,
    /// The live database's schema last read (a database URL is configured), and its input in
    /// the current database (recreated when a workspace is installed).
    pub live_schema: Option<DbSchema>,
    pub live: Option<LiveSchema>,
}

/// Everything a background computation needs, detached from the session.
pub struct Snapshot {
    pub db: RootDatabase,
    pub project: Project,
    pub root: PathBuf,
    pub paths: Arc<FxHashMap<SourceFile, PathBuf>>,
    pub by_path: Arc<FxHashMap<PathBuf, SourceFile>>,
    pub versions: FxHashMap<PathBuf, i32>,
    pub revision: u64,
    pub enc: Encoding,
    pub edits: EditSupport,
    pub docs_base: Option<String>,
    pub markdown_hover: bool,
    pub hierarchical_symbols: bool,
    pub code_lens_refresh: bool,
    /// Set when a live schema was read: the DJSA30x drift is published with the rest.
    pub live: Option<LiveSchema>,
}

impl Snapshot {
    pub fn file(&self, path: &Path) -> Option<SourceFile> {
        self.by_path.get(path).copied()
    }
}

impl Session {
    pub fn new() -> Self {
        Session {
            client: ClientInfo::default(),
            ws: None,
            by_path: Arc::default(),
            open: FxHashMap::default(),
            revision: 0,
            live_schema: None,
            live: None,
        }
    }

    pub fn enc(&self) -> Encoding {
        self.client.enc.unwrap_or(Encoding::Utf16)
    }

    /// Install a freshly loaded workspace and lay the open documents over it.
    pub fn install(&mut self, ws: Workspace) {
        self.ws = Some(ws);
        self.live = None;
        if let Some(schema) = self.live_schema.take() {
            self.set_live_schema(Some(schema));
        }
        self.rebuild_paths();
        let open: Vec<PathBuf> = self.open.keys().cloned().collect();
        for p in open {
            self.sync_path(&p);
        }
        self.revision += 1;
    }

    fn rebuild_paths(&mut self) {
        if let Some(ws) = &self.ws {
            self.by_path = Arc::new(ws.files.iter().map(|(f, p)| (p.clone(), *f)).collect());
        }
    }

    /// Push the current text of a path (the open document, else the disk) into the database:
    /// update its input, add it to the project, or take it out when it is gone.
    pub fn sync_path(&mut self, path: &Path) {
        let Some(ws) = self.ws.as_mut() else { return };
        let current: Option<(Arc<str>, bool)> = match self.open.get(path) {
            Some(doc) => Some((Arc::from(doc.text.as_str()), false)),
            None => read_text(path),
        };
        let known = self.by_path.get(path).copied();
        match (known, current) {
            (Some(f), Some((text, lossy))) => ws.set_text(f, text, lossy),
            (Some(f), None) => {
                ws.remove_file(f);
                Arc::make_mut(&mut self.by_path).remove(path);
            }
            (None, Some((text, lossy))) => {
                if ws.is_project_path(path) {
                    let f = ws.add_project_file(path, text, lossy);
                    Arc::make_mut(&mut self.by_path).insert(path.to_path_buf(), f);
                }
            }
            (None, None) => {}
        }
        self.revision += 1;
    }

    /// After a save or a change on disk: installed apps the project now names may need loading.
    pub fn load_libraries(&mut self) {
        if let Some(ws) = self.ws.as_mut() {
            let before = ws.files.len();
            ws.load_libraries();
            if ws.files.len() != before {
                self.rebuild_paths();
                self.revision += 1;
            }
        }
    }

    /// Install the live database's schema (or drop it: `None`) as the database input.
    pub fn set_live_schema(&mut self, schema: Option<DbSchema>) {
        self.live_schema = schema.clone();
        if let Some(ws) = self.ws.as_mut() {
            match self.live {
                Some(input) => {
                    input.set_schema(&mut ws.db).to(schema);
                }
                None if schema.is_some() => self.live = Some(LiveSchema::new(&ws.db, schema)),
                None => {}
            }
        }
        self.revision += 1;
    }

    pub fn snapshot(&self) -> Option<Snapshot> {
        let ws = self.ws.as_ref()?;
        Some(Snapshot {
            db: ws.db.clone(),
            project: ws.project,
            root: ws.root.clone(),
            paths: Arc::new(ws.files.clone()),
            by_path: self.by_path.clone(),
            versions: self
                .open
                .iter()
                .map(|(p, d)| (p.clone(), d.version))
                .collect(),
            revision: self.revision,
            enc: self.enc(),
            edits: self.client.edits,
            docs_base: self.client.docs_base.clone(),
            markdown_hover: self.client.markdown_hover,
            hierarchical_symbols: self.client.hierarchical_symbols,
            code_lens_refresh: self.client.code_lens_refresh,
            live: self.live,
        })
    }
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}
