//! Database defaults, comments and check constraints of the models against the live database
//! (DJSA317-DJSA319). Compared only where both sides state something djsa can read exactly:
//! a `db_default` that is a literal (string, number, boolean) or `Now()`, `db_comment` /
//! `db_table_comment` (PostgreSQL and MySQL; SQLite has no comments), and the names of
//! `CheckConstraint`s.

use crate::diagnostic::{Diagnostic, Severity};
use crate::migrations::parse::Val;

use super::diff::at;
use super::expected::ExpectedTable;
use super::{Backend, DbSchema, DbTable};

/// A default value in a form both sides can be reduced to.
#[derive(Debug, Clone, PartialEq)]
enum Default {
    Str(String),
    Num(f64),
    Bool(bool),
    /// The current timestamp (`Now()`, `now()`, `CURRENT_TIMESTAMP`, `statement_timestamp()`).
    Now,
}

impl Default {
    fn show(&self) -> String {
        match self {
            Default::Str(s) => format!("{s:?}"),
            Default::Num(n) => format!("{n}"),
            Default::Bool(b) => if *b { "True" } else { "False" }.into(),
            Default::Now => "Now()".into(),
        }
    }
    fn same(&self, other: &Default) -> bool {
        match (self, other) {
            (Default::Num(a), Default::Num(b)) => (a - b).abs() < 1e-9,
            // MySQL and SQLite keep booleans as 0/1.
            (Default::Bool(b), Default::Num(n)) | (Default::Num(n), Default::Bool(b)) => {
                *n == if *b { 1.0 } else { 0.0 }
            }
            (a, b) => a == b,
        }
    }
}

/// `db_default=` as a [`Default`]; `None`: an expression djsa does not evaluate.
fn model_default(v: &Val) -> Option<Default> {
    Some(match v {
        Val::Str(s) => Default::Str(s.clone()),
        Val::Int(i) => Default::Num(i.get() as f64),
        Val::Float(f) => Default::Num(f.parse().ok()?),
        Val::Bool(b) => Default::Bool(*b),
        Val::Call(c)
            if (c.path.ends_with(".Now") || c.path == "Now")
                && c.args.is_empty()
                && c.kwargs.is_empty() =>
        {
            Default::Now
        }
        _ => return None,
    })
}

/// The catalog's default expression as a [`Default`]; `None`: not a form djsa reads.
fn db_default(backend: Backend, raw: &str) -> Option<Default> {
    let mut s = raw.trim();
    // Outer parentheses (SQLite keeps them as written; PostgreSQL adds them around negatives).
    while s.starts_with('(') && s.ends_with(')') && balanced(&s[1..s.len() - 1]) {
        s = s[1..s.len() - 1].trim();
    }
    let lower = s.to_ascii_lowercase();
    let now = [
        "now()",
        "current_timestamp",
        "statement_timestamp()",
        "transaction_timestamp()",
        "clock_timestamp()",
        "localtimestamp",
    ];
    let lower_nocast = strip_cast(&lower);
    if now.iter().any(|n| {
        lower_nocast == *n
            || lower_nocast
                .strip_prefix(n.trim_end_matches("()"))
                .is_some_and(|r| r.starts_with('(') && r.ends_with(')'))
    }) {
        return Some(Default::Now);
    }
    let body = strip_cast(s);
    if let Some(inner) = body.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
        let text = inner.replace("''", "'");
        // PostgreSQL casts numbers in quotes (`'0'::numeric`): a string literal of a number type.
        if body.len() < s.len()
            && !s.contains("::character")
            && !s.contains("::text")
            && let Ok(n) = text.parse::<f64>()
        {
            return Some(Default::Num(n));
        }
        return Some(Default::Str(text));
    }
    match body.to_ascii_lowercase().as_str() {
        "true" => return Some(Default::Bool(true)),
        "false" => return Some(Default::Bool(false)),
        "b'1'" => return Some(Default::Bool(true)),
        "b'0'" => return Some(Default::Bool(false)),
        _ => {}
    }
    if let Ok(n) = body.parse::<f64>() {
        return Some(Default::Num(n));
    }
    // MySQL 8 shows string literals unquoted; an identifier-like word is ambiguous there.
    if backend == Backend::Mysql && !body.contains('(') && !body.is_empty() {
        return Some(Default::Str(body.to_string()));
    }
    None
}

/// `x::type` casts removed (outside quotes), PostgreSQL.
fn strip_cast(s: &str) -> &str {
    let mut in_quote = false;
    for (i, c) in s.char_indices() {
        match c {
            '\'' => in_quote = !in_quote,
            ':' if !in_quote && s[i..].starts_with("::") => return s[..i].trim_end(),
            _ => {}
        }
    }
    s
}

fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    let mut in_quote = false;
    for c in s.chars() {
        match c {
            '\'' => in_quote = !in_quote,
            '(' if !in_quote => depth += 1,
            ')' if !in_quote => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// Defaults, comments and check constraints of one managed table that exists.
pub(super) fn compare_extras(
    schema: &DbSchema,
    t: &ExpectedTable,
    dt: &DbTable,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let comments = schema.backend != Backend::Sqlite;
    for c in &t.columns {
        let Some(dc) = dt.column(&c.column) else {
            continue;
        };
        if let Some(want) = c.db_default.as_ref().and_then(model_default) {
            match dc.default.as_deref() {
                None => out.push(at(
                    "DJSA317",
                    Severity::Warning,
                    &c.loc,
                    format!(
                        "Column '{}.{}' has no default in the database; the model field has db_default={}.",
                        t.name,
                        c.column,
                        want.show()
                    ),
                ).hint("Inserts that leave the field out fail or store NULL; Django relies on the database default.")),
                Some(raw) => {
                    if let Some(have) = db_default(schema.backend, raw)
                        && !have.same(&want)
                    {
                        out.push(at(
                            "DJSA317",
                            Severity::Warning,
                            &c.loc,
                            format!(
                                "Column '{}.{}' has default {} in the database; the model field has db_default={}.",
                                t.name,
                                c.column,
                                raw.trim(),
                                want.show()
                            ),
                        ));
                    }
                }
            }
        }
        if comments
            && let Some(want) = &c.comment
            && dc.comment.as_deref() != Some(want.as_str())
        {
            out.push(at(
                "DJSA318",
                Severity::Info,
                &c.loc,
                match &dc.comment {
                    Some(have) => format!(
                        "Column '{}.{}' has the comment {have:?} in the database; the model field has db_comment={want:?}.",
                        t.name, c.column
                    ),
                    None => format!(
                        "Column '{}.{}' has no comment in the database; the model field has db_comment={want:?}.",
                        t.name, c.column
                    ),
                },
            ));
        }
    }
    if comments
        && let Some(want) = &t.comment
        && dt.comment.as_deref() != Some(want.as_str())
    {
        out.push(at(
            "DJSA318",
            Severity::Info,
            &t.loc,
            match &dt.comment {
                Some(have) => format!(
                    "Table '{}' has the comment {have:?} in the database; the model has db_table_comment={want:?}.",
                    t.name
                ),
                None => format!(
                    "Table '{}' has no comment in the database; the model has db_table_comment={want:?}.",
                    t.name
                ),
            },
        ));
    }
    for (name, loc) in &t.checks {
        let found = dt.checks.iter().any(|k| {
            k.name == *name
                || (schema.backend == Backend::Mysql && k.name.eq_ignore_ascii_case(name))
        });
        if !found {
            out.push(at(
                "DJSA319",
                Severity::Warning,
                loc,
                format!(
                    "No CHECK constraint '{}' on '{}' in the database; the model declares it.",
                    name, t.name
                ),
            ).hint("Rows that violate the condition can be written by anything but Django's validation."));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_defaults_are_read() {
        use Backend::*;
        assert_eq!(
            db_default(Postgresql, "'NEW'::character varying"),
            Some(Default::Str("NEW".into()))
        );
        assert_eq!(
            db_default(Postgresql, "'it''s'::text"),
            Some(Default::Str("it's".into()))
        );
        assert_eq!(db_default(Postgresql, "0"), Some(Default::Num(0.0)));
        assert_eq!(
            db_default(Postgresql, "'0'::numeric"),
            Some(Default::Num(0.0))
        );
        assert_eq!(db_default(Postgresql, "(-1)"), Some(Default::Num(-1.0)));
        assert_eq!(db_default(Postgresql, "true"), Some(Default::Bool(true)));
        assert_eq!(
            db_default(Postgresql, "statement_timestamp()"),
            Some(Default::Now)
        );
        assert_eq!(
            db_default(Mysql, "current_timestamp(6)"),
            Some(Default::Now)
        );
        assert_eq!(db_default(Mysql, "'NEW'"), Some(Default::Str("NEW".into())));
        assert_eq!(db_default(Mysql, "1"), Some(Default::Num(1.0)));
        assert_eq!(db_default(Sqlite, "CURRENT_TIMESTAMP"), Some(Default::Now));
        assert_eq!(
            db_default(Sqlite, "(CURRENT_TIMESTAMP)"),
            Some(Default::Now)
        );
        assert_eq!(
            db_default(Sqlite, "'NEW'"),
            Some(Default::Str("NEW".into()))
        );
        assert_eq!(
            db_default(Postgresql, "nextval('t_id_seq'::regclass)"),
            None
        );
        assert!(Default::Bool(true).same(&Default::Num(1.0)));
        assert!(!Default::Str("NEW".into()).same(&Default::Str("OLD".into())));
    }
}
