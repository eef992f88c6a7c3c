"""Core Table declarations: every column form SQLAlchemy Core offers."""
import sqlalchemy as sa
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    Sequence,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)

metadata = MetaData()

authors = Table(
    "authors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("email", String(254), unique=True),
    Column("bio", Text),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("created", DateTime, server_default=func.now(), nullable=False),
    comment="People who write",
)

books = Table(
    "books",
    metadata,
    Column("id", Integer, Identity(start=1), primary_key=True),
    Column("author_id", ForeignKey("authors.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False, index=True),
    Column("price", Numeric(10, 2)),
    Column("published", Date),
    Column("status", Enum("draft", "published", name="book_status"), nullable=False, default="draft"),
    UniqueConstraint("author_id", "title"),
    CheckConstraint("price >= 0"),
)

tags = Table(
    "tags",
    metadata,
    Column("id", sa.Integer, primary_key=True),
    Column("label", sa.String(30), nullable=False, unique=True),
)

book_tags = Table(
    "book_tags",
    metadata,
    Column("book_id", ForeignKey(books.c.id), primary_key=True),
    Column("tag_id", sa.ForeignKey("tags.id"), primary_key=True),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, Sequence("review_id_seq"), primary_key=True),
    Column("book_id", Integer, ForeignKey("books.id")),
    Column("stars", sa.SmallInteger, nullable=False),
    Column("body", sa.UnicodeText, comment="Review text"),
    Column("token", sa.Uuid, nullable=False),
    Column("data", sa.JSON),
    Column("rating", sa.Float),
    Column("reviewed_at", sa.DateTime(timezone=True)),
    Index("ix_reviews_stars", "stars"),
)
