"""Cheap tests before the regexes: a text's trigrams, and indexes compiled once per resource list.

Pure. The lexicon (:mod:`monitor.detect.match`) and the actor index (:mod:`monitor.detect.mentions`)
both look up which of their anchors (literal substrings, one of which every match contains) occur
in a sentence through the sentence's trigrams: an anchor of three letters or more can occur only
where its first three letters do, so a set intersection picks the few anchors worth a substring
test. Both look at the same normalised sentence, whose trigrams are therefore remembered.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Final, Generic, TypeVar

__all__ = ["IdentityCache", "trigrams"]

_K = TypeVar("_K")
_V = TypeVar("_V")

# a document's sentences are scored by the lexicon first and searched for mentions after: the
# trigrams of a long document's sentences must still be there (a set of a 200-character sentence
# takes about 15 KB)
_CACHED_SENTENCES: Final = 512


@lru_cache(maxsize=_CACHED_SENTENCES)
def trigrams(norm: str) -> frozenset[str]:
    """The three-character substrings of ``norm`` (a normalised text)."""
    return frozenset([norm[i : i + 3] for i in range(len(norm) - 2)])


class IdentityCache(Generic[_K, _V]):
    """``build(key)``, remembered for the very object ``key`` (a tuple of compiled demands or
    actors: costly to hash, cheap to tell apart by identity) and for at most ``size`` of them,
    the oldest forgotten first: a process sees few such lists, and a reloaded configuration's new
    list never meets a stale index."""

    def __init__(self, build: Callable[[_K], _V], size: int = 8) -> None:
        self._build = build
        self.size = size
        self._entries: dict[int, tuple[_K, _V]] = {}

    def __call__(self, key: _K) -> _V:
        hit = self._entries.get(id(key))
        if hit is not None and hit[0] is key:
            return hit[1]
        value = self._build(key)
        while len(self._entries) >= self.size:
            del self._entries[next(iter(self._entries))]
        self._entries[id(key)] = (key, value)  # the key is kept, so its id is not reused meanwhile
        return value

    def __len__(self) -> int:
        return len(self._entries)
