"""Transcripts of one speaker: the title or the first lines name them, and the text speaks as them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from monitor.app import open_monitor
from monitor.config import Settings
from monitor.detect.match import quote_states
from monitor.detect.segment import segment_text
from monitor.detect.speaker import find_speakers
from monitor.detect.transcript import credit_transcript, transcript_speaker
from monitor.detect_step import detect_articles, shipped_resources
from monitor.pipeline import ingest_paths
from monitor.store.models import Article, Statement

TRANSCRIPT_TITLES = {
    "press conference by": (
        "Press conference by NATO Secretary General Jens Stoltenberg following the meeting of the NATO-Russia Council",
        "Jens Stoltenberg",
    ),
    "someone's remarks and answers": (
        "Foreign Minister Sergey Lavrov’s remarks and answers to media questions at a news conference",
        "Sergey Lavrov",
    ),
    "an address to": ("President Putin's address to the Federal Assembly", "Vladimir Putin"),
    "Russian: a minister's speech": (
        "Выступление и ответы на вопросы СМИ Министра иностранных дел России С.В.Лаврова",
        "Sergey Lavrov",
    ),
}


@pytest.mark.parametrize("title, name", TRANSCRIPT_TITLES.values(), ids=TRANSCRIPT_TITLES)
def test_a_transcript_title_names_its_speaker(title: str, name: str) -> None:
    found = transcript_speaker(title, [], shipped_resources().actors)
    assert found is not None and found.name == name


NEWS_HEADLINES = {
    "a report about remarks": "Russia slams remarks by NATO chief",
    "remarks as the subject of a verb": "Lavrov's remarks spark outrage in the Baltics",
    "a verb, not a transcript": "Putin addresses Russian nation",
    "nobody known named": "Press conference by the organisers",
}


@pytest.mark.parametrize("title", NEWS_HEADLINES.values(), ids=NEWS_HEADLINES)
def test_news_headlines_are_no_transcript_titles(title: str) -> None:
    assert transcript_speaker(title, [], shipped_resources().actors) is None


def test_the_first_lines_of_the_text_can_name_the_speaker() -> None:
    segs = segment_text(
        "Closing press conference\n\nby NATO Secretary General Jens Stoltenberg at the end of the Summit\n\n"
        "Good afternoon.\n\nWe agreed to bring Ukraine closer to the Alliance."
    )
    found = transcript_speaker("", segs, shipped_resources().actors)
    assert found is not None and found.name == "Jens Stoltenberg"


def _speakers(title: str, text: str) -> list[str | None]:
    actors = shipped_resources().actors
    segs = segment_text(text)
    speakers = find_speakers(segs, actors, quote_states(segs))
    credit_transcript(segs, speakers, transcript_speaker(title, segs, actors))
    return [s.name if s else None for s in speakers]


def test_unattributed_sentences_of_a_transcript_are_its_speakers() -> None:
    title = "Press conference by NATO Secretary General Jens Stoltenberg"
    text = (
        "Good afternoon.\n\nAllies reaffirmed NATO's open door policy.\n\n"
        "Sergey Lavrov said NATO must not expand."
    )
    assert _speakers(title, text) == ["Jens Stoltenberg", "Jens Stoltenberg", "Sergey Lavrov"]
    assert _speakers("", text) == [None, None, "Sergey Lavrov"]


def test_the_questions_of_a_transcript_are_not_its_speakers() -> None:
    title = "Foreign Minister Sergey Lavrov’s remarks and answers to media questions"
    text = (
        "Question: Will NATO stop expanding?\n\n"
        "Sergey Lavrov: We insist on guarantees that NATO will not expand.\n\n"
        "Question: And the missiles?\n\n"
        "Sergey Lavrov: Missiles must not be deployed near our borders."
    )
    found = _speakers(title, text)
    assert "Sergey Lavrov" not in (found[0], found[2])
    assert found[1] == found[3] == "Sergey Lavrov"


def test_detection_reads_the_articles_title(settings: Settings, tmp_path: Path) -> None:
    doc = tmp_path / "nrc.txt"
    doc.write_text(
        "Good afternoon.\n\n"
        "Allies reaffirmed NATO's open door policy and the right of Ukraine to join NATO.\n\n"
        "We will not compromise on NATO enlargement.\n",
        encoding="utf-8",
    )
    now = datetime(2022, 1, 12, tzinfo=UTC)
    with open_monitor(settings) as m:
        ingest_paths(m, [doc], now)
        with m.session() as s:
            s.execute(update(Article).values(title="Press conference by NATO Secretary General Jens Stoltenberg"))
        detect_articles(m, now)
        with m.session() as s:
            speakers = {st.speaker for st in s.scalars(select(Statement))}
    assert speakers == {"Jens Stoltenberg"}


def test_a_translation_note_is_no_transcript() -> None:
    segs = segment_text(
        "How the talks ended in Geneva\n"
        "The article has been automatically translated into English by Google Translate from Russian.\n"
        "Washington is not ready to conduct such negotiations."
    )
    assert transcript_speaker("", segs, shipped_resources().actors) is None


@pytest.mark.parametrize("label", ["С.В.Лавров", "С. В. Лавров", "S.Lavrov"])
def test_turns_labelled_with_initials_are_the_ministers(label: str) -> None:
    """Official transcripts print a turn's holder as initials and surname ("С.В.Лавров:"): every
    sentence of the turn is theirs, the question turns are not."""
    text = (
        "Вопрос: Что в ответе американцев?\n\n"
        f"{label}: По главному вопросу в этом документе позитивной реакции нет. Главным вопросом "
        "является недопустимость дальнейшего расширения НАТО.\n\n"
        "Вопрос: А ракеты?\n\n"
        f"{label}: Это тоже важно."
    )
    found = _speakers("", text)
    assert found[0] != "Sergey Lavrov" and found[3] != "Sergey Lavrov"
    assert found[1] == found[2] == found[4] == "Sergey Lavrov", found
