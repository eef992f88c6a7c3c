//! Live drift in the editor: with a database URL configured (initializationOptions
//! `databaseUrl`, `workspace/didChangeConfiguration` `djsa.databaseUrl`, else the environment
//! variable `DJSA_DATABASE_URL`), a background task reads the live schema and installs it as the
//! [`djsa_analysis::schema::LiveSchema`] input; the DJSA30x findings are then published with the
//! other diagnostics (and follow model edits without a new connection).
//!
//! The task never blocks the LSP loop: introspection runs on a blocking thread with its own
//! runtime (the CLI's entry point, [`crate::live::introspect_blocking`]). It runs once after
//! indexing, again after a saved Python file, a changed URL or a changed workspace, and at most
//! once per interval (`initializationOptions.liveIntervalSeconds`, default 30 s). A failure is one
//! `window/showMessage` warning per distinct error (the messages are password-free: the live
//! module redacts URLs and scrubs errors), and the live findings are dropped until it works again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::watch;
use tower_lsp_server::ls_types as lsp;

use super::{Inner, log};

pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);

/// The database URL and the pacing of the live task.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveConfig {
    pub url: Option<String>,
    pub interval: Option<Duration>,
}

/// The URL from a settings object: `{"databaseUrl": …}` or `{"djsa": {"databaseUrl": …}}`;
/// `Some(None)` when the key is there but empty or null (live drift switched off).
pub fn url_from_settings(v: &Value) -> Option<Option<String>> {
    let obj = v.get("djsa").filter(|d| d.is_object()).unwrap_or(v);
    let url = obj.get("databaseUrl")?;
    Some(
        url.as_str()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_string),
    )
}

pub fn interval_from_settings(v: &Value) -> Option<Duration> {
    let obj = v.get("djsa").filter(|d| d.is_object()).unwrap_or(v);
    obj.get("liveIntervalSeconds")
        .and_then(Value::as_f64)
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 86_400.0)
        .map(Duration::from_secs_f64)
}

/// The configuration at `initialize`: the options, else `DJSA_DATABASE_URL`.
pub fn initial_config(options: Option<&Value>) -> LiveConfig {
    let from_opts = options.and_then(url_from_settings);
    LiveConfig {
        url: match from_opts {
            Some(u) => u,
            None => crate::live::database_url(None),
        },
        interval: options.and_then(interval_from_settings),
    }
}

fn mutate(inner: &Inner, f: impl FnOnce(&mut super::session::Session)) {
    let rev = {
        let mut s = inner.session.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut s);
        s.revision
    };
    inner.changed.send_replace(rev);
}

/// The background task; `kick` wakes it (a save, a new URL, a reload).
pub(super) async fn live_task(inner: Arc<Inner>, mut kick: watch::Receiver<u64>) {
    let mut last_run: Option<Instant> = None;
    let mut last_error: Option<String> = None;
    let mut last_url: Option<String> = None;
    while kick.changed().await.is_ok() {
        let config = inner.live.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let Some(url) = config.url.clone() else {
            last_url = None;
            last_error = None;
            let has = inner
                .session
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .live_schema
                .is_some();
            if has {
                mutate(&inner, |s| s.set_live_schema(None));
            }
            continue;
        };
        if last_url.as_deref() != Some(url.as_str()) {
            last_url = Some(url.clone());
            last_run = None;
            last_error = None;
        }
        let interval = config.interval.unwrap_or(DEFAULT_INTERVAL);
        if let Some(t) = last_run {
            let wait = interval.saturating_sub(t.elapsed());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
        // Kicks that arrived while waiting are served by this run.
        kick.borrow_and_update();
        if inner
            .session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ws
            .is_none()
        {
            // Not indexed yet: the end of indexing kicks again.
            continue;
        }
        last_run = Some(Instant::now());
        let u = url.clone();
        let res = tokio::task::spawn_blocking(move || crate::live::introspect_blocking(&u)).await;
        match res {
            Ok(Ok(intro)) => {
                last_error = None;
                log(&format!(
                    "live: read {} tables from {}",
                    intro.schema.tables.len(),
                    crate::live::redact_url(&url)
                ));
                mutate(&inner, |s| s.set_live_schema(Some(intro.schema)));
            }
            Ok(Err(e)) => {
                let msg = e.to_string();
                mutate(&inner, |s| {
                    if s.live_schema.is_some() {
                        s.set_live_schema(None)
                    }
                });
                if last_error.as_deref() != Some(msg.as_str()) {
                    inner
                        .client
                        .show_message(
                            lsp::MessageType::WARNING,
                            format!("djsa: live database check unavailable: {msg}"),
                        )
                        .await;
                    last_error = Some(msg);
                }
            }
            Err(e) => log(&format!("live: introspection task failed: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_shapes() {
        let u = |v: Value| url_from_settings(&v);
        assert_eq!(
            u(json!({"databaseUrl": "sqlite:///x"})),
            Some(Some("sqlite:///x".into()))
        );
        assert_eq!(
            u(json!({"djsa": {"databaseUrl": "postgres://h/db"}})),
            Some(Some("postgres://h/db".into()))
        );
        assert_eq!(u(json!({"djsa": {"databaseUrl": ""}})), Some(None));
        assert_eq!(u(json!({"djsa": {"databaseUrl": null}})), Some(None));
        assert_eq!(u(json!({"djsa": {"trace": "off"}})), None);
        assert_eq!(
            interval_from_settings(&json!({"liveIntervalSeconds": 0})),
            Some(Duration::ZERO)
        );
        assert_eq!(
            interval_from_settings(&json!({"liveIntervalSeconds": -1})),
            None
        );
    }
}
