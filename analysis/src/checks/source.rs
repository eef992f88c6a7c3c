//! djsa's own file-level diagnostics: files it could not read or parse.

use crate::checks::Ctx;
use crate::db::{Db, MAX_FILE_BYTES, Origin, Project, SourceFile, module_syntax};
use crate::diagnostic::{Diagnostic, Severity};
use crate::span::Span;

pub(super) fn check(ctx: &mut Ctx<'_>, project: Project) {
    let db = ctx.db;
    for &file in project.files(db) {
        if file.origin(db) != Origin::Project {
            continue;
        }
        ctx.out.extend(file_diagnostics(db, file).iter().cloned());
    }
}

/// Per-file diagnostics, cached per file: the project-level query depends on this value, not on
/// the file's text.
#[salsa::tracked(returns(ref))]
pub fn file_diagnostics(db: &dyn Db, file: SourceFile) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    {
        let text = file.text(db);
        if file.lossy(db) {
            out.push(
                Diagnostic::new("DJSA002", Severity::Warning, "File is not valid UTF-8; invalid bytes were replaced before analysis")
                    .at(file, Span::new(0, 0))
                    .hint("Save the file as UTF-8 (PEP 3120): Python itself refuses other encodings without a coding declaration."),
            );
        }
        if text.len() > MAX_FILE_BYTES {
            out.push(
                Diagnostic::new(
                    "DJSA003",
                    Severity::Info,
                    format!(
                        "File is larger than {} MiB and was not analysed",
                        MAX_FILE_BYTES / (1024 * 1024)
                    ),
                )
                .at(file, Span::new(0, 0))
                .hint("Exclude generated files with `exclude` in [tool.djsa]."),
            );
            return out;
        }
        let syntax = module_syntax(db, file);
        if let Some(first) = syntax.errors.first() {
            let extra = syntax.errors.len() - 1;
            let msg = if extra == 0 {
                "Syntax error: djsa skips what it cannot parse in this file".to_string()
            } else {
                format!(
                    "Syntax error (and {extra} more): djsa skips what it cannot parse in this file"
                )
            };
            out.push(
                Diagnostic::new("DJSA001", Severity::Error, msg)
                    .at(file, *first)
                    .hint("Models and settings in this file may be incomplete until the error is fixed."),
            );
        }
    }
    out
}
