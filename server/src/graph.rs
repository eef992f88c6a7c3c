//! `djsa graph`: draw the project's Django models and SQLAlchemy tables (Mermaid, DOT or SVG),
//! with drift marked. The graph itself is built and written by `djsa_analysis::graph`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::ValueEnum;
use djsa_analysis::graph::{GraphOptions, dot, mermaid, schema_graph, svg};

use crate::workspace::{Overrides, Workspace};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    /// Mermaid `erDiagram` (renders in GitHub and GitLab Markdown).
    Mermaid,
    /// Graphviz DOT with HTML-like table labels.
    Dot,
    /// A self-contained SVG, laid out by djsa (no Graphviz needed).
    Svg,
}

#[derive(clap::Args, Debug)]
pub struct GraphArgs {
    /// Project directory (or a file inside it); the project root is found upwards from here.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Only draw the models of this Django app label (repeatable). Default: every app of the
    /// project itself (installed packages' models appear only as grey boxes relations point at).
    #[arg(long = "app", value_name = "APP")]
    pub apps: Vec<String>,
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Leave out the Django models.
    #[arg(long)]
    pub no_django: bool,
    /// Leave out the SQLAlchemy tables.
    #[arg(long)]
    pub no_sqlalchemy: bool,
    /// Settings module (default: from manage.py or [tool.djsa]).
    #[arg(long)]
    pub settings: Option<String>,
    /// Python interpreter or virtual environment of the project (`none`: do not look for one).
    #[arg(long)]
    pub python: Option<String>,
    /// Also mark drift against a live database, read-only (postgres://, mysql://, mariadb://,
    /// sqlite://); default: the DJSA_DATABASE_URL environment variable.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Title of the SVG (default: the project directory's name).
    #[arg(long)]
    pub title: Option<String>,
}

/// Exit codes: 0 written, 2 usage or configuration error (drift does not change the exit code).
pub fn run(args: GraphArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<i32> {
    let overrides = Overrides {
        settings: args.settings.clone(),
        python: args.python.clone(),
        ..Default::default()
    };
    let ws = Workspace::load(&args.path, &overrides)?;
    let db = &ws.db;
    let live = match crate::live::database_url(args.database_url.as_deref()) {
        Some(url) => crate::live::drift(db, ws.project, &url, false, stderr)?,
        None => Vec::new(),
    };
    let opts = GraphOptions {
        apps: args.apps.clone(),
        no_django: args.no_django,
        no_sqlalchemy: args.no_sqlalchemy,
    };
    let g = schema_graph(db, ws.project, &opts, &live);
    for a in &args.apps {
        if !g.nodes.iter().any(|n| n.app.as_deref() == Some(a.as_str())) {
            writeln!(stderr, "djsa: graph: no model of app '{a}' found")?;
        }
    }
    let text = match args.format {
        GraphFormat::Mermaid => mermaid::write(&g),
        GraphFormat::Dot => dot::write(&g),
        GraphFormat::Svg => {
            let title = args.title.clone().unwrap_or_else(|| {
                let name = ws
                    .root
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                format!("{name}: schema graph")
            });
            svg::write(&g, &title)
        }
    };
    match &args.output {
        Some(path) => std::fs::write(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => stdout.write_all(text.as_bytes())?,
    }
    Ok(0)
}
