"""accounts

Revision ID: a1
Revises:
Create Date: 2026-11-27 04:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "a1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sa_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False, comment="display name"),
        sa.Column("bio", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("balance", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("ratio", sa.Double(), nullable=True),
        sa.Column("born", sa.Date(), nullable=True),
        sa.Column("created", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.Column("wakeup", sa.Time(), nullable=True),
        sa.Column("avatar", sa.LargeBinary(), nullable=True),
        sa.Column("prefs", sa.JSON(), nullable=True),
        sa.Column("token", sa.Uuid(), nullable=False),
        sa.Column("visits", sa.BigInteger(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
        comment="customer accounts",
    )
    op.create_index("ix_sa_account_visits", "sa_account", ["visits"], unique=False)


def downgrade():
    op.drop_index("ix_sa_account_visits", table_name="sa_account")
    op.drop_table("sa_account")
