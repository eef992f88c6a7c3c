//! Django's field classes as djsa knows them.

/// A built-in Django field class (the class a custom field subclass is treated as).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldKind {
    AutoField,
    BigAutoField,
    SmallAutoField,
    BigIntegerField,
    BinaryField,
    BooleanField,
    CharField,
    CommaSeparatedIntegerField,
    DateField,
    DateTimeField,
    DecimalField,
    DurationField,
    EmailField,
    FileField,
    FilePathField,
    FloatField,
    GeneratedField,
    GenericIPAddressField,
    ImageField,
    IntegerField,
    IPAddressField,
    JSONField,
    NullBooleanField,
    PositiveBigIntegerField,
    PositiveIntegerField,
    PositiveSmallIntegerField,
    SlugField,
    SmallIntegerField,
    TextField,
    TimeField,
    URLField,
    UUIDField,
    ForeignKey,
    OneToOneField,
    ManyToManyField,
    ForeignObject,
    CompositePrimaryKey,
    GenericForeignKey,
    GenericRelation,
    ArrayField,
    HStoreField,
    RangeField,
    /// `models.Field` itself or `RelatedField`: a base for custom fields, behaviour unknown.
    Field,
    RelatedField,
}

impl FieldKind {
    /// Map a class name from `django.db.models` (or contrib modules) to its kind.
    pub fn from_django_name(name: &str) -> Option<FieldKind> {
        use FieldKind::*;
        Some(match name {
            "AutoField" => AutoField,
            "BigAutoField" => BigAutoField,
            "SmallAutoField" => SmallAutoField,
            "BigIntegerField" => BigIntegerField,
            "BinaryField" => BinaryField,
            "BooleanField" => BooleanField,
            "CharField" => CharField,
            "CommaSeparatedIntegerField" => CommaSeparatedIntegerField,
            "DateField" => DateField,
            "DateTimeField" => DateTimeField,
            "DecimalField" => DecimalField,
            "DurationField" => DurationField,
            "EmailField" => EmailField,
            "FileField" => FileField,
            "FilePathField" => FilePathField,
            "FloatField" => FloatField,
            "GeneratedField" => GeneratedField,
            "GenericIPAddressField" => GenericIPAddressField,
            "ImageField" => ImageField,
            "IntegerField" => IntegerField,
            "IPAddressField" => IPAddressField,
            "JSONField" => JSONField,
            "NullBooleanField" => NullBooleanField,
            "PositiveBigIntegerField" => PositiveBigIntegerField,
            "PositiveIntegerField" => PositiveIntegerField,
            "PositiveSmallIntegerField" => PositiveSmallIntegerField,
            "SlugField" => SlugField,
            "SmallIntegerField" => SmallIntegerField,
            "TextField" => TextField,
            "TimeField" => TimeField,
            "URLField" => URLField,
            "UUIDField" => UUIDField,
            "ForeignKey" => ForeignKey,
            "OneToOneField" => OneToOneField,
            "ManyToManyField" => ManyToManyField,
            "ForeignObject" => ForeignObject,
            "CompositePrimaryKey" => CompositePrimaryKey,
            "GenericForeignKey" => GenericForeignKey,
            "GenericRelation" => GenericRelation,
            "ArrayField" => ArrayField,
            "HStoreField" => HStoreField,
            "IntegerRangeField"
            | "BigIntegerRangeField"
            | "DecimalRangeField"
            | "DateTimeRangeField"
            | "DateRangeField" => RangeField,
            "Field" => Field,
            "RelatedField" => RelatedField,
            _ => return None,
        })
    }

    /// Whether a qualified name outside the loaded files is one of Django's field classes.
    pub fn from_qualified(q: &str) -> Option<FieldKind> {
        // `q.rsplit_once('.')`, scanning bytes (this runs once per field declaration).
        let dot = q.bytes().rposition(|b| b == b'.')?;
        let (module, name) = (&q[..dot], &q[dot + 1..]);
        let django_module = module == "django.db.models"
            || module.starts_with("django.db.models.fields")
            || module == "django.contrib.postgres.fields"
            || module.starts_with("django.contrib.postgres.fields.")
            || module == "django.contrib.contenttypes.fields"
            || module == "django.contrib.gis.db.models"
            || module == "django.db.models.fields.composite";
        if django_module {
            // Removed contrib.postgres fields (fields.E905-E907) still subclass the built-ins.
            if module.starts_with("django.contrib.postgres.fields") {
                match name {
                    "CICharField" => return Some(FieldKind::CharField),
                    "CIEmailField" => return Some(FieldKind::EmailField),
                    "CITextField" => return Some(FieldKind::TextField),
                    _ => {}
                }
            }
            FieldKind::from_django_name(name)
        } else {
            None
        }
    }

    pub fn is_relation(self) -> bool {
        matches!(
            self,
            FieldKind::ForeignKey
                | FieldKind::OneToOneField
                | FieldKind::ManyToManyField
                | FieldKind::ForeignObject
                | FieldKind::GenericRelation
                | FieldKind::RelatedField
        )
    }

    pub fn is_auto(self) -> bool {
        matches!(
            self,
            FieldKind::AutoField | FieldKind::BigAutoField | FieldKind::SmallAutoField
        )
    }

    /// Fields whose class is a subclass of CharField in Django.
    pub fn is_char_like(self) -> bool {
        matches!(
            self,
            FieldKind::CharField
                | FieldKind::SlugField
                | FieldKind::EmailField
                | FieldKind::URLField
                | FieldKind::CommaSeparatedIntegerField
        )
    }

    pub fn is_integer_like(self) -> bool {
        matches!(
            self,
            FieldKind::IntegerField
                | FieldKind::BigIntegerField
                | FieldKind::SmallIntegerField
                | FieldKind::PositiveIntegerField
                | FieldKind::PositiveBigIntegerField
                | FieldKind::PositiveSmallIntegerField
                | FieldKind::AutoField
                | FieldKind::BigAutoField
                | FieldKind::SmallAutoField
        )
    }

    /// Django's default `max_length` for the class (set in its `__init__`).
    pub fn default_max_length(self) -> Option<i128> {
        match self {
            FieldKind::SlugField => Some(50),
            FieldKind::EmailField => Some(254),
            FieldKind::URLField => Some(200),
            FieldKind::FileField | FieldKind::ImageField | FieldKind::FilePathField => Some(100),
            _ => None,
        }
    }

    /// Positional parameters after `self`, as Django's `__init__` declares them (checked against
    /// Django 5.2 and 6.1; subclasses that take `*args` pass them on to their base).
    pub fn positional_params(self) -> &'static [&'static str] {
        const FIELD: &[&str] = &[
            "verbose_name",
            "name",
            "primary_key",
            "max_length",
            "unique",
            "blank",
            "null",
            "db_index",
            "rel",
            "default",
            "editable",
            "serialize",
            "unique_for_date",
            "unique_for_month",
            "unique_for_year",
            "choices",
            "help_text",
            "db_column",
            "db_tablespace",
            "auto_created",
            "validators",
            "error_messages",
            "db_comment",
            "db_default",
        ];
        match self {
            FieldKind::ForeignKey => &[
                "to",
                "on_delete",
                "related_name",
                "related_query_name",
                "limit_choices_to",
                "parent_link",
                "to_field",
                "db_constraint",
            ],
            FieldKind::OneToOneField => &["to", "on_delete", "to_field"],
            FieldKind::ForeignObject => &[
                "to",
                "on_delete",
                "from_fields",
                "to_fields",
                "rel",
                "related_name",
                "related_query_name",
                "limit_choices_to",
                "parent_link",
                "swappable",
            ],
            FieldKind::ManyToManyField => &[
                "to",
                "related_name",
                "related_query_name",
                "limit_choices_to",
                "symmetrical",
                "through",
                "through_fields",
                "db_constraint",
                "db_table",
                "swappable",
            ],
            FieldKind::RelatedField => &["related_name", "related_query_name", "limit_choices_to"],
            FieldKind::DecimalField => &["verbose_name", "name", "max_digits", "decimal_places"],
            FieldKind::DateField | FieldKind::DateTimeField | FieldKind::TimeField => {
                &["verbose_name", "name", "auto_now", "auto_now_add"]
            }
            FieldKind::FileField => &["verbose_name", "name", "upload_to", "storage"],
            FieldKind::ImageField => &["verbose_name", "name", "width_field", "height_field"],
            FieldKind::FilePathField => &[
                "verbose_name",
                "name",
                "path",
                "match",
                "recursive",
                "allow_files",
                "allow_folders",
            ],
            // `(verbose_name, name, protocol, unpack_ipv4, *args)`: further positional arguments
            // go to `Field.__init__` after `name`.
            FieldKind::GenericIPAddressField => &[
                "verbose_name",
                "name",
                "protocol",
                "unpack_ipv4",
                "primary_key",
                "max_length",
                "unique",
                "blank",
                "null",
                "db_index",
                "rel",
                "default",
                "editable",
                "serialize",
                "unique_for_date",
                "unique_for_month",
                "unique_for_year",
                "choices",
                "help_text",
                "db_column",
                "db_tablespace",
                "auto_created",
                "validators",
                "error_messages",
                "db_comment",
                "db_default",
            ],
            FieldKind::JSONField => &["verbose_name", "name", "encoder", "decoder"],
            FieldKind::URLField => &["verbose_name", "name"],
            FieldKind::UUIDField => &["verbose_name"],
            FieldKind::GenericForeignKey => &["ct_field", "fk_field", "for_concrete_model"],
            FieldKind::GenericRelation => &[
                "to",
                "object_id_field",
                "content_type_field",
                "for_concrete_model",
                "related_query_name",
                "limit_choices_to",
            ],
            // Keyword-only (`expression`, `output_field`, `db_persist`), the rest go to
            // `Field.__init__(**kwargs)`.
            FieldKind::GeneratedField => &[],
            FieldKind::ArrayField => &["base_field", "size"],
            // Positional arguments are the names of the key's fields.
            FieldKind::CompositePrimaryKey => &[],
            _ => FIELD,
        }
    }

    pub fn name(self) -> &'static str {
        use FieldKind::*;
        match self {
            AutoField => "AutoField",
            BigAutoField => "BigAutoField",
            SmallAutoField => "SmallAutoField",
            BigIntegerField => "BigIntegerField",
            BinaryField => "BinaryField",
            BooleanField => "BooleanField",
            CharField => "CharField",
            CommaSeparatedIntegerField => "CommaSeparatedIntegerField",
            DateField => "DateField",
            DateTimeField => "DateTimeField",
            DecimalField => "DecimalField",
            DurationField => "DurationField",
            EmailField => "EmailField",
            FileField => "FileField",
            FilePathField => "FilePathField",
            FloatField => "FloatField",
            GeneratedField => "GeneratedField",
            GenericIPAddressField => "GenericIPAddressField",
            ImageField => "ImageField",
            IntegerField => "IntegerField",
            IPAddressField => "IPAddressField",
            JSONField => "JSONField",
            NullBooleanField => "NullBooleanField",
            PositiveBigIntegerField => "PositiveBigIntegerField",
            PositiveIntegerField => "PositiveIntegerField",
            PositiveSmallIntegerField => "PositiveSmallIntegerField",
            SlugField => "SlugField",
            SmallIntegerField => "SmallIntegerField",
            TextField => "TextField",
            TimeField => "TimeField",
            URLField => "URLField",
            UUIDField => "UUIDField",
            ForeignKey => "ForeignKey",
            OneToOneField => "OneToOneField",
            ManyToManyField => "ManyToManyField",
            ForeignObject => "ForeignObject",
            CompositePrimaryKey => "CompositePrimaryKey",
            GenericForeignKey => "GenericForeignKey",
            GenericRelation => "GenericRelation",
            ArrayField => "ArrayField",
            HStoreField => "HStoreField",
            RangeField => "RangeField",
            Field => "Field",
            RelatedField => "RelatedField",
        }
    }
}
