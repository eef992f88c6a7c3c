"""The same two tables, as the analytics service declares them with SQLAlchemy Core."""
from sqlalchemy import BigInteger, Boolean, Column, Integer, MetaData, Numeric, String, Table

metadata = MetaData()

customer = Table(
    "customer",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("email", String(200), nullable=False),
    Column("nickname", String(30), nullable=False),
)

invoice = Table(
    "shop_invoice",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("customer_id", BigInteger, nullable=False),
    Column("number", Integer, nullable=False),
    Column("total", Numeric(12, 2), nullable=False),
    Column("paid", Boolean, nullable=False),
    Column("legacy_flag", Boolean, nullable=False),
)
