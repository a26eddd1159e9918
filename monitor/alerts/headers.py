"""Sanitising text that ends up in an e-mail header (pure).

On Python 3.11.7 an RFC 2047 encoded word such as ``=?UTF-8?Q?=0A?=Reply-To: x`` inside a header
value is decoded by the e-mail package and can become a real header line (CVE-2024-6923,
python/cpython#121650). Plain CR/LF raise instead. Every header value built from article data
therefore goes through :func:`header_text` first: control, format, line and paragraph separator
characters are replaced by spaces, ``=?`` is broken up, whitespace is collapsed and the length
is capped.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

MAX_HEADER_CHARS: Final = 200
_UNSAFE_CATEGORIES: Final = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
_SPACES = re.compile(r"\s+")


def _safe_char(ch: str) -> str:
    return " " if unicodedata.category(ch) in _UNSAFE_CATEGORIES else ch


def one_line(value: object, max_chars: int = MAX_HEADER_CHARS) -> str:
    """``value`` on one line: control and separator characters become spaces, whitespace is
    collapsed, at most ``max_chars`` characters (an ellipsis marks a cut)."""
    text = "".join(_safe_char(ch) for ch in ("" if value is None else str(value)))
    text = _SPACES.sub(" ", text).strip()
    if len(text) > max_chars:
        text = text[: max_chars - 1].rstrip() + "…"
    return text


def header_text(value: object, max_chars: int = MAX_HEADER_CHARS) -> str:
    """``value`` as one safe header line: :func:`one_line` with every encoded-word opener and
    closer (``=?``, ``?=``) broken up, so nothing in it can decode to a line break."""
    text = "".join(_safe_char(ch) for ch in ("" if value is None else str(value)))
    text = text.replace("=?", "= ?").replace("?=", "? =")
    return one_line(text, max_chars)


def address_list(addresses: object) -> tuple[str, ...]:
    """Addresses from configuration, each stripped of anything that could break a header."""
    items = [addresses] if isinstance(addresses, str) else list(addresses)  # type: ignore[call-overload]
    return tuple(a for a in (header_text(x, 320).replace(" ", "") for x in items) if a)
