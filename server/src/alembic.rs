//! `djsa alembic check` and `djsa alembic revision --autogenerate`, and the discovery of Alembic
//! environments (`alembic.ini`, script.py.mako) for the workspace.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use djsa_analysis::alembic::{self, EnvSpec};

use crate::workspace::{Overrides, Workspace};

/// FNV-1a of alembic's default `script.py.mako` (1.13+, `generic`/`async`/`pyproject`), with
/// trailing spaces and surrounding blank lines removed.
const DEFAULT_TEMPLATE_HASHES: &[u64] = &[0xfdde32596b38466f];

fn template_hash(text: &str) -> u64 {
    let norm: Vec<&str> = text.trim().lines().map(str::trim_end).collect();
    let mut h: u64 = 0xcbf29ce484222325;
    for b in norm.join("\n").bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The Alembic environments of a project: `alembic.ini` at the root (or the `[tool.djsa] alembic`
/// override: a directory holding alembic.ini, the ini itself, or a script directory).
pub fn discover_envs(
    root: &Path,
    override_: Option<&str>,
    notes: &mut Vec<String>,
) -> Vec<EnvSpec> {
    let mut inis: Vec<PathBuf> = Vec::new();
    let mut script_dirs: Vec<PathBuf> = Vec::new();
    match override_ {
        Some(o) => {
            let p = root.join(o);
            if p.is_file() {
                inis.push(p);
            } else if p.join("alembic.ini").is_file() {
                inis.push(p.join("alembic.ini"));
            } else if p.join("env.py").is_file() {
                script_dirs.push(p);
            } else {
                notes.push(format!(
                    "[tool.djsa] alembic = {o:?}: no alembic.ini or env.py there"
                ));
            }
        }
        None => {
            if root.join("alembic.ini").is_file() {
                inis.push(root.join("alembic.ini"));
            }
        }
    }
    let mut out = Vec::new();
    for ini in inis {
        let Some((text, _)) = crate::workspace::read_text(&ini) else {
            notes.push(format!("cannot read {}", ini.display()));
            continue;
        };
        let dir = ini.parent().map(|d| rel(root, d)).unwrap_or_default();
        match alembic::parse_ini(&text, &dir) {
            Some(mut spec) => {
                spec.template_customised = customised(&root.join(&spec.dir));
                out.push(spec);
            }
            None => notes.push(format!(
                "{}: no script_location in [alembic]",
                rel(root, &ini)
            )),
        }
    }
    for d in script_dirs {
        let dir = rel(root, &d);
        out.push(EnvSpec {
            ini: None,
            version_dirs: vec![if dir.is_empty() {
                "versions".into()
            } else {
                format!("{dir}/versions")
            }],
            template_customised: customised(&d),
            dir,
            url: None,
            file_template: None,
        });
    }
    out
}

fn customised(script_dir: &Path) -> bool {
    match crate::workspace::read_text(&script_dir.join("script.py.mako")) {
        Some((t, _)) => !DEFAULT_TEMPLATE_HASHES.contains(&template_hash(&t)),
        None => false,
    }
}

#[derive(clap::Args, Debug)]
pub struct AlembicArgs {
    #[command(subcommand)]
    pub command: AlembicCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum AlembicCommand {
    /// Compare the SQLAlchemy metadata with the Alembic revisions, like `alembic check` (exit 1 on drift).
    Check(CheckArgs),
    /// Write the revision `alembic revision --autogenerate` would write.
    Revision(RevisionArgs),
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Full)]
    pub output_format: Format,
    /// Also list what djsa skipped or assumed.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Full,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct RevisionArgs {
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Compare with the models (the only mode djsa supports).
    #[arg(long)]
    pub autogenerate: bool,
    #[arg(short, long, default_value = "djsa autogenerate")]
    pub message: String,
    /// Revision id (default: random, 12 hex digits like alembic).
    #[arg(long)]
    pub rev_id: Option<String>,
    /// Print the file instead of writing it.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(short, long)]
    pub verbose: bool,
}

pub fn run(args: AlembicArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32> {
    match args.command {
        AlembicCommand::Check(a) => check(a, out, err),
        AlembicCommand::Revision(a) => revision(a, out, err),
    }
}

fn load(path: &Path) -> Result<Workspace> {
    let overrides = Overrides {
        python: Some("none".into()),
        ..Default::default()
    };
    Workspace::load(path, &overrides)
}

fn print_notes(ws: &Workspace, err: &mut dyn Write) -> Result<()> {
    let db = &ws.db;
    for n in &ws.notes {
        writeln!(err, "djsa: skipped: {n}")?;
    }
    for env in alembic::environments(db, ws.project) {
        for n in &env.notes {
            writeln!(err, "djsa: {n}")?;
        }
        for r in &env.revisions {
            for (_, p) in &r.problems {
                writeln!(
                    err,
                    "djsa: alembic: {}: not understood: {p}",
                    r.file.path(db)
                )?;
            }
        }
    }
    for n in &djsa_analysis::sqla::sqla_tables(db, ws.project).notes {
        let loc = n.file.map(|f| f.path(db).clone()).unwrap_or_default();
        writeln!(err, "djsa: skipped (sqlalchemy): {loc}: {}", n.message)?;
    }
    Ok(())
}

fn check(args: CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32> {
    let ws = load(&args.path)?;
    let db = &ws.db;
    let envs = alembic::environments(db, ws.project);
    if args.verbose {
        print_notes(&ws, err)?;
    }
    if envs.is_empty() {
        writeln!(
            err,
            "djsa: no Alembic environment found (alembic.ini or */versions/)"
        )?;
        return Ok(2);
    }
    let mut code = 0;
    let mut json_envs = Vec::new();
    for env in envs {
        let mut ops = Vec::new();
        let problems: Vec<serde_json::Value> = env
            .problems
            .iter()
            .map(|p| {
                serde_json::json!({
                    "code": p.code,
                    "file": p.file.map(|f| f.path(db).clone()),
                    "message": p.message,
                })
            })
            .collect();
        match &env.changes {
            Ok(groups) => {
                for g in groups {
                    for c in g.changes() {
                        for k in c.kinds() {
                            ops.push(serde_json::json!({
                                "kind": k,
                                "table": c.table().name,
                                "column": c.column(),
                                "message": c.describe(),
                            }));
                        }
                    }
                }
                if !ops.is_empty() {
                    code = code.max(1);
                }
            }
            Err(_) => code = 2,
        }
        if args.output_format == Format::Full {
            writeln!(
                out,
                "Alembic environment {}",
                if env.spec.dir.is_empty() {
                    "."
                } else {
                    &env.spec.dir
                }
            )?;
            for p in &env.problems {
                let loc = p.file.map(|f| f.path(db).clone()).unwrap_or_default();
                writeln!(out, "  {} {loc}: {}", p.code, p.message)?;
            }
            match &env.changes {
                Ok(groups) if groups.is_empty() => {
                    writeln!(out, "  No new upgrade operations detected.")?
                }
                Ok(groups) => {
                    writeln!(out, "  New upgrade operations detected:")?;
                    for g in groups {
                        for c in g.changes() {
                            writeln!(out, "    {} ({})", c.describe(), c.kinds().join(", "))?;
                        }
                    }
                }
                Err(why) => writeln!(out, "  Not compared: {why}")?,
            }
        }
        json_envs.push(serde_json::json!({
            "dir": env.spec.dir,
            "heads": env.heads,
            "compared": env.changes.is_ok(),
            "reason": env.changes.as_ref().err(),
            "operations": ops,
            "problems": problems,
        }));
    }
    if args.output_format == Format::Json {
        let v = serde_json::json!({ "environments": json_envs, "exit": code });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
    }
    Ok(code)
}

/// 12 hex digits, like alembic's `uuid4().hex[-12:]`.
fn random_rev_id() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut h = RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    h.write_u128(nanos);
    h.write_u32(std::process::id());
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}

/// Now (UTC) as `2026-11-27 04:12:00.123456`.
fn create_date() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs() as i64;
    let micros = d.subsec_micros();
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, mi, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let dd = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{dd:02} {h:02}:{mi:02}:{s:02}.{micros:06}")
}

fn revision(args: RevisionArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32> {
    if !args.autogenerate {
        bail!("djsa only writes autogenerated revisions: pass --autogenerate");
    }
    let ws = load(&args.path)?;
    let db = &ws.db;
    if args.verbose {
        print_notes(&ws, err)?;
    }
    let envs = alembic::environments(db, ws.project);
    let [env] = envs.as_slice() else {
        writeln!(
            err,
            "djsa: {} Alembic environments found; expected exactly one",
            envs.len()
        )?;
        return Ok(2);
    };
    if let Err(why) = &env.changes {
        writeln!(err, "djsa: cannot write a revision: {why}")?;
        return Ok(2);
    }
    let rev_id = args.rev_id.clone().unwrap_or_else(random_rev_id);
    let (path, text) = match alembic::revision_for(env, &rev_id, &args.message, &create_date()) {
        Ok(x) => x,
        Err(why) => {
            writeln!(err, "djsa: cannot write a revision: {why}")?;
            return Ok(2);
        }
    };
    if args.dry_run {
        out.write_all(text.as_bytes())?;
        return Ok(0);
    }
    let abs = ws.root.join(&path);
    if abs.exists() {
        writeln!(err, "djsa: {} exists; not overwriting", abs.display())?;
        return Ok(2);
    }
    if let Some(parent) = abs.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&abs)?;
    f.write_all(text.as_bytes())?;
    writeln!(out, "Generating {} ...  done", abs.display())?;
    Ok(0)
}
