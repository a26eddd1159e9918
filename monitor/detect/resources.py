"""Demand and actor resources: the configuration that tells detection what to look for.

Pure: the loaders take the raw tables read from TOML (``[[demands]]`` / ``[[actors]]`` in
``monitor/data/demands.toml``, ``monitor/data/actors.toml`` or the user's configuration) and
return frozen, compiled values, or raise one :class:`~monitor.errors.ConfigError` naming
file, entry, key and problem for everything that is wrong.

Demand format (see ``monitor/data/demands.toml`` for the documented defaults)::

    [[demands]]
    name = "nato_expansion"            # label; lower-case identifier
    description = "..."                # what the demand covers (shown to analysts)
    threshold = 1.0                    # summed cue weight a sentence needs to get the label
    examples = ["..."]                 # example statements (documentation, tests)
    about_side = "west"                # optional: whose actions the demand is about; a sentence
                                       # that matches an exclusion cue and names no actor of this
                                       # side never gets the label (learned layer); "" = no such rule

      [[demands.cues]]
      name = "eastward expansion"      # shown as evidence
      weight = 1.0                     # negative weight = exclusion
      terms.en = ["nato expansion", "expan* of [the] alliance"]
      terms.ru = ["расширени* нато"]
      near.en = [["ukraine", "georgia"], ["member*", "join*"]]   # every list must match ...
      window = 8                       # ... within this many words (default 10)

Term syntax: words separated by blanks, matched case-insensitively at word boundaries;
``word*`` matches any ending; ``a|b`` either word; ``[word]`` is optional; ``~`` skips up to three words and
``~N`` up to N; a hyphen also matches a blank or nothing; a leading ``not`` also matches a
contraction ("won't", "doesn't"). ``re:...`` is a raw regular
expression (bounded constructs only: it runs on every sentence).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Final

from monitor.errors import ConfigError

__all__ = [
    "Actor",
    "Cue",
    "Demand",
    "Term",
    "WORD_START",
    "at_word_start",
    "compile_term",
    "load_actors",
    "load_demands",
    "normalise",
]

DEFAULT_WINDOW: Final = 10
ACTOR_KINDS: Final = ("person", "institution", "country", "media", "group")
SIDES: Final = ("russia", "west", "neutral")
_NAME_RE: Final = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_LANG_RE: Final = re.compile(r"^[a-z]{2}$")
_DEMAND_KEYS: Final = frozenset(
    {"name", "description", "threshold", "examples", "cues", "title", "about_side"}
)
_CUE_KEYS: Final = frozenset({"name", "weight", "terms", "near", "window"})
_ACTOR_KEYS: Final = frozenset(
    {"name", "kind", "aliases", "roles", "side", "gender", "affiliation", "state", "in_office", "cased"}
)

# One-to-one character folding: offsets in the normalised text equal offsets in the original.
_FOLD: Final = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "`": "'",
        "“": '"',
        "”": '"',
        "«": '"',
        "»": '"',
        "„": '"',
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "ё": "е",
        "Ё": "е",
    }
)


def normalise(text: str) -> str:
    """Lower-case and fold quotes, dashes and ``ё``; the result has the same length as ``text``."""
    # detection normalises each sentence about five times (lexicon, mentions, speakers, features):
    # short texts are remembered, while whole documents are folded anew, not kept by the cache
    return _normalise_short(text) if len(text) <= _CACHED_CHARS else _fold(text)


_CACHED_CHARS: Final = 2_000  # the longest prefix of a sentence that detection matches


@lru_cache(maxsize=4096)
def _normalise_short(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    folded = text.translate(_FOLD)
    lowered = folded.lower()
    return lowered if len(lowered) == len(text) else "".join(c.lower()[:1] or c for c in folded)


@dataclass(frozen=True, slots=True)
class Term:
    """One compiled term: ``source`` is what the user wrote (shown as evidence)."""

    lang: str
    source: str
    regex: re.Pattern[str]
    anchor: str = ""  # the longest literal word of the term ("" none): a cheap test before the regex


@dataclass(frozen=True, slots=True)
class Cue:
    """A weighted piece of evidence: any of ``terms``, or every group of ``near`` within ``window``."""

    name: str
    weight: float
    terms: tuple[Term, ...]
    near: tuple[tuple[str, tuple[tuple[Term, ...], ...]], ...]
    window: int
    anchors: tuple[str, ...] = ()  # one of these occurs in every match (cue_anchors; () = no test)


@dataclass(frozen=True, slots=True)
class Demand:
    name: str
    description: str
    threshold: float
    cues: tuple[Cue, ...]
    examples: tuple[str, ...]
    about_side: str = ""  # the side whose actions the demand is about ("" = none said)

    @property
    def languages(self) -> frozenset[str]:
        langs = {t.lang for c in self.cues for t in c.terms} | {lang for c in self.cues for lang, _ in c.near}
        return frozenset(langs)


@dataclass(frozen=True, slots=True)
class Actor:
    """A known speaker; ``aliases`` and ``roles`` are normalised (lower-case, folded)."""

    name: str
    kind: str
    aliases: tuple[str, ...]
    roles: tuple[str, ...]
    side: str
    gender: str
    state: str = ""  # a state body speaks for this state ("Kremlin" -> "Russia"): one speaker when scored
    # terms in which the actor holds its roles: (first day, day the term ended or None = open);
    # empty = not known, the roles are held at any date
    in_office: tuple[tuple[date, date | None], ...] = ()
    # spellings matched only as written, letter case included ("US", not the pronoun "us")
    cased: tuple[str, ...] = ()

    def holds_office_on(self, day: date) -> bool:
        """Whether the actor held its roles on ``day`` (always, when no term is listed)."""
        if not self.in_office:
            return True
        return any(start <= day and (end is None or day < end) for start, end in self.in_office)


# ---------------------------------------------------------------------------------------------
# Term compilation

_WORD_CHARS: Final = r"[\w']"


def compile_term(term: str) -> re.Pattern[str]:
    """Compile the term syntax described in the module docstring; raises ``re.error``/``ValueError``."""
    if term.startswith("re:"):
        return re.compile(term[3:], re.IGNORECASE)
    words = normalise(term).split()
    if not words:
        raise ValueError("empty term")
    parts = [_opening(words[0])]
    for word in words[1:]:
        gap = _gap(word)
        if gap is not None:
            parts.append(gap)
            continue
        optional = word.startswith("[") and word.endswith("]")
        body = _word_regex(word[1:-1] if optional else word)
        parts.append(rf"(?:\s+{body})?" if optional else rf"\s+{body}")
    pattern = "".join(parts)
    return re.compile(rf"{pattern}(?![\w])" if not words[-1].endswith("*") else pattern)


def _opening(word: str) -> str:
    """The regex of a term's first word, matched only where a word begins (:func:`at_word_start`,
    in each of the word's alternatives)."""
    if word == "not":
        return _word_regex(word)  # "not" also matches the contracted form ("won't expand", "doesn't")
    gap = _gap(word)
    if gap is not None:
        return WORD_START + gap
    if word.startswith("[") and word.endswith("]"):
        return rf"{WORD_START}(?:{_word_regex(word[1:-1])})?"
    if "|" in word:
        return "(?:" + "|".join(at_word_start(_word_regex(alt)) for alt in word.split("|")) + ")"
    return at_word_start(_word_regex(word))


WORD_START: Final = r"(?<![\w])"
_LEADING_LETTERS: Final = re.compile(r"\w+")


def at_word_start(pattern: str) -> str:
    r"""``pattern`` matched only where a word begins: ``(?<![\w])`` before it, or where ``pattern``
    opens with literal letters, the same test written after them (``nato(?<![\w]nato)...``: no
    word character before the "n"). The regex engine looks for a literal opening with a fast scan
    and tries a match only where it occurs; in front of the letters, the test made it try one at
    every offset of the sentence, a sixth of detection's instructions."""
    m = _LEADING_LETTERS.match(pattern)
    letters = m.group() if m else ""
    if pattern[len(letters) : len(letters) + 1] in ("*", "+", "?", "{"):
        letters = letters[:-1]  # a quantified last letter is not part of every match
    if not letters:
        return WORD_START + pattern
    return rf"{letters}(?<![\w]{letters}){pattern[len(letters):]}"


def _gap(word: str) -> str | None:
    if word == "~":
        return r"(?:\s+\S+){0,3}"
    if word.startswith("~") and word[1:].isdigit():
        return rf"(?:\s+\S+){{0,{min(int(word[1:]), 12)}}}"
    return None


def _word_regex(word: str) -> str:
    if "|" in word:
        return "(?:" + "|".join(_word_regex(alt) for alt in word.split("|")) + ")"
    if not word or word in {"*", "[]"}:
        raise ValueError(f"bad word {word!r}")
    if word == "not":
        return r"(?:(?<![\w])not|(?<=\w)n't)"
    star = word.endswith("*")
    core = word[:-1] if star else word
    pieces = [re.escape(p) for p in core.split("-")]
    body = r"(?:-|\s)?".join(pieces)
    return body + (r"\w*" if star else "")


# ---------------------------------------------------------------------------------------------
# Loaders


def load_demands(raw: Sequence[Mapping[str, Any]], where: str) -> tuple[Demand, ...]:
    """Validate and compile ``[[demands]]`` tables; one ``ConfigError`` lists every problem."""
    problems: list[str] = []
    demands: list[Demand] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        at = f"demands[{i}]"
        if not isinstance(item, Mapping):
            problems.append(f"{at}: must be a table")
            continue
        name = item.get("name")
        if isinstance(name, str):
            at = f"demands[{i}] ({name})"
        demand = _load_demand(item, at, problems)
        if demand is not None:
            if demand.name in seen:
                problems.append(f"{at}.name: duplicate demand {demand.name!r}")
            seen.add(demand.name)
            demands.append(demand)
    if problems:
        raise ConfigError(where, problems)
    return tuple(demands)


def _load_demand(item: Mapping[str, Any], at: str, problems: list[str]) -> Demand | None:
    before = len(problems)
    _unknown_keys(item, _DEMAND_KEYS, at, problems)
    name = item.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        problems.append(f"{at}.name: required, a lower-case identifier like 'nato_expansion'")
    description = item.get("description", "")
    if not isinstance(description, str):
        problems.append(f"{at}.description: must be a string")
    threshold = item.get("threshold", 1.0)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or threshold <= 0:
        problems.append(f"{at}.threshold: must be a number > 0")
    examples = item.get("examples", [])
    if not _is_str_list(examples):
        problems.append(f"{at}.examples: must be a list of strings")
    about_side = item.get("about_side", "")
    if about_side not in ("", *SIDES):
        problems.append(f"{at}.about_side: must be an actor side ({', '.join(SIDES)}), or empty")
        about_side = ""
    raw_cues = item.get("cues")
    if not isinstance(raw_cues, list) or not raw_cues:
        problems.append(f"{at}.cues: required, a non-empty array of tables ([[demands.cues]])")
        raw_cues = []
    cues = [c for j, rc in enumerate(raw_cues) if (c := _load_cue(rc, f"{at}.cues[{j}]", problems))]
    if len(problems) > before:
        return None
    return Demand(str(name), str(description), float(threshold), tuple(cues), tuple(examples), about_side)


def _load_cue(item: Any, at: str, problems: list[str]) -> Cue | None:
    if not isinstance(item, Mapping):
        problems.append(f"{at}: must be a table")
        return None
    before = len(problems)
    _unknown_keys(item, _CUE_KEYS, at, problems)
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{at}.name: required, a short text shown as evidence")
    weight = item.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight == 0:
        problems.append(f"{at}.weight: must be a non-zero number (negative = exclusion)")
    window = item.get("window", DEFAULT_WINDOW)
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= 100:
        problems.append(f"{at}.window: must be an integer between 1 and 100")
    terms = _load_terms(item.get("terms", {}), f"{at}.terms", problems)
    near = _load_near(item.get("near", {}), f"{at}.near", problems)
    if not terms and not near and len(problems) == before:
        problems.append(f"{at}: needs 'terms' or 'near'")
    if near and isinstance(weight, (int, float)) and weight < 0:
        # an exclusion masks the spans its terms match; a near-cue has no one span to mask
        problems.append(f"{at}.near: an exclusion cue (negative weight) takes 'terms' only; write 'a ~N b' terms")
    if len(problems) > before:
        return None
    return Cue(str(name), float(weight), terms, near, int(window), cue_anchors(terms, near))


def term_anchor(source: str) -> str:
    """The longest literal word of a term (a substring of every match), "" for a raw regex or a
    term of wildcards and alternatives only."""
    if source.startswith("re:"):
        return ""
    literal = [w.rstrip("*") for w in normalise(source).split() if not (w.startswith(("~", "[")) or "|" in w)]
    return max((w.split("-")[0] for w in literal), key=len, default="")


def cue_anchors(
    terms: Sequence[Term], near: Sequence[tuple[str, Sequence[Sequence[Term]]]]
) -> tuple[str, ...]:
    """Substrings one of which every match of a cue contains (its terms' anchors and, for a
    near-cue, the anchors of each language's first group), or () when some term has none."""
    firsts = [t for _, groups in near for t in (groups[0] if groups else ())]
    anchors = {t.anchor for t in (*terms, *firsts)}
    if not anchors or "" in anchors or any(not groups for _, groups in near):
        return ()
    return tuple(sorted(anchors))


def _load_terms(raw: Any, at: str, problems: list[str]) -> tuple[Term, ...]:
    if not isinstance(raw, Mapping):
        problems.append(f"{at}: must be a table of language = [terms], e.g. terms.en = [...]")
        return ()
    terms: list[Term] = []
    for lang, items in raw.items():
        if not _LANG_RE.match(str(lang)):
            problems.append(f"{at}.{lang}: not a two-letter language code")
        elif not _is_str_list(items):
            problems.append(f"{at}.{lang}: must be a list of strings")
        else:
            terms.extend(
                t for j, s in enumerate(items) if (t := _term(lang, s, f"{at}.{lang}[{j}]", problems))
            )
    return tuple(terms)


def _load_near(
    raw: Any, at: str, problems: list[str]
) -> tuple[tuple[str, tuple[tuple[Term, ...], ...]], ...]:
    if not isinstance(raw, Mapping):
        problems.append(f"{at}: must be a table of language = [[terms], [terms], ...]")
        return ()
    out: list[tuple[str, tuple[tuple[Term, ...], ...]]] = []
    for lang, groups in raw.items():
        where = f"{at}.{lang}"
        if not _LANG_RE.match(str(lang)):
            problems.append(f"{where}: not a two-letter language code")
            continue
        if not isinstance(groups, list) or len(groups) < 2 or not all(_is_str_list(g) and g for g in groups):
            problems.append(f"{where}: must be a list of at least two non-empty lists of terms")
            continue
        compiled = tuple(
            tuple(t for k, s in enumerate(g) if (t := _term(lang, s, f"{where}[{j}][{k}]", problems)))
            for j, g in enumerate(groups)
        )
        out.append((lang, compiled))
    return tuple(out)


def _term(lang: str, source: str, at: str, problems: list[str]) -> Term | None:
    try:
        return Term(lang, source, compile_term(source), term_anchor(source))
    except (re.error, ValueError) as exc:
        problems.append(f"{at}: invalid term {source!r}: {exc}")
        return None


def load_actors(raw: Sequence[Mapping[str, Any]], where: str) -> tuple[Actor, ...]:
    """Validate ``[[actors]]`` tables; one ``ConfigError`` lists every problem."""
    problems: list[str] = []
    actors: list[Actor] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        at = f"actors[{i}]"
        if not isinstance(item, Mapping):
            problems.append(f"{at}: must be a table")
            continue
        name = item.get("name")
        if isinstance(name, str) and name.strip():
            at = f"actors[{i}] ({name})"
        actor = _load_actor(item, at, problems)
        if actor is not None:
            if actor.name in seen:
                problems.append(f"{at}.name: duplicate actor {actor.name!r}")
            seen.add(actor.name)
            actors.append(actor)
    if problems:
        raise ConfigError(where, problems)
    return tuple(actors)


def _load_actor(item: Mapping[str, Any], at: str, problems: list[str]) -> Actor | None:
    before = len(problems)
    _unknown_keys(item, _ACTOR_KEYS, at, problems)
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{at}.name: required, the canonical spelling, e.g. 'Sergei Ryabkov'")
    kind = item.get("kind", "person")
    if kind not in ACTOR_KINDS:
        problems.append(f"{at}.kind: must be one of {', '.join(ACTOR_KINDS)}, got {kind!r}")
    side = item.get("side", item.get("affiliation", "neutral"))
    if side not in SIDES:
        problems.append(f"{at}.side: must be one of {', '.join(SIDES)}, got {side!r}")
    gender = item.get("gender", "")
    if gender not in ("", "m", "f"):
        problems.append(f"{at}.gender: must be 'm', 'f' or empty")
    for key in ("aliases", "roles", "cased"):
        if not _is_str_list(item.get(key, [])):
            problems.append(f"{at}.{key}: must be a list of strings")
    state = item.get("state", "")
    if not isinstance(state, str):
        problems.append(f"{at}.state: must be the name of the state the body speaks for, e.g. 'Russia'")
    terms = _load_terms_of_office(item.get("in_office", []), f"{at}.in_office", problems)
    if len(problems) > before:
        return None
    aliases = _unique(normalise(a).strip() for a in (str(name), *item.get("aliases", [])))
    roles = _unique(normalise(r).strip() for r in item.get("roles", []))
    cased = _unique(str(c).strip() for c in item.get("cased", []) if str(c).strip())
    return Actor(str(name), str(kind), aliases, roles, str(side), str(gender), str(state), terms, cased)


_TERM_HELP: Final = (
    'a term of office ["YYYY-MM-DD", "YYYY-MM-DD"] (first day, day it ended; leave the end out while '
    'in office), or a list of such terms'
)


def _load_terms_of_office(
    raw: Any, at: str, problems: list[str]
) -> tuple[tuple[date, date | None], ...]:
    """``in_office``: one term ``[start, end]`` / ``[start]``, or a list of them (dates as ISO
    strings or TOML dates); the end day is the first day out of office."""
    if not isinstance(raw, list):
        problems.append(f"{at}: must be {_TERM_HELP}")
        return ()
    terms = raw if raw and all(isinstance(t, list) for t in raw) else [raw] if raw else []
    out: list[tuple[date, date | None]] = []
    for k, term in enumerate(terms):
        where = at if terms is not raw else f"{at}[{k}]"
        parsed = _term_of_office(term, where, problems)
        if parsed is not None:
            out.append(parsed)
    return tuple(sorted(out, key=lambda t: t[0]))


def _term_of_office(term: Any, at: str, problems: list[str]) -> tuple[date, date | None] | None:
    if not isinstance(term, list) or not 1 <= len(term) <= 2:
        problems.append(f"{at}: must be {_TERM_HELP}, got {term!r}")
        return None
    days = [d for d in map(_day, term) if d is not None]
    if len(days) < len(term):
        bad = next(v for v in term if _day(v) is None)
        problems.append(f"{at}: {bad!r} is not a date (write it as YYYY-MM-DD, e.g. '2024-10-01')")
        return None
    start, end = days[0], days[1] if len(days) == 2 else None
    if end is not None and end <= start:
        problems.append(f"{at}: the term ends ({end}) before it starts ({start})")
        return None
    return start, end


_ISO_DAY: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day(value: Any) -> date | None:
    """A TOML date or a ``YYYY-MM-DD`` string as a date; None for anything else."""
    if isinstance(value, datetime):
        return None  # a time of day has no place in a term of office
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DAY.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:  # "2024-02-30"
            return None
    return None


def _unknown_keys(item: Mapping[str, Any], allowed: frozenset[str], at: str, problems: list[str]) -> None:
    for key in item:
        if key not in allowed:
            problems.append(f"{at}.{key}: unknown key (allowed: {', '.join(sorted(allowed))})")


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))
