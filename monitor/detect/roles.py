"""Roles: one spelling of a role, its holders on a date, and the holders a qualifier before it leaves.

Pure. A role mention ("the diplomat", "the Ukrainian defence minister") resolves to the listed
actors who hold the role; with the document's date, to those in office on that day (an actor's
``in_office`` terms).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Final

from monitor.detect.resources import Actor, normalise

__all__ = ["GENERIC_ROLES", "holders_on", "qualified_holders", "role_key"]

GENERIC_ROLES: Final = (
    "diplomat",
    "expert",
    "analyst",
    "professor",
    "official",
    "spokesman",
    "spokeswoman",
    "minister",
    "deputy minister",
    "secretary general",
    "politician",
    "ambassador",
    "envoy",
    "senator",
    "researcher",
    "дипломат",
    "эксперт",
    "политолог",
    "министр",
)


def role_key(role: str) -> str:
    """One role however its words are joined: "secretary-general" is "secretary general" (the
    role's pattern matches a blank, a hyphen or nothing between its words)."""
    return " ".join(role.replace("-", " ").split())


def holders_on(holders: Sequence[Actor], published: date | None) -> tuple[Actor, ...]:
    """The holders of a role in office on ``published`` (all of them when the date is unknown)."""
    if published is None:
        return tuple(holders)
    return tuple(a for a in holders if a.holds_office_on(published))


_WORD_BEFORE: Final = re.compile(r"([A-ZА-ЯЁ][\w.'’-]*)\s+$")


def qualified_holders(
    holders: Sequence[Actor], text: str, start: int, qualifier_sides: dict[str, frozenset[str]]
) -> tuple[Actor, ...]:
    """The holders a qualifier just before a role leaves: "the Ukrainian defence minister" is no
    Russian minister, whoever else holds "defence minister". A capitalised word that begins listed
    roles ("Ukrainian", from "ukrainian president") keeps the holders with a role that begins with
    it too, else those of its side when all its roles are of one side; other words change nothing."""
    found = _WORD_BEFORE.search(text[max(0, start - 40) : start])
    word = normalise(found.group(1)).rstrip(".") if found else ""
    sides = qualifier_sides.get(word)
    if not sides:
        return tuple(holders)
    own = tuple(a for a in holders if any(role_key(r).startswith(word + " ") for r in a.roles))
    if own:
        return own
    return tuple(a for a in holders if a.side in sides) if len(sides) == 1 else tuple(holders)
