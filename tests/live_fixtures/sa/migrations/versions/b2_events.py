"""events

Revision ID: b2
Revises: a1
Create Date: 2026-11-27 04:01:00

"""
import sqlalchemy as sa
from alembic import op

revision = "b2"
down_revision = "a1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sa_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["sa_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "kind", name="uq_event_account_kind"),
    )
    op.create_index("ix_event_at", "sa_event", ["at"], unique=False)


def downgrade():
    op.drop_index("ix_event_at", table_name="sa_event")
    op.drop_table("sa_event")
