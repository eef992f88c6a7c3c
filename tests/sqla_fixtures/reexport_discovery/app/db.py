"""The project's database layer re-exports what model modules need."""
from sqlalchemy import Column, ForeignKey, Integer, String  # noqa: F401
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship  # noqa: F401


class Base(DeclarativeBase):
    pass
