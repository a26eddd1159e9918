"""Decoding and extraction: charsets, real pages, NoText reasons, the time-bounded worker pool."""

from __future__ import annotations

import asyncio
import gzip
import time
from pathlib import Path

import pytest

from monitor.extract.html import decode_html, extract_article, extract_page
from monitor.extract.pool import ExtractPool
from monitor.types import ArticleData, NoText

PAGES = Path(__file__).parent / "data" / "pages"
RU = "Министр иностранных дел России заявил, что расширение НАТО на восток недопустимо. "
RU_PAGE = ("<html><head>{meta}<title>Заявление</title></head><body><article>"
           + "".join(f"<p>{RU}Абзац {i}.</p>" for i in range(6)) + "</article></body></html>")

DECODE_CASES = {
    "utf-8 header": (RU_PAGE.format(meta="").encode("utf-8"), "utf-8"),
    "cp1251 header": (RU_PAGE.format(meta="").encode("cp1251"), "windows-1251"),
    "cp1251 meta": (RU_PAGE.format(meta='<meta charset="windows-1251">').encode("cp1251"), None),
    "cp1251 http-equiv": (RU_PAGE.format(meta='<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">')
                          .encode("cp1251"), None),
    "koi8-r detected": (RU_PAGE.format(meta="").encode("koi8_r"), None),
    "cp1251 detected": (RU_PAGE.format(meta="").encode("cp1251"), None),
    "utf-8 BOM": (b"\xef\xbb\xbf" + RU_PAGE.format(meta="").encode("utf-8"), None),
    "utf-16 BOM": (RU_PAGE.format(meta="").encode("utf-16"), None),
    "wrong header charset": (RU_PAGE.format(meta="").encode("cp1251"), "utf-8"),
}


@pytest.mark.parametrize("body, charset", DECODE_CASES.values(), ids=DECODE_CASES)
def test_decode_html(body: bytes, charset: str | None) -> None:
    text, bad = decode_html(body, charset)
    assert RU in text and bad == 0.0


def test_undecidable_bytes_do_not_crash() -> None:
    text, _ = decode_html(bytes(range(256)) * 10, None)
    assert isinstance(text, str)


def test_a_page_full_of_replacement_characters_says_so() -> None:
    clean = RU_PAGE.format(meta="").encode("utf-8")
    broken = b"\xef\xbb\xbf" + clean.replace("о".encode(), b"\xff")  # a BOM, then bytes that are not UTF-8
    good, bad = (extract_page(b, None, "https://mid.example/1", min_chars=100) for b in (clean, broken))
    assert isinstance(good, ArticleData) and good.replacement_ratio == 0.0
    assert isinstance(bad, ArticleData) and bad.replacement_ratio > 0.01 and "\ufffd" in bad.text


def test_cyrillic_article_is_extracted_correctly() -> None:
    result = extract_page(RU_PAGE.format(meta="").encode("cp1251"), None, "https://mid.example/1", min_chars=100)
    assert isinstance(result, ArticleData) and RU.strip() in result.text


@pytest.mark.parametrize("name", sorted(p.name for p in PAGES.glob("*.html.gz")))
def test_real_pages_match_trafilatura(name: str) -> None:
    from trafilatura import extract

    raw = gzip.decompress((PAGES / name).read_bytes())
    result = extract_page(raw, None, f"https://example.org/{name}", min_chars=200)
    assert isinstance(result, ArticleData)
    html, _ = decode_html(raw)
    reference = extract(html, deduplicate=False, favor_precision=True, include_comments=False, include_tables=False)
    assert reference
    ours, theirs = set(result.text.split()), set(reference.split())
    assert len(ours & theirs) / len(theirs) > 0.9


NOTEXT_CASES = {
    "empty": ("<html><body></body></html>", NoText.EMPTY_PAGE),
    "script only": ("<html><body><script>document.write('" + "x " * 500 + "')</script></body></html>", NoText.EMPTY_PAGE),
    "too short": ("<html><body><article><p>Only a short note.</p></article></body></html>", NoText.TOO_SHORT),
    "deeply nested": ("<div>" * 200_000 + "x" + "</div>" * 200_000, NoText.EMPTY_PAGE),
}


@pytest.mark.parametrize("html, reason", NOTEXT_CASES.values(), ids=NOTEXT_CASES)
def test_no_text_reasons(html: str, reason: NoText) -> None:
    result = extract_article(html, "https://example.org/x", min_chars=200)
    assert result in (reason, NoText.EMPTY_PAGE, NoText.TOO_SHORT) and isinstance(result, NoText)


def test_oversized_html_is_refused_before_extraction() -> None:
    assert extract_page(b"<p>x</p>" * 1_000_000, None, "https://example.org/big", max_bytes=1_000_000) == NoText.TOO_LARGE


def test_control_characters_are_stripped() -> None:
    html = "<html><body><article>" + "<p>Statement\x00 of the\x1d ministry \ufffe today, " + "word " * 60 + "</p>" * 3
    result = extract_article(html + "</article></body></html>", "https://example.org/c", min_chars=100)
    assert isinstance(result, ArticleData)
    assert not any(c in result.text for c in "\x00\x1d\ufffe")


def test_pool_extracts_in_workers_and_kills_a_runaway_document() -> None:
    good = gzip.decompress((PAGES / "dw.com.colonial.html.gz").read_bytes())
    huge = ("<html><body>" + "".join(f"<p>Paragraph {i} says a few words.</p>" for i in range(100_000))
            + "</body></html>").encode()  # about 4 MB: several seconds of trafilatura

    async def run() -> tuple[object, object, object]:
        async with ExtractPool(1, 60) as pool:  # a page that should succeed gets a generous budget
            first = await pool.extract(good, None, "https://example.org/a", min_chars=200, outlet=None, max_bytes=10**8)
            pool.timeout_s = 0.5
            started = time.monotonic()
            slow = await pool.extract(huge, None, "https://example.org/b", min_chars=200, outlet=None, max_bytes=10**8)
            assert time.monotonic() - started < 30 * 0.5  # generous: the worker is killed at the 0.5 s timeout
            pool.timeout_s = 60
            after = await pool.extract(good, None, "https://example.org/c", min_chars=200, outlet=None, max_bytes=10**8)
            return first, slow, after

    first, slow, after = asyncio.run(run())
    assert isinstance(first, ArticleData) and slow == NoText.TIMEOUT and isinstance(after, ArticleData)
