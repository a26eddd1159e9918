"""Embassies as speakers, named "<Owner> Embassy in <Country>" as the document names them in full."""

from __future__ import annotations

import pytest

from monitor.detect.embassies import EmbassyMention, complete_embassies, embassy_mentions, embassy_name
from monitor.detect.match import quote_states
from monitor.detect.segment import segment_text
from monitor.detect.speaker import find_document_mentions, find_speakers
from monitor.detect_step import shipped_resources

PLACES = {"Norway": "Norway", "Stockholm": "Sweden", "Швеции": "Sweden", "the US": "United States"}


def _country(place: str) -> str:
    return PLACES.get(place, "")


NAMED = {
    "possessive owner and host": ("Russia's embassy in Norway told AFP.", "Russian Embassy in Norway"),
    "adjective owner": ("The Russian Embassy in the US said so.", "Russian Embassy in the United States"),
    "owner only": ("The Russian embassy stated that Moscow would respond.", "Russian Embassy"),
    "Russian": ("Посольство России в Швеции заявило об ответных мерах.", "Russian Embassy in Sweden"),
}


@pytest.mark.parametrize("text, name", NAMED.values(), ids=NAMED)
def test_an_embassy_is_named_by_owner_and_host(text: str, name: str) -> None:
    found = embassy_mentions(text, _country)
    assert [embassy_name(e) for e in found] == [name]


def test_a_document_completes_its_embassy_mentions() -> None:
    found = [
        EmbassyMention(0, 5, "", "", "Sweden"),  # "its Stockholm embassy"
        EmbassyMention(0, 5, "Russian", "Russia", ""),  # "the Russian embassy"
        EmbassyMention(0, 5, "", "", ""),  # "the embassy"
    ]
    assert [embassy_name(e) for e in complete_embassies(found)] == ["Russian Embassy in Sweden"] * 3


def test_two_owners_leave_a_bare_embassy_unnamed() -> None:
    found = [
        EmbassyMention(0, 5, "Russian", "Russia", "Sweden"),
        EmbassyMention(0, 5, "US", "United States", "Sweden"),
        EmbassyMention(0, 5, "", "", ""),
    ]
    assert [embassy_name(e) for e in complete_embassies(found)] == [
        "Russian Embassy in Sweden",
        "US Embassy in Sweden",
        "",
    ]


def test_the_embassy_speaks_as_the_document_named_it() -> None:
    actors = shipped_resources().actors
    segs = segment_text(
        "Russia has pledged countermeasures, as conveyed in a message from its Stockholm embassy.\n"
        "The Russian embassy stated that Russia will take countermeasures.\n"
        "The embassy emphasized that NATO must not deploy forces in Sweden."
    )
    mentions = find_document_mentions(segs, actors)
    speakers = find_speakers(segs, actors, quote_states(segs), mentions)
    assert [s.name if s else None for s in speakers[1:]] == ["Russian Embassy in Sweden"] * 2
    assert speakers[1] is not None and speakers[1].side == "russia"
    # the embassy's words replace the host's name inside them ("its Stockholm embassy")
    embassy = next(m for m in mentions[0] if m.name == "Russian Embassy in Sweden")
    assert not [m for m in mentions[0] if m.kind == "country" and m.start < embassy.end and m.end > embassy.start]
