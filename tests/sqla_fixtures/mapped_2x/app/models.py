"""2.0-style: DeclarativeBase, Mapped[...] with and without mapped_column, Annotated aliases,
type_annotation_map, enums, Literal, association table with secondary/back_populates."""
from __future__ import annotations

import datetime
import decimal
import enum
import uuid
from typing import Annotated, List, Literal, Optional

from sqlalchemy import Column, ForeignKey, Index, Numeric, String, Table, Text, UniqueConstraint, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

intpk = Annotated[int, mapped_column(primary_key=True)]
str50 = Annotated[str, mapped_column(String(50))]
required_name = Annotated[str, mapped_column(String(40), nullable=False)]


class Status(enum.Enum):
    active = "A"
    disabled = "D"


class Base(DeclarativeBase):
    type_annotation_map = {decimal.Decimal: Numeric(12, 3)}


post_tag = Table(
    "post_tag",
    Base.metadata,
    Column("post_id", ForeignKey("post.id"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id"), primary_key=True),
)


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    nickname: Mapped[Optional[str50]]
    full_name: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[Status] = mapped_column(default=Status.active)
    balance: Mapped[decimal.Decimal]
    born: Mapped["datetime.date | None"]
    last_seen: Mapped[Optional[datetime.datetime]] = mapped_column(server_default=func.now())
    kind: Mapped[Literal["staff", "member"]]
    title: Mapped[Optional[required_name]]
    posts: Mapped[List["Post"]] = relationship(back_populates="author", foreign_keys="Post.author_id")


class Post(Base):
    __tablename__ = "post"
    __table_args__ = (UniqueConstraint("author_id", "slug"), Index("ix_post_title", "title"))
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    slug: Mapped[str50]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[Optional[str]] = mapped_column(Text, comment="markdown")
    score: Mapped[float] = mapped_column(default=0.0)
    public_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    reviewer_id = mapped_column(ForeignKey("user_account.id"))
    author: Mapped[User] = relationship(back_populates="posts", foreign_keys=[author_id])
    tags: Mapped[List[Tag]] = relationship(secondary=post_tag, back_populates="posts")


class Tag(Base):
    __tablename__ = "tag"
    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(30), index=True)
    posts: Mapped[List[Post]] = relationship(secondary="post_tag", back_populates="tags")
