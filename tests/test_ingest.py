"""Ingesting the seeds and local files; bad input is reported and changes nothing."""

from __future__ import annotations

import multiprocessing
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.app import open_monitor
from monitor.clock import utc_now
from monitor.config import Settings, load_settings
from monitor.pipeline import ingest_file_sources, ingest_paths
from monitor.store.models import Article, ArticleUrl
from tests.conftest import SEEDS, write_config

SEED_FILES = sorted(p.name for p in SEEDS.glob("*.txt"))


def _articles(settings: Settings) -> list[Article]:
    with open_monitor(settings) as m, m.session() as s:
        return list(s.scalars(select(Article).order_by(Article.canonical_url)))


def test_seeds_twice_leave_five_articles_with_titles_and_full_text(settings: Settings) -> None:
    manifest = tomllib.loads((SEEDS / "manifest.toml").read_text(encoding="utf-8"))
    with open_monitor(settings) as m:
        first = ingest_file_sources(m, utc_now())
        second = ingest_file_sources(m, utc_now())
    assert len(first.created) == 5 and not first.errors
    assert second.created == [] and sorted(second.unchanged) == sorted(first.created)
    stored = _articles(settings)
    assert len(stored) == 5
    for article, name in zip(stored, SEED_FILES, strict=True):
        raw = (SEEDS / name).read_text(encoding="utf-8").strip()
        assert article.text == raw, name  # the full text, verbatim
        assert article.title == manifest[name]["title"]
        assert article.outlet == manifest[name].get("outlet")
        assert article.language == "en"
        assert article.published_at is not None and article.published_at.tzinfo is not None
    assert {a.outlet for a in stored} >= {"ForumDaily", "Izvestia", "The Moscow Post"}


def test_same_text_at_two_paths_is_one_article_with_both_urls(settings: Settings, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        (folder / "story.txt").write_text("Headline\n\nNATO must not expand eastward, he said.\n", encoding="utf-8")
    with open_monitor(settings) as m:
        report = ingest_paths(m, [a, b], utc_now())
        with m.session() as s:
            assert s.scalar(select(func.count()).select_from(Article)) == 1
            assert s.scalar(select(func.count()).select_from(ArticleUrl)) == 2
    assert len(report.created) == 1 and len(report.unchanged) == 1


def test_changed_file_updates_its_article(settings: Settings, tmp_path: Path) -> None:
    f = tmp_path / "story.txt"
    f.write_text("Title\n\nFirst version.\n", encoding="utf-8")
    with open_monitor(settings) as m:
        first = ingest_paths(m, [f], utc_now())
        f.write_text("Title\n\nSecond, corrected version.\n", encoding="utf-8")
        second = ingest_paths(m, [f], utc_now())
        with m.session() as s:
            art = s.get(Article, first.created[0])
            assert art is not None and "corrected" in art.text and art.detected_at is None
    assert second.updated == first.created


def test_html_file_goes_through_the_extractor(settings: Settings, tmp_path: Path) -> None:
    body = " ".join(["Moscow insists that NATO give legally binding guarantees of non-expansion."] * 8)
    (tmp_path / "page.html").write_text(
        f"<html><head><title>Talks in Geneva</title></head><body><nav>Menu Home About</nav>"
        f"<article><h1>Talks in Geneva</h1><p>{body}</p><p>{body}</p></article>"
        f"<footer>Copyright</footer></body></html>", encoding="utf-8")
    with open_monitor(settings) as m:
        report = ingest_paths(m, [tmp_path / "page.html"], utc_now())
    assert not report.errors
    [article] = _articles(settings)
    assert "legally binding guarantees" in article.text
    assert "Menu Home About" not in article.text and "<p>" not in article.text


def test_windows_1251_text_is_decoded_not_mojibake(settings: Settings, tmp_path: Path) -> None:
    text = "Рябков: расширение НАТО на восток недопустимо\n\nЗаместитель министра заявил это в Женеве."
    (tmp_path / "ru.txt").write_bytes(text.encode("cp1251"))
    with open_monitor(settings) as m:
        report = ingest_paths(m, [tmp_path / "ru.txt"], utc_now())
    assert not report.errors
    [article] = _articles(settings)
    assert article.text == text
    assert article.title == "Рябков: расширение НАТО на восток недопустимо"


BAD_FILES = {
    "empty file": (b"", "empty file"),
    "whitespace only": (b"  \n\n\t ", "empty file"),
    "binary file": (bytes(range(256)) * 20, "binary"),
    "undecodable bytes": (bytes([0x80, 0x81, 0x8D, 0x8F, 0x90, 0x9D]) * 40, "encoding"),
}


@pytest.mark.parametrize("content, message", BAD_FILES.values(), ids=list(BAD_FILES))
def test_bad_files_are_reported_and_store_nothing(settings: Settings, tmp_path: Path, content: bytes,
                                                  message: str) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    good = tmp_path / "good.txt"
    good.write_text("A good title\n\nSome text.\n", encoding="utf-8")
    with open_monitor(settings) as m:
        report = ingest_paths(m, [bad, good], utc_now())
    assert len(report.errors) == 1 and str(bad) in report.errors[0] and message in report.errors[0]
    assert [a.title for a in _articles(settings)] == ["A good title"]  # the other file still went in


def test_missing_path_is_reported(settings: Settings, tmp_path: Path) -> None:
    with open_monitor(settings) as m:
        report = ingest_paths(m, [tmp_path / "nope"], utc_now())
    assert report.errors == [f"{tmp_path / 'nope'}: no such file or folder"]
    assert _articles(settings) == []


def _ingest_in_process(config: str, barrier: object) -> None:
    settings = load_settings(config, env={})
    with open_monitor(settings) as m:
        barrier.wait()  # type: ignore[attr-defined]
        ingest_file_sources(m, utc_now())


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_concurrent_ingestion_leaves_no_duplicates(db_url: str, tmp_path: Path) -> None:
    config = str(write_config(tmp_path, db_url))
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(3)
    procs = [ctx.Process(target=_ingest_in_process, args=(config, barrier)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    settings = load_settings(config, env={})
    with open_monitor(settings) as m, m.session() as s:
        assert s.scalar(select(func.count()).select_from(Article)) == 5
        assert s.scalar(select(func.count()).select_from(ArticleUrl)) == 5
