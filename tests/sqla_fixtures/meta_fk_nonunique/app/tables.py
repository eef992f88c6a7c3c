"""A foreign key to a column that is neither primary key nor unique: SQLAlchemy emits the DDL,
but Django cannot model it (fields.E311), and SQLite rejects writes ("foreign key mismatch")."""
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table

metadata = MetaData()

person = Table(
    "person",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False),
)

shop = Table(
    "shop",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner_name", String(80), ForeignKey("person.name")),
)
