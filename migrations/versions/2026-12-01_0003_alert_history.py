"""alert history (every state change, by whom and why) and the alert table's default order

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 09:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.store.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIME = monitor.store.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alert_history",
        sa.Column("id", Id, nullable=False),
        sa.Column("alert_id", Id, nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"], name=op.f("fk_alert_history_alert_id_alert"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_history")),
    )
    with op.batch_alter_table("alert_history", schema=None) as batch_op:
        batch_op.create_index("ix_alert_history_alert_at", ["alert_id", "at"], unique=False)
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index("ix_alert_created", ["created_at", "id"], unique=False)
    _backfill()


def _backfill() -> None:
    """What the alerts' time stamps already tell: when each was notified, acknowledged, muted."""
    alert = sa.table("alert", sa.column("id"), sa.column("notified_at"), sa.column("acknowledged_at"),
                     sa.column("muted_at"), sa.column("mute_reason"))
    history = sa.table("alert_history", sa.column("alert_id"), sa.column("at"), sa.column("action"),
                       sa.column("from_status"), sa.column("to_status"), sa.column("reason"))
    for stamp, action, to_status, reason in (
        (alert.c.notified_at, "notify", "notified", sa.null()),
        (alert.c.acknowledged_at, "acknowledge", "acknowledged", sa.null()),
        (alert.c.muted_at, "mute", "muted", alert.c.mute_reason),
    ):
        rows = sa.select(alert.c.id, stamp, sa.literal(action), sa.null(), sa.literal(to_status), reason).where(
            stamp.is_not(None))
        op.execute(history.insert().from_select(
            ["alert_id", "at", "action", "from_status", "to_status", "reason"], rows))


def downgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_created")
    with op.batch_alter_table("alert_history", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_history_alert_at")
    op.drop_table("alert_history")
