"""Repository functions for statements, statement groups, blocking keys and their alerts.

All SQL about detection results lives here. Candidate groups are found by an indexed equality
lookup on ``group_key.key`` (primary key), never by scanning statements. One article is
detected in one transaction: its statements, new groups, their keys and alerts, repeats raising
``source_count`` and ``article.detected_at`` commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from monitor.detect.article import SentenceResult
from monitor.detect.dedup import (
    Candidate,
    Fingerprint,
    GroupDecision,
    blocking_keys,
    fingerprint,
    fingerprint_from_json,
    fingerprint_to_json,
    lookup_keys,
    speaker_key,
)
from monitor.store.db import insert_for
from monitor.store.models import Alert, Article, GroupKey, Statement, StatementGroup

__all__ = [
    "SqlGroupIndex",
    "StatementRow",
    "claim_article",
    "clear_statements",
    "iter_statements",
    "outdated_article_ids",
    "pending_article_ids",
    "reclaim_article",
]

MAX_CANDIDATES = 200


def pending_article_ids(session: Session, *, limit: int = 1000, since: datetime | None = None) -> list[int]:
    """Articles not yet detected (indexed on ``detected_at, id``), oldest first; duplicates skipped."""
    query = select(Article.id).where(Article.detected_at.is_(None), Article.duplicate_of_id.is_(None))
    if since is not None:
        query = query.where(Article.first_seen_at >= since)
    return list(session.scalars(query.order_by(Article.id).limit(limit)))


def article_text(
    session: Session, article_id: int
) -> tuple[str, str, datetime | None, datetime | None, str]:
    """What detection reads of an article: its text, language ("" unknown), published date, when
    the monitor first saw it, and its title ("" unknown)."""
    row = session.execute(
        select(Article.text, Article.language, Article.published_at, Article.first_seen_at, Article.title).where(
            Article.id == article_id
        )
    ).one()
    return row.text, row.language or "", row.published_at, row.first_seen_at, row.title or ""


def claim_article(session: Session, article_id: int, now: datetime, version: str) -> bool:
    """Mark the article detected as this transaction's first write; False when it already was.

    Writing first takes the row lock (PostgreSQL) or the database's write lock (SQLite) before
    anything is read, so a concurrent detection of the same article waits, then sees it done and
    skips it instead of failing on the statement's unique key. A rollback releases the claim."""
    result = session.execute(
        update(Article)
        .where(Article.id == article_id, Article.detected_at.is_(None))
        .values(detected_at=now, detector_version=version)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def outdated_article_ids(session: Session, version: str, *, limit: int = 100_000) -> list[int]:
    """Articles detected by another detector version than ``version``, oldest first."""
    query = select(Article.id).where(
        Article.detected_at.is_not(None),
        Article.duplicate_of_id.is_(None),
        or_(Article.detector_version.is_(None), Article.detector_version != version),
    )
    return list(session.scalars(query.order_by(Article.id).limit(limit)))


def reclaim_article(session: Session, article_id: int, now: datetime, version: str) -> bool:
    """Claim a detected article for detection with ``version``; False when it has that version
    already (a concurrent re-detection did it), so re-running is idempotent."""
    result = session.execute(
        update(Article)
        .where(
            Article.id == article_id,
            or_(Article.detector_version.is_(None), Article.detector_version != version),
        )
        .values(detected_at=now, detector_version=version)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def clear_statements(session: Session, article_id: int) -> dict[tuple[int, int], tuple[int, int]]:
    """Before re-detection: delete the article's statements except those that opened a group
    (their alert keeps its source); returns every old statement's (span) -> (statement, group)
    for statements in a group, so a sentence detected again keeps its group and its alert."""
    rows = session.execute(
        select(Statement.id, Statement.char_start, Statement.char_end, Statement.group_id).where(
            Statement.article_id == article_id
        )
    ).all()
    openers = set(
        session.scalars(
            select(StatementGroup.first_statement_id).where(
                StatementGroup.first_statement_id.in_([r.id for r in rows])
            )
        )
    )
    doomed = [r.id for r in rows if r.id not in openers]
    if doomed:
        session.execute(delete(Statement).where(Statement.id.in_(doomed)))
    # a kept row is updated in place; a deleted one (id 0) is written again into its old group
    return {
        (r.char_start, r.char_end): (r.id if r.id in openers else 0, r.group_id)
        for r in rows
        if r.group_id is not None
    }


class SqlGroupIndex:
    """The :class:`monitor.detect.dedup.GroupIndex` of one article's detection, in one session.

    ``kept`` (re-detection): span -> (statement id or 0 when its row was deleted, group id) of the
    statements detected before; a sentence at such a span keeps that group (and its alert)."""

    def __init__(
        self,
        session: Session,
        article_id: int,
        results: Sequence[SentenceResult],
        version: str = "",
        kept: dict[tuple[int, int], tuple[int, int]] | None = None,
    ) -> None:
        self.session, self.article_id, self.results = session, article_id, results
        self.version = version
        self.kept = kept or {}
        self._groups_here: set[int] = set()
        self.new_alerts: list[int] = []

    def candidates(self, fp: Fingerprint, now: datetime) -> list[Candidate]:
        keys = lookup_keys(fp, now)
        # two plain index lookups (group_key primary key, then statement.group_id): a subquery with
        # ORDER BY/LIMIT lets PostgreSQL pick a scan of the statement table instead
        groups = sorted(
            self.session.scalars(select(GroupKey.group_id).where(GroupKey.key.in_(keys)).distinct())
        )
        if not groups:
            return []
        rows = self.session.execute(
            select(Statement.id, Statement.group_id, Statement.evidence)
            .where(Statement.group_id.in_(groups[:MAX_CANDIDATES]))
            # ordered for a decision that never depends on row order; by (group_id, id), which the
            # group_id index serves, not by id alone, which would let PostgreSQL walk the primary key
            .order_by(Statement.group_id, Statement.id)
            .limit(MAX_CANDIDATES)
        ).all()
        return [
            Candidate(r.id, r.group_id, fingerprint_from_json((r.evidence or {}).get("fingerprint") or {}))
            for r in rows
        ]

    def add(
        self,
        fp: Fingerprint,
        group_id: int | None,
        now: datetime,
        position: int,
        decision: GroupDecision,
        reason: str,
    ) -> tuple[int, int]:
        result = self.results[position]
        before = self.kept.get((result.segment.start, result.segment.end))
        if before is not None:
            return self._detected_again(result, fp, before, now)
        opened = group_id is None
        if group_id is None:
            group_id = self._open_group(fp, result, now)
        elif group_id not in self._groups_here:
            self.session.execute(
                update(StatementGroup)
                .where(StatementGroup.id == group_id)
                .values(source_count=StatementGroup.source_count + 1)
            )
        self._groups_here.add(group_id)
        insert = insert_for(self.session)
        self.session.execute(
            insert(GroupKey)
            .values([{"key": k, "group_id": group_id} for k in blocking_keys(fp, now)])
            .on_conflict_do_nothing()
        )
        repeat = (
            None
            if opened
            else {
                "statement_id": decision.matched_statement_id,
                "similarity": decision.similarity,
                "reason": reason,
            }
        )
        statement_id = self._add_statement(result, fp, group_id, now, opened, repeat)
        return statement_id, group_id

    def add_ungrouped(self, position: int, now: datetime) -> int:
        """Store a labelled statement that belongs to no group (the author's own narrative)."""
        result = self.results[position]
        before = self.kept.get((result.segment.start, result.segment.end))
        if before is not None:  # re-detection: a sentence that was in a group keeps it
            fp = fingerprint(result.segment.text, result.labels, speaker_key(None, f"article:{self.article_id}"))
            return self._detected_again(result, fp, before, now)[0]
        values = _statement_values(result, self.version)
        values["evidence"] = {**values["evidence"], "repeat_of": None, "group": "none: the author's own narrative"}
        return self._insert(result, None, now, False, None, values)

    def _detected_again(
        self, result: SentenceResult, fp: Fingerprint, before: tuple[int, int], now: datetime
    ) -> tuple[int, int]:
        """A sentence detected before: it keeps its group (no second alert); its row gets the new
        detector's labels, speaker, stance and evidence (or is written again if it was deleted)."""
        statement_id, group_id = before
        self._groups_here.add(group_id)
        values = _statement_values(result, self.version)
        values["evidence"] = {**values["evidence"], "fingerprint": fingerprint_to_json(fp), "redetected_at": now.isoformat()}
        if statement_id:
            self.session.execute(update(Statement).where(Statement.id == statement_id).values(**values))
            return statement_id, group_id
        return self._insert(result, group_id, now, False, None, values), group_id

    def _insert(
        self,
        result: SentenceResult,
        group_id: int | None,
        now: datetime,
        is_new: bool,
        similarity: float | None,
        values: dict[str, Any],
    ) -> int:
        seg = result.segment
        statement = Statement(
            article_id=self.article_id,
            sentence_index=seg.index,
            char_start=seg.start,
            char_end=seg.end,
            text=seg.text,
            group_id=group_id,
            is_new=is_new,
            similarity=similarity,
            created_at=now,
            **values,
        )
        self.session.add(statement)
        self.session.flush()
        return statement.id

    def _open_group(self, fp: Fingerprint, result: SentenceResult, now: datetime) -> int:
        group = StatementGroup(
            canonical_text=result.segment.text,
            speaker=result.speaker.name if result.speaker else None,
            speaker_key=fp.speaker,
            demand=result.labels[0],
            demands=list(result.labels),
            stance=result.stance,
            first_seen_at=now,
            source_count=1,
            fingerprint=fingerprint_to_json(fp),
        )
        self.session.add(group)
        self.session.flush()
        alert = Alert(
            group_id=group.id,
            demand=result.labels[0],
            demands=list(result.labels),
            status="new",
            created_at=now,
            evidence=_evidence(result),
        )
        self.session.add(alert)
        self.session.flush()
        self.new_alerts.append(alert.id)
        return group.id

    def _add_statement(
        self,
        result: SentenceResult,
        fp: Fingerprint,
        group_id: int,
        now: datetime,
        opened: bool,
        repeat: dict[str, Any] | None,
    ) -> int:
        values = _statement_values(result, self.version)
        values["evidence"] = {**values["evidence"], "fingerprint": fingerprint_to_json(fp), "repeat_of": repeat}
        statement_id = self._insert(result, group_id, now, opened, repeat["similarity"] if repeat else None, values)
        self.session.execute(
            update(StatementGroup)
            .where(StatementGroup.id == group_id, StatementGroup.first_statement_id.is_(None))
            .values(first_statement_id=statement_id)
        )
        return statement_id


def _statement_values(result: SentenceResult, version: str) -> dict[str, Any]:
    return {
        "demands": list(result.labels),
        "speaker": result.speaker.name if result.speaker else None,
        "speaker_cue": result.speaker.cue if result.speaker else None,
        "stance": result.stance,
        "evidence": _evidence(result),
        "detector_version": version or None,
    }


def _evidence(result: SentenceResult) -> dict[str, Any]:
    """Why a statement fired: per demand the lexicon cues and (learned layer) the strongest
    features with the probability, the cue that chose the speaker, the detector version."""
    out: dict[str, Any] = {
        "demands": {m.demand: m.evidence() for m in result.matches},
        "speaker_cue": result.speaker.cue if result.speaker else "author's narrative (no attribution)",
        "language": result.language,
    }
    if result.evidence:
        learned = dict(result.evidence)
        out["model"] = learned.get("model")
        out["why"] = learned.get("labels")
        out["speaker"] = learned.get("speaker")
        out["stance"] = learned.get("stance")
    return out


@dataclass(frozen=True)
class StatementRow:
    id: int
    article_id: int
    url: str
    outlet: str | None
    title: str | None
    text: str
    char_start: int
    char_end: int
    demands: list[str]
    speaker: str | None
    stance: str | None
    group_id: int | None
    new: bool
    created_at: datetime


def iter_statements(
    session: Session,
    *,
    demand: str | None = None,
    speaker: str | None = None,
    since: datetime | None = None,
    limit: int = 10_000,
) -> list[StatementRow]:
    query = (
        select(Statement, Article.canonical_url, Article.outlet, Article.title)
        .join(Article, Article.id == Statement.article_id)
        .order_by(Statement.id)
    )
    if since is not None:
        query = query.where(Statement.created_at >= since)
    if speaker:
        query = query.where(Statement.speaker.ilike(f"%{speaker.replace('%', '').replace('_', '')}%"))
    rows = []
    for st, url, outlet, title in session.execute(query.limit(limit)):
        if demand and demand not in (st.demands or []):
            continue
        rows.append(
            StatementRow(
                st.id,
                st.article_id,
                url,
                outlet,
                title,
                st.text,
                st.char_start,
                st.char_end,
                list(st.demands or []),
                st.speaker,
                st.stance,
                st.group_id,
                st.is_new,
                st.created_at,
            )
        )
    return rows
