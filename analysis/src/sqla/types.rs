//! SQLAlchemy column types as djsa understands them, and the Django field each one becomes.

use crate::syntax::{Expr, ExprKind};

/// A column type, reduced to what matters for Django and for drift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlType {
    Integer,
    BigInteger,
    SmallInteger,
    Boolean,
    /// `String(n)`, `VARCHAR(n)`, `Unicode(n)`; `fixed` for `CHAR(n)`.
    String {
        length: Option<u32>,
        fixed: bool,
    },
    Text,
    Numeric {
        precision: Option<u32>,
        scale: Option<u32>,
    },
    Float,
    Double,
    Date,
    DateTime {
        timezone: bool,
    },
    Time,
    Interval,
    LargeBinary,
    Uuid,
    Json,
    /// `Enum("a", "b")`, `Enum(PyEnum)` (member names), `Mapped[Literal[...]]`.
    /// `values` is `None` when the members could not be read.
    Enum {
        values: Option<Vec<String>>,
    },
    /// A SQLAlchemy (or dialect) type djsa knows by name but that has no generic Django field.
    Other(String),
    /// Not understood statically (a project `TypeDecorator`, a computed type); the string says what.
    Unknown(String),
}

impl SqlType {
    /// Category name, as the conformance script derives it from a real `Column.type`.
    pub fn category(&self) -> String {
        match self {
            SqlType::Integer => "Integer".into(),
            SqlType::BigInteger => "BigInteger".into(),
            SqlType::SmallInteger => "SmallInteger".into(),
            SqlType::Boolean => "Boolean".into(),
            SqlType::String { .. } => "String".into(),
            SqlType::Text => "Text".into(),
            SqlType::Numeric { .. } => "Numeric".into(),
            SqlType::Float => "Float".into(),
            SqlType::Double => "Double".into(),
            SqlType::Date => "Date".into(),
            SqlType::DateTime { .. } => "DateTime".into(),
            SqlType::Time => "Time".into(),
            SqlType::Interval => "Interval".into(),
            SqlType::LargeBinary => "LargeBinary".into(),
            SqlType::Uuid => "Uuid".into(),
            SqlType::Json => "JSON".into(),
            SqlType::Enum { .. } => "Enum".into(),
            // PickleType is a TypeDecorator over LargeBinary: that is the database type.
            SqlType::Other(n) if n == "PickleType" => "LargeBinary".into(),
            SqlType::Other(n) => n.clone(),
            SqlType::Unknown(_) => "?".into(),
        }
    }

    pub fn length(&self) -> Option<u32> {
        match self {
            SqlType::String { length, .. } => *length,
            SqlType::Enum { values: Some(v) } => v.iter().map(|s| s.chars().count() as u32).max(),
            _ => None,
        }
    }

    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            SqlType::Integer | SqlType::BigInteger | SqlType::SmallInteger
        )
    }

    pub fn is_known(&self) -> bool {
        !matches!(self, SqlType::Unknown(_))
    }

    /// Source text of the SQLAlchemy type, for generated Core code (`sa.String(50)`).
    pub fn sa_source(&self) -> String {
        match self {
            SqlType::Integer => "sa.Integer()".into(),
            SqlType::BigInteger => "sa.BigInteger()".into(),
            SqlType::SmallInteger => "sa.SmallInteger()".into(),
            SqlType::Boolean => "sa.Boolean()".into(),
            SqlType::String { length, fixed } => {
                let t = if *fixed { "sa.CHAR" } else { "sa.String" };
                match length {
                    Some(n) => format!("{t}({n})"),
                    None => format!("{t}()"),
                }
            }
            SqlType::Text => "sa.Text()".into(),
            SqlType::Numeric { precision, scale } => match (precision, scale) {
                (Some(p), Some(s)) => format!("sa.Numeric({p}, {s})"),
                (Some(p), None) => format!("sa.Numeric({p})"),
                _ => "sa.Numeric()".into(),
            },
            SqlType::Float => "sa.Float()".into(),
            SqlType::Double => "sa.Double()".into(),
            SqlType::Date => "sa.Date()".into(),
            SqlType::DateTime { timezone } => {
                if *timezone {
                    "sa.DateTime(timezone=True)".into()
                } else {
                    "sa.DateTime()".into()
                }
            }
            SqlType::Time => "sa.Time()".into(),
            SqlType::Interval => "sa.Interval()".into(),
            SqlType::LargeBinary => "sa.LargeBinary()".into(),
            SqlType::Uuid => "sa.Uuid()".into(),
            SqlType::Json => "sa.JSON()".into(),
            SqlType::Enum { .. } => "sa.String()".into(),
            SqlType::Other(n) => format!("sa.types.NullType()  # {n}"),
            SqlType::Unknown(n) => format!("sa.types.NullType()  # {n}"),
        }
    }
}

fn int_arg(call: &Expr, pos: usize, kw: &str) -> Option<u32> {
    let ExprKind::Call { args, .. } = &call.kind else {
        return None;
    };
    call.kwarg(kw)
        .or_else(|| args.get(pos))
        .and_then(Expr::as_int)
        .and_then(|i| u32::try_from(i).ok())
}

/// The type named `name` (last component of a SQLAlchemy qualified name), called with `call`
/// (`None` for a bare class reference like `Integer`). `None`: not a type name djsa knows.
pub fn from_sa_name(name: &str, call: Option<&Expr>) -> Option<SqlType> {
    let int = |pos: usize, kw: &str| call.and_then(|c| int_arg(c, pos, kw));
    Some(match name {
        "Integer" | "INTEGER" | "INT" => SqlType::Integer,
        "BigInteger" | "BIGINT" => SqlType::BigInteger,
        "SmallInteger" | "SMALLINT" => SqlType::SmallInteger,
        "Boolean" | "BOOLEAN" => SqlType::Boolean,
        "String" | "VARCHAR" | "Unicode" | "NVARCHAR" => SqlType::String {
            length: int(0, "length"),
            fixed: false,
        },
        "CHAR" | "NCHAR" => SqlType::String {
            length: int(0, "length"),
            fixed: true,
        },
        "Text" | "TEXT" | "UnicodeText" | "CLOB" => SqlType::Text,
        "Numeric" | "NUMERIC" | "DECIMAL" => SqlType::Numeric {
            precision: int(0, "precision"),
            scale: int(1, "scale"),
        },
        "Float" | "FLOAT" | "REAL" => SqlType::Float,
        "Double" | "DOUBLE" | "DOUBLE_PRECISION" => SqlType::Double,
        "Date" | "DATE" => SqlType::Date,
        "DateTime" | "DATETIME" | "TIMESTAMP" => SqlType::DateTime {
            timezone: call
                .and_then(|c| c.kwarg("timezone"))
                .and_then(Expr::as_bool)
                .unwrap_or(false),
        },
        "Time" | "TIME" => SqlType::Time,
        "Interval" => SqlType::Interval,
        "LargeBinary" | "BLOB" | "BINARY" | "VARBINARY" | "BYTEA" => SqlType::LargeBinary,
        "Uuid" | "UUID" => SqlType::Uuid,
        "JSON" | "JSONB" => SqlType::Json,
        "Enum" => SqlType::Enum {
            values: call.and_then(enum_literal_values),
        },
        "ARRAY" | "INET" | "CIDR" | "MACADDR" | "HSTORE" | "TSVECTOR" | "INT4RANGE"
        | "INT8RANGE" | "NUMRANGE" | "DATERANGE" | "TSRANGE" | "TSTZRANGE" | "PickleType"
        | "BIT" | "MONEY" | "OID" | "Geometry" | "NullType" | "TupleType" => {
            SqlType::Other(name.to_string())
        }
        _ => return None,
    })
}

/// `Enum("a", "b", name=...)` with string members only.
fn enum_literal_values(call: &Expr) -> Option<Vec<String>> {
    let ExprKind::Call { args, .. } = &call.kind else {
        return None;
    };
    if args.is_empty() {
        return None;
    }
    args.iter()
        .map(|a| a.as_str().map(str::to_string))
        .collect()
}

/// The default SQLAlchemy type for a Python annotation type (SQLAlchemy 2.1 `_type_map`).
pub fn from_python_type(canonical: &str) -> Option<SqlType> {
    Some(match canonical {
        "int" => SqlType::Integer,
        "float" => SqlType::Double,
        "bool" => SqlType::Boolean,
        "str" => SqlType::String {
            length: None,
            fixed: false,
        },
        "bytes" => SqlType::LargeBinary,
        "decimal.Decimal" => SqlType::Numeric {
            precision: None,
            scale: None,
        },
        "datetime.datetime" => SqlType::DateTime { timezone: false },
        "datetime.date" => SqlType::Date,
        "datetime.time" => SqlType::Time,
        "datetime.timedelta" => SqlType::Interval,
        "uuid.UUID" => SqlType::Uuid,
        _ => return None,
    })
}

/// Whether an explicit column type is a plausible storage for values of a Python annotation type
/// (`Mapped[int]` stored as `String` is not). `None`: djsa cannot tell.
pub fn annotation_compatible(canonical: &str, ty: &SqlType) -> Option<bool> {
    use SqlType as T;
    if !ty.is_known() || matches!(ty, T::Other(_)) {
        return None;
    }
    Some(match canonical {
        "int" => ty.is_integer() || matches!(ty, T::Numeric { .. } | T::Enum { .. }),
        "float" => matches!(ty, T::Float | T::Double | T::Numeric { .. }),
        "bool" => matches!(ty, T::Boolean) || ty.is_integer(),
        "str" => matches!(
            ty,
            T::String { .. } | T::Text | T::Enum { .. } | T::Uuid | T::Json
        ),
        "bytes" => matches!(ty, T::LargeBinary),
        "decimal.Decimal" => matches!(ty, T::Numeric { .. } | T::Float | T::Double),
        "datetime.datetime" => matches!(ty, T::DateTime { .. }),
        "datetime.date" => matches!(ty, T::Date | T::DateTime { .. }),
        "datetime.time" => matches!(ty, T::Time),
        "datetime.timedelta" => matches!(ty, T::Interval),
        "uuid.UUID" => matches!(ty, T::Uuid | T::String { .. }),
        _ => return None,
    })
}

/// The Django field class and its type options for a column type, or why there is none.
/// `auto_pk`: the column is a single-column integer primary key with autoincrement.
/// A Django field class and its type options (`[("max_length", "50")]`).
pub type DjangoField = (&'static str, Vec<(String, String)>);

pub fn django_field(ty: &SqlType, auto_pk: bool) -> Result<DjangoField, String> {
    use SqlType as T;
    let none = Vec::new;
    Ok(match ty {
        T::Integer if auto_pk => ("AutoField", none()),
        T::BigInteger if auto_pk => ("BigAutoField", none()),
        T::SmallInteger if auto_pk => ("SmallAutoField", none()),
        T::Integer => ("IntegerField", none()),
        T::BigInteger => ("BigIntegerField", none()),
        T::SmallInteger => ("SmallIntegerField", none()),
        T::Boolean => ("BooleanField", none()),
        T::String {
            length: Some(n), ..
        } => ("CharField", vec![("max_length".into(), n.to_string())]),
        // Unlimited VARCHAR: CharField(max_length=None) only on PostgreSQL/SQLite; TextField is
        // the portable field for an unbounded string.
        T::String { length: None, .. } => ("TextField", none()),
        T::Text => ("TextField", none()),
        T::Numeric {
            precision: Some(p),
            scale: Some(s),
        } => (
            "DecimalField",
            vec![
                ("max_digits".into(), p.to_string()),
                ("decimal_places".into(), s.to_string()),
            ],
        ),
        T::Numeric {
            precision: Some(p),
            scale: None,
        } => (
            "DecimalField",
            vec![
                ("max_digits".into(), p.to_string()),
                ("decimal_places".into(), "0".into()),
            ],
        ),
        T::Numeric {
            precision: None, ..
        } => {
            return Err("Numeric without precision and scale: Django's DecimalField requires max_digits and decimal_places".into());
        }
        T::Float | T::Double => ("FloatField", none()),
        T::Date => ("DateField", none()),
        T::DateTime { .. } => ("DateTimeField", none()),
        T::Time => ("TimeField", none()),
        T::Interval => ("DurationField", none()),
        T::LargeBinary => ("BinaryField", none()),
        T::Uuid => ("UUIDField", none()),
        T::Json => ("JSONField", none()),
        T::Enum { values: Some(v) } => {
            let len = v
                .iter()
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(1)
                .max(1);
            ("CharField", vec![("max_length".into(), len.to_string())])
        }
        T::Enum { values: None } => {
            return Err(
                "Enum whose members djsa could not read: no max_length and no choices".into(),
            );
        }
        T::Other(n) => return Err(format!("{n} has no generic Django model field")),
        T::Unknown(n) => return Err(format!("type not understood statically ({n})")),
    })
}
