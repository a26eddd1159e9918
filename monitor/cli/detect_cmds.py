"""Detection commands: detect, statements, eval, train."""

from __future__ import annotations

import dataclasses
import json
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor.cli import EXIT_PARTIAL, main
from monitor.cli.core_cmds import opened, settings_of
from monitor.cli.output import emit, format_option

if TYPE_CHECKING:  # imported inside the commands that use them (see monitor/cli/__init__.py)
    from monitor.detect.evaluate import Scores


@main.command()
@click.option("--since", type=click.DateTime(), help="Only articles first seen since this time (UTC).")
@click.option("--limit", type=int, default=100_000, show_default=True, help="At most this many articles.")
@click.option(
    "--again",
    is_flag=True,
    help="Detect again the articles a different detector version labelled (after a model upgrade): "
    "statements that alerted keep their alert and its status; no alert is raised twice.",
)
@click.option("--id", "ids", type=int, multiple=True, help="With --again: only these article ids.")
@click.pass_context
def detect(ctx: click.Context, since: datetime | None, limit: int, again: bool, ids: tuple[int, ...]) -> None:
    """Detect statements, repeats and alerts in articles not yet processed (idempotent)."""
    from monitor.clock import utc_now
    from monitor.detect_step import detect_articles, load_detector, redetect_articles

    if ids and not again:
        raise click.UsageError("--id needs --again")
    detector = load_detector(settings_of(ctx))  # a bad model file fails here, before the database
    with opened(ctx) as m:
        if again:
            report = redetect_articles(m, utc_now(), article_ids=list(ids) or None, limit=limit, detector=detector)
        else:
            report = detect_articles(m, utc_now(), since=_utc(since), limit=limit, detector=detector)
    click.echo(
        f"detector: {detector.version}  articles: {report.articles}  statements: {report.statements}  "
        f"new: {report.new_groups}  repeats: {report.repeats}  alerts: {len(report.alert_ids)}"
    )
    for error in report.errors:
        click.secho(f"error: {error}", fg="red", err=True)
    if report.errors:
        ctx.exit(EXIT_PARTIAL)


@main.command()
@click.option("--demand", help="Only statements on this demand.")
@click.option("--speaker", help="Only statements whose speaker contains this text.")
@click.option("--since", type=click.DateTime(), help="Only statements detected since this time (UTC).")
@format_option
@click.pass_context
def statements(
    ctx: click.Context, demand: str | None, speaker: str | None, since: datetime | None, fmt: str
) -> None:
    """List detected statements with demands, speaker, stance, group and whether they were new."""
    from monitor.store.statements import iter_statements

    with opened(ctx) as m, m.session("list statements") as s:
        rows = [
            dataclasses.asdict(r)
            for r in iter_statements(s, demand=demand, speaker=speaker, since=_utc(since))
        ]
    for r in rows:
        r["demands"] = ",".join(r["demands"]) if fmt in ("table", "csv") else r["demands"]
    emit(
        rows,
        fmt,
        ["id", "article_id", "speaker", "demands", "stance", "group_id", "new", "text"],
        title="Statements",
        widths={"text": 70},
    )


@main.command(name="eval")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--docs",
    "docs",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder with <doc>.txt for every doc of the gold file.",
)
@click.option(
    "--model",
    "model",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Model file to score (default: detect.model, i.e. the shipped model); 'rules' for the rule layer.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.pass_context
def eval_cmd(ctx: click.Context, gold: Path, docs: Path, model: Path | None, as_json: bool) -> None:
    """Score detection against a gold file: ingests DOCS into a temporary database and detects.

    Score a model only on documents it was not trained on (see `monitor train --exclude-part`)."""
    from monitor.config import DatabaseSettings
    from monitor.detect.evaluate import load_gold
    from monitor.detect_step import load_detector
    from monitor.errors import SourceError

    gold_rows = load_gold(gold.read_text(encoding="utf-8").splitlines(), str(gold))
    doc_ids = sorted({g.doc for g in gold_rows})
    missing = [d for d in doc_ids if not (docs / f"{d}.txt").is_file()]
    if missing:
        raise SourceError(str(docs), f"missing documents: {', '.join(missing[:5])}")
    base = settings_of(ctx)
    if model is not None:
        chosen = "rules" if str(model) == "rules" else str(model.resolve())
        base = dataclasses.replace(base, detect=dataclasses.replace(base.detect, model=chosen))
    detector = load_detector(base)  # a bad model file fails here (exit 2)
    with tempfile.TemporaryDirectory(prefix="monitor-eval-") as tmp:
        settings = dataclasses.replace(
            base, database=DatabaseSettings(url=f"sqlite:///{Path(tmp) / 'eval.db'}"), sources=()
        )
        scores = _run_eval(settings, gold_rows, doc_ids, docs)
    if not as_json:
        click.echo(f"{'detector':>22}: {detector.version}")
    if as_json:
        click.echo(json.dumps(_summary(scores), indent=2))
        return
    for key, value in _summary(scores).items():
        click.echo(f"{key:>22}: {value}")


def _run_eval(settings: Any, gold_rows: list[Any], doc_ids: list[str], docs: Path) -> Scores:
    from sqlalchemy import select

    from monitor.app import open_monitor
    from monitor.clock import utc_now
    from monitor.detect.evaluate import PredictedSentence, same_speaker_by, score
    from monitor.detect_step import detect_articles, load_resources
    from monitor.pipeline import ingest_paths
    from monitor.store.models import Article, Statement

    now = utc_now()
    with open_monitor(settings) as m:
        doc_of: dict[int, str] = {}
        for doc in doc_ids:  # one at a time, in name order: the order they are "seen"
            report = ingest_paths(m, [docs / f"{doc}.txt"], now, source_name="eval")
            for article_id in report.article_ids:
                doc_of[article_id] = doc
        detect_articles(m, now, article_ids=sorted(doc_of))
        with m.session("read eval results") as s:
            texts = {
                doc_of[a.id]: a.text for a in s.scalars(select(Article).where(Article.id.in_(list(doc_of))))
            }
            preds = [
                PredictedSentence(
                    doc_of[st.article_id],
                    st.char_start,
                    st.char_end,
                    tuple(st.demands or ()),
                    st.speaker,
                    st.stance,
                    str(st.group_id) if st.group_id else None,
                )
                for st in s.scalars(select(Statement).where(Statement.article_id.in_(list(doc_of))))
            ]
        actors = load_resources(settings).actors
    return score(gold_rows, preds, texts, same_speaker_by(actors))


def _summary(s: Scores) -> dict[str, Any]:
    out: dict[str, Any] = {f"f1_{k}": round(v.f1, 3) for k, v in s.labels.items()}
    out.update(
        {
            "micro_precision": round(s.micro.precision, 3),
            "micro_recall": round(s.micro.recall, 3),
            "micro_f1": round(s.micro.f1, 3),
            "speaker_accuracy": round(s.speaker_accuracy, 3),
            "stance_accuracy": round(s.stance_accuracy, 3),
            "speaker_accuracy_all": round(s.speaker_accuracy_all, 3),
            "stance_accuracy_all": round(s.stance_accuracy_all, 3),
            "bcubed_f1": round(s.bcubed_f1, 3),
            "alerts": s.alerts,
            "gold_clusters": s.gold_clusters,
            "sentences": s.sentences,
            "unaligned_gold": s.unaligned_gold,
        }
    )
    return out


def _utc(value: datetime | None) -> datetime | None:
    from datetime import UTC

    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


@main.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--exclude-part",
    "exclude",
    multiple=True,
    help="Leave out the documents whose docs.jsonl 'part' is this (repeatable): to score on them later.",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Model file to write.")
@click.pass_context
def train(ctx: click.Context, folders: tuple[Path, ...], exclude: tuple[str, ...], out: Path) -> None:
    """Train the detector's models from labelled FOLDERS (each with gold.jsonl, docs/ and
    optionally docs.jsonl), for the demands and actors of the configuration; write them to OUT.

    Use it with `detect.model = "OUT"` (env MONITOR_DETECT_MODEL). The same folders give the same file."""
    from monitor.detect.model import save_model
    from monitor.detect.training import load_folders, train_model
    from monitor.detect_step import load_resources

    settings = settings_of(ctx)
    resources = load_resources(settings)
    docs = load_folders(list(folders), [d.name for d in resources.demands], exclude_parts=exclude)
    if not docs:
        raise click.UsageError("no labelled documents left to train on (check the folders and --exclude-part)")
    click.echo(f"training on {len(docs)} documents from {len(folders)} folder(s)", err=True)
    meta = {
        "created_by": "monitor train",
        "folders": [f.name for f in folders],
        "excluded_parts": sorted(exclude),
        "documents": len(docs),
    }
    model = train_model(docs, resources, meta=meta, progress=lambda msg: click.echo(f"  {msg}", err=True))
    version = save_model(model, out)
    info = model.meta.get("examples", {})
    click.echo(
        f"wrote {out} ({out.stat().st_size // 1024} KiB), version {version}: "
        f"{info.get('sentences')} sentences, {info.get('statements')} statements, "
        f"labelled per demand {info.get('positives')}"
    )
