"""Segments that carry no claim of their own: page furniture and source pointers."""

from __future__ import annotations

import pytest

from monitor.detect.noclaim import is_furniture, is_no_detail, is_pointer


@pytest.mark.parametrize(
    "text",
    [
        "BRUSSELS, March 3. /TASS/.",
        "Vienna, Feb. 10 (Xinhua) —",
        "WARSAW, 12 October - RIA Novosti.",
        "САНКТ-ПЕТЕРБУРГ, 5 марта. /ТАСС/.",
        "Photo: Alexander Zemlianichenko / AP",
        "Фото: Reuters",
        "AFP",
        "Reuters/Yves Herman",
        "Last updated: 3 Mar. 2024 10:15",
        "Published : Friday, 8 March, 2024 at 12:00 AM",
    ],
)
def test_furniture_is_recognised(text: str) -> None:
    assert is_furniture(text)


@pytest.mark.parametrize(
    "text",
    [
        "Moscow, Washington agree to meet again in Geneva.",
        "Lavrov said on March 3 that NATO's expansion was unacceptable.",
        "Reuters reported that the alliance would not close its door to Ukraine.",
        "Photographs of the missile launchers near the border were published on Monday.",
        # a long sentence opening like a dateline is a sentence of the story
        "WARSAW, 12 October: Poland asked the alliance for more troops on its eastern border, "
        "the defence minister told reporters after the meeting in Brussels.",
    ],
)
def test_sentences_of_the_story_are_not_furniture(text: str) -> None:
    assert not is_furniture(text)


@pytest.mark.parametrize(
    "check, text, expected",
    [
        # pointers to the source of the sentence before
        (is_pointer, "This was stated by the Russian Deputy Foreign Minister on Tuesday.", True),
        (is_pointer, "Об этом заявил министр иностранных дел Сергей Лавров.", True),
        (is_pointer, "That was the message from the alliance's headquarters.", True),
        (is_pointer, "This is a red line for Russia.", False),
        (is_pointer, "Он заявил об этом журналистам.", False),
        (is_pointer, "With such a call, he turned to the alliance in an interview with The Times.", True),
        (is_pointer, "С таким призывом он обратился к союзникам в интервью газете.", True),
        (is_pointer, "Without such guarantees, Moscow will respond, he warned.", False),
        # notes that no details were given
        (is_no_detail, "He did not provide further details.", True),
        (is_no_detail, "Erdogan's office gave no further information.", True),
        (is_no_detail, "The Kremlin spokesman declined to comment.", True),
        (is_no_detail, "No further details were given.", True),
        (is_no_detail, "Песков не стал уточнять, о каких мерах идёт речь.", True),
        # ... not a claim of its own, nor a sentence too long to be a note on the one before
        (is_no_detail, "He did not rule out that NATO would admit Ukraine.", False),
        (is_no_detail, "NATO will not provide details of the deployment of missiles in Poland next year, the minister said.", False),
        (is_no_detail, "Moscow refused to accept the alliance's open-door policy.", False),
    ],
)
def test_sentences_that_only_point_or_note(check, text: str, expected: bool) -> None:
    assert check(text) is expected


def test_as_x_said_with_a_claim_after_it_is_no_pointer() -> None:
    assert is_pointer("Как ранее заявил Песков.")
    assert not is_pointer("Как заявил Рябков, НАТО должно прекратить расширение.")


def test_agency_credit_lines_are_furniture() -> None:
    assert is_furniture("Reporting by Andrew Osborn; Editing by Mark Trevelyan")
    assert is_furniture("(Reporting by Sabine Siebold; Editing by Alex Richardson)")
    assert not is_furniture("Writing about NATO expansion, the author argued it was a threat.")
