//! Django's per-field checks (`fields.E0xx`-`E2xx`, `fields.W1xx`) for non-relational behaviour.

use crate::checks::{Ctx, ModelField};
use crate::diagnostic::Severity;
use crate::fields::FieldKind;

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let models: Vec<usize> = ctx.concrete_models().collect();
    for idx in models {
        if ctx.swapped(idx).is_some() {
            continue;
        }
        for field in ctx.local_fields(idx) {
            let mf = ModelField { field, model: idx };
            check_field_name(ctx, mf);
            if field.kind.is_char_like() && field.options_known() {
                check_max_length(ctx, mf);
            }
        }
    }
}

/// fields.E001 / E002 / E003.
fn check_field_name(ctx: &mut Ctx<'_>, mf: ModelField<'_>) {
    let name = &mf.field.name;
    let (code, msg) = if name.ends_with('_') {
        (
            "fields.E001",
            "Field names must not end with an underscore.",
        )
    } else if name.contains("__") {
        ("fields.E002", "Field names must not contain \"__\".")
    } else if name == "pk" {
        (
            "fields.E003",
            "'pk' is a reserved word that cannot be used as a field name.",
        )
    } else {
        return;
    };
    let d = ctx.on_field(mf, code, Severity::Error, msg);
    ctx.emit(d);
}

/// fields.E120 / E121 (CharField and subclasses).
fn check_max_length(ctx: &mut Ctx<'_>, mf: ModelField<'_>) {
    let f = mf.field;
    let explicit = f.opt("max_length");
    let default = if f.custom.is_none() {
        f.kind.default_max_length()
    } else {
        None
    };
    match explicit {
        None
        | Some(crate::syntax::Expr {
            kind: crate::syntax::ExprKind::None,
            ..
        }) if default.is_none() => {
            // Only backends without unlimited VARCHAR (MySQL, Oracle) require max_length;
            // PostgreSQL and SQLite accept CharField() since Django 4.2.
            if !matches!(ctx.vendor(), Some("mysql" | "oracle"))
                || f.kind == FieldKind::CommaSeparatedIntegerField
            {
                return;
            }
            let d = ctx.on_field(
                mf,
                "fields.E120",
                Severity::Error,
                "CharFields must define a 'max_length' attribute.",
            );
            ctx.emit(d);
        }
        Some(e) => {
            let bad = match e.as_int() {
                Some(i) => i <= 0,
                None => matches!(
                    e.kind,
                    crate::syntax::ExprKind::Bool(_)
                        | crate::syntax::ExprKind::Str(_)
                        | crate::syntax::ExprKind::Float(_)
                ),
            };
            if bad {
                let d = ctx.on_field(
                    mf,
                    "fields.E121",
                    Severity::Error,
                    "'max_length' must be a positive integer.",
                );
                ctx.emit(d);
            }
        }
        None => {}
    }
}
