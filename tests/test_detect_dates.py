"""The document's date reaches role resolution on every path: the rule layer, the learned layer,
the evaluator and the pipeline's detect step (the stored article's published date)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from monitor.app import open_monitor
from monitor.config import Settings
from monitor.detect.article import analyse_text
from monitor.detect.evaluate import predict_texts
from monitor.detect.learned import document_context
from monitor.detect_step import detect_articles, load_detector, published_day, shipped_resources
from monitor.store.models import Article, Statement
from tests.test_detect_redetect import _with_model

TEXT = "NATO Secretary General said the alliance will keep its open door to Ukraine's membership in NATO."
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _labelled_speakers(results: list) -> list[str | None]:
    return [r.speaker.name if r.speaker else None for r in results if r.labels]


def test_the_rule_layer_resolves_the_role_on_the_documents_date() -> None:
    res = shipped_resources()
    assert _labelled_speakers(analyse_text(TEXT, res, language="en", published=date(2022, 1, 7))) == ["Jens Stoltenberg"]
    assert _labelled_speakers(analyse_text(TEXT, res, language="en", published=date(2025, 2, 1))) == ["Mark Rutte"]
    assert _labelled_speakers(analyse_text(TEXT, res, language="en")) == [None]


def test_the_learned_layer_sees_the_holder_on_the_documents_date() -> None:
    res = shipped_resources()
    old = document_context(TEXT, res, language="en", published=date(2022, 1, 7))
    new = document_context(TEXT, res, language="en", published=date(2025, 2, 1))
    assert [s.name if s else None for s in old.speakers] == ["Jens Stoltenberg"]
    assert [s.name if s else None for s in new.speakers] == ["Mark Rutte"]


def test_predict_texts_takes_each_documents_date() -> None:
    res = shipped_resources()
    preds = predict_texts({"a": TEXT, "b": TEXT, "c": TEXT}, res, NOW,
                          published={"a": date(2022, 1, 7), "b": date(2025, 2, 1)})
    by_doc = {p.doc: p.speaker for p in preds if p.labels}
    assert by_doc == {"a": "Jens Stoltenberg", "b": "Mark Rutte", "c": None}


def test_a_claimed_date_after_now_is_taken_as_unknown() -> None:
    assert published_day(datetime(2022, 1, 7, 9, tzinfo=UTC), NOW) == date(2022, 1, 7)
    assert published_day(datetime(2022, 1, 7, 9), NOW) == date(2022, 1, 7)  # stored without a zone: UTC
    assert published_day(datetime(2100, 1, 1, tzinfo=UTC), NOW) is None
    assert published_day(None, NOW) is None


def test_without_a_trusted_date_the_day_first_seen_stands_in() -> None:
    seen = datetime(2022, 3, 2, 8, tzinfo=UTC)
    assert published_day(None, NOW, seen) == date(2022, 3, 2)
    assert published_day(datetime(2100, 1, 1, tzinfo=UTC), NOW, seen) == date(2022, 3, 2)
    assert published_day(datetime(2022, 1, 7, tzinfo=UTC), NOW, seen) == date(2022, 1, 7)  # published wins


def test_the_detect_step_passes_the_stored_published_date(settings: Settings) -> None:
    rules = _with_model(settings, "rules")
    assert load_detector(rules).model is None
    with open_monitor(rules) as m:
        with m.session() as s:
            for k, published in enumerate((datetime(2022, 1, 7, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC), None)):
                s.add(Article(canonical_url=f"https://news.example/{k}", content_hash=f"{k:064d}", title=f"A {k}",
                              published_at=published, language="en", text=TEXT, first_seen_at=NOW, updated_at=NOW))
        detect_articles(m, NOW)
        with m.session() as s:
            rows = s.execute(select(Article.canonical_url, Statement.speaker).join(Statement)).all()
            days = s.execute(select(Article.canonical_url, Statement.evidence).join(Statement)).all()
    # the undated article was first seen on NOW (2026): the holder then
    assert sorted(rows) == [("https://news.example/0", "Jens Stoltenberg"), ("https://news.example/1", "Mark Rutte"),
                            ("https://news.example/2", "Mark Rutte")]
    # the stored fingerprints carry the article's own date, for the repeat classifier to weigh the days
    # between articles; the day first seen does not stand in there (an archive ingested at once)
    assert sorted((url, ev["fingerprint"].get("day")) for url, ev in days) == [
        ("https://news.example/0", "2022-01-07"), ("https://news.example/1", "2025-02-01"),
        ("https://news.example/2", None)]


def test_the_british_prime_minister_is_the_one_in_office_that_day() -> None:
    # three holders of one role within three years: the document's date decides, as for NATO's
    # secretary general; a surname alone names the person whatever the date
    res = shipped_resources()
    text = "The British prime minister said the alliance would keep its open door to Ukraine's membership in NATO."
    holders = {
        date(2022, 3, 1): "Boris Johnson",
        date(2023, 5, 1): "Rishi Sunak",
        date(2025, 3, 1): "Keir Starmer",
    }
    for day, holder in holders.items():
        assert _labelled_speakers(analyse_text(text, res, language="en", published=day)) == [holder]
    named = "Sikorski said NATO's door would stay open to Ukraine's membership in NATO."
    assert _labelled_speakers(analyse_text(named, res, language="en")) == ["Radoslaw Sikorski"]


def test_predict_texts_groups_documents_in_the_order_given() -> None:
    # a stream in publication order: the report seen first opens the statement's group
    import pytest

    from monitor.detect.model import load_model
    from monitor.detect_step import SHIPPED_MODEL

    res, model = shipped_resources(), load_model(SHIPPED_MODEL)
    quote = "Russian Deputy Foreign Minister Sergei Ryabkov said Ukraine must never become a member of NATO."
    texts = {"a-later": f"Ryabkov on guarantees\n\n{quote}\n", "b-earlier": f"Ryabkov in Geneva\n\n{quote}\n"}
    for order in (["a-later", "b-earlier"], ["b-earlier", "a-later"]):
        preds = predict_texts(texts, res, NOW, model=model, order=order)
        groups = {p.doc: p.group for p in preds if p.labels and p.group}
        assert set(groups) == set(texts) and len(set(groups.values())) == 1  # one statement
        assert groups[order[0]] == "1"  # the first one seen opened it
    with pytest.raises(ValueError, match="every document"):
        predict_texts(texts, res, NOW, order=["a-later"])
