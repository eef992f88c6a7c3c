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
    CodeInfo {
        code: "DJSA201",
        summary: "SQLAlchemy foreign key to an unknown table or column",
    },
    CodeInfo {
        code: "DJSA202",
        summary: "SQLAlchemy relationship back_populates/backref names a missing or mismatched attribute",
    },
    CodeInfo {
        code: "DJSA203",
        summary: "SQLAlchemy table name defined twice in one MetaData",
    },
    CodeInfo {
        code: "DJSA204",
        summary: "SQLAlchemy mapped class without a primary key",
    },
    CodeInfo {
        code: "DJSA205",
        summary: "Mapped[...] annotation conflicts with the mapped_column type",
    },
    CodeInfo {
        code: "DJSA221",
        summary: "SQLAlchemy table without a primary key: no Django model possible",
    },
    CodeInfo {
        code: "DJSA222",
        summary: "SQLAlchemy table with a composite primary key: limited in Django",
    },
    CodeInfo {
        code: "DJSA223",
        summary: "SQLAlchemy column type with no Django model field",
    },
    CodeInfo {
        code: "DJSA224",
        summary: "SQLAlchemy column name is not a valid Django field name",
    },
    CodeInfo {
        code: "DJSA225",
        summary: "SQLAlchemy foreign key to a non-unique column",
    },
    CodeInfo {
        code: "DJSA226",
        summary: "SQLAlchemy multi-column foreign key",
    },
    CodeInfo {
        code: "DJSA227",
        summary: "SQLAlchemy association table with extra columns",
    },
    CodeInfo {
        code: "DJSA241",
        summary: "Django model and SQLAlchemy table disagree on a column's existence",
    },
    CodeInfo {
        code: "DJSA242",
        summary: "Django model and SQLAlchemy table disagree on a column's type",
    },
    CodeInfo {
        code: "DJSA243",
        summary: "Django model and SQLAlchemy table disagree on length or precision",
    },
    CodeInfo {
        code: "DJSA244",
        summary: "Django model and SQLAlchemy table disagree on nullability",
    },
    CodeInfo {
        code: "DJSA245",
        summary: "Django model and SQLAlchemy table disagree on primary key or uniqueness",
    },
    CodeInfo {
        code: "DJSA246",
        summary: "Django model and SQLAlchemy table disagree on a foreign key",
    },
    CodeInfo {
        code: "DJSA301",
        summary: "live database: table missing",
    },
    CodeInfo {
        code: "DJSA302",
        summary: "live database: column missing",
    },
    CodeInfo {
        code: "DJSA303",
        summary: "live database: column not on the model",
    },
    CodeInfo {
        code: "DJSA304",
        summary: "live database: column type differs from the model",
    },
    CodeInfo {
        code: "DJSA305",
        summary: "live database: nullability differs from the model",
    },
    CodeInfo {
        code: "DJSA306",
        summary: "live database: unique constraint missing",
    },
    CodeInfo {
        code: "DJSA307",
        summary: "live database: index missing",
    },
    CodeInfo {
        code: "DJSA308",
        summary: "live database: foreign key constraint missing or pointing elsewhere",
    },
    CodeInfo {
        code: "DJSA309",
        summary: "live database: migration not applied",
    },
    CodeInfo {
        code: "DJSA310",
        summary: "live database: applied migration unknown to the project",
    },
];
