"""SQLAlchemy tables for the live-database tests (tests/live/run_live_sqla_tests.py): one of each
generic type djsa maps per dialect, a foreign key with ON DELETE, unique, index, comments and a
server default."""
import datetime
import decimal
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "sa_account"
    __table_args__ = {"comment": "customer accounts"}

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(120), unique=True)
    name: Mapped[str] = mapped_column(sa.String(50), comment="display name")
    bio: Mapped[str | None] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.true())
    balance: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(10, 2))
    score: Mapped[float | None] = mapped_column(sa.Float)
    ratio: Mapped[float | None] = mapped_column(sa.Double)
    born: Mapped[datetime.date | None] = mapped_column(sa.Date)
    created: Mapped[datetime.datetime] = mapped_column(sa.DateTime, server_default=sa.func.now())
    wakeup: Mapped[datetime.time | None] = mapped_column(sa.Time)
    avatar: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    prefs: Mapped[dict | None] = mapped_column(sa.JSON)
    token: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    visits: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    level: Mapped[int | None] = mapped_column(sa.SmallInteger)


event = sa.Table(
    "sa_event",
    Base.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("sa_account.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=True),
    sa.UniqueConstraint("account_id", "kind", name="uq_event_account_kind"),
    sa.Index("ix_event_at", "at"),
)
