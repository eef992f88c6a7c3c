//! Django's `MigrationWriter`: migration file text, byte for byte (apart from the header line).

use std::collections::BTreeSet;

use super::autodetect::{Op, PlannedMigration};
use super::parse::Val;
use super::state::FieldDef;

/// Python's `repr()` of a str.
pub fn py_repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if (0x80..0xa0).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn serialize_path(path: &str, imports: &mut BTreeSet<String>) -> String {
    match path.rsplit_once('.') {
        Some(("django.db.models", name)) => {
            imports.insert("from django.db import models".into());
            format!("models.{name}")
        }
        Some((module, _)) => {
            imports.insert(format!("import {module}"));
            path.to_string()
        }
        None => path.to_string(),
    }
}

fn deconstructed(
    path: &str,
    args: &[Val],
    kwargs: &[(String, Val)],
    imports: &mut BTreeSet<String>,
) -> String {
    let name = serialize_path(path, imports);
    let mut parts: Vec<String> = args.iter().map(|a| serialize(a, imports)).collect();
    let mut kw: Vec<&(String, Val)> = kwargs.iter().collect();
    kw.sort_by(|a, b| a.0.cmp(&b.0));
    for (k, v) in kw {
        parts.push(format!("{k}={}", serialize(v, imports)));
    }
    format!("{name}({})", parts.join(", "))
}

/// `MigrationWriter.serialize(value)`.
pub fn serialize(v: &Val, imports: &mut BTreeSet<String>) -> String {
    match v {
        Val::Str(s) => py_repr_str(s),
        Val::Int(i) => i.to_string(),
        Val::Float(f) => f.clone(),
        Val::Bool(true) => "True".into(),
        Val::Bool(false) => "False".into(),
        Val::None => "None".into(),
        Val::List(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| serialize(i, imports))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Val::Tuple(items) => {
            let parts: Vec<String> = items.iter().map(|i| serialize(i, imports)).collect();
            if parts.len() == 1 {
                format!("({},)", parts[0])
            } else {
                format!("({})", parts.join(", "))
            }
        }
        Val::Set(items) => {
            if items.is_empty() {
                return "set()".into();
            }
            // BaseUnorderedSequenceSerializer sorts by repr; for our values repr == serialization.
            let mut parts: Vec<String> = items.iter().map(|i| serialize(i, imports)).collect();
            parts.sort();
            format!("{{{}}}", parts.join(", "))
        }
        Val::Dict(pairs) => {
            let mut ps: Vec<&(Val, Val)> = pairs.iter().collect();
            ps.sort_by(|a, b| a.0.cmp(&b.0));
            let parts: Vec<String> = ps
                .into_iter()
                .map(|(k, v)| format!("{}: {}", serialize(k, imports), serialize(v, imports)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Val::Call(c)
            if c.path == "decimal.Decimal"
                && c.kwargs.is_empty()
                && matches!(c.args.as_slice(), [Val::Str(_)]) =>
        {
            imports.insert("from decimal import Decimal".into());
            format!("Decimal({})", serialize(&c.args[0], imports))
        }
        Val::Call(c) => deconstructed(&c.path, &c.args, &c.kwargs, imports),
        Val::Ref(path) => {
            if path == "django.db.models.Model" {
                imports.insert("from django.db import models".into());
                return "models.Model".into();
            }
            if let Some((module, _)) = path.rsplit_once('.') {
                imports.insert(format!("import {module}"));
            }
            path.clone()
        }
        Val::Setting(s) => {
            imports.insert("from django.conf import settings".into());
            format!("settings.{}", s.name)
        }
    }
}

pub fn serialize_field(f: &FieldDef, imports: &mut BTreeSet<String>) -> String {
    deconstructed(&f.path, &f.args, &f.kwargs, imports)
}

struct OpWriter {
    buf: Vec<String>,
    indent: usize,
}

impl OpWriter {
    fn feed(&mut self, line: &str) {
        self.buf
            .push(format!("{}{line}", " ".repeat(self.indent * 4)));
    }
    fn arg(&mut self, name: &str, value: &str) {
        self.feed(&format!("{name}={value},"));
    }
}

/// `OperationWriter(operation).serialize()`.
pub fn serialize_op(op: &Op, imports: &mut BTreeSet<String>) -> String {
    let mut w = OpWriter {
        buf: Vec::new(),
        indent: 2,
    };
    w.feed(&format!("migrations.{}(", op.class_name()));
    w.indent += 1;
    let s = |v: &Val, imports: &mut BTreeSet<String>| serialize(v, imports);
    let st = |x: &str| py_repr_str(x);
    match op {
        Op::CreateModel {
            name,
            fields,
            options,
            bases,
            managers,
        } => {
            w.arg("name", &st(name));
            w.feed("fields=[");
            w.indent += 1;
            for (n, f) in fields {
                let line = format!("({}, {}),", st(n), serialize_field(f, imports));
                w.feed(&line);
            }
            w.indent -= 1;
            w.feed("],");
            if !options.is_empty() {
                w.feed("options={");
                w.indent += 1;
                for (k, v) in options {
                    let line = format!("{}: {},", st(k), s(v, imports));
                    w.feed(&line);
                }
                w.indent -= 1;
                w.feed("},");
            }
            if !bases.is_empty() {
                let v = s(&Val::Tuple(bases.clone()), imports);
                w.arg("bases", &v);
            }
            if !managers.is_empty() {
                w.feed("managers=[");
                w.indent += 1;
                for (n, m) in managers {
                    let line = format!("({}, {}),", st(n), s(m, imports));
                    w.feed(&line);
                }
                w.indent -= 1;
                w.feed("],");
            }
        }
        Op::DeleteModel { name } => w.arg("name", &st(name)),
        Op::AddField {
            model_name,
            name,
            field,
        }
        | Op::AlterField {
            model_name,
            name,
            field,
        } => {
            w.arg("model_name", &st(model_name));
            w.arg("name", &st(name));
            let f = serialize_field(field, imports);
            w.arg("field", &f);
        }
        Op::RemoveField { model_name, name } => {
            w.arg("model_name", &st(model_name));
            w.arg("name", &st(name));
        }
        Op::RenameField {
            model_name,
            old_name,
            new_name,
        } => {
            w.arg("model_name", &st(model_name));
            w.arg("old_name", &st(old_name));
            w.arg("new_name", &st(new_name));
        }
        Op::AlterModelOptions { name, options } => {
            w.arg("name", &st(name));
            let d = Val::Dict(
                options
                    .iter()
                    .map(|(k, v)| (Val::Str(k.clone()), v.clone()))
                    .collect(),
            );
            let v = s(&d, imports);
            w.arg("options", &v);
        }
        Op::AlterModelTable { name, table } => {
            w.arg("name", &st(name));
            let v = s(table, imports);
            w.arg("table", &v);
        }
        Op::AlterUniqueTogether { name, value } => {
            w.arg("name", &st(name));
            let v = s(value, imports);
            w.arg("unique_together", &v);
        }
        Op::AddIndex { model_name, index } => {
            w.arg("model_name", &st(model_name));
            let v = s(index, imports);
            w.arg("index", &v);
        }
        Op::RemoveIndex { model_name, name } | Op::RemoveConstraint { model_name, name } => {
            w.arg("model_name", &st(model_name));
            w.arg("name", &st(name));
        }
        Op::AddConstraint {
            model_name,
            constraint,
        } => {
            w.arg("model_name", &st(model_name));
            let v = s(constraint, imports);
            w.arg("constraint", &v);
        }
        Op::AlterModelTableComment {
            name,
            table_comment,
        } => {
            w.arg("name", &st(name));
            let v = s(table_comment, imports);
            w.arg("table_comment", &v);
        }
        Op::AlterModelManagers { name, managers } => {
            w.arg("name", &st(name));
            w.feed("managers=[");
            w.indent += 1;
            for (n, m) in managers {
                let line = format!("({}, {}),", st(n), s(m, imports));
                w.feed(&line);
            }
            w.indent -= 1;
            w.feed("],");
        }
        Op::AlterOrderWithRespectTo {
            name,
            order_with_respect_to,
        } => {
            w.arg("name", &st(name));
            let v = s(order_with_respect_to, imports);
            w.arg("order_with_respect_to", &v);
        }
        Op::RenameIndex {
            model_name,
            new_name,
            old_name,
        } => {
            w.arg("model_name", &st(model_name));
            w.arg("new_name", &st(new_name));
            w.arg("old_name", &st(old_name));
        }
        Op::RenameIndexFields {
            model_name,
            new_name,
            old_fields,
        } => {
            w.arg("model_name", &st(model_name));
            w.arg("new_name", &st(new_name));
            let v = s(
                &Val::Tuple(old_fields.iter().map(|f| Val::Str(f.clone())).collect()),
                imports,
            );
            w.arg("old_fields", &v);
        }
        Op::RenameModel { old_name, new_name } => {
            w.arg("old_name", &st(old_name));
            w.arg("new_name", &st(new_name));
        }
        Op::AlterConstraint {
            model_name,
            name,
            constraint,
        } => {
            w.arg("model_name", &st(model_name));
            w.arg("name", &st(name));
            let v = s(constraint, imports);
            w.arg("constraint", &v);
        }
    }
    w.indent -= 1;
    w.feed("),");
    w.buf.join("\n")
}

/// The whole file. `header` is the first comment line without the leading `# ` (or `None`).
pub fn migration_text(m: &PlannedMigration, header: Option<&str>) -> String {
    let mut imports: BTreeSet<String> = BTreeSet::new();
    let ops: Vec<String> = m
        .operations
        .iter()
        .map(|o| serialize_op(o, &mut imports))
        .collect();
    let operations = if ops.is_empty() {
        String::new()
    } else {
        ops.join("\n") + "\n"
    };
    let mut deps: Vec<String> = Vec::new();
    for (a, n) in &m.dependencies {
        if a == "__setting__" {
            deps.push(format!(
                "        migrations.swappable_dependency(settings.{n}),"
            ));
            imports.insert("from django.conf import settings".into());
        } else {
            deps.push(format!("        ({}, {}),", py_repr_str(a), py_repr_str(n)));
        }
    }
    deps.sort();
    let dependencies = if deps.is_empty() {
        String::new()
    } else {
        deps.join("\n") + "\n"
    };
    if imports.remove("from django.db import models") {
        imports.insert("from django.db import migrations, models".into());
    } else {
        imports.insert("from django.db import migrations".into());
    }
    let mut sorted: Vec<&String> = imports.iter().collect();
    sorted.sort_by(|a, b| {
        let key = |s: &str| {
            let mut it = s.split_whitespace();
            let first = it.next().unwrap_or("");
            let second = it.next().unwrap_or("").to_string();
            (first == "from", second)
        };
        key(a).cmp(&key(b))
    });
    let imports_str = sorted
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    let header = match header {
        Some(h) => format!("# {h}\n\n"),
        None => String::new(),
    };
    let initial = if m.initial {
        "\n    initial = True\n"
    } else {
        ""
    };
    format!(
        "{header}{imports_str}\n\nclass Migration(migrations.Migration):\n{initial}\n    dependencies = [\n{dependencies}    ]\n\n    operations = [\n{operations}    ]\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_like_python() {
        assert_eq!(py_repr_str("abc"), "'abc'");
        assert_eq!(py_repr_str("it's"), "\"it's\"");
        assert_eq!(py_repr_str("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(py_repr_str("line\n"), "'line\\n'");
    }

    #[test]
    fn add_field_migration_text() {
        let m = PlannedMigration {
            app_label: "shop".into(),
            name: "0002_book_isbn".into(),
            initial: false,
            dependencies: vec![("shop".into(), "0001_initial".into())],
            operations: vec![Op::AddField {
                model_name: "book".into(),
                name: "isbn".into(),
                field: FieldDef {
                    path: "django.db.models.CharField".into(),
                    args: vec![],
                    kwargs: vec![
                        ("blank".into(), Val::Bool(true)),
                        ("max_length".into(), Val::int(13)),
                    ],
                },
            }],
        };
        let text = migration_text(&m, None);
        assert_eq!(
            text,
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n\n    dependencies = [\n        ('shop', '0001_initial'),\n    ]\n\n    operations = [\n        migrations.AddField(\n            model_name='book',\n            name='isbn',\n            field=models.CharField(blank=True, max_length=13),\n        ),\n    ]\n"
        );
    }
}
