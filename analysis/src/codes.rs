//! djsa's own diagnostic codes. Django's check IDs are Django's; these are djsa's, stable once
//! released, each with a page in docs/checks/.

pub struct CodeInfo {
    pub code: &'static str,
    pub summary: &'static str,
}

pub const DJSA_CODES: &[CodeInfo] = &[
    CodeInfo {
        code: "DJSA001",
        summary: "syntax error in a Python file",
    },
    CodeInfo {
        code: "DJSA002",
        summary: "file is not valid UTF-8",
    },
    CodeInfo {
        code: "DJSA003",
        summary: "file too large to analyse",
    },
    CodeInfo {
        code: "DJSA101",
        summary: "model change without a migration",
    },
    CodeInfo {
        code: "DJSA102",
        summary: "conflicting migrations (several leaf nodes)",
    },
    CodeInfo {
        code: "DJSA103",
        summary: "migration depends on a migration that does not exist",
    },
    CodeInfo {
        code: "DJSA104",
        summary: "migration not understood statically",
    },
    CodeInfo {
        code: "DJSA105",
        summary: "migration dependency cycle",
    },
];
