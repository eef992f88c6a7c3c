//! `djsa makemigrations`: what Django's `makemigrations` would print and write, from source.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use djsa_analysis::migrations::{self, PlanOptions, migration_analysis, migration_path, writer};
use djsa_analysis::project::project_model;

use crate::workspace::{Overrides, Workspace};

#[derive(clap::Args, Debug)]
pub struct MakemigrationsArgs {
    /// Only these app labels.
    pub apps: Vec<String>,
    /// Exit with a non-zero status if model changes are missing migrations (writes nothing).
    #[arg(long = "check")]
    pub check: bool,
    /// Show what migrations would be made; don't write them.
    #[arg(long)]
    pub dry_run: bool,
    /// Use this name for the migration file(s).
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// Verbosity level (0-3, like Django's -v).
    #[arg(short = 'v', long = "verbosity", default_value_t = 1)]
    pub verbosity: u8,
    /// Treat a removed and an added field as a rename, as if Django's interactive questioner
    /// was answered "yes": `APP.MODEL.OLD=NEW` (repeatable).
    #[arg(long = "rename-field", value_name = "APP.MODEL.OLD=NEW")]
    pub rename_field: Vec<String>,
    /// Treat a deleted and a created model as a rename ("yes" to Django's "Was the model
    /// APP.OLD renamed to NEW?"): `APP.OLD=NEW` (repeatable).
    #[arg(long = "rename-model", value_name = "APP.OLD=NEW")]
    pub rename_model: Vec<String>,
    /// Project directory (default: the current directory).
    #[arg(long, default_value = ".")]
    pub path: PathBuf,
    /// Settings module (default: from manage.py or [tool.djsa]).
    #[arg(long)]
    pub settings: Option<String>,
    /// Python interpreter or virtual environment of the project.
    #[arg(long)]
    pub python: Option<String>,
}

/// UTC now as (`%Y-%m-%d %H:%M`, `%Y%m%d_%H%M`).
fn now_utc() -> (String, String) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, mi) = (rem / 3600, (rem % 3600) / 60);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (
        format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}"),
        format!("{y:04}{m:02}{d:02}_{h:02}{mi:02}"),
    )
}

fn relative_to_cwd(abs: &Path) -> String {
    let Ok(cwd) = std::env::current_dir() else {
        return abs.to_string_lossy().into_owned();
    };
    match abs.strip_prefix(&cwd) {
        Ok(r) => r.to_string_lossy().into_owned(),
        Err(_) => abs.to_string_lossy().into_owned(),
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// The workspace of a command about to exit: not freed when the binary says so
/// ([`crate::cli::LEAK_ON_EXIT`]; freeing every parsed file only costs time, as in `check`).
struct LeakOnExit(Option<Workspace>);

impl Drop for LeakOnExit {
    fn drop(&mut self) {
        if crate::cli::LEAK_ON_EXIT.load(std::sync::atomic::Ordering::Relaxed) {
            std::mem::forget(self.0.take());
        }
    }
}

pub fn run(
    args: MakemigrationsArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<i32> {
    if let Some(n) = &args.name
        && !is_identifier(n)
    {
        writeln!(
            stderr,
            "CommandError: The migration name must be a valid Python identifier."
        )?;
        return Ok(1);
    }
    let overrides = Overrides {
        settings: args.settings.clone(),
        python: args.python.as_ref().map(|p| match std::path::absolute(p) {
            Ok(abs) if p != "none" && abs.exists() => abs.to_string_lossy().into_owned(),
            _ => p.clone(),
        }),
        ..Default::default()
    };
    let guard = LeakOnExit(Some(Workspace::load(&args.path, &overrides)?));
    let Some(ws) = guard.0.as_ref() else {
        return Ok(2);
    };
    let db = &ws.db;
    let pm = project_model(db, ws.project);
    if pm.settings.installed_apps.is_none() {
        writeln!(
            stderr,
            "djsa: INSTALLED_APPS could not be read statically; cannot make migrations"
        )?;
        return Ok(2);
    }
    let mut bad = false;
    for a in &args.apps {
        if pm.app(a).is_none() {
            writeln!(stderr, "No installed app with label '{a}'.")?;
            bad = true;
        }
    }
    if bad {
        return Ok(2);
    }
    let ma = migration_analysis(db, ws.project);
    // Conflicts first, like Django.
    let mut conflicts: Vec<String> = Vec::new();
    let mut graph_apps: Vec<&String> = ma.graph.apps.iter().collect();
    graph_apps.sort();
    for a in graph_apps {
        if !args.apps.is_empty() && !args.apps.contains(a) {
            continue;
        }
        if let Some(leaves) = ma.conflicts(a) {
            let names: Vec<String> = leaves.iter().map(|l| l.1.clone()).collect();
            conflicts.push(format!("{} in {a}", names.join(", ")));
        }
    }
    if !conflicts.is_empty() {
        writeln!(
            stderr,
            "CommandError: Conflicting migrations detected; multiple leaf nodes in the migration graph: ({}).\nTo fix them run 'python manage.py makemigrations --merge'",
            conflicts.join("; ")
        )?;
        return Ok(1);
    }
    let mut renames = Vec::new();
    for r in &args.rename_field {
        let parsed = r.split_once('=').and_then(|(lhs, new)| {
            let mut it = lhs.splitn(3, '.');
            Some((
                it.next()?.to_string(),
                it.next()?.to_string(),
                it.next()?.to_string(),
                new.to_string(),
            ))
        });
        match parsed {
            Some(p) => renames.push(p),
            None => {
                writeln!(
                    stderr,
                    "djsa: --rename-field expects APP.MODEL.OLD=NEW, got {r:?}"
                )?;
                return Ok(2);
            }
        }
    }
    for r in &args.rename_model {
        let parsed = r.split_once('=').and_then(|(lhs, new)| {
            let (app, old) = lhs.split_once('.')?;
            (!app.is_empty() && is_identifier(old) && is_identifier(new)).then(|| {
                (
                    app.to_string(),
                    String::new(),
                    old.to_string(),
                    new.to_string(),
                )
            })
        });
        match parsed {
            Some(p) => renames.push(p),
            None => {
                writeln!(
                    stderr,
                    "djsa: --rename-model expects APP.OLD=NEW, got {r:?}"
                )?;
                return Ok(2);
            }
        }
    }
    let (date, stamp) = now_utc();
    let plan = migrations::plan(
        db,
        ws.project,
        &PlanOptions {
            apps: args.apps.clone(),
            name: args.name.as_deref(),
            timestamp: &stamp,
            renames,
        },
    );
    // What djsa could not decide: a project app is left out (said every time), a library app
    // only under -v 2; an error that is not about one app stops everything.
    for (app, why) in &plan.cannot {
        if app == "*" {
            writeln!(
                stderr,
                "djsa: cannot reproduce Django's migrations exactly: {why}"
            )?;
            writeln!(
                stderr,
                "djsa: nothing written; run Django's makemigrations for this change"
            )?;
            return Ok(2);
        }
    }
    // Django's non-interactive questioner (`--noinput`): its lines come first; adding a
    // NOT NULL field without a default stops the command with status 3.
    for (i, line) in plan.log.iter().enumerate() {
        // The line before exiting is only printed with verbosity > 0.
        let abort_line = plan.abort.is_some() && i + 1 == plan.log.len();
        if !abort_line || args.verbosity > 0 {
            writeln!(stdout, "{line}")?;
        }
    }
    if plan.abort.is_some() {
        return Ok(3);
    }
    let mut unchecked_project_app = false;
    for (app, why) in &plan.cannot {
        let named = args.apps.is_empty() || args.apps.contains(app);
        if ma.project_apps.contains(app) && named {
            unchecked_project_app = true;
            writeln!(
                stderr,
                "djsa: app '{app}' is not compared (djsa cannot reproduce it exactly): {why}"
            )?;
        } else if args.verbosity >= 2 {
            writeln!(stderr, "djsa: not compared: app '{app}': {why}")?;
        }
    }
    if args.verbosity >= 2 {
        let mut compared: Vec<String> = Vec::new();
        for ((a, _), _) in &ma.to_state.models {
            if !compared.contains(a) && !plan.cannot.iter().any(|(c, _)| c == a) {
                compared.push(a.clone());
            }
        }
        compared.sort();
        writeln!(stderr, "djsa: compared apps: {}", compared.join(", "))?;
    }
    if plan.migrations.is_empty() {
        if args.verbosity >= 1 {
            match args.apps.as_slice() {
                [] => writeln!(stdout, "No changes detected")?,
                [one] => writeln!(stdout, "No changes detected in app '{one}'")?,
                many => writeln!(
                    stdout,
                    "No changes detected in apps '{}'",
                    many.join("', '")
                )?,
            }
        }
        // `--check` cannot vouch for an app djsa left out.
        return Ok(if args.check && unchecked_project_app {
            2
        } else {
            0
        });
    }
    let dry_run = args.dry_run || args.check;
    let version = env!("CARGO_PKG_VERSION");
    let header = format!("Generated by djsa {version} on {date}");
    let mut current_app = String::new();
    for m in &plan.migrations {
        // An app named on the command line without a migrations package gets one (like Django).
        let mut new_package: Option<PathBuf> = None;
        let rel = match migration_path(db, ma, &m.app_label, &m.name) {
            Some(r) => r,
            None => {
                let pkg_dir = pm
                    .app(&m.app_label)
                    .and_then(|a| {
                        djsa_analysis::resolve::module_map(db, ws.project)
                            .get(&a.name)
                            .copied()
                    })
                    .filter(|f| f.path(db).ends_with("__init__.py"))
                    .and_then(|f| {
                        ws.files
                            .get(&f)
                            .and_then(|p| p.parent().map(Path::to_path_buf))
                    });
                let Some(dir) = pkg_dir else {
                    writeln!(
                        stderr,
                        "djsa: app '{}' has no migrations package djsa can locate",
                        m.app_label
                    )?;
                    return Ok(2);
                };
                let mig_dir = dir.join("migrations");
                new_package = Some(mig_dir.clone());
                mig_dir
                    .join(format!("{}.py", m.name))
                    .to_string_lossy()
                    .into_owned()
            }
        };
        let abs = ws.root.join(&rel);
        let abs = if Path::new(&rel).is_absolute() {
            PathBuf::from(&rel)
        } else {
            abs
        };
        if args.verbosity >= 1 {
            if current_app != m.app_label {
                writeln!(stdout, "Migrations for '{}':", m.app_label)?;
                current_app = m.app_label.clone();
            }
            writeln!(stdout, "  {}", relative_to_cwd(&abs))?;
            for op in &m.operations {
                writeln!(stdout, "    {}", op.describe())?;
            }
        }
        let text = writer::migration_text(m, Some(&header));
        if !dry_run {
            if !abs.starts_with(&ws.root) {
                writeln!(
                    stderr,
                    "djsa: {} is outside the project; not written",
                    abs.display()
                )?;
                return Ok(2);
            }
            if abs.exists() {
                writeln!(
                    stderr,
                    "djsa: {} already exists; not overwritten",
                    abs.display()
                )?;
                return Ok(2);
            }
            if let Some(dir) = &new_package {
                std::fs::create_dir_all(dir)?;
                let init = dir.join("__init__.py");
                if !init.exists() {
                    std::fs::write(&init, "")?;
                }
            }
            std::fs::write(&abs, text)?;
        } else if args.verbosity >= 3 {
            writeln!(stdout, "Full migrations file '{}.py':", m.name)?;
            stdout.write_all(text.as_bytes())?;
        }
    }
    Ok(if args.check { 1 } else { 0 })
}
