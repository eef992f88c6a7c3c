//! The CLI's progress display on stderr while it indexes a large tree or introspects a database.
//!
//! Shown only when `djsa check` asks for it ([`start`]) and stderr is a terminal, `CI` is not
//! set, `TERM` is not `dumb` and the output format is meant for people: never in pipes, CI logs
//! or machine-readable output. Everything here is a no-op until [`start`] enables it, so the
//! workspace code that reports phases costs nothing in the language server or in tests.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

static ENABLED: AtomicBool = AtomicBool::new(false);
static BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Whether a progress display belongs on this stderr: a terminal, not a CI log, not `TERM=dumb`.
pub fn wanted_on_stderr() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none_or(|v| v.is_empty())
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

fn with_bar(f: impl FnOnce(&ProgressBar)) {
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    if let Ok(guard) = BAR.lock()
        && let Some(bar) = guard.as_ref()
    {
        f(bar);
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ ")
        .progress_chars("=> ")
}

/// Show progress from now on when `wanted` (the caller's decision: output format and
/// [`wanted_on_stderr`]); a no-op otherwise.
pub fn start(wanted: bool) {
    if !wanted {
        return;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(style("{spinner} {msg} {elapsed}"));
    bar.enable_steady_tick(Duration::from_millis(100));
    if let Ok(mut guard) = BAR.lock() {
        *guard = Some(bar);
        ENABLED.store(true, Ordering::Relaxed);
    }
}

/// A phase without a count (`discovering files`, `checking`, `introspecting database`).
pub fn phase(message: &str) {
    with_bar(|bar| {
        bar.set_style(style("{spinner} {msg} {elapsed}"));
        bar.set_length(0);
        bar.set_position(0);
        bar.set_message(message.to_string());
    });
}

/// A phase over `total` items, advanced by [`tick`] (`parsing N files`).
pub fn counted(message: &str, total: usize) {
    with_bar(|bar| {
        bar.set_style(style("{spinner} {msg} [{bar:30}] {pos}/{len}"));
        bar.set_length(total as u64);
        bar.set_position(0);
        bar.set_message(message.to_string());
    });
}

/// One item of the current counted phase done (cheap when progress is off).
pub fn tick() {
    with_bar(|bar| bar.inc(1));
}

/// Remove the display (before the results are printed).
pub fn finish() {
    if !ENABLED.swap(false, Ordering::Relaxed) {
        return;
    }
    if let Ok(mut guard) = BAR.lock()
        && let Some(bar) = guard.take()
    {
        bar.finish_and_clear();
    }
}
