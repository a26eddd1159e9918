"""Exclusions that rule a demand out: the one rule the rule layer and the learned layer share.

Each default demand is about what one side does (``about_side`` in ``demands.toml``: the US and
NATO, side "west"). A sentence that matches one of a demand's exclusion cues ("Russian tactical
nuclear weapons", "Belarus", "Sarmat", Russia sending troops) and names no actor of that side is
no statement on the demand, whatever its other cues or a classifier make of its vocabulary; with
one named ("a response to the US move") the other evidence decides."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from monitor.detect.mentions import Mention

_ACTOR_KINDS: Final = frozenset({"country", "institution", "person"})


def ruled_out(
    excluded: Sequence[tuple[str, str]], mentions: Sequence[Mention], about: Mapping[str, str]
) -> set[str]:
    """The demands the exclusion cues ``excluded`` ((demand, cue name) pairs) of one sentence rule
    out, given the sentence's ``mentions`` and ``about`` (demand -> its ``about_side``). A demand
    with no side said is never ruled out here."""
    out: set[str] = set()
    for demand, _ in excluded:
        side = about.get(demand, "")
        if side and not any(m.side == side and m.kind in _ACTOR_KINDS for m in mentions):
            out.add(demand)
    return out
