//! Shared helpers for djsa's black-box tests.
#![allow(clippy::disallowed_methods, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use clap::Parser;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo root")
        .to_path_buf()
}

pub fn fixtures_dir() -> PathBuf {
    repo_root().join("tests").join("fixtures")
}

/// The Django 6.1 venv the conformance suite uses; the snapshot tests follow the same environment.
pub fn venv(name: &str) -> PathBuf {
    let dir = std::env::var_os("DJSA_VENV_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target").join("venvs"));
    let v = dir.join(name);
    assert!(
        v.join("bin").join("python").exists(),
        "the {name} venv is missing at {}: run scripts/setup-venvs.sh (the README's test command does)",
        v.display()
    );
    v
}

/// Output of one in-process CLI run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Run the djsa CLI in-process (same code path as the binary, minus process exit).
pub fn djsa(args: &[&str]) -> Run {
    let mut argv = vec!["djsa"];
    argv.extend_from_slice(args);
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = match djsa::cli::Cli::try_parse_from(argv) {
        Ok(cli) => match djsa::cli::run(cli, &mut out, &mut err) {
            Ok(c) => c,
            Err(e) => {
                err.extend_from_slice(format!("djsa: error: {e:#}\n").as_bytes());
                2
            }
        },
        Err(e) => {
            err.extend_from_slice(e.to_string().as_bytes());
            if e.use_stderr() { 2 } else { 0 }
        }
    };
    Run {
        code,
        stdout: String::from_utf8_lossy(&out).into_owned(),
        stderr: String::from_utf8_lossy(&err).into_owned(),
    }
}
