//! The one diagnostic type. The CLI, the JSON/SARIF output and the language server all render
//! this value; no renderer invents text.

use crate::db::SourceFile;
use crate::span::Span;

/// Django's check levels, in increasing order of seriousness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, salsa::SalsaValue)]
pub enum Severity {
    Debug,
    Info,
    Warning,
    Error,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Debug => "debug",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Critical => "critical",
        }
    }
}

/// A text edit or a file creation that fixes a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, salsa::SalsaValue)]
pub enum Edit {
    Replace {
        file: SourceFile,
        span: Span,
        text: String,
    },
    /// Create a new file (path relative to the project root); never overwrites.
    Create { path: String, text: String },
}

#[derive(Debug, Clone, PartialEq, Eq, salsa::SalsaValue)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
}

#[derive(Debug, Clone, PartialEq, Eq, salsa::SalsaValue)]
pub struct Diagnostic {
    /// Django's check ID (`fields.E120`) or djsa's own (`DJSA001`).
    pub code: String,
    pub severity: Severity,
    pub file: Option<SourceFile>,
    pub span: Span,
    pub message: String,
    pub hint: Option<String>,
    /// The object Django names in front of the message (`library.Book.title`).
    pub object: Option<String>,
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    pub fn new(code: &str, severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            code: code.to_string(),
            severity,
            file: None,
            span: Span::default(),
            message: message.into(),
            hint: None,
            object: None,
            fixes: Vec::new(),
        }
    }
    pub fn at(mut self, file: SourceFile, span: Span) -> Self {
        self.file = Some(file);
        self.span = span;
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn hint_opt(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }
    pub fn object(mut self, obj: impl Into<String>) -> Self {
        self.object = Some(obj.into());
        self
    }
}

/// Whether `code` is selected by a list of codes or prefixes (`fields`, `fields.E3`, `DJSA0`).
pub fn code_matches(code: &str, patterns: &[String]) -> bool {
    patterns.iter().any(|p| {
        let p = p.trim();
        !p.is_empty() && (p.eq_ignore_ascii_case("ALL") || code.starts_with(p))
    })
}
