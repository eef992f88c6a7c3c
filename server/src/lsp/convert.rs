//! Conversions between analysis values (UTF-8 byte spans, [`Diagnostic`], [`Fix`]) and LSP
//! types, in the position encoding negotiated with the client.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use djsa_analysis::db::{Db, SourceFile};
use djsa_analysis::{Diagnostic, Edit, Fix, Severity, Span};
use line_index::{LineCol, LineIndex, TextSize, WideEncoding, WideLineCol};
use tower_lsp_server::ls_types as lsp;

/// The position encoding in use (LSP 3.17 `positionEncoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client offers it (no conversion), else the mandatory UTF-16.
    pub fn negotiate(offered: Option<&[lsp::PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&lsp::PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }
    pub fn kind(self) -> lsp::PositionEncodingKind {
        match self {
            Encoding::Utf8 => lsp::PositionEncodingKind::UTF8,
            Encoding::Utf16 => lsp::PositionEncodingKind::UTF16,
        }
    }
}

/// A text with its line index: byte offsets <-> LSP positions.
pub struct LineMap<'a> {
    text: &'a str,
    index: LineIndex,
    enc: Encoding,
}

impl<'a> LineMap<'a> {
    pub fn new(text: &'a str, enc: Encoding) -> Self {
        LineMap {
            text,
            index: LineIndex::new(text),
            enc,
        }
    }

    /// The position of a byte offset (clamped to the text and to a character boundary).
    pub fn position(&self, offset: u32) -> lsp::Position {
        let mut off = (offset as usize).min(self.text.len());
        while off > 0 && !self.text.is_char_boundary(off) {
            off -= 1;
        }
        let Some(lc) = self.index.try_line_col(TextSize::from(off as u32)) else {
            return lsp::Position::new(0, 0);
        };
        match self.enc {
            Encoding::Utf8 => lsp::Position::new(lc.line, lc.col),
            Encoding::Utf16 => match self.index.to_wide(WideEncoding::Utf16, lc) {
                Some(w) => lsp::Position::new(w.line, w.col),
                None => lsp::Position::new(lc.line, 0),
            },
        }
    }

    pub fn range(&self, span: Span) -> lsp::Range {
        lsp::Range::new(self.position(span.start), self.position(span.end))
    }

    /// The byte offset of a position; positions past a line's end clamp to its end, lines past
    /// the text's end to the text's end (as the LSP specification asks).
    pub fn offset(&self, pos: lsp::Position) -> u32 {
        let Some(line) = self.index.line(pos.line) else {
            return self.text.len() as u32;
        };
        let start = u32::from(line.start());
        let mut end = u32::from(line.end());
        let bytes = self.text.as_bytes();
        while end > start && matches!(bytes.get(end as usize - 1), Some(b'\n' | b'\r')) {
            end -= 1;
        }
        let col = match self.enc {
            Encoding::Utf8 => pos.character,
            Encoding::Utf16 => self
                .index
                .to_utf8(
                    WideEncoding::Utf16,
                    WideLineCol {
                        line: pos.line,
                        col: pos.character,
                    },
                )
                .map(|lc: LineCol| lc.col)
                .unwrap_or(u32::MAX),
        };
        let mut off = start.saturating_add(col).min(end) as usize;
        while off > 0 && !self.text.is_char_boundary(off) {
            off -= 1;
        }
        off as u32
    }
}

/// Apply one `contentChanges` entry to a document text.
pub fn apply_change(
    text: &mut String,
    change: &lsp::TextDocumentContentChangeEvent,
    enc: Encoding,
) {
    match change.range {
        None => *text = change.text.clone(),
        Some(range) => {
            let (start, end) = {
                let map = LineMap::new(text, enc);
                (
                    map.offset(range.start) as usize,
                    map.offset(range.end) as usize,
                )
            };
            let end = end.max(start);
            text.replace_range(start..end, &change.text);
        }
    }
}

pub fn severity(s: Severity) -> lsp::DiagnosticSeverity {
    match s {
        Severity::Critical | Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
        Severity::Debug => lsp::DiagnosticSeverity::HINT,
    }
}

/// Where a code's documentation lives: djsa's page (`<docs_base><CODE>.md`, a configurable base
/// or the repository's docs/checks/); without a base, Django's check reference for Django IDs.
pub fn docs_url(code: &str, docs_base: Option<&str>) -> Option<lsp::Uri> {
    let url = match docs_base {
        Some(base) => format!("{base}{code}.md"),
        None if code.starts_with("DJSA") => return None,
        None => "https://docs.djangoproject.com/en/stable/ref/checks/".to_string(),
    };
    url.parse().ok()
}

/// The LSP form of a diagnostic: code = the check ID, message = "<object>: <message>" with the
/// hint appended as "HINT: ...", as Django prints it.
pub fn diagnostic(d: &Diagnostic, map: &LineMap<'_>, docs_base: Option<&str>) -> lsp::Diagnostic {
    let mut message = match &d.object {
        Some(o) => format!("{o}: {}", d.message),
        None => d.message.clone(),
    };
    if let Some(h) = &d.hint {
        message.push_str("\nHINT: ");
        message.push_str(h);
    }
    lsp::Diagnostic {
        range: map.range(d.span),
        severity: Some(severity(d.severity)),
        code: Some(lsp::NumberOrString::String(d.code.clone())),
        code_description: docs_url(&d.code, docs_base).map(|href| lsp::CodeDescription { href }),
        source: Some("djsa".into()),
        message,
        related_information: None,
        tags: None,
        data: None,
    }
}

pub fn uri(path: &Path) -> Option<lsp::Uri> {
    lsp::Uri::from_file_path(path)
}

/// What the client can apply.
#[derive(Debug, Clone, Copy, Default)]
pub struct EditSupport {
    pub document_changes: bool,
    pub create_files: bool,
}

/// The command a client runs when it cannot create files itself: arguments are
/// `[{"path": <absolute path>, "text": <contents>}]`.
pub const CREATE_FILE_COMMAND: &str = "djsa.createFile";

/// A fix as a quick-fix code action. Replacements become text edits; file creations become
/// `CreateFile` + an insert when the client supports resource operations, else a
/// [`CREATE_FILE_COMMAND`] the server runs itself.
#[allow(clippy::too_many_arguments)]
pub fn code_action(
    db: &dyn Db,
    fix: &Fix,
    diag: lsp::Diagnostic,
    root: &Path,
    path_of: &dyn Fn(SourceFile) -> Option<PathBuf>,
    enc: Encoding,
    support: EditSupport,
    preferred: bool,
) -> Option<lsp::CodeAction> {
    let mut changes: Vec<(lsp::Uri, Vec<lsp::TextEdit>)> = Vec::new();
    let mut creates: Vec<(PathBuf, lsp::Uri, String)> = Vec::new();
    for e in &fix.edits {
        match e {
            Edit::Replace { file, span, text } => {
                let path = path_of(*file)?;
                let uri = uri(&path)?;
                let src = file.text(db);
                let map = LineMap::new(src, enc);
                let te = lsp::TextEdit::new(map.range(*span), text.clone());
                match changes.iter_mut().find(|(u, _)| *u == uri) {
                    Some((_, v)) => v.push(te),
                    None => changes.push((uri, vec![te])),
                }
            }
            Edit::Create { path, text } => {
                let abs = root.join(path);
                let uri = uri(&abs)?;
                creates.push((abs, uri, text.clone()));
            }
        }
    }
    let mut command = None;
    let edit = if support.document_changes && (creates.is_empty() || support.create_files) {
        let mut ops: Vec<lsp::DocumentChangeOperation> = Vec::new();
        for (_, uri, text) in &creates {
            ops.push(lsp::DocumentChangeOperation::Op(lsp::ResourceOp::Create(
                lsp::CreateFile {
                    uri: uri.clone(),
                    options: Some(lsp::CreateFileOptions {
                        overwrite: Some(false),
                        ignore_if_exists: Some(false),
                    }),
                    annotation_id: None,
                },
            )));
            ops.push(lsp::DocumentChangeOperation::Edit(lsp::TextDocumentEdit {
                text_document: lsp::OptionalVersionedTextDocumentIdentifier {
                    uri: uri.clone(),
                    version: None,
                },
                edits: vec![lsp::OneOf::Left(lsp::TextEdit::new(
                    lsp::Range::new(lsp::Position::new(0, 0), lsp::Position::new(0, 0)),
                    text.clone(),
                ))],
            }));
        }
        for (uri, edits) in changes {
            ops.push(lsp::DocumentChangeOperation::Edit(lsp::TextDocumentEdit {
                text_document: lsp::OptionalVersionedTextDocumentIdentifier { uri, version: None },
                edits: edits.into_iter().map(lsp::OneOf::Left).collect(),
            }));
        }
        Some(lsp::WorkspaceEdit {
            changes: None,
            document_changes: Some(lsp::DocumentChanges::Operations(ops)),
            change_annotations: None,
        })
    } else {
        if !creates.is_empty() {
            let args: Vec<serde_json::Value> = creates
                .iter()
                .map(|(abs, _, text)| {
                    serde_json::json!({"path": abs.to_string_lossy(), "text": text})
                })
                .collect();
            command = Some(lsp::Command {
                title: fix.title.clone(),
                command: CREATE_FILE_COMMAND.into(),
                arguments: Some(args),
            });
        }
        if changes.is_empty() {
            None
        } else {
            Some(lsp::WorkspaceEdit {
                changes: Some(changes.into_iter().collect::<HashMap<_, _>>()),
                document_changes: None,
                change_annotations: None,
            })
        }
    };
    Some(lsp::CodeAction {
        title: fix.title.clone(),
        kind: Some(lsp::CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diag]),
        edit,
        command,
        is_preferred: Some(preferred),
        disabled: None,
        data: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_in_both_encodings() {
        let text = "a = 'é𝄞x'\nb\n";
        let x = text.find('x').unwrap_or(0) as u32;
        let u8map = LineMap::new(text, Encoding::Utf8);
        let u16map = LineMap::new(text, Encoding::Utf16);
        assert_eq!(u8map.position(x), lsp::Position::new(0, 11));
        assert_eq!(u16map.position(x), lsp::Position::new(0, 8));
        assert_eq!(u8map.offset(lsp::Position::new(0, 11)), x);
        assert_eq!(u16map.offset(lsp::Position::new(0, 8)), x);
        // Past the end of a line or of the text: clamped.
        assert_eq!(u16map.offset(lsp::Position::new(0, 99)), 13);
        assert_eq!(u16map.offset(lsp::Position::new(9, 0)), text.len() as u32);
        // Inside a multi-byte character: moved back to its start.
        assert_eq!(u8map.offset(lsp::Position::new(0, 6)), 5);
        assert_eq!(u8map.position(6), lsp::Position::new(0, 5));
    }

    fn fix_case() -> (djsa_analysis::RootDatabase, Fix, SourceFile) {
        let db = djsa_analysis::RootDatabase::default();
        let file = SourceFile::new(
            &db,
            "shop/models.py".into(),
            Some("shop.models".into()),
            "# é\nx = 1\n".into(),
            djsa_analysis::Origin::Project,
            false,
        );
        let fix = Fix {
            title: "Create migration shop/migrations/0002_x.py".into(),
            edits: vec![
                Edit::Create {
                    path: "shop/migrations/0002_x.py".into(),
                    text: "from django.db import migrations\n".into(),
                },
                Edit::Replace {
                    file,
                    span: Span::new(5, 6),
                    text: "y".into(),
                },
            ],
        };
        (db, fix, file)
    }

    fn render(a: &lsp::CodeAction) -> String {
        let v = serde_json::to_value(a).unwrap_or_default();
        serde_json::to_string(&v).unwrap_or_default()
    }

    #[test]
    fn fixes_become_workspace_edits_with_create_file() {
        let (db, fix, file) = fix_case();
        let root = Path::new("/proj");
        let path_of = |f: SourceFile| (f == file).then(|| root.join("shop/models.py"));
        let diag = lsp::Diagnostic::default();
        let support = EditSupport {
            document_changes: true,
            create_files: true,
        };
        let a = code_action(
            &db,
            &fix,
            diag.clone(),
            root,
            &path_of,
            Encoding::Utf16,
            support,
            true,
        );
        let a = a.expect("action");
        assert_eq!(
            render(&a),
            r#"{"diagnostics":[{"message":"","range":{"end":{"character":0,"line":0},"start":{"character":0,"line":0}}}],"edit":{"documentChanges":[{"kind":"create","options":{"ignoreIfExists":false,"overwrite":false},"uri":"file:///proj/shop/migrations/0002_x.py"},{"edits":[{"newText":"from django.db import migrations\n","range":{"end":{"character":0,"line":0},"start":{"character":0,"line":0}}}],"textDocument":{"uri":"file:///proj/shop/migrations/0002_x.py","version":null}},{"edits":[{"newText":"y","range":{"end":{"character":1,"line":1},"start":{"character":0,"line":1}}}],"textDocument":{"uri":"file:///proj/shop/models.py","version":null}}]},"isPreferred":true,"kind":"quickfix","title":"Create migration shop/migrations/0002_x.py"}"#
        );

        // Without resource operations: the replacement as a plain edit, the file through the
        // server's command.
        let support = EditSupport {
            document_changes: false,
            create_files: false,
        };
        let a = code_action(
            &db,
            &fix,
            diag,
            root,
            &path_of,
            Encoding::Utf16,
            support,
            false,
        )
        .expect("action");
        assert_eq!(
            render(&a),
            r#"{"command":{"arguments":[{"path":"/proj/shop/migrations/0002_x.py","text":"from django.db import migrations\n"}],"command":"djsa.createFile","title":"Create migration shop/migrations/0002_x.py"},"diagnostics":[{"message":"","range":{"end":{"character":0,"line":0},"start":{"character":0,"line":0}}}],"edit":{"changes":{"file:///proj/shop/models.py":[{"newText":"y","range":{"end":{"character":1,"line":1},"start":{"character":0,"line":1}}}]}},"isPreferred":false,"kind":"quickfix","title":"Create migration shop/migrations/0002_x.py"}"#
        );
    }

    #[test]
    fn incremental_changes() {
        let mut t = String::from("héllo\nworld\n");
        let ch = lsp::TextDocumentContentChangeEvent {
            range: Some(lsp::Range::new(
                lsp::Position::new(0, 2),
                lsp::Position::new(1, 1),
            )),
            range_length: None,
            text: "X".into(),
        };
        apply_change(&mut t, &ch, Encoding::Utf16);
        assert_eq!(t, "héXorld\n");
    }
}
