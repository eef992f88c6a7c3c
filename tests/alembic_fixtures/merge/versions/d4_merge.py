"""merge

Revision ID: d4e5f6a1b2c3
Revises: ('b2c3d4e5f6a1', 'c3d4e5f6a1b2')
Create Date: 2026-11-27 03:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = 'd4e5f6a1b2c3'
down_revision: Union[str, Sequence[str], None] = ('b2c3d4e5f6a1', 'c3d4e5f6a1b2')
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
