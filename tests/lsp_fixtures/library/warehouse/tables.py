from sqlalchemy import BigInteger, Column, ForeignKey, Integer, MetaData, String, Table

metadata = MetaData()

library_book = Table(
    "library_book",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("author_id", BigInteger, nullable=False),
)

stock = Table(
    "stock",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("book_id", BigInteger, ForeignKey("library_book.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
)
