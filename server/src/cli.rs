//! The command line: `djsa check`, `djsa version`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use djsa_analysis::checks::check_project;
use djsa_analysis::project::project_model;

use crate::render;
use crate::workspace::{Overrides, Workspace};

#[derive(Parser, Debug)]
#[command(name = "djsa", version, about = "Static checks for Django models, migrations and SQLAlchemy tables", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run Django's model, field and admin system checks (and djsa's own) from source.
    Check(CheckArgs),
    /// Print the version.
    Version,
    /// Run the language server (LSP over stdin/stdout) for editors.
    Server,
    /// Print the app registry and model index djsa built (for debugging djsa itself).
    #[command(hide = true)]
    DebugIndex(DebugArgs),
    /// Write the migrations Django's `makemigrations` would write (from source, without Django).
    Makemigrations(crate::makemigrations::MakemigrationsArgs),
    /// Generate Django models for SQLAlchemy tables (`--to django`) or SQLAlchemy Core tables for Django models (`--to sqlalchemy`).
    Bridge(crate::bridge::BridgeArgs),
    /// Print the SQLAlchemy table index as JSON (for debugging djsa and the conformance suite).
    #[command(hide = true)]
    DebugSqla(crate::bridge::DebugSqlaArgs),
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Code frames with hints, like rustc and ruff.
    Full,
    /// One line per finding.
    Concise,
    Json,
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Project directory (or a file inside it); the project root is found upwards from here.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[arg(long, value_enum, default_value_t = OutputFormat::Full)]
    pub output_format: OutputFormat,
    /// Only report these codes or code prefixes (comma-separated, e.g. `fields.E3,models`).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Never report these codes or code prefixes.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Settings module (default: from manage.py or [tool.djsa]).
    #[arg(long)]
    pub settings: Option<String>,
    /// Python interpreter or virtual environment of the project.
    #[arg(long)]
    pub python: Option<String>,
    /// Also list what djsa could not understand statically and skipped.
    #[arg(short, long)]
    pub verbose: bool,
    /// Exit 0 even when there are findings.
    #[arg(long)]
    pub exit_zero: bool,
    /// Also compare the models with a live database, read-only (postgres://, mysql://, mariadb://,
    /// sqlite://); default: the DJSA_DATABASE_URL environment variable.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

/// Exit codes: 0 clean, 1 findings, 2 usage or configuration error.
pub fn run(cli: Cli, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<i32> {
    match cli.command {
        Command::Version => {
            writeln!(stdout, "djsa {}", env!("CARGO_PKG_VERSION"))?;
            Ok(0)
        }
        Command::Check(args) => check(args, stdout, stderr),
        Command::Server => {
            crate::lsp::run_stdio()?;
            Ok(0)
        }
        Command::DebugIndex(args) => debug_index(args, stdout),
        Command::Makemigrations(args) => crate::makemigrations::run(args, stdout, stderr),
        Command::Bridge(args) => crate::bridge::run(args, stdout, stderr),
        Command::DebugSqla(args) => crate::bridge::debug_sqla(args, stdout),
    }
}

fn check(args: CheckArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<i32> {
    let overrides = Overrides {
        settings: args.settings.clone(),
        python: args.python.clone(),
        select: args.select.clone(),
        ignore: args.ignore.clone(),
    };
    let timing = std::env::var_os("DJSA_TIMING").is_some();
    let t = std::time::Instant::now();
    let ws = Workspace::load(&args.path, &overrides)?;
    if timing {
        eprintln!("djsa: timing: loaded workspace in {:?}", t.elapsed());
    }
    let db = &ws.db;
    let t = std::time::Instant::now();
    crate::workspace::prewarm_checks(db, ws.project);
    let mut diags = check_project(db, ws.project).clone();
    if let Some(url) = crate::live::database_url(args.database_url.as_deref()) {
        diags.extend(crate::live::drift(
            db,
            ws.project,
            &url,
            args.verbose,
            stderr,
        )?);
    }
    if timing {
        eprintln!("djsa: timing: checks in {:?}", t.elapsed());
    }
    let root = ws.root.clone();
    let items = render::locate(db, &diags, |f| {
        let p = f.path(db);
        match ws.files.get(&f) {
            Some(abs) => abs
                .strip_prefix(&root)
                .map(|r| r.to_string_lossy().into_owned())
                .unwrap_or_else(|_| p.clone()),
            None => p.clone(),
        }
    });
    let text = match args.output_format {
        OutputFormat::Full => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let mut s = render::full(&items, color);
            let n = items.len();
            if n == 0 {
                s.push_str("All checks passed.\n");
            } else {
                s.push_str(&format!(
                    "Found {n} issue{}.\n",
                    if n == 1 { "" } else { "s" }
                ));
            }
            s
        }
        OutputFormat::Concise => render::concise(&items),
        OutputFormat::Json => render::json(&items),
        OutputFormat::Sarif => render::sarif(&items),
        OutputFormat::Github => render::github(&items),
    };
    stdout.write_all(text.as_bytes())?;
    if args.verbose {
        let pm = project_model(db, ws.project);
        writeln!(stderr, "djsa: project root {}", ws.root.display())?;
        match &ws.python {
            Some(p) => writeln!(stderr, "djsa: python {}", p.display())?,
            None => writeln!(stderr, "djsa: no python environment")?,
        }
        writeln!(
            stderr,
            "djsa: following Django {}.{}",
            pm.django_version.0, pm.django_version.1
        )?;
        writeln!(
            stderr,
            "djsa: {} apps, {} models ({} files)",
            pm.apps.len(),
            pm.models.iter().filter(|m| m.registered).count(),
            ws.files.len()
        )?;
        for n in &ws.notes {
            writeln!(stderr, "djsa: skipped: {n}")?;
        }
        for n in &pm.notes {
            let loc = n.file.map(|f| f.path(db).clone()).unwrap_or_default();
            writeln!(stderr, "djsa: skipped: {loc}: {}", n.message)?;
        }
        for n in &djsa_analysis::sqla::sqla_tables(db, ws.project).notes {
            let loc = n.file.map(|f| f.path(db).clone()).unwrap_or_default();
            writeln!(stderr, "djsa: skipped (sqlalchemy): {loc}: {}", n.message)?;
        }
    }
    let code = if items.is_empty() || args.exit_zero {
        0
    } else {
        1
    };
    drop(items);
    if LEAK_ON_EXIT.load(std::sync::atomic::Ordering::Relaxed) {
        // The process exits next: freeing the database (every parsed file) only costs time.
        std::mem::forget(ws);
    }
    Ok(code)
}

/// Set by the binary: skip freeing the analysis database when a command is about to exit.
pub static LEAK_ON_EXIT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[derive(clap::Args, Debug)]
pub struct DebugArgs {
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[arg(long)]
    pub python: Option<String>,
}

fn debug_index(args: DebugArgs, out: &mut dyn Write) -> Result<i32> {
    let overrides = Overrides {
        python: args.python.clone(),
        ..Default::default()
    };
    let ws = Workspace::load(&args.path, &overrides)?;
    let pm = project_model(&ws.db, ws.project);
    for app in &pm.apps {
        writeln!(
            out,
            "app {} label={} auto_field={:?}",
            app.name, app.label, app.default_auto_field
        )?;
    }
    for m in &pm.models {
        let fields: Vec<String> = m
            .own_fields
            .iter()
            .map(|f| format!("{}:{}", f.name, f.kind.name()))
            .collect();
        writeln!(
            out,
            "model {} registered={} abstract={} proxy={} incomplete={} module={} parents={:?} fields=[{}]",
            m.label(),
            m.registered,
            m.abstract_,
            m.proxy,
            m.incomplete,
            m.module,
            m.parents,
            fields.join(", ")
        )?;
    }
    Ok(0)
}
