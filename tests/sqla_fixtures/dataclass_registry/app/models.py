"""registry() + @reg.mapped, reg.generate_base(), MappedAsDataclass, Identity, server defaults."""
import datetime
from typing import Optional

from sqlalchemy import BigInteger, Column, ForeignKey, Identity, Integer, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedAsDataclass, mapped_column, registry

reg = registry()
LegacyBase = reg.generate_base()


@reg.mapped
class Plain:
    __tablename__ = "plain"
    id = Column(Integer, primary_key=True)
    label = Column(String(20), nullable=False)


class Shelf(LegacyBase):
    __tablename__ = "shelf"
    id = Column(Integer, primary_key=True)
    plain_id = Column(ForeignKey("plain.id"), nullable=False)
    capacity = Column(Integer, nullable=False, server_default=text("10"))


class DBase(MappedAsDataclass, DeclarativeBase):
    pass


class Warehouse(DBase):
    __tablename__ = "warehouse"
    id: Mapped[int] = mapped_column(Identity(), init=False, primary_key=True)
    city: Mapped[str] = mapped_column(String(60))
    opened: Mapped[Optional[datetime.date]] = mapped_column(default=None)


class Item(DBase):
    __tablename__ = "item"
    id: Mapped[int] = mapped_column(init=False, primary_key=True)
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouse.id"), default=None)
    qty: Mapped[int] = mapped_column(default=1)
    sku: Mapped[str] = mapped_column(String(12), default="none", unique=True)
    big: Mapped[Optional[int]] = mapped_column(BigInteger, default=None)
