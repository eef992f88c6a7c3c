"""The analytics service maps the shop's customer table with SQLAlchemy, and adds its own."""
import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    loyalty_points: Mapped[int] = mapped_column(Integer)


class Visit(Base):
    __tablename__ = "analytics_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    seen_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True))
