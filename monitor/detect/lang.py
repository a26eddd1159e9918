"""Language of an article or sentence. Pure; the only module that imports py3langid."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Final

__all__ = ["detect_language", "script_language"]

MAX_CHARS: Final = 20_000
_CYRILLIC_LANGS: Final = frozenset({"ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "mn"})


@lru_cache(maxsize=1)
def _classify() -> Any:
    import py3langid  # loads its bundled model on first use; no download

    return py3langid.classify


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text`` ("en", "ru", ...); "" when there are too few letters to tell."""
    sample = text[:MAX_CHARS]
    letters = sum(c.isalpha() for c in sample)
    if letters < 20:
        return script_language(sample)
    lang, _score = _classify()(sample)
    return str(lang)


def script_language(text: str) -> str:
    """A cheap guess from the alphabet: "ru" for mostly Cyrillic, "en" for mostly Latin, else ""."""
    cyr = sum("\u0400" <= c <= "\u04ff" for c in text)
    lat = sum(c.isascii() and c.isalpha() for c in text)
    if cyr == lat == 0:
        return ""
    return "ru" if cyr > lat else "en"


def is_cyrillic_language(lang: str) -> bool:
    return lang in _CYRILLIC_LANGS
