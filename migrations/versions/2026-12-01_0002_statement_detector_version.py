"""statements record the detector version that labelled them

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("statement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detector_version", sa.String(length=60), nullable=True))
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.alter_column(
            "detector_version", existing_type=sa.String(length=40), type_=sa.String(length=60), existing_nullable=True
        )


def downgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.alter_column(
            "detector_version", existing_type=sa.String(length=60), type_=sa.String(length=40), existing_nullable=True
        )
    with op.batch_alter_table("statement", schema=None) as batch_op:
        batch_op.drop_column("detector_version")
