//! Renderers of the one diagnostic type: terminal (code frame + hint), JSON, SARIF, GitHub
//! Actions annotations. None invents text; all read `Diagnostic`.

use std::fmt::Write as _;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use djsa_analysis::db::{Db, SourceFile};
use djsa_analysis::{Diagnostic, Severity};
use line_index::{LineIndex, TextSize};
use serde_json::{Value, json};

/// A diagnostic with its position resolved to lines and columns (1-based; columns in characters).
pub struct Located<'a> {
    pub diag: &'a Diagnostic,
    pub path: Option<String>,
    pub text: Option<std::sync::Arc<str>>,
    pub start: (u32, u32),
    pub end: (u32, u32),
}

fn line_col(text: &str, index: &LineIndex, offset: u32) -> (u32, u32) {
    let offset = offset.min(text.len() as u32);
    let lc = index.line_col(TextSize::from(offset));
    let line_start: u32 = index
        .line(lc.line)
        .map(|r| u32::from(r.start()))
        .unwrap_or(0);
    let prefix = text.get(line_start as usize..offset as usize).unwrap_or("");
    (lc.line + 1, prefix.chars().count() as u32 + 1)
}

pub fn locate<'a>(
    db: &dyn Db,
    diags: &'a [Diagnostic],
    path_of: impl Fn(SourceFile) -> String,
) -> Vec<Located<'a>> {
    let mut indexes: rustc_hash::FxHashMap<SourceFile, LineIndex> = Default::default();
    diags
        .iter()
        .map(|d| match d.file {
            Some(f) => {
                let text = f.text(db).clone();
                let index = indexes.entry(f).or_insert_with(|| LineIndex::new(&text));
                let start = line_col(&text, index, d.span.start);
                let end = line_col(&text, index, d.span.end);
                Located {
                    diag: d,
                    path: Some(path_of(f)),
                    text: Some(text),
                    start,
                    end,
                }
            }
            None => Located {
                diag: d,
                path: None,
                text: None,
                start: (1, 1),
                end: (1, 1),
            },
        })
        .collect()
}

fn level(s: Severity) -> Level<'static> {
    match s {
        Severity::Critical | Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info | Severity::Debug => Level::INFO,
    }
}

/// rustc/ruff-style text with a code frame and the hint.
pub fn full(items: &[Located<'_>], color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for it in items {
        let d = it.diag;
        let title = match &d.object {
            Some(o) => format!("{o}: {}", d.message),
            None => d.message.clone(),
        };
        let mut group: Group<'_> =
            Group::with_title(level(d.severity).primary_title(title).id(d.code.as_str()));
        if let (Some(text), Some(path)) = (&it.text, &it.path) {
            let len = text.len();
            let start = (d.span.start as usize).min(len);
            let end = (d.span.end as usize).clamp(start, len);
            group = group.element(
                Snippet::source(text.as_ref())
                    .path(path.as_str())
                    .annotation(AnnotationKind::Primary.span(start..end)),
            );
        }
        if let Some(h) = &d.hint {
            group = group.element(Level::HELP.message(h.as_str()));
        }
        let _ = writeln!(out, "{}\n", renderer.render(&[group]));
    }
    out
}

/// One line per diagnostic: `path:line:col: code message`.
pub fn concise(items: &[Located<'_>]) -> String {
    let mut out = String::new();
    for it in items {
        let d = it.diag;
        let obj = d
            .object
            .as_deref()
            .map(|o| format!("{o}: "))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}:{}:{}: {} {}{}",
            it.path.as_deref().unwrap_or("-"),
            it.start.0,
            it.start.1,
            d.code,
            obj,
            d.message
        );
    }
    out
}

fn json_item(it: &Located<'_>) -> Value {
    let d = it.diag;
    json!({
        "code": d.code,
        "severity": d.severity.as_str(),
        "message": d.message,
        "hint": d.hint,
        "object": d.object,
        "file": it.path,
        "line": it.start.0,
        "column": it.start.1,
        "end_line": it.end.0,
        "end_column": it.end.1,
        "fixes": d.fixes.iter().map(|f| json!({"title": f.title})).collect::<Vec<_>>(),
    })
}

pub fn json(items: &[Located<'_>]) -> String {
    let v = json!({ "version": 1, "diagnostics": items.iter().map(json_item).collect::<Vec<_>>() });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

/// A SARIF rule: djsa's own codes carry their summary; Django's IDs link to Django's reference
/// (`helpUri` must be an absolute URI, and djsa's pages have no public address yet).
fn sarif_rule(code: &str) -> Value {
    if let Some(info) = djsa_analysis::codes::DJSA_CODES
        .iter()
        .find(|c| c.code == code)
    {
        return json!({
            "id": code,
            "shortDescription": { "text": info.summary },
        });
    }
    json!({
        "id": code,
        "shortDescription": { "text": format!("Django system check {code}") },
        "helpUri": "https://docs.djangoproject.com/en/stable/ref/checks/",
    })
}

/// SARIF 2.1.0 for GitHub code scanning.
pub fn sarif(items: &[Located<'_>]) -> String {
    let mut rules: Vec<&str> = items.iter().map(|i| i.diag.code.as_str()).collect();
    rules.sort();
    rules.dedup();
    let results: Vec<Value> = items
        .iter()
        .map(|it| {
            let d = it.diag;
            let level = match d.severity {
                Severity::Critical | Severity::Error => "error",
                Severity::Warning => "warning",
                _ => "note",
            };
            let text = match &d.hint {
                Some(h) => format!("{} HINT: {h}", d.message),
                None => d.message.clone(),
            };
            let mut r = json!({
                "ruleId": d.code,
                "level": level,
                "message": { "text": text },
            });
            if let Some(p) = &it.path {
                r["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": { "uri": p },
                        "region": {
                            "startLine": it.start.0, "startColumn": it.start.1,
                            "endLine": it.end.0, "endColumn": it.end.1
                        }
                    }
                }]);
            }
            r
        })
        .collect();
    let v = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "djsa",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules.iter().map(|r| sarif_rule(r)).collect::<Vec<_>>(),
            }},
            // Columns count characters, as everywhere in the CLI.
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

fn gh_escape(s: &str, property: bool) -> String {
    let mut s = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        s = s.replace(':', "%3A").replace(',', "%2C");
    }
    s
}

/// GitHub Actions workflow commands (`::error file=...::message`).
pub fn github(items: &[Located<'_>]) -> String {
    let mut out = String::new();
    for it in items {
        let d = it.diag;
        let cmd = match d.severity {
            Severity::Critical | Severity::Error => "error",
            Severity::Warning => "warning",
            _ => "notice",
        };
        let mut msg = match &d.object {
            Some(o) => format!("{o}: {}", d.message),
            None => d.message.clone(),
        };
        if let Some(h) = &d.hint {
            msg.push_str("\nHINT: ");
            msg.push_str(h);
        }
        let loc = match &it.path {
            Some(p) => format!(
                "file={},line={},col={},endLine={},endColumn={},",
                gh_escape(p, true),
                it.start.0,
                it.start.1,
                it.end.0,
                it.end.1
            ),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "::{cmd} {loc}title={}::{}",
            gh_escape(&d.code, true),
            gh_escape(&msg, false)
        );
    }
    out
}

/// A stable 128-bit FNV-1a digest as 32 hex digits (the same on every platform and Rust version,
/// unlike `std`'s hashers).
fn stable_digest(parts: &[&str]) -> String {
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= u128::from(b);
            h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
        }
    }
    format!("{h:032x}")
}

/// GitLab Code Quality report (`artifacts:reports:codequality`): a JSON array of issues.
/// Fingerprints hash the code, file, object and message, not the line, so an issue keeps its
/// identity when code above it moves; repeated identical findings are told apart by their order.
pub fn gitlab(items: &[Located<'_>]) -> String {
    let mut seen: rustc_hash::FxHashMap<String, usize> = Default::default();
    let issues: Vec<Value> = items
        .iter()
        .map(|it| {
            let d = it.diag;
            let severity = match d.severity {
                Severity::Critical => "critical",
                Severity::Error => "major",
                Severity::Warning => "minor",
                Severity::Info | Severity::Debug => "info",
            };
            let description = match &d.object {
                Some(o) => format!("{o}: {}", d.message),
                None => d.message.clone(),
            };
            let path = it.path.as_deref().unwrap_or(".");
            let object = d.object.as_deref().unwrap_or("");
            let base = stable_digest(&[d.code.as_str(), path, object, &d.message]);
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            let fingerprint = if *n == 1 {
                base
            } else {
                stable_digest(&[&base, &n.to_string()])
            };
            let mut issue = json!({
                "type": "issue",
                "check_name": d.code,
                "description": description,
                "fingerprint": fingerprint,
                "severity": severity,
                "location": { "path": path, "lines": { "begin": it.start.0, "end": it.end.0 } },
            });
            if let Some(h) = &d.hint {
                issue["content"] = json!({ "body": h });
            }
            issue
        })
        .collect();
    serde_json::to_string_pretty(&issues).unwrap_or_default() + "\n"
}
