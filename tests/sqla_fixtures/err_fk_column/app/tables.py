from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table

metadata = MetaData()

users = Table("users", metadata, Column("id", Integer, primary_key=True), Column("name", String(50)))

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.uid")),
)
