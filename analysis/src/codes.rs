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
        code: "DJSA261",
        summary: "SQLAlchemy metadata differs from the Alembic revisions (what `alembic check` reports)",
    },
    CodeInfo {
        code: "DJSA262",
        summary: "Alembic: multiple head revisions",
    },
    CodeInfo {
        code: "DJSA263",
        summary: "Alembic: down_revision or depends_on names a revision that does not exist",
    },
    CodeInfo {
        code: "DJSA264",
        summary: "Alembic revision not understood statically",
    },
    CodeInfo {
        code: "DJSA265",
        summary: "Alembic: revision cycle",
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
    CodeInfo {
        code: "DJSA311",
        summary: "live database: table of the applied migrations missing",
    },
    CodeInfo {
        code: "DJSA312",
        summary: "live database: column of the applied migrations missing",
    },
    CodeInfo {
        code: "DJSA313",
        summary: "live database: column not in the applied migrations",
    },
    CodeInfo {
        code: "DJSA314",
        summary: "live database: column type differs from the applied migrations",
    },
    CodeInfo {
        code: "DJSA315",
        summary: "live database: nullability differs from the applied migrations",
    },
    CodeInfo {
        code: "DJSA316",
        summary: "live database: constraint or index of the applied migrations missing",
    },
    CodeInfo {
        code: "DJSA317",
        summary: "live database: column default differs from the model's db_default",
    },
    CodeInfo {
        code: "DJSA318",
        summary: "live database: comment differs from db_comment / db_table_comment",
    },
    CodeInfo {
        code: "DJSA319",
        summary: "live database: check constraint missing",
    },
    CodeInfo {
        code: "DJSA321",
        summary: "live database: SQLAlchemy table missing",
    },
    CodeInfo {
        code: "DJSA322",
        summary: "live database: SQLAlchemy column missing",
    },
    CodeInfo {
        code: "DJSA323",
        summary: "live database: column not in the SQLAlchemy table",
    },
    CodeInfo {
        code: "DJSA324",
        summary: "live database: column type differs from the SQLAlchemy column",
    },
    CodeInfo {
        code: "DJSA325",
        summary: "live database: nullability differs from the SQLAlchemy column",
    },
    CodeInfo {
        code: "DJSA326",
        summary: "live database: SQLAlchemy primary key, unique constraint, index or foreign key differs",
    },
    CodeInfo {
        code: "DJSA327",
        summary: "live database: SQLAlchemy server_default or comment differs",
    },
    CodeInfo {
        code: "DJSA331",
        summary: "live database: alembic_version at a revision not in the scripts",
    },
    CodeInfo {
        code: "DJSA332",
        summary: "live database: Alembic revision not applied",
    },
    CodeInfo {
        code: "DJSA333",
        summary: "live database: Alembic tables present but no alembic_version table",
    },
];
