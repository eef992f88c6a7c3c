from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class LogLine(Base):
    __tablename__ = "log_line"
    message: Mapped[str] = mapped_column(String(200))
    level: Mapped[int]
