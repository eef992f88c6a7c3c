//! Bridge generators: Django models (`managed = False`) for SQLAlchemy tables, and SQLAlchemy Core
//! `Table` definitions for Django models. Pure text generation from the indexes.

use rustc_hash::{FxHashMap, FxHashSet};

use super::index::{SqlaIndex, Table, py_str};
use super::types::{self, SqlType};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BridgeOutput {
    pub text: String,
    /// Tables bridged (database names).
    pub bridged: Vec<String>,
    /// Tables not bridged, with the reason (also written as comments in `text`).
    pub skipped: Vec<(String, String)>,
}

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Django model class name for a table (`book_tags` -> `BookTags`), as inspectdb's table2model.
pub fn table_to_model(table: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for ch in table.chars() {
        if ch.is_ascii_alphanumeric() {
            if upper {
                out.extend(ch.to_uppercase());
            } else {
                out.extend(ch.to_lowercase());
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Table");
    }
    out
}

/// A Django field name for a database column: (name, reason it differs) as inspectdb's
/// `normalize_col_name` does it. For relations the `_id` suffix is dropped.
pub fn field_name_for(col: &str, is_relation: bool, is_pk: bool) -> (String, Option<&'static str>) {
    let mut why = None;
    let mut name = col.to_lowercase();
    if name != col {
        why = Some("Field name made lowercase.");
    }
    if is_relation && name.len() > 3 && name.ends_with("_id") {
        name.truncate(name.len() - 3);
    }
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned != name {
        why = Some("Field renamed to remove unsuitable characters.");
        name = cleaned;
    }
    while name.contains("__") {
        name = name.replace("__", "_");
        why = Some("Field renamed because it contained more than one '_' in a row.");
    }
    if name.ends_with('_') {
        name = name.trim_end_matches('_').to_string();
        why = Some("Field renamed because it ended with '_'.");
    }
    if name.is_empty() {
        name = "field".into();
        why = Some("Field renamed because it was empty.");
    }
    if KEYWORDS.contains(&name.as_str()) {
        name.push_str("_field");
        why = Some("Field renamed because it was a Python reserved word.");
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "number_");
        why = Some("Field renamed because it wasn't a valid Python identifier.");
    }
    if name == "pk" || (name == "id" && !is_pk) {
        name.push_str("_field");
        why = Some("Field renamed because Django reserves this name.");
    }
    (name, why)
}

struct Rel {
    target_model: String,
    target_col: String,
    target_is_pk: bool,
}

struct Plan<'a> {
    table: &'a Table,
    model: String,
    /// column -> field name
    names: FxHashMap<String, String>,
    /// column -> relation
    rels: FxHashMap<String, Rel>,
    /// association-table M2M fields to add: (field name, target model, through model)
    m2m: Vec<(String, String, String)>,
    /// Foreign keys kept as plain fields, and why.
    fk_notes: Vec<String>,
}

/// Why a table cannot become a Django model at all.
pub fn table_blocker(t: &Table) -> Option<String> {
    if t.primary_key.is_empty() {
        return Some("no primary key: Django models need one (forms could not save, the admin could not link to a row)".into());
    }
    for pk in &t.primary_key {
        match t.column(pk) {
            Some(c) => {
                if let Err(why) = types::django_field(&c.ty, false) {
                    return Some(format!("primary key column '{pk}': {why}"));
                }
            }
            None => return Some(format!("primary key column '{pk}' not found")),
        }
    }
    None
}

pub fn django_models(index: &SqlaIndex, only: &[String]) -> BridgeOutput {
    let mut out = BridgeOutput::default();
    let mut seen: FxHashSet<String> = FxHashSet::default();
    let mut selected: Vec<usize> = Vec::new();
    for (i, t) in index.tables.iter().enumerate() {
        let q = t.qualified_name();
        if !only.is_empty() && !only.iter().any(|o| *o == t.name || *o == q) {
            continue;
        }
        if !seen.insert(q.clone()) {
            out.skipped
                .push((q, "defined twice; the first definition is bridged".into()));
            continue;
        }
        if let Some(why) = table_blocker(t) {
            out.skipped.push((q, why));
            continue;
        }
        selected.push(i);
    }
    // Model names.
    let mut model_of: FxHashMap<usize, String> = FxHashMap::default();
    let mut used: FxHashSet<String> = FxHashSet::default();
    for &i in &selected {
        let t = &index.tables[i];
        let base = t
            .class
            .and_then(|c| index.classes.get(c))
            .map(|c| c.name.clone())
            .unwrap_or_else(|| table_to_model(&t.name));
        let mut name = base.clone();
        let mut n = 2;
        while !used.insert(name.to_lowercase()) {
            name = format!("{base}{n}");
            n += 1;
        }
        model_of.insert(i, name);
    }
    let find = |q: &str| -> Option<usize> {
        let ti = index.find_table(q)?;
        // find_table may pick a duplicate; the bridged one has the same qualified name.
        selected
            .iter()
            .copied()
            .find(|&s| index.tables[s].qualified_name() == index.tables[ti].qualified_name())
    };
    let mut plans: Vec<Plan<'_>> = Vec::new();
    for &i in &selected {
        let t = &index.tables[i];
        let mut rels = FxHashMap::default();
        let mut fk_notes: Vec<String> = Vec::new();
        for fk in &t.foreign_keys {
            let shown = match fk.target_columns.as_slice() {
                [one] => format!("{}.{one}", fk.target_table.as_deref().unwrap_or("?")),
                many => format!(
                    "{}({})",
                    fk.target_table.as_deref().unwrap_or("?"),
                    many.join(", ")
                ),
            };
            if fk.columns.len() != 1 {
                fk_notes.push(format!(
                    "columns ({}) reference {shown}: Django has no multi-column ForeignKey; kept as plain fields",
                    fk.columns.join(", ")
                ));
                continue;
            }
            let (Some(tt), Some(tc)) = (fk.target_table.as_deref(), fk.target_columns.first())
            else {
                continue;
            };
            let Some(ti) = find(tt) else {
                fk_notes.push(format!(
                    "column {:?} references {shown}, which is not bridged here; kept as a plain field",
                    fk.columns[0]
                ));
                continue;
            };
            let target = &index.tables[ti];
            if !target.is_unique_set(std::slice::from_ref(tc)) {
                fk_notes.push(format!(
                    "column {:?} references {shown}, which is not unique (Django requires a unique target); kept as a plain field",
                    fk.columns[0]
                ));
                continue;
            }
            let Some(tm) = model_of.get(&ti) else {
                continue;
            };
            rels.insert(
                fk.columns[0].clone(),
                Rel {
                    target_model: if ti == i { "self".into() } else { tm.clone() },
                    target_col: tc.clone(),
                    target_is_pk: target.primary_key.len() == 1 && target.primary_key[0] == *tc,
                },
            );
        }
        let mut names = FxHashMap::default();
        let mut taken: FxHashSet<String> = FxHashSet::default();
        for c in &t.columns {
            let is_pk = t.primary_key.len() == 1 && t.primary_key[0] == c.name;
            // The mapped attribute name when there is one (`code = Column("dept_code", ...)`).
            let base = c.attr.as_deref().unwrap_or(&c.name);
            let (mut n, _) = field_name_for(base, rels.contains_key(&c.name), is_pk);
            if taken.contains(&n) {
                let mut k = 2;
                while taken.contains(&format!("{n}_{k}")) {
                    k += 1;
                }
                n = format!("{n}_{k}");
            }
            taken.insert(n.clone());
            names.insert(c.name.clone(), n);
        }
        plans.push(Plan {
            table: t,
            model: model_of.get(&i).cloned().unwrap_or_default(),
            names,
            rels,
            m2m: Vec::new(),
            fk_notes,
        });
    }
    // Association tables: composite pk made of two FKs to two other bridged models.
    let mut adds: Vec<(String, String, String, String)> = Vec::new(); // (owner model, field, target, through)
    for p in &plans {
        let t = p.table;
        if t.primary_key.len() != 2 || !t.primary_key.iter().all(|c| p.rels.contains_key(c)) {
            continue;
        }
        let (a, b) = (&p.rels[&t.primary_key[0]], &p.rels[&t.primary_key[1]]);
        if a.target_model == b.target_model || a.target_model == "self" || b.target_model == "self"
        {
            continue;
        }
        // The relationship attribute that uses this table as `secondary`, on the owner's class.
        let rel_name = index
            .classes
            .iter()
            .filter(|c| c.name == a.target_model)
            .flat_map(|c| c.relationships.iter())
            .find(|r| r.secondary.as_deref() == Some(t.name.as_str()))
            .map(|r| r.attr.clone());
        let field = rel_name.unwrap_or_else(|| format!("{}s", b.target_model.to_lowercase()));
        adds.push((
            a.target_model.clone(),
            field,
            b.target_model.clone(),
            p.model.clone(),
        ));
    }
    for (owner, field, target, through) in adds {
        if let Some(p) = plans.iter_mut().find(|p| p.model == owner) {
            let mut f = field;
            if p.names.values().any(|n| *n == f) {
                f.push_str("_m2m");
            }
            p.m2m.push((f, target, through));
        }
    }
    // Reverse accessor clashes: several FKs from one model to the same target.
    let mut text = String::new();
    text.push_str(
        "# Django models for SQLAlchemy tables, generated by djsa (`djsa bridge --to django`).\n",
    );
    text.push_str("# managed = False: Django never creates, alters or drops these tables; SQLAlchemy owns them.\n");
    let needs_uuid = plans.iter().any(|p| {
        p.table
            .columns
            .iter()
            .any(|c| c.default.as_deref() == Some("uuid.uuid4"))
    });
    if needs_uuid {
        text.push_str("import uuid\n\n");
    }
    text.push_str("from django.db import models\n");
    let needs_now = plans.iter().any(|p| {
        p.table
            .columns
            .iter()
            .any(|c| db_default(c.server_default.as_deref(), &c.ty).is_some_and(|d| d == "Now()"))
    });
    if needs_now {
        text.push_str("from django.db.models.functions import Now\n");
    }
    for (q, why) in &out.skipped {
        text.push_str(&format!("\n# Table {q} is not bridged: {why}.\n"));
    }
    if plans.iter().any(|p| {
        p.table.columns.iter().any(|c| {
            matches!(c.ty, SqlType::Json) && c.computed.is_none() && !p.rels.contains_key(&c.name)
        })
    }) {
        text.push_str(&format!(
            "\n\nclass {JSON_FIELD}(models.JSONField):\n    \"\"\"A JSONField that also reads PostgreSQL `json` columns (SQLAlchemy's JSON type), which the\n    driver returns decoded; Django's own JSONField expects `jsonb`.\"\"\"\n\n    def from_db_value(self, value, expression, connection):\n        if not isinstance(value, str):\n            return value\n        return super().from_db_value(value, expression, connection)\n"
        ));
    }
    // Primary keys fed by a client-side `Sequence` (SQLAlchemy runs `nextval` itself before each
    // INSERT; the column has no server default): Django must do the same where sequences exist.
    let mut sequences: Vec<&str> = plans
        .iter()
        .flat_map(|p| p.table.columns.iter().filter_map(|c| sequence_pk(p, c)))
        .collect();
    sequences.sort_unstable();
    sequences.dedup();
    for seq in sequences {
        text.push_str(&format!(
            "\n\ndef {}():\n    \"\"\"Next value of the sequence {seq}, which SQLAlchemy fetches before each INSERT on\n    PostgreSQL (other databases number the row themselves).\"\"\"\n    from django.db import connection\n\n    if connection.vendor != \"postgresql\":\n        return None\n    with connection.cursor() as cursor:\n        cursor.execute(\"SELECT nextval(%s)\", [{}])\n        return cursor.fetchone()[0]\n",
            nextval_fn(seq),
            py_str(seq)
        ));
    }
    for p in &plans {
        text.push_str("\n\n");
        render_model(&mut text, p, &plans);
        out.bridged.push(p.table.qualified_name());
    }
    out.text = text;
    out
}

/// The JSONField subclass a generated module defines for SQLAlchemy JSON columns.
const JSON_FIELD: &str = "SQLAlchemyJSONField";

/// Whether a column becomes Django's auto primary key (an integer primary key the database numbers).
fn is_auto_pk(p: &Plan<'_>, c: &super::index::Column) -> bool {
    let t = p.table;
    t.primary_key.len() == 1
        && t.primary_key[0] == c.name
        && !p.rels.contains_key(&c.name)
        && c.computed.is_none()
        && c.ty.is_integer()
        && c.autoincrement != Some(false)
        && t.foreign_keys.iter().all(|f| !f.columns.contains(&c.name))
}

/// The sequence of an auto primary key that SQLAlchemy fires client-side (no server default).
fn sequence_pk<'a>(p: &Plan<'_>, c: &'a super::index::Column) -> Option<&'a str> {
    let seq = c.sequence.as_deref()?;
    (is_auto_pk(p, c) && c.server_default.is_none() && !c.identity).then_some(seq)
}

/// The generated module-level function that fetches the next value of a sequence.
fn nextval_fn(seq: &str) -> String {
    let ident: String = seq
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() {
                ch.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("nextval_{ident}")
}

fn db_default(server_default: Option<&str>, ty: &SqlType) -> Option<String> {
    let sd = server_default?.trim();
    let lower = sd.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "func.now()"
            | "func.current_timestamp()"
            | "current_timestamp"
            | "now()"
            | "sa.func.now()"
            | "sqlalchemy.func.now()"
    ) {
        return matches!(ty, SqlType::DateTime { .. }).then(|| "Now()".to_string());
    }
    let unquoted = sd.trim_matches('\'');
    match ty {
        SqlType::Boolean => match unquoted.to_ascii_lowercase().as_str() {
            "1" | "true" | "t" => Some("True".into()),
            "0" | "false" | "f" => Some("False".into()),
            _ => None,
        },
        t if t.is_integer() => unquoted.parse::<i64>().ok().map(|i| i.to_string()),
        SqlType::Float | SqlType::Double => {
            unquoted.parse::<f64>().ok().map(|_| unquoted.to_string())
        }
        SqlType::String { .. } | SqlType::Text | SqlType::Enum { .. } => Some(py_str(unquoted)),
        _ => None,
    }
}

fn render_model(text: &mut String, p: &Plan<'_>, plans: &[Plan<'_>]) {
    let t = p.table;
    let mut lines: Vec<String> = Vec::new();
    let mut comments: Vec<String> = p.fk_notes.clone();
    let composite = t.primary_key.len() > 1;
    // Count FKs per target model to decide related_name.
    let mut per_target: FxHashMap<&str, usize> = FxHashMap::default();
    for r in p.rels.values() {
        *per_target.entry(r.target_model.as_str()).or_default() += 1;
    }
    let model_lower = p.model.to_lowercase();
    for c in &t.columns {
        let fname = p
            .names
            .get(&c.name)
            .cloned()
            .unwrap_or_else(|| c.name.clone());
        let single_pk = t.primary_key.len() == 1 && t.primary_key[0] == c.name;
        if let Some(expr) = &c.computed {
            comments.push(format!("column {:?}: computed column (GENERATED ALWAYS AS ({expr})); not bridged, Django reads and writes it no more", c.name));
            continue;
        }
        let mut opts: Vec<String> = Vec::new();
        let class: String;
        if let Some(rel) = p.rels.get(&c.name) {
            let unique = single_pk || t.uniques.iter().any(|u| u.len() == 1 && u[0] == c.name);
            class = if unique {
                "OneToOneField".into()
            } else {
                "ForeignKey".into()
            };
            opts.push(py_str(&rel.target_model));
            opts.push("models.DO_NOTHING".into());
            if single_pk {
                opts.push("primary_key=True".into());
            }
            if !rel.target_is_pk {
                let target_plan = plans.iter().find(|x| {
                    x.model == rel.target_model
                        || (rel.target_model == "self" && x.model == p.model)
                });
                let tf = target_plan
                    .and_then(|x| x.names.get(&rel.target_col))
                    .cloned()
                    .unwrap_or_else(|| rel.target_col.clone());
                opts.push(format!("to_field={}", py_str(&tf)));
            }
            if format!("{fname}_id") != c.name {
                opts.push(format!("db_column={}", py_str(&c.name)));
            }
            let clash = per_target
                .get(rel.target_model.as_str())
                .copied()
                .unwrap_or(0)
                > 1
                || rel.target_model == "self";
            if clash {
                opts.push(format!(
                    "related_name={}",
                    py_str(&format!("{model_lower}_{fname}_set"))
                ));
                opts.push(format!(
                    "related_query_name={}",
                    py_str(&format!("{model_lower}_{fname}"))
                ));
            }
        } else {
            let auto = is_auto_pk(p, c);
            match types::django_field(&c.ty, auto) {
                Ok((cls, type_opts)) => {
                    class = cls.to_string();
                    if single_pk {
                        opts.push("primary_key=True".into());
                    }
                    if let Some(seq) = sequence_pk(p, c) {
                        opts.push(format!("default={}", nextval_fn(seq)));
                    }
                    for (k, v) in type_opts {
                        opts.push(format!("{k}={v}"));
                    }
                    if let SqlType::Enum { values: Some(v) } = &c.ty {
                        let ch: Vec<String> = v
                            .iter()
                            .map(|x| format!("({}, {})", py_str(x), py_str(x)))
                            .collect();
                        opts.push(format!("choices=[{}]", ch.join(", ")));
                    }
                    if fname != c.name {
                        opts.push(format!("db_column={}", py_str(&c.name)));
                    }
                }
                Err(why) => {
                    let required = !c.nullable && c.server_default.is_none() && !c.identity;
                    comments.push(format!(
                        "column {:?}: {why}; not bridged{}",
                        c.name,
                        if required {
                            " (NOT NULL without a server default: inserts through Django will fail)"
                        } else {
                            ""
                        }
                    ));
                    continue;
                }
            }
        }
        if !single_pk && c.unique && class != "OneToOneField" {
            opts.push("unique=True".into());
        } else if !single_pk && c.index && class != "ForeignKey" && class != "OneToOneField" {
            opts.push("db_index=True".into());
        }
        if c.nullable {
            opts.push("blank=True".into());
            opts.push("null=True".into());
        }
        if let Some(d) = &c.default
            && !single_pk
            && default_fits(d, &c.ty)
        {
            opts.push(format!("default={d}"));
        }
        if !single_pk && let Some(dd) = db_default(c.server_default.as_deref(), &c.ty) {
            if !c.nullable {
                opts.push("blank=True".into());
            }
            opts.push(format!("db_default={dd}"));
        } else if c.server_default.is_some() && !single_pk {
            comments.push(format!(
                "column {:?}: server default {:?} has no Django equivalent; not carried over",
                c.name,
                c.server_default.as_deref().unwrap_or("")
            ));
        }
        // The column comment becomes the form help text (db_comment would only warn on backends
        // without comments, and managed=False models never emit DDL).
        if let Some(cm) = &c.comment {
            opts.push(format!("help_text={}", py_str(cm)));
        }
        // SQLAlchemy's JSON is `json` on PostgreSQL, which the driver decodes itself; Django's
        // JSONField expects `jsonb` text, so the module defines a field that reads both.
        let class = if class == "JSONField" {
            JSON_FIELD.to_string()
        } else {
            format!("models.{class}")
        };
        lines.push(format!("    {fname} = {class}({})", opts.join(", ")));
    }
    for (f, target, through) in &p.m2m {
        lines.push(format!(
            "    {f} = models.ManyToManyField({}, through={}, blank=True)",
            py_str(target),
            py_str(through)
        ));
    }
    if composite {
        let fields: Vec<String> = t
            .primary_key
            .iter()
            .map(|c| {
                let n = p.names.get(c).cloned().unwrap_or_else(|| c.clone());
                if p.rels.contains_key(c) {
                    py_str(&format!("{n}_id"))
                } else {
                    py_str(&n)
                }
            })
            .collect();
        lines.insert(
            0,
            format!("    pk = models.CompositePrimaryKey({})", fields.join(", ")),
        );
        comments.push("composite primary key: the Django admin cannot register this model and no ForeignKey can point at it".into());
    }
    if t.incomplete {
        comments.push("djsa could not read everything SQLAlchemy declares for this table (see `djsa check --verbose`); columns may be missing".into());
    }
    text.push_str(&format!("class {}(models.Model):\n", p.model));
    if let Some(cm) = &t.comment {
        text.push_str(&format!("    # Table comment: {}\n", cm.replace('\n', " ")));
    }
    for c in &comments {
        text.push_str(&format!("    # {c}\n"));
    }
    for l in &lines {
        text.push_str(l);
        text.push('\n');
    }
    text.push_str("\n    class Meta:\n        managed = False\n");
    match &t.schema {
        Some(s) => {
            text.push_str(
                "        # Schema-qualified table: this quoting works on PostgreSQL only.\n",
            );
            text.push_str(&format!(
                "        db_table = {}\n",
                py_str(&format!("\"{s}\".\"{}\"", t.name))
            ));
        }
        None => text.push_str(&format!("        db_table = {}\n", py_str(&t.name))),
    }
    let mut together: Vec<String> = Vec::new();
    for u in &t.uniques {
        if u.len() < 2
            || (u.len() == t.primary_key.len() && u.iter().all(|c| t.primary_key.contains(c)))
        {
            continue;
        }
        let names: Option<Vec<String>> = u
            .iter()
            .map(|c| p.names.get(c).map(|n| py_str(n)))
            .collect();
        if let Some(n) = names {
            together.push(format!("({},)", n.join(", ")));
        }
    }
    if !together.is_empty() {
        text.push_str(&format!(
            "        unique_together = ({},)\n",
            together.join(", ")
        ));
    }
}

fn default_fits(lit: &str, ty: &SqlType) -> bool {
    match ty {
        SqlType::Boolean => lit == "True" || lit == "False",
        t if t.is_integer() => lit.parse::<i64>().is_ok(),
        SqlType::Float | SqlType::Double | SqlType::Numeric { .. } => lit.parse::<f64>().is_ok(),
        SqlType::String { .. } | SqlType::Text | SqlType::Enum { .. } => lit.starts_with('"'),
        SqlType::Uuid => lit == "uuid.uuid4",
        _ => false,
    }
}

pub use super::reverse::sqlalchemy_tables;
