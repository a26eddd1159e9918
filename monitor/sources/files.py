"""Local files (.txt, .md, .html) and folders of them -> ArticleData. Reads files; no database."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from monitor.errors import SourceError
from monitor.extract.html import extract_article
from monitor.types import ArticleData, NoText

SUFFIXES = (".txt", ".md", ".html", ".htm")
MANIFEST_NAME = "manifest.toml"
MAX_FILE_BYTES = 20 * 1024 * 1024
# encodings we accept when a file is not UTF-8; anything else is refused rather than guessed
FALLBACK_ENCODINGS = ("cp1251", "koi8_r", "cp1252", "iso8859_1", "utf_16", "cp866", "iso8859_5", "mac_cyrillic")


@dataclass(frozen=True)
class FileEntry:
    """Metadata for one file, from a folder's manifest.toml."""

    title: str | None = None
    outlet: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    author: str | None = None
    url: str | None = None


def iter_files(paths: list[Path]) -> Iterator[Path]:
    """The supported files under ``paths`` (sorted; a missing path raises SourceError)."""
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            yield from found
        elif path.is_file():
            yield path
        else:
            raise SourceError(str(path), "no such file or folder")


def read_manifest(folder: Path) -> dict[str, FileEntry]:
    """Entries of ``folder/manifest.toml`` keyed by file name (empty when there is none)."""
    file = folder / MANIFEST_NAME
    if not file.is_file():
        return {}
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SourceError(str(file), f"cannot read the manifest: {exc}") from exc
    return {name: _entry(file, name, data) for name, data in raw.items()}


def _entry(file: Path, name: str, data: Any) -> FileEntry:
    if not isinstance(data, Mapping):
        raise SourceError(str(file), f"[{name!r}] must be a table")
    known = {"title", "outlet", "published", "language", "author", "url"}
    unknown = set(data) - known
    if unknown:
        raise SourceError(str(file), f"[{name!r}]: unknown keys {', '.join(sorted(unknown))}")
    return FileEntry(
        title=data.get("title"), outlet=data.get("outlet"), language=data.get("language"),
        author=data.get("author"), url=data.get("url"),
        published_at=_to_datetime(file, name, data.get("published")),
    )


def _to_datetime(file: Path, name: str, value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        return _to_datetime(file, name, datetime.fromisoformat(str(value)))
    except ValueError as exc:
        raise SourceError(str(file), f"[{name!r}].published: not an ISO date: {value!r}") from exc


def decode_text(raw: bytes, where: str) -> str:
    """Decode a text file: UTF-8 (with or without BOM), else a confidently detected legacy
    encoding (windows-1251, KOI8-R, ...). Binary or undecidable bytes raise SourceError."""
    if not raw.strip():
        raise SourceError(where, "empty file")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if b"\x00" in raw[:8192]:
        raise SourceError(where, "binary file (contains NUL bytes); expected text or HTML")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw, cp_isolation=list(FALLBACK_ENCODINGS)).best()
    if best is None or best.chaos > 0.2:
        raise SourceError(where, "not UTF-8 and no known encoding fits; convert it to UTF-8")
    return str(best)


def read_file(path: Path, entry: FileEntry | None = None, *, min_chars: int = 1) -> ArticleData:
    """One local file as an article. ``entry`` (from the manifest) overrides what the file says."""
    entry = entry or FileEntry()
    where = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SourceError(where, f"file too large ({size} bytes > {MAX_FILE_BYTES})")
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise SourceError(where, "no such file") from exc
    except OSError as exc:
        raise SourceError(where, f"cannot read: {exc.strerror}") from exc
    text = decode_text(raw, where)
    url = entry.url or path.resolve().as_uri()
    if path.suffix.lower() in (".html", ".htm"):
        return _from_html(text, url, entry, where)
    body = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(body) < min_chars or not any(ch.isalnum() for ch in body):
        raise SourceError(where, "no text in file")
    first_line = next((ln.strip() for ln in body.splitlines() if ln.strip()), "")
    return ArticleData(
        url=url, text=body, title=entry.title or first_line[:500], outlet=entry.outlet,
        published_at=entry.published_at, language=entry.language, author=entry.author,
        extractor="text",
    )


def _from_html(html: str, url: str, entry: FileEntry, where: str) -> ArticleData:
    result = extract_article(html, url, min_chars=1, outlet=entry.outlet)
    if isinstance(result, NoText):
        raise SourceError(where, f"no article text in the HTML ({result.value})")
    return ArticleData(
        url=url, text=result.text, title=entry.title or result.title, author=entry.author or result.author,
        outlet=entry.outlet or result.outlet, published_at=entry.published_at or result.published_at,
        language=entry.language or result.language, summary=result.summary, html=result.html,
        extractor=result.extractor,
    )
