//! `djsa debug-edit` (hidden): replays one-line edits of a field option in a project, in process,
//! and prints how long each re-check takes and which salsa queries re-executed. It is the tool for
//! working on incrementality (the server's edit latency depends on it); `bench/lsp_latency.py`
//! measures the same through the real server.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use djsa_analysis::checks::check_project;
use djsa_analysis::db::RootDatabase;
use rustc_hash::FxHashMap;

use crate::workspace::{Overrides, Workspace};

static EXECUTED: Mutex<Option<FxHashMap<String, u32>>> = Mutex::new(None);

/// The analysis database for a workspace; with `DJSA_TRACE_QUERIES` set, it counts which queries
/// execute (for `debug-edit`).
pub fn new_database() -> RootDatabase {
    if std::env::var_os("DJSA_TRACE_QUERIES").is_none() {
        return RootDatabase::default();
    }
    if let Ok(mut g) = EXECUTED.lock() {
        *g = Some(FxHashMap::default());
    }
    RootDatabase::with_event_callback(Box::new(|event: salsa::Event| {
        if let salsa::EventKind::WillExecute { database_key } = event.kind {
            let key = format!("{database_key:?}");
            let name = key.split('(').next().unwrap_or(&key).to_string();
            if let Ok(mut g) = EXECUTED.lock()
                && let Some(map) = g.as_mut()
            {
                *map.entry(name).or_default() += 1;
            }
        }
    }))
}

/// The queries executed since the last call, most frequent first.
fn take_executed() -> Vec<(String, u32)> {
    let map = match EXECUTED.lock() {
        Ok(mut g) => g.as_mut().map(std::mem::take).unwrap_or_default(),
        Err(_) => FxHashMap::default(),
    };
    let mut v: Vec<(String, u32)> = map.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

#[derive(clap::Args, Debug)]
pub struct DebugEditArgs {
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The file to edit, relative to the project root (default: the middle `models.py`).
    #[arg(long)]
    pub file: Option<PathBuf>,
    #[arg(long)]
    pub python: Option<String>,
    /// How many edits to replay.
    #[arg(long, default_value_t = 20)]
    pub edits: usize,
    /// Edit kind: `option` changes a `max_length=` value, `comment` appends a comment to a line.
    #[arg(long, default_value = "option")]
    pub kind: String,
}

pub fn run(args: DebugEditArgs, out: &mut dyn Write) -> Result<i32> {
    let overrides = Overrides {
        python: args.python.clone(),
        ..Default::default()
    };
    let t = Instant::now();
    let mut ws = Workspace::load(&args.path, &overrides)?;
    crate::workspace::prewarm_checks(&ws.db, ws.project);
    let n0 = check_project(&ws.db, ws.project).len();
    writeln!(out, "cold load + check: {:?} ({n0} findings)", t.elapsed())?;
    let _ = take_executed();

    let path = match &args.file {
        Some(f) => ws.root.join(f),
        None => {
            let mut models: Vec<&PathBuf> = ws
                .files
                .values()
                .filter(|p| p.starts_with(&ws.root) && p.ends_with("models.py"))
                .collect();
            models.sort();
            match models.get(models.len() / 2) {
                Some(p) => (*p).clone(),
                None => bail!("no models.py in the project"),
            }
        }
    };
    let file = ws
        .file_by_path(&path)
        .with_context(|| format!("{} is not a file of the project", path.display()))?;
    let original: String = file.text(&ws.db).to_string();
    writeln!(out, "editing {}", path.display())?;

    let mut times = Vec::new();
    for i in 0..args.edits {
        let text = match args.kind.as_str() {
            "comment" => {
                let Some(nl) = original.find('\n') else {
                    bail!("the file has one line")
                };
                format!("{}  # {i}{}", &original[..nl], &original[nl..])
            }
            _ => {
                let Some(at) = original.find("max_length=") else {
                    bail!("no max_length= in the file")
                };
                let start = at + "max_length=".len();
                let digits = original[start..]
                    .bytes()
                    .take_while(u8::is_ascii_digit)
                    .count();
                format!(
                    "{}{}{}",
                    &original[..start],
                    101 + i % 50,
                    &original[start + digits..]
                )
            }
        };
        ws.set_text(file, text.into(), false);
        let t = Instant::now();
        let mut phases = Vec::new();
        let mut lap = Instant::now();
        let db = &ws.db;
        let p = ws.project;
        let mut phase = |name: &'static str, f: &dyn Fn()| {
            f();
            phases.push(format!(
                "{name} {:.1}",
                lap.elapsed().as_secs_f64() * 1000.0
            ));
            lap = Instant::now();
        };
        phase("project_model", &|| {
            djsa_analysis::project::project_model(db, p);
        });
        phase("facts", &|| {
            djsa_analysis::checks::view::model_facts(db, p);
        });
        phase("index", &|| {
            djsa_analysis::checks::view::model_index(db, p);
        });
        phase("revs", &|| {
            djsa_analysis::checks::model_checks::reverse_relations(db, p);
        });
        phase("sqla_tables", &|| {
            djsa_analysis::sqla::sqla_tables(db, p);
        });
        for (i, family) in djsa_analysis::checks::CHECK_FAMILIES.iter().enumerate() {
            const NAMES: [&str; 8] = [
                "fam0", "fam1", "fam2", "fam3", "fam4", "fam5", "fam6", "fam7",
            ];
            phase(NAMES.get(i).copied().unwrap_or("fam"), &|| family(db, p));
        }
        let n = check_project(&ws.db, ws.project).len();
        phases.push(format!(
            "collect {:.1}",
            lap.elapsed().as_secs_f64() * 1000.0
        ));
        let dt = t.elapsed();
        writeln!(out, "    {}", phases.join(", "))?;
        times.push(dt.as_secs_f64() * 1000.0);
        let executed = take_executed();
        let total: u32 = executed.iter().map(|e| e.1).sum();
        writeln!(
            out,
            "edit {i}: {:.1} ms, {n} findings, {total} query executions",
            dt.as_secs_f64() * 1000.0
        )?;
        if i == 0 || i + 1 == args.edits {
            for (name, count) in executed.iter().take(40) {
                writeln!(out, "    {count:6}  {name}")?;
            }
        }
    }
    times.sort_by(f64::total_cmp);
    if let Some(m) = times.get(times.len() / 2) {
        writeln!(out, "median re-check: {m:.1} ms over {} edits", times.len())?;
    }
    Ok(0)
}
