//! The I/O edge: find the project, read its configuration, walk and read files, find the Python
//! environment, and push all of it into the analysis database.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use djsa_analysis::ProjectConfig;
use djsa_analysis::db::{Origin, Project, RootDatabase, SourceFile};
use djsa_analysis::discovery::wanted_modules;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Deserialize;

/// `[tool.djsa]` in pyproject.toml, or the top level of djsa.toml.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct FileConfig {
    /// Dotted settings module.
    pub settings: Option<String>,
    /// Source roots, relative to the project root (default: the directory of manage.py, or the root).
    pub src: Option<Vec<String>>,
    /// Python interpreter or virtual environment of the project.
    pub python: Option<String>,
    /// Glob patterns of files and directories to leave out.
    pub exclude: Vec<String>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// Database engine for backend-specific checks (`postgresql`, `mysql`, `sqlite`, `oracle` or a
    /// full `django.db.backends.*` path); default: DATABASES['default']['ENGINE'] from settings.
    pub database_engine: Option<String>,
    /// Directory of an Alembic environment or its alembic.ini (default: alembic.ini at the root).
    pub alembic: Option<String>,
    /// Modules to read for SQLAlchemy declarations (`pkg.tables`, `pkg.*`), instead of every
    /// module that imports sqlalchemy; `[]` turns the SQLAlchemy index off.
    pub sqlalchemy_modules: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct PyProject {
    tool: Option<PyProjectTool>,
}
#[derive(Deserialize)]
struct PyProjectTool {
    djsa: Option<FileConfig>,
}

/// Options from the command line that override the file configuration.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub settings: Option<String>,
    pub python: Option<String>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

/// A loaded project: the database, the project input, and what discovery found.
pub struct Workspace {
    pub db: RootDatabase,
    pub project: Project,
    pub root: PathBuf,
    pub files: FxHashMap<SourceFile, PathBuf>,
    /// What discovery could not do (shown by --verbose).
    pub notes: Vec<String>,
    pub python: Option<PathBuf>,
    /// Source roots (absolute): a project file's module name is its path below one of them.
    pub src_roots: Vec<PathBuf>,
    exclude: ignore::overrides::Override,
    site_dirs: Vec<PathBuf>,
    /// Library modules already looked for, and what is loaded (see [`Workspace::load_libraries`]).
    tried: FxHashSet<String>,
    loaded_paths: FxHashSet<PathBuf>,
    loaded_modules: FxHashSet<String>,
}

const SKIP_DIRS: &[&str] = &[
    "node_modules",
    "__pycache__",
    "site-packages",
    ".git",
    ".hg",
    ".tox",
    ".nox",
    ".mypy_cache",
    "target",
];

/// Find the project root for a path the user gave: the nearest directory (upwards) holding
/// pyproject.toml with [tool.djsa], djsa.toml or manage.py; else the path itself.
pub fn find_root(path: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(path)
        .with_context(|| format!("cannot resolve path {}", path.display()))?;
    if !abs.exists() {
        bail!("path {} does not exist", path.display());
    }
    let start = if abs.is_file() {
        abs.parent().map(Path::to_path_buf).unwrap_or(abs.clone())
    } else {
        abs.clone()
    };
    let mut cur = Some(start.as_path());
    while let Some(dir) = cur {
        if dir.join("djsa.toml").is_file()
            || dir.join("manage.py").is_file()
            || has_tool_djsa(&dir.join("pyproject.toml"))
        {
            return Ok(dir.to_path_buf());
        }
        cur = dir.parent();
    }
    Ok(start)
}

fn has_tool_djsa(p: &Path) -> bool {
    std::fs::read_to_string(p)
        .map(|t| t.contains("[tool.djsa"))
        .unwrap_or(false)
}

pub fn load_file_config(root: &Path) -> Result<FileConfig> {
    let djsa_toml = root.join("djsa.toml");
    if djsa_toml.is_file() {
        let text = std::fs::read_to_string(&djsa_toml)
            .with_context(|| format!("cannot read {}", djsa_toml.display()))?;
        return toml::from_str(&text)
            .with_context(|| format!("invalid configuration in {}", djsa_toml.display()));
    }
    let pyproject = root.join("pyproject.toml");
    if pyproject.is_file() {
        let text = std::fs::read_to_string(&pyproject)
            .with_context(|| format!("cannot read {}", pyproject.display()))?;
        let parsed: PyProject = toml::from_str(&text)
            .with_context(|| format!("invalid [tool.djsa] in {}", pyproject.display()))?;
        return Ok(parsed.tool.and_then(|t| t.djsa).unwrap_or_default());
    }
    Ok(FileConfig::default())
}

/// `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x.settings")` in manage.py.
fn settings_from_manage_py(text: &str) -> Option<String> {
    let idx = text.find("DJANGO_SETTINGS_MODULE")?;
    let rest = &text[idx + "DJANGO_SETTINGS_MODULE".len()..];
    let rest = rest.trim_start().strip_prefix(|c| c == '"' || c == '\'')?;
    let rest = rest.trim_start().strip_prefix(',')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let body = &rest[1..];
    let end = body.find(quote)?;
    Some(body[..end].to_string())
}

/// Find manage.py at the root or one directory below.
fn find_manage_py(root: &Path) -> Option<PathBuf> {
    let direct = root.join("manage.py");
    if direct.is_file() {
        return Some(direct);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(root)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("manage.py"))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found.into_iter().next()
}

fn module_name(rel: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for c in rel.components() {
        parts.push(c.as_os_str().to_str()?.to_string());
    }
    let last = parts.pop()?;
    let stem = last.strip_suffix(".py")?;
    if stem != "__init__" {
        parts.push(stem.to_string());
    }
    if parts.is_empty()
        || parts
            .iter()
            .any(|p| p.is_empty() || p.contains('.') || p.contains('-') || p.contains(' '))
    {
        return None;
    }
    Some(parts.join("."))
}

/// Read a file as text; invalid UTF-8 is decoded lossily and reported.
pub fn read_text(path: &Path) -> Option<(Arc<str>, bool)> {
    let bytes = std::fs::read(path).ok()?;
    match String::from_utf8(bytes) {
        Ok(s) => Some((Arc::from(s), false)),
        Err(e) => Some((
            Arc::from(String::from_utf8_lossy(e.as_bytes()).into_owned()),
            true,
        )),
    }
}

impl Workspace {
    pub fn load(path: &Path, overrides: &Overrides) -> Result<Workspace> {
        let t_load = std::time::Instant::now();
        let root = find_root(path)?;
        let fc = load_file_config(&root)?;
        let mut notes = Vec::new();
        let manage = find_manage_py(&root);
        let settings = overrides
            .settings
            .clone()
            .or(fc.settings.clone())
            .or_else(|| {
                std::env::var("DJANGO_SETTINGS_MODULE")
                    .ok()
                    .filter(|s| !s.is_empty())
            })
            .or_else(|| {
                manage
                    .as_ref()
                    .and_then(|m| std::fs::read_to_string(m).ok())
                    .and_then(|t| settings_from_manage_py(&t))
            });
        if settings.is_none() {
            notes.push("no settings module found (no manage.py, no [tool.djsa] settings, no DJANGO_SETTINGS_MODULE)".into());
        }
        let src_roots: Vec<PathBuf> = match &fc.src {
            Some(src) => src.iter().map(|s| root.join(s)).collect(),
            None => {
                let mut v = Vec::new();
                if let Some(m) = &manage
                    && let Some(d) = m.parent()
                {
                    v.push(d.to_path_buf());
                }
                if !v.contains(&root) {
                    v.push(root.clone());
                }
                v
            }
        };
        let mut exclude = ignore::overrides::OverrideBuilder::new(&root);
        for pat in &fc.exclude {
            exclude
                .add(&format!("!{pat}"))
                .with_context(|| format!("invalid exclude pattern {pat:?}"))?;
        }
        let exclude = exclude.build().context("invalid exclude patterns")?;
        let src_roots: Vec<PathBuf> = src_roots;

        let db = crate::debug_edit::new_database();
        let mut files: FxHashMap<SourceFile, PathBuf> = FxHashMap::default();
        let mut inputs: Vec<SourceFile> = Vec::new();
        let mut loaded_paths: FxHashSet<PathBuf> = FxHashSet::default();
        let mut loaded_modules: FxHashSet<String> = FxHashSet::default();

        // Project files: every .py under the source roots.
        crate::progress::phase("discovering files");
        for src in &src_roots {
            let walker = ignore::WalkBuilder::new(src)
                .hidden(true)
                .git_ignore(true)
                .overrides(exclude.clone())
                .filter_entry(|e| {
                    let name = e.file_name().to_str().unwrap_or("");
                    if e.file_type().is_some_and(|t| t.is_dir()) {
                        !SKIP_DIRS.contains(&name) && !e.path().join("pyvenv.cfg").exists()
                    } else {
                        true
                    }
                })
                .build();
            let mut found: Vec<PathBuf> = walker
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
                .map(|e| e.into_path())
                .filter(|p| p.extension().is_some_and(|x| x == "py"))
                .collect();
            found.sort();
            found.retain(|p| loaded_paths.insert(p.clone()));
            // Read and parse on every core: a file is parsed as soon as it is read.
            crate::progress::counted("reading and parsing files", found.len());
            let read: Vec<_> = {
                use rayon::prelude::*;
                found
                    .into_par_iter()
                    .map_with(db.clone(), |db, p| {
                        let Some((text, lossy)) = read_text(&p) else {
                            return Err(p);
                        };
                        let module = p.strip_prefix(src).ok().and_then(module_name);
                        let shown = p
                            .strip_prefix(&root)
                            .unwrap_or(&p)
                            .to_string_lossy()
                            .into_owned();
                        let f = SourceFile::new(&*db, shown, module, text, Origin::Project, lossy);
                        let _ = djsa_analysis::db::module_syntax(&*db, f);
                        crate::progress::tick();
                        Ok((f, p))
                    })
                    .collect()
            };
            for r in read {
                match r {
                    Ok((f, p)) => {
                        if let Some(m) = f.module(&db) {
                            loaded_modules.insert(m.clone());
                        }
                        files.insert(f, p);
                        inputs.push(f);
                    }
                    Err(p) => notes.push(format!("cannot read {}", p.display())),
                }
            }
        }
        if std::env::var_os("DJSA_TIMING").is_some() {
            eprintln!(
                "djsa: timing: read and parsed {} project files at {:?}",
                inputs.len(),
                t_load.elapsed()
            );
        }

        // The Python environment.
        // A path on the command line is relative to the current directory (in configuration
        // files, to the project root).
        let cli_python = overrides
            .python
            .as_ref()
            .map(|p| match std::path::absolute(p) {
                Ok(abs) if p != "none" && abs.exists() => abs.to_string_lossy().into_owned(),
                _ => p.clone(),
            });
        let python = find_python(
            &root,
            cli_python.as_deref().or(fc.python.as_deref()),
            &mut notes,
        )?;
        let sys_path = python
            .as_ref()
            .map(|p| python_sys_path(p, &mut notes))
            .unwrap_or_default();
        let site_dirs: Vec<PathBuf> = sys_path
            .iter()
            .filter(|p| p.ends_with("site-packages") || p.ends_with("dist-packages"))
            .cloned()
            .collect();
        let django_version = site_dirs
            .iter()
            .find_map(|d| django_version(&d.join("django").join("__init__.py")));
        if python.is_some() && django_version.is_none() {
            notes.push(
                "Django was not found in the Python environment; following the newest Django (6.1)"
                    .into(),
            );
        }

        let mut engine = fc.database_engine.clone();
        if let Some(e) = &engine
            && !e.contains('.')
        {
            engine = Some(format!("django.db.backends.{e}"));
        }
        let config = ProjectConfig {
            settings_module: settings,
            django_version,
            select: if overrides.select.is_empty() {
                fc.select.clone()
            } else {
                overrides.select.clone()
            },
            ignore: fc
                .ignore
                .iter()
                .chain(overrides.ignore.iter())
                .cloned()
                .collect(),
            database_engine: engine,
            alembic: crate::alembic::discover_envs(&root, fc.alembic.as_deref(), &mut notes),
            sqlalchemy_modules: fc.sqlalchemy_modules.clone(),
        };
        let project = Project::new(&db, inputs.clone(), config);
        let mut ws = Workspace {
            db,
            project,
            root,
            files,
            notes,
            python,
            src_roots,
            exclude,
            site_dirs,
            tried: FxHashSet::default(),
            loaded_paths,
            loaded_modules,
        };
        crate::progress::phase("indexing installed apps");
        ws.load_libraries();
        Ok(ws)
    }

    /// Load what the project needs from the environment (installed apps' modules), until nothing
    /// new is wanted. Called again by the language server after edits that may want more.
    pub fn load_libraries(&mut self) {
        let ws = self;
        let timing = std::env::var_os("DJSA_TIMING").is_some();
        let mut inputs: Vec<SourceFile> = ws.project.files(&ws.db).clone();
        // Listings of the site directories, read once per call (most modules looked for are not
        // there: a stat each cost more than the files read).
        let mut dirs = DirCache::new(&ws.site_dirs);
        for round in 0..12 {
            let t = std::time::Instant::now();
            let wanted: Vec<String> = wanted_modules(&ws.db, ws.project).clone();
            let t_wanted = t.elapsed();
            let first_new = inputs.len();
            // Every candidate first, then the files read in parallel, then the inputs created in
            // candidate order (as one sequential pass would).
            let mut cands: Vec<Candidate> = Vec::new();
            for m in wanted {
                if !ws.tried.insert(m.clone()) || !is_library_candidate(&m) {
                    continue;
                }
                // Imports are followed from the module asked for, not from a migrations
                // package's modules (`pkg.*`): as `wanted_modules` does.
                let found = locate_module(&mut dirs, &ws.site_dirs, &m);
                cands.extend(candidates(found, !m.ends_with(".*")));
            }
            let mut frontier = ws.add_library_files(cands, &mut inputs);
            let added = inputs.len() > first_new;
            // The imports of what was just loaded, and theirs, in this round: the next round's
            // `wanted_modules` would ask for exactly these (imports of modules reachable from the
            // apps), one link of the chain per round, each round a new revision of the project.
            while !frontier.is_empty() {
                prewarm(&ws.db, &frontier);
                let mut cands: Vec<Candidate> = Vec::new();
                for f in &frontier {
                    for imp in djsa_analysis::resolve::module_imports(&ws.db, *f) {
                        let m = &imp.module;
                        if ws.loaded_modules.contains(m)
                            || !is_library_candidate(m)
                            || !ws.tried.insert(m.clone())
                        {
                            continue;
                        }
                        let found = locate_module(&mut dirs, &ws.site_dirs, m);
                        cands.extend(candidates(found, true));
                    }
                }
                frontier = ws.add_library_files(cands, &mut inputs);
            }
            let t_read = t.elapsed();
            if !added {
                if timing {
                    eprintln!(
                        "djsa: timing: library round {round}: wanted in {t_wanted:?}, nothing new"
                    );
                }
                break;
            }
            prewarm(&ws.db, &inputs[first_new..]);
            let t_parse = t.elapsed();
            use salsa::Setter;
            ws.project.set_files(&mut ws.db).to(inputs.clone());
            if timing {
                eprintln!(
                    "djsa: timing: library round {round}: {} files; wanted {t_wanted:?}, read {:?}, parsed {:?}, set {:?}",
                    inputs.len() - first_new,
                    t_read - t_wanted,
                    t_parse - t_read,
                    t.elapsed() - t_parse
                );
            }
        }
    }

    /// Read the candidates' files in parallel and add those not loaded yet as library inputs,
    /// in candidate order; returns the added files whose imports are to be followed.
    fn add_library_files(
        &mut self,
        cands: Vec<Candidate>,
        inputs: &mut Vec<SourceFile>,
    ) -> Vec<SourceFile> {
        let ws = self;
        let mut to_read: Vec<&PathBuf> = Vec::new();
        let mut seen: FxHashSet<&PathBuf> = FxHashSet::default();
        for (module, path, _) in &cands {
            if !ws.loaded_modules.contains(module)
                && !ws.loaded_paths.contains(path)
                && seen.insert(path)
            {
                to_read.push(path);
            }
        }
        let mut texts: FxHashMap<PathBuf, Option<(Arc<str>, bool)>> = {
            use rayon::prelude::*;
            to_read
                .par_iter()
                .map(|p| ((*p).clone(), read_text(p)))
                .collect()
        };
        let mut followed = Vec::new();
        for (module, path, follow) in cands {
            if ws.loaded_modules.contains(&module) || !ws.loaded_paths.insert(path.clone()) {
                continue;
            }
            let Some((text, lossy)) = texts.remove(&path).flatten() else {
                continue;
            };
            ws.loaded_modules.insert(module.clone());
            let f = SourceFile::new(
                &ws.db,
                path.to_string_lossy().into_owned(),
                Some(module),
                text,
                Origin::Library,
                lossy,
            );
            ws.files.insert(f, path);
            inputs.push(f);
            if follow {
                followed.push(f);
            }
        }
        followed
    }

    /// Whether a path (absolute) is a project Python file: `.py`, under a source root, not
    /// excluded, not in a skipped directory.
    pub fn is_project_path(&self, path: &Path) -> bool {
        if path.extension().is_none_or(|x| x != "py") || !path.starts_with(&self.root) {
            return false;
        }
        let Some(rel) = path.strip_prefix(&self.root).ok() else {
            return false;
        };
        let mut dirs = rel.components();
        dirs.next_back();
        if dirs.any(|c| {
            let n = c.as_os_str().to_str().unwrap_or("");
            SKIP_DIRS.contains(&n) || n.starts_with('.')
        }) {
            return false;
        }
        if self.exclude.matched(path, false).is_ignore() {
            return false;
        }
        self.src_roots.iter().any(|s| path.starts_with(s))
    }

    /// The dotted module name of a project path (relative to the first source root holding it).
    pub fn module_for(&self, path: &Path) -> Option<String> {
        self.src_roots
            .iter()
            .find_map(|s| path.strip_prefix(s).ok().and_then(module_name))
    }

    /// The input of a loaded file, by absolute path.
    pub fn file_by_path(&self, path: &Path) -> Option<SourceFile> {
        self.files
            .iter()
            .find(|(_, p)| p.as_path() == path)
            .map(|(f, _)| *f)
    }

    /// Add a new project file (absolute path) to the project; returns its input.
    pub fn add_project_file(&mut self, path: &Path, text: Arc<str>, lossy: bool) -> SourceFile {
        let shown = path
            .strip_prefix(&self.root)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned();
        let module = self.module_for(path);
        if let Some(m) = &module {
            self.loaded_modules.insert(m.clone());
        }
        self.loaded_paths.insert(path.to_path_buf());
        let f = SourceFile::new(&self.db, shown, module, text, Origin::Project, lossy);
        self.files.insert(f, path.to_path_buf());
        let mut inputs = self.project.files(&self.db).clone();
        inputs.push(f);
        use salsa::Setter;
        self.project.set_files(&mut self.db).to(inputs);
        f
    }

    /// Take a file out of the project (it was deleted); salsa inputs cannot be deleted, so the
    /// input stays but no query reaches it any more.
    pub fn remove_file(&mut self, file: SourceFile) {
        if let Some(p) = self.files.remove(&file) {
            self.loaded_paths.remove(&p);
        }
        if let Some(m) = file.module(&self.db) {
            self.loaded_modules.remove(m);
        }
        let inputs: Vec<SourceFile> = self
            .project
            .files(&self.db)
            .iter()
            .copied()
            .filter(|f| *f != file)
            .collect();
        use salsa::Setter;
        self.project.set_files(&mut self.db).to(inputs);
    }

    /// Replace a file's text (an editor buffer or a change on disk); a no-op when equal.
    pub fn set_text(&mut self, file: SourceFile, text: Arc<str>, lossy: bool) {
        use salsa::Setter;
        if file.text(&self.db).as_ref() != text.as_ref() {
            file.set_text(&mut self.db).to(text);
        }
        if file.lossy(&self.db) != lossy {
            file.set_lossy(&mut self.db).to(lossy);
        }
    }
}

/// Parse files on all cores before the (sequential) project queries ask for them. Each worker
/// holds its own database handle; all are dropped before this returns, so later input changes
/// never wait on them.
fn prewarm(db: &RootDatabase, files: &[SourceFile]) {
    use rayon::prelude::*;
    files.par_iter().for_each_with(db.clone(), |db, &f| {
        let _ = djsa_analysis::db::module_syntax(db, f);
        crate::progress::tick();
    });
}

/// Compute the independent check families on all cores (each worker with its own database
/// handle, all dropped before returning); `check_project` then only collects their results.
pub fn prewarm_checks(db: &RootDatabase, project: Project) {
    use rayon::prelude::*;
    let timing = std::env::var_os("DJSA_TIMING").is_some();
    // One task per family (`with_max_len(1)`: an idle core takes the next one), the migrations
    // family first: it reads every migration file in a nested parallel loop (each file is its
    // own query) while the models' migration state is computed, work the other core joins
    // whenever it is idle.
    const MIGRATIONS: usize = djsa_analysis::checks::MIGRATION_FAMILY;
    let order: Vec<usize> = std::iter::once(MIGRATIONS)
        .chain((0..djsa_analysis::checks::CHECK_FAMILIES.len()).filter(|&i| i != MIGRATIONS))
        .collect();
    // A family split by app: its apps' queries, each its own task, so an idle core takes the
    // next app instead of waiting for the family to finish on the other one.
    let per_app = |db: &RootDatabase, family: usize| {
        let Some(query) = djsa_analysis::checks::per_app_query(family) else {
            return;
        };
        djsa_analysis::checks::checked_apps(db, project)
            .into_par_iter()
            .with_max_len(1)
            .for_each_with(db.clone(), |db, app| query(db, project, app));
    };
    let t0 = std::time::Instant::now();
    order
        .par_iter()
        .with_max_len(1)
        .for_each_with(db.clone(), |db, &i| {
            let t = std::time::Instant::now();
            if i == MIGRATIONS {
                let files = {
                    let db = db.clone();
                    move || {
                        djsa_analysis::migrations::migration_modules(&db, project)
                            .files
                            .par_iter()
                            .for_each_with(db.clone(), |db, (label, _, f)| {
                                let _ = djsa_analysis::migrations::parsed_migration(
                                    db,
                                    project,
                                    *f,
                                    label.clone(),
                                );
                            });
                    }
                };
                let models = {
                    let db = db.clone();
                    move || {
                        per_app(&db, MIGRATIONS);
                        let _ = djsa_analysis::migrations::models_state(&db, project);
                    }
                };
                rayon::join(files, models);
            } else {
                per_app(db, i);
            }
            if let Some(family) = djsa_analysis::checks::CHECK_FAMILIES.get(i) {
                family(db, project);
            }
            if timing {
                eprintln!(
                    "djsa: timing: check family {i} in {:?} (started at {:?}){}",
                    t.elapsed(),
                    t.duration_since(t0),
                    resident_note()
                );
            }
        });
}

/// `, resident N MiB` from /proc/self/statm, for `DJSA_TIMING` lines (empty where unknown).
pub fn resident_note() -> String {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok());
    match pages {
        Some(p) => format!(", resident {} MiB", p * 4096 / (1024 * 1024)),
        None => String::new(),
    }
}

/// Modules worth loading from site-packages: not Django's own core (djsa knows it), but contrib apps.
fn is_library_candidate(m: &str) -> bool {
    if m == "django" || m.starts_with("django.") {
        return m.starts_with("django.contrib.")
            && !m.starts_with("django.contrib.postgres")
            && !m.starts_with("django.contrib.gis");
    }
    !m.is_empty()
}

/// What a directory holds, by name (file types as listed: a symbolic link is looked at when asked).
enum Listing {
    Entries(FxHashMap<std::ffi::OsString, std::fs::FileType>),
    /// The directory does not exist.
    Missing,
    /// It could not be listed: ask the file system for each path.
    Unknown,
}

/// Directory listings below the site directories, each read once: looking for a module probes
/// many paths that do not exist (project modules, submodules of Django), and one listing answers
/// them all. File systems that ignore case are asked directly (a listing compares exactly).
///
/// Directories are keyed by their path's bytes: hashing and comparing a `Path` walks its
/// components, which cost more than the lookups themselves (thousands of probes per load). Paths
/// are built the same way every time, so one spelling per directory is all a lookup meets.
struct DirCache {
    roots: Vec<PathBuf>,
    dirs: FxHashMap<std::ffi::OsString, Listing>,
}

impl DirCache {
    fn new(roots: &[PathBuf]) -> DirCache {
        DirCache {
            roots: roots.to_vec(),
            dirs: FxHashMap::default(),
        }
    }

    fn list(&mut self, dir: &Path) -> &Listing {
        let key = dir.as_os_str();
        if !self.dirs.contains_key(key) {
            let listing = self.read(dir);
            self.dirs.insert(key.to_os_string(), listing);
        }
        self.dirs.get(key).unwrap_or(&Listing::Unknown)
    }

    fn read(&mut self, dir: &Path) -> Listing {
        const CASE_SENSITIVE: bool = cfg!(not(any(target_os = "macos", target_os = "windows")));
        if !CASE_SENSITIVE {
            return Listing::Unknown;
        }
        // Below a root, the parent's listing says whether the directory exists.
        if !self.roots.iter().any(|r| r == dir)
            && self.roots.iter().any(|r| dir.starts_with(r))
            && let (Some(parent), Some(name)) = (dir.parent(), dir.file_name())
        {
            match self.list(parent) {
                Listing::Missing => return Listing::Missing,
                Listing::Entries(e) => match e.get(name) {
                    None => return Listing::Missing,
                    Some(t) if !t.is_dir() && !t.is_symlink() => return Listing::Missing,
                    Some(_) => {}
                },
                Listing::Unknown => {}
            }
        }
        match std::fs::read_dir(dir) {
            Ok(rd) => {
                let mut entries = FxHashMap::default();
                for e in rd {
                    let Ok(e) = e else { return Listing::Unknown };
                    let Ok(t) = e.file_type() else {
                        return Listing::Unknown;
                    };
                    entries.insert(e.file_name(), t);
                }
                Listing::Entries(entries)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                Listing::Missing
            }
            Err(_) => Listing::Unknown,
        }
    }

    /// `path.is_file()`, from the listing of its directory when there is one.
    fn is_file(&mut self, path: &Path) -> bool {
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return path.is_file();
        };
        match self.list(parent) {
            Listing::Missing => false,
            Listing::Unknown => path.is_file(),
            Listing::Entries(e) => match e.get(name) {
                None => false,
                Some(t) if t.is_symlink() => path.is_file(),
                Some(t) => t.is_file(),
            },
        }
    }
}

/// The file of a module in site-packages, plus its parent packages' `__init__.py`.
/// A module to load: its name, its file, and whether its imports are followed.
type Candidate = (String, PathBuf, bool);

/// What `locate_module` found, as candidates: imports are followed (when `follow`) from the
/// module asked for, which comes first, not from its parent packages.
fn candidates(found: Vec<(String, PathBuf)>, follow: bool) -> impl Iterator<Item = Candidate> {
    found
        .into_iter()
        .enumerate()
        .map(move |(i, (module, path))| (module, path, follow && i == 0))
}

fn locate_module(
    dirs: &mut DirCache,
    site_dirs: &[PathBuf],
    module: &str,
) -> Vec<(String, PathBuf)> {
    if let Some(pkg) = module.strip_suffix(".*") {
        return locate_package(dirs, site_dirs, pkg);
    }
    let parts: Vec<&str> = module.split('.').collect();
    for sp in site_dirs {
        let mut rel = PathBuf::new();
        for p in &parts {
            rel.push(p);
        }
        let as_pkg = sp.join(&rel).join("__init__.py");
        let as_mod = sp.join(&rel).with_extension("py");
        let target = if dirs.is_file(&as_pkg) {
            as_pkg
        } else if dirs.is_file(&as_mod) {
            as_mod
        } else {
            continue;
        };
        let mut out = vec![(module.to_string(), target)];
        for i in 1..parts.len() {
            let pkg = parts[..i].join(".");
            let init = sp
                .join(parts[..i].iter().collect::<PathBuf>())
                .join("__init__.py");
            if dirs.is_file(&init) {
                out.push((pkg, init));
            }
        }
        return out;
    }
    Vec::new()
}

/// `pkg.*` (see `wanted_modules`): the package and every `.py` module directly in its directory
/// (migrations packages, whose file names analysis cannot know).
fn locate_package(dirs: &mut DirCache, site_dirs: &[PathBuf], pkg: &str) -> Vec<(String, PathBuf)> {
    let mut out = locate_module(dirs, site_dirs, pkg);
    let Some((_, init)) = out.first() else {
        return out;
    };
    if !init.ends_with("__init__.py") {
        return out;
    }
    let Some(dir) = init.parent() else { return out };
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "py") && dirs.is_file(p))
        .filter_map(|p| {
            let stem = p.file_stem()?.to_str()?.to_string();
            (stem != "__init__" && !stem.contains('.')).then(|| (format!("{pkg}.{stem}"), p))
        })
        .collect();
    found.sort();
    out.extend(found);
    out
}

/// The project's interpreter: configured (`none` disables the environment), `VIRTUAL_ENV`, a
/// `.venv`/`venv`/`env` directory in the root, or `python3` on PATH.
fn find_python(
    root: &Path,
    configured: Option<&str>,
    notes: &mut Vec<String>,
) -> Result<Option<PathBuf>> {
    let from_venv = |dir: &Path| -> Option<PathBuf> {
        for cand in ["bin/python", "bin/python3", "Scripts/python.exe"] {
            let p = dir.join(cand);
            if p.is_file() {
                return Some(p);
            }
        }
        None
    };
    if let Some(c) = configured {
        if c == "none" {
            notes
                .push("python = none: installed apps (django.contrib, ...) are not indexed".into());
            return Ok(None);
        }
        let p = root.join(c);
        if p.is_dir() {
            if let Some(py) = from_venv(&p) {
                return Ok(Some(py));
            }
        } else if p.is_file() {
            return Ok(Some(p));
        }
        bail!(
            "the configured Python environment {c:?} was not found (give an interpreter, a virtual environment directory, or `none`)"
        );
    }
    // An active virtual environment wins, unless it has no Django while the project's own
    // `.venv` has: tools such as pre-commit run djsa inside their own environment.
    let has_django = |dir: &Path| -> bool {
        if dir.join("Lib/site-packages/django/__init__.py").is_file() {
            return true;
        }
        std::fs::read_dir(dir.join("lib")).is_ok_and(|rd| {
            rd.flatten()
                .any(|e| e.path().join("site-packages/django/__init__.py").is_file())
        })
    };
    if let Ok(v) = std::env::var("VIRTUAL_ENV")
        && let Some(py) = from_venv(Path::new(&v))
    {
        if !has_django(Path::new(&v)) {
            for d in [".venv", "venv", "env"] {
                let dir = root.join(d);
                if has_django(&dir)
                    && let Some(own) = from_venv(&dir)
                {
                    notes.push(format!(
                        "VIRTUAL_ENV ({v}) has no Django; using the project's {d} instead"
                    ));
                    return Ok(Some(own));
                }
            }
        }
        return Ok(Some(py));
    }
    for d in [".venv", "venv", "env"] {
        if let Some(py) = from_venv(&root.join(d)) {
            return Ok(Some(py));
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let p = dir.join("python3");
            if p.is_file() {
                return Ok(Some(p));
            }
        }
    }
    notes.push(
        "no Python interpreter found: installed apps (django.contrib, ...) are not indexed".into(),
    );
    Ok(None)
}

/// `sys.path` of an interpreter: from a venv's layout when possible, else by asking it (2 s limit).
fn python_sys_path(python: &Path, notes: &mut Vec<String>) -> Vec<PathBuf> {
    // A virtual environment: <venv>/bin/python -> <venv>/lib/pythonX.Y/site-packages.
    if let Some(venv) = python.parent().and_then(Path::parent)
        && venv.join("pyvenv.cfg").is_file()
        && let Ok(rd) = std::fs::read_dir(venv.join("lib"))
    {
        let mut v: Vec<PathBuf> = rd
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("site-packages"))
            .filter(|p| p.is_dir())
            .collect();
        if !v.is_empty() {
            v.sort();
            return v;
        }
    }
    let child = Command::new(python)
        .args(["-I", "-c", "import sys, json; print(json.dumps(sys.path))"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        notes.push(format!("cannot run {}", python.display()));
        return Vec::new();
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5))
            }
            _ => {
                let _ = child.kill();
                notes.push(format!("{} did not answer for sys.path", python.display()));
                return Vec::new();
            }
        }
    }
    let mut out = String::new();
    if let Some(mut so) = child.stdout.take() {
        use std::io::Read;
        let _ = so.read_to_string(&mut out);
    }
    serde_json::from_str::<Vec<String>>(out.trim())
        .unwrap_or_default()
        .into_iter()
        .map(PathBuf::from)
        .collect()
}

/// `VERSION = (6, 1, 3, "final", 0)` in django/__init__.py.
fn django_version(init: &Path) -> Option<(u32, u32)> {
    let text = std::fs::read_to_string(init).ok()?;
    let line = text.lines().find(|l| l.starts_with("VERSION"))?;
    let inner = line.split_once('(')?.1;
    let mut nums = inner.split(',').map(|s| s.trim().parse::<u32>());
    let major = nums.next()?.ok()?;
    let minor = nums.next()?.ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manage_py_settings() {
        let t = "import os\n    os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"mysite.settings\")\n";
        assert_eq!(
            settings_from_manage_py(t).as_deref(),
            Some("mysite.settings")
        );
        assert_eq!(
            settings_from_manage_py("os.environ.setdefault('DJANGO_SETTINGS_MODULE','a.b')")
                .as_deref(),
            Some("a.b")
        );
        assert_eq!(settings_from_manage_py("nothing"), None);
    }

    #[test]
    fn module_names() {
        assert_eq!(
            module_name(Path::new("a/b/__init__.py")).as_deref(),
            Some("a.b")
        );
        assert_eq!(
            module_name(Path::new("a/models.py")).as_deref(),
            Some("a.models")
        );
        assert_eq!(module_name(Path::new("my-dir/models.py")), None);
    }
}
