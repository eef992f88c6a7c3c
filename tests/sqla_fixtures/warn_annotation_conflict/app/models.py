from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Counter(Base):
    __tablename__ = "counter"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The explicit type wins: the column is VARCHAR(10) while the attribute claims int.
    count: Mapped[int] = mapped_column(String(10))
