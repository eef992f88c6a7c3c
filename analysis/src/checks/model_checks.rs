//! Django's model checks (`models.E*`/`models.W*`), from `Model.check()` and `check_all_models`.

use crate::checks::Ctx;
use crate::diagnostic::Severity;

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let models: Vec<usize> = ctx.concrete_models().collect();
    for idx in models {
        if ctx.swapped(idx).is_some() {
            continue;
        }
        check_model_name(ctx, idx);
    }
}

/// models.E023 / models.E024.
fn check_model_name(ctx: &mut Ctx<'_>, idx: usize) {
    let name = ctx.model(idx).name.clone();
    if name.starts_with('_') || name.ends_with('_') {
        let d = ctx.on_model(
            idx,
            "models.E023",
            Severity::Error,
            format!("The model name '{name}' cannot start or end with an underscore as it collides with the query lookup syntax."),
        );
        ctx.emit(d);
    } else if name.contains("__") {
        let d = ctx.on_model(
            idx,
            "models.E024",
            Severity::Error,
            format!("The model name '{name}' cannot contain double underscores as it collides with the query lookup syntax."),
        );
        ctx.emit(d);
    }
}
