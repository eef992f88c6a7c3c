"""Tables SQLAlchemy accepts but Django's Meta API cannot fully represent."""
from sqlalchemy import (
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    PickleType,
    String,
    Table,
)

metadata = MetaData()

# No primary key at all.
events = Table("events", metadata, Column("kind", String(20)), Column("payload", String(200)))

region = Table(
    "region",
    metadata,
    Column("country", String(2), primary_key=True),
    Column("code", String(10), primary_key=True),
    Column("name", String(80), nullable=False),
)

shop = Table(
    "shop",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("country", String(2)),
    Column("region_code", String(10)),
    Column("class", String(20)),
    Column("state", PickleType),
    ForeignKeyConstraint(["country", "region_code"], ["region.country", "region.code"]),
)

person = Table(
    "person",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False),
)

membership = Table(
    "membership",
    metadata,
    Column("shop_id", ForeignKey("shop.id"), primary_key=True),
    Column("person_id", ForeignKey("person.id"), primary_key=True),
    Column("role", String(20), nullable=False, server_default="staff"),
)
