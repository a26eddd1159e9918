"""The compiled actor index: one per actor list, never a stale one, and never an unbounded cache."""

from __future__ import annotations

from monitor.detect import mentions as mn
from monitor.detect import speaker as sp
from monitor.detect.prefilter import trigrams
from monitor.detect.resources import load_actors
from monitor.detect.segment import segment_text


def test_the_compiled_actor_index_cache_stays_small_and_follows_the_list() -> None:
    seg = segment_text("Lavrov said NATO must not expand.")[0]
    for k in range(20):  # a new actor list each time, as a reloaded configuration gives
        actors = load_actors([{"name": f"Person {k}", "side": "west"}], "test")
        assert not [m for m in sp.find_mentions(seg, actors) if m.known]
        assert len(mn._cached_index) <= mn._cached_index.size
    lavrov = load_actors([{"name": "Sergei Lavrov", "aliases": ["Lavrov"], "side": "russia"}], "test")
    assert [m.name for m in sp.find_mentions(seg, lavrov) if m.known] == ["Sergei Lavrov"]


def test_a_role_resolves_to_the_holder_in_the_actor_list_in_use() -> None:
    from monitor.detect.match import quote_states

    segs = segment_text("The secretary general said NATO's door stays open.")
    old = load_actors([{"name": "Jens Stoltenberg", "roles": ["secretary general"], "side": "west"}], "old")
    new = load_actors([{"name": "Mark Rutte", "roles": ["secretary general"], "side": "west"}], "new")
    for actors, holder in ((old, "Jens Stoltenberg"), (new, "Mark Rutte"), (old, "Jens Stoltenberg")):
        mentions = [sp.find_mentions(seg, actors) for seg in segs]
        speakers = sp.find_speakers(segs, actors, quote_states(segs), mentions)
        assert speakers[0] is not None and speakers[0].name == holder


# --- roles on the document's date -------------------------------------------------------------

from datetime import UTC, date, datetime  # noqa: E402

import pytest  # noqa: E402

from monitor.detect.match import quote_states  # noqa: E402
from monitor.detect_step import shipped_resources  # noqa: E402
from monitor.errors import ConfigError  # noqa: E402

SECRETARIES_GENERAL = [
    {"name": "Jens Stoltenberg", "roles": ["secretary general"], "side": "west", "in_office": ["2014-10-01", "2024-10-01"]},
    {"name": "Mark Rutte", "roles": ["secretary-general"], "side": "west", "in_office": ["2024-10-01"]},
]


def _speaker(text: str, actors: tuple, published: date | None) -> str | None:
    segs = segment_text(text)
    found = sp.find_speakers(segs, actors, quote_states(segs), published=published)[0]
    return found.name if found else None


@pytest.mark.parametrize(
    "published, holder",
    [(date(2021, 12, 1), "Jens Stoltenberg"), (date(2024, 9, 30), "Jens Stoltenberg"),
     (date(2024, 10, 1), "Mark Rutte"), (date(2025, 6, 1), "Mark Rutte"), (None, None)],
)
def test_a_role_resolves_to_its_holder_on_the_documents_date(published: date | None, holder: str | None) -> None:
    actors = load_actors(SECRETARIES_GENERAL, "test")
    for text in ("The Secretary General said NATO's door stays open.", "The Secretary-General said NATO's door stays open."):
        assert _speaker(text, actors, published) == holder  # no date: two holders, none is chosen


def test_without_terms_of_office_a_role_holder_holds_it_at_any_date() -> None:
    actors = load_actors([{"name": "Sergei Lavrov", "roles": ["foreign minister"], "side": "russia"}], "test")
    for published in (None, date(1990, 1, 1), date(2030, 1, 1)):
        assert _speaker("The foreign minister said NATO must not expand.", actors, published) == "Sergei Lavrov"


SHIPPED_ROLES = {
    "secretary general, 2021": ("NATO Secretary General said the door stays open.", date(2021, 12, 1), "Jens Stoltenberg"),
    "secretary general, 2025": ("NATO Secretary General said the door stays open.", date(2025, 3, 1), "Mark Rutte"),
    "secretary of state, 2022": ("The US secretary of state said the door stays open.", date(2022, 1, 7), "Antony Blinken"),
    "secretary of state, 2025": ("The US secretary of state said the door stays open.", date(2025, 2, 1), "Marco Rubio"),
    "us president, 2022": ("The US president said the door stays open.", date(2022, 1, 7), "Joe Biden"),
    "us president, 2025": ("The US president said the door stays open.", date(2025, 2, 1), "Donald Trump"),
    "defence minister, 2022": ("The Russian defence minister said missiles are a threat.", date(2022, 1, 7), "Sergei Shoigu"),
    "defence minister, 2024": ("The Russian defence minister said missiles are a threat.", date(2024, 6, 1), "Andrei Belousov"),
    "defense secretary, 2025": ("The U.S. defense secretary said troops stay.", date(2025, 3, 1), "Pete Hegseth"),
    "another country's minister": ("The Ukrainian defense minister said missiles are a threat.", date(2022, 1, 7), None),
    "between two terms": ("The defence minister said missiles are a threat.", date(2024, 5, 13), None),
}


@pytest.mark.parametrize("text, published, holder", SHIPPED_ROLES.values(), ids=SHIPPED_ROLES)
def test_shipped_role_holders_follow_their_terms_of_office(text: str, published: date, holder: str | None) -> None:
    assert _speaker(text, shipped_resources().actors, published) == holder


BAD_TERMS = {
    "not a date": (["2014-13-01"], "'2014-13-01' is not a date"),
    "no list": ("2014-10-01", "must be a term of office"),
    "ends before it starts": (["2020-01-01", "2019-01-01"], "ends (2019-01-01) before it starts (2020-01-01)"),
    "three dates": (["2014-10-01", "2015-10-01", "2016-10-01"], "must be a term of office"),
    "a time of day": ([datetime(2014, 10, 1, tzinfo=UTC)], "is not a date"),
    "bad second term": ([["2017-01-20", "2021-01-20"], ["someday"]], "in_office[1]: 'someday' is not a date"),
}


@pytest.mark.parametrize("term, problem", BAD_TERMS.values(), ids=BAD_TERMS)
def test_a_bad_term_of_office_is_refused_naming_the_actor(term: object, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_actors([{"name": "Jens Stoltenberg", "in_office": term}], "actors.toml")
    assert "actors[0] (Jens Stoltenberg).in_office" in str(info.value) and problem in str(info.value)


def test_terms_of_office_load_from_strings_and_toml_dates() -> None:
    import tomllib

    raw = tomllib.loads('[[actors]]\nname = "Donald Trump"\nin_office = [[2017-01-20, "2021-01-20"], ["2025-01-20"]]\n')
    (trump,) = load_actors(raw["actors"], "actors.toml")
    assert trump.in_office == ((date(2017, 1, 20), date(2021, 1, 20)), (date(2025, 1, 20), None))
    assert trump.holds_office_on(date(2020, 6, 1)) and trump.holds_office_on(date(2025, 1, 20))
    assert not trump.holds_office_on(date(2021, 1, 20)) and not trump.holds_office_on(date(2016, 12, 31))


# --- anonymous and collective sources ---------------------------------------------------------

GROUP_SOURCES = {
    "indefinite singular": ("A NATO diplomat has told Reuters that more troops could be sent.", "NATO diplomat"),
    "qualified plural": ("Western analysts say that Ukraine was not close to joining.", "Western analysts"),
    "capitalised body": ("Baltic Defence Ministers also condemn Russia's efforts.", "Baltic Defence Ministers"),
    "listed spelling": ("U.S. officials emphasized that the basing applied only to headquarters.", "US diplomats"),
    "US spelling": ("Senior U.S. military officials said the troops would stay.", "US military officials"),
    "bare plural at the start": ("Diplomats also said differences are narrowing among the allies.", "diplomats"),
    "bare plural after a comma": ("The talks will go on, officials said.", "officials"),
}


@pytest.mark.parametrize("text, name", GROUP_SOURCES.values(), ids=GROUP_SOURCES)
def test_anonymous_and_collective_sources_are_mentions(text: str, name: str) -> None:
    actors = shipped_resources().actors
    groups = [m.name for m in sp.find_mentions(segment_text(text)[0], actors) if m.kind == "group"]
    assert groups == [name]
    assert not [m for m in sp.find_mentions(segment_text(text)[0], actors) if m.kind == "person"]


NOT_GROUP_SOURCES = {
    "a title before a name": "Russian diplomat Sergei Ryabkov said NATO must not expand.",
    "a definite singular refers back": "The diplomat said NATO must not expand.",
    "a plural inside a clause": "Moscow will brief the diplomats on Monday.",
}


@pytest.mark.parametrize("text", NOT_GROUP_SOURCES.values(), ids=NOT_GROUP_SOURCES)
def test_titles_and_references_back_are_no_group_sources(text: str) -> None:
    mentions = sp.find_mentions(segment_text(text)[0], shipped_resources().actors)
    assert not [m for m in mentions if m.kind == "group"]


def test_a_group_source_speaks_and_takes_the_side_of_the_body_it_names() -> None:
    actors = shipped_resources().actors
    segs = segment_text("A NATO diplomat has told Reuters that more troops could be sent to the Baltic states.")
    found = sp.find_speakers(segs, actors, quote_states(segs))[0]
    assert found is not None and (found.name, found.kind, found.side) == ("NATO diplomat", "group", "west")


def test_the_longest_listed_spelling_wins_over_a_shorter_one_inside_it() -> None:
    actors = shipped_resources().actors
    names = [m.name for m in sp.find_mentions(segment_text("U.S. officials met Russian diplomats.")[0], actors)]
    assert names == ["US diplomats", "Russian diplomats"]  # not "United States" for "U.S."


UNKNOWN_NAMES = {
    "title words before the name": ("Estonian Defence Minister Hanno Pevkur disagreed.", ["Hanno Pevkur"]),
    "a possessive before the name": ("Lithuania's Gitanas Nausedai spoke.", ["Gitanas Nausedai"]),
    "a title inside is no name": ("Baltic Defence Ministers met in Riga.", []),
}


@pytest.mark.parametrize("text, names", UNKNOWN_NAMES.values(), ids=UNKNOWN_NAMES)
def test_unknown_names_are_the_unbroken_name_words(text: str, names: list[str]) -> None:
    actors = load_actors([{"name": "Riga", "kind": "country"}], "test")
    found = [m.name for m in sp.find_mentions(segment_text(text)[0], actors) if m.kind == "person"]
    assert found == names


def test_actor_prefilter_changes_no_mention(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the actors and roles one of whose anchors' first three letters occur in a sentence
    are matched against it: on every seed sentence (English and Russian) the mentions are those
    found when every actor and every role is tried."""
    from pathlib import Path

    from monitor.detect.segment import segment_text
    from monitor.detect_step import shipped_resources as shipped

    actors = shipped().actors
    seeds = Path(__file__).parents[1] / "seeds"
    segments = [s for f in sorted(seeds.glob("*.txt")) for s in segment_text(f.read_text(encoding="utf-8"))]
    index = mn._cached_index(actors)
    grams = [trigrams(mn.normalise(s.text)) for s in segments]
    assert any(len(index.candidates(g)) < len(index.patterns) for g in grams)
    assert all(len(index.role_candidates(g)) < len(index.roles) for g in grams)
    fast = [mn.find_mentions(s, actors) for s in segments]
    monkeypatch.setattr(mn._ActorIndex, "candidates", lambda self, grams: list(range(len(self.patterns))))
    monkeypatch.setattr(mn._ActorIndex, "role_candidates", lambda self, grams: list(range(len(self.roles))))
    slow = [mn.find_mentions(s, actors) for s in segments]
    assert fast == slow
    assert sum(m.known for ms in slow for m in ms) > 50


DOCUMENT_SOURCES = {
    "declaration of a summit": (
        'Ukraine is on an "irreversible path" to joining NATO, according to the final declaration of '
        "the NATO summit in Washington.",
        "NATO",
    ),
    "statement issued by a ministry": (
        "NATO must stop its expansion, according to a statement issued by the Russian Foreign Ministry.",
        "Russian Foreign Ministry",
    ),
    "Russian: according to the statement of": (
        "Согласно заявлению МИД России, расширение НАТО угрожает безопасности.",
        "Russian Foreign Ministry",
    ),
    "Russian: it says in the statement of": (
        "Расширение НАТО угрожает безопасности, говорится в заявлении МИД России.",
        "Russian Foreign Ministry",
    ),
}


@pytest.mark.parametrize("text, name", DOCUMENT_SOURCES.values(), ids=DOCUMENT_SOURCES)
def test_a_document_speaks_for_the_body_that_issued_it(text: str, name: str) -> None:
    actors = shipped_resources().actors
    segs = segment_text(text)
    found = sp.find_speakers(segs, actors, quote_states(segs))[0]
    assert found is not None and found.name == name


def test_the_document_reads_continues_the_documents_source() -> None:
    actors = shipped_resources().actors
    text = (
        "Ukraine is on a path to joining NATO, according to the final declaration of the NATO summit.\n"
        "The talks lasted two days.\n"
        '"We will extend an invitation when conditions are met," the declaration says.'
    )
    segs = segment_text(text)
    found = sp.find_speakers(segs, actors, quote_states(segs))
    assert found[1] is None
    assert found[2] is not None and found[2].name == "NATO"


def test_a_document_without_a_named_source_credits_nobody() -> None:
    actors = shipped_resources().actors
    segs = segment_text("The talks lasted two days.\nNATO will not expand, the document reads.")
    assert sp.find_speakers(segs, actors, quote_states(segs)) == [None, None]


def _speaker_at(text: str, k: int) -> str | None:
    """The rule layer's speaker of sentence ``k`` of ``text``, with the shipped actors."""
    segs = segment_text(text)
    found = sp.find_speakers(segs, shipped_resources().actors, quote_states(segs))[k]
    return found.name if found else None


SPEECH_ACTS = {
    "decried": ('Moscow decried the move as an "assault" on its security.', "Russia"),
    "asserting": (
        "Hungarian Prime Minister Viktor Orban addressed parliament on Monday, asserting that the bid "
        "was not urgent.",
        "Viktor Orban",
    ),
    "cited": ("Moscow has cited NATO's eastern expansion as a key factor.", "Russia"),
    "pledged": ("Berlin pledged to station a full brigade in Lithuania.", "Germany"),
    "state-and-body": ("The United States and NATO have said the demands are non-starters.", "United States"),
    "suggested": ("Moscow has suggested that the member states of NATO refrain from expansion.", "Russia"),
    "pushing-to": ("Kyiv is pushing to be swiftly allowed into the alliance.", "Ukraine"),
    "is-demanding": ("Russia is demanding a veto on any of these countries joining NATO.", "Russia"),
    "characterized": ("Orban, who has voiced support for the bid, characterized the issue as a technicality.", "Viktor Orban"),
    "ask": ("Baltics ask NATO to increase military presence to contain Russia", "Baltic states"),
    "verb-inside-an-opening-quotation": (
        "Discussing the complaints of President Vladimir Putin, Secretary Blinken pointed out that “everything "
        "president Putin says he wants to prevent, he’s actually been provoking.”",
        "Antony Blinken",
    ),
    "insisting": (
        "Moscow went in insisting on guarantees to halt NATO's eastward expansion _ demands that NATO "
        "and its allies have rejected.",
        "Russia",
    ),
    "sought": ("For long, Lithuania had sought the permanent presence of German troops.", "Lithuania"),
    "resisted": ("But Germany resisted permanently stationing its brigade in Lithuania.", "Germany"),
    "went-on-to-say": ("Olaf Scholz went on to say that NATO membership is not on the agenda.", "Olaf Scholz"),
    "role-in-apposition": (
        "Celeste Wallander, an assistant U.S. secretary of defense for international affairs, told reporters "
        "that the troops help.",
        "Celeste Wallander",
    ),
    "called-on-its-object": (
        "In the second document, Moscow, among other things, called on Washington not to deploy weapons.",
        "Russia",
    ),
    "inverted-after-adverbials": (
        "Договориться о нерасширении НАТО не удалось, заявил по итогам переговоров замглавы МИД Сергей Рябков.",
        "Sergei Ryabkov",
    ),
}


def test_a_role_in_the_headline_is_the_person_named_after_it() -> None:
    text = (
        "Russia to take measures if Finland joins NATO, senior diplomat warns\n"
        "Russian Deputy Foreign Minister Alexander Grushko said Moscow would respond."
    )
    segs = segment_text(text)
    found = sp.find_speakers(segs, shipped_resources().actors, quote_states(segs))
    assert found[0] is not None and found[0].name == "Alexander Grushko"


def test_a_role_later_in_the_text_does_not_look_ahead() -> None:
    text = (
        "Talks ended.\nNothing was agreed.\nThe meeting was short.\n"
        "NATO must not expand, the diplomat warned.\n"
        "Russian Deputy Foreign Minister Alexander Grushko said Moscow would respond."
    )
    segs = segment_text(text)
    found = sp.find_speakers(segs, shipped_resources().actors, quote_states(segs))
    assert found[3] is None or found[3].name != "Alexander Grushko"


def test_a_name_opening_the_reported_clause_is_not_an_inverted_subject() -> None:
    segs = segment_text(
        "Foreign minister Sergei Lavrov, in separate comments, said Moscow is taking appropriate measures."
    )
    found = sp.find_speakers(segs, shipped_resources().actors, quote_states(segs))[0]
    assert found is not None and found.name == "Sergey Lavrov"


def test_reported_speech_goes_on_in_the_first_person() -> None:
    text = (
        "NATO Secretary General Jens Stoltenberg said that this is a good day for our security.\n"
        "And we all agree that this is an historic moment.\n"
        "You have both made your choice.\n\n\n"
        "Finland applied in May."
    )
    segs = segment_text(text)
    found = sp.find_speakers(segs, shipped_resources().actors, quote_states(segs))
    assert [s.name if s else None for s in found] == ["Jens Stoltenberg"] * 3 + [None]


def test_the_first_person_far_from_a_speaker_is_nobodys() -> None:
    text = (
        "Jens Stoltenberg said NATO would decide.\n\nThe summit ended.\n\nThe talks lasted hours.\n\n"
        "We agree that this is an historic moment."
    )
    segs = segment_text(text)
    assert sp.find_speakers(segs, shipped_resources().actors, quote_states(segs))[-1] is None


def test_an_outlets_report_is_no_document_source() -> None:
    segs = segment_text("According to a report by Reuters, NATO will not expand.")
    found = sp.find_speakers(segs, shipped_resources().actors, quote_states(segs))[0]
    assert found is None or found.name != "Reuters"


OWN_SPEAKER_OVER_OUTLET = {
    "and-said": (
        "The Kremlin on Tuesday branded Finland's NATO membership an \"assault on our security\" and said "
        "it would take countermeasures.",
        "Kremlin",
    ),
    "and-reiterated": (
        "Ukrainian President Volodymyr Zelenskyy welcomed Stoltenberg's support and reiterated that Ukraine "
        "hopes to be invited.",
        "Volodymyr Zelensky",
    ),
    "outlet-reported": (
        "Boris Pistorius visited Vilnius.\nHe said that facilities would first be built, state-run Deutsche "
        "Welle (DW) reported.",
        "Boris Pistorius",
    ),
    "according-to-outlet": (
        "Ukrainian President Volodymyr Zelensky said Ukraine is prepared to discuss a neutral status, "
        "according to Reuters.",
        "Volodymyr Zelensky",
    ),
    "outlet-by-its-kind": (
        "Lithuanian President Gitanas Nauseda believes that NATO should abandon its restrictions on "
        "permanent bases, the British Times newspaper reports.",
        "Gitanas Nauseda",
    ),
    "noun-after-a-quotation": (
        "This comes a day after Russian President Vladimir Putin declared that deploying missiles in Ukraine "
        'would be a "red line" issue for the Kremlin.',
        "Vladimir Putin",
    ),
    "according-to-two-states": (
        "According to Washington and Berlin, these episodic deployments prepare a longer-term stationing.",
        "United States and Germany",
    ),
    "according-to-sources": (
        "According to sources cited by Reuters, Russian President Vladimir Putin is seeking a written guarantee.",
        "Vladimir Putin",
    ),
    "po-ego-slovam": (
        "Генсек НАТО Йенс Столтенберг выступил в Брюсселе.\nПо его словам, только Украина и страны НАТО "
        "могут решать, станет ли она членом альянса.",
        "Jens Stoltenberg",
    ),
    "top-diplomat": (
        "According to the Russian top diplomat, the drafts submitted to the US and NATO are a package.",
        "Sergey Lavrov",
    ),
}


@pytest.mark.parametrize("text, name", OWN_SPEAKER_OVER_OUTLET.values(), ids=OWN_SPEAKER_OVER_OUTLET)
def test_the_speaker_is_the_clauses_subject_not_the_outlet_or_the_nearest_name(text: str, name: str) -> None:
    assert _speaker_at(text, -1) == name


def test_an_outlets_summary_of_two_sides_stays_the_outlets() -> None:
    # no person is attributed: the outlet summarises both sides; neither country is its speaker
    text = "Russia wants NATO to abandon expansion, but Washington refuses to discuss Ukraine without Kyiv, reports BBC."
    assert _speaker_at(text, 0) == "BBC"



NO_SPEECH_ACT = {
    "passive": "Guarantees that Ukraine and Georgia will never be admitted to NATO are imperative.",
    "baltic-states": "In 2017, NATO had already deployed multinational teams to the Baltic states and Poland.",
    "relative-clause-of-a-thing": "Ukraine approved an amendment to its constitution that added membership in NATO.",
    "passive-sought": "The documents are clear: no guarantee regarding NATO's enlargement was sought or given.",
    "infinitive": "Hungary approved Sweden's membership, with Turkey the sole NATO member to refuse it.",
    "noun-pledge": "Joining NATO places Finland under Article Five, the collective defence pledge of the alliance.",
}


@pytest.mark.parametrize("text", NO_SPEECH_ACT.values(), ids=NO_SPEECH_ACT)
def test_a_passive_or_a_noun_is_no_speech_act(text: str) -> None:
    assert _speaker_at(text, 0) is None


def test_first_person_speech_is_not_relayed_over_narrative() -> None:
    text = (
        "Jens Stoltenberg said that NATO would decide. And we all agree on this. "
        "The meeting ended late. Our borders must be safe."
    )
    assert _speaker_at(text, 1) == "Jens Stoltenberg"
    assert _speaker_at(text, 3) is None


def test_it_opening_a_sentence_is_the_state_named_before() -> None:
    text = (
        "At the same time, Russia is building up its forces on the border with Ukraine.\n"
        "It demands that NATO not deploy troops in the eastern countries of the alliance."
    )
    assert _speaker_at(text, 1) == "Russia"


def test_it_after_a_quotation_is_the_document_not_the_state_named_before() -> None:
    text = (
        'Ukraine is on an "irreversible path" to joining NATO, according to the final declaration of the NATO summit.\n'
        '"We will support Ukraine on its path to NATO membership," it says.'
    )
    assert _speaker_at(text, 0) == "NATO"
    assert _speaker_at(text, 1) in (None, "NATO")


def test_a_cased_spelling_matches_only_with_its_letter_case() -> None:
    assert _speaker_at("NATO's doors to remain open, US says in response to Russian proposals", 0) == "United States"
    seg = segment_text("Let us say that NATO will decide.")[0]
    assert "United States" not in {m.name for m in sp.find_mentions(seg, shipped_resources().actors)}


def test_cased_spellings_are_validated() -> None:
    with pytest.raises(ConfigError, match="cased"):
        load_actors([{"name": "United States", "kind": "country", "cased": "US"}], "test")
    (us,) = load_actors([{"name": "United States", "kind": "country", "cased": ["US"]}], "test")
    assert us.cased == ("US",)


@pytest.mark.parametrize(
    "text, name",
    [
        ("Guarantees of Ukraine's non-admission to NATO imperative to Russia - Ryabkov", "Sergei Ryabkov"),
        ("Finland's entry undermines security – Russian Deputy Foreign Minister Alexander Grushko", "Alexander Grushko"),
        ("Talks with Russia - and NATO", None),
    ],
)
def test_a_name_after_a_closing_dash_is_the_headlines_source(text: str, name: str | None) -> None:
    assert _speaker_at(text, 0) == name


@pytest.mark.parametrize("text", ["NATO is vigilant in the Baltic Sea region.", "The launch at the Plesetsk Cosmodrome went well."])
def test_places_are_no_persons_names(text: str) -> None:
    seg = segment_text(text)[0]
    assert not [m for m in sp.find_mentions(seg, shipped_resources().actors) if m.kind == "person"]


def test_a_nationality_before_a_role_must_be_the_holders_own() -> None:
    text = (
        "Russian President Vladimir Putin spoke on Monday.\n"
        '"The Lithuanian president told the Times that NATO should abandon its restrictions."'
    )
    assert _speaker_at(text, 1) == "Gitanas Nauseda"
    # without a nationality the nearest president is still the one meant
    text = "Russian President Vladimir Putin spoke on Monday.\nThe president said NATO must stop."
    assert _speaker_at(text, 1) == "Vladimir Putin"


def test_a_line_with_only_a_title_and_name_heads_the_paragraph_after_it() -> None:
    text = (
        "Here is what the heads of the delegations said.\n"
        "Russian Deputy Foreign Minister Sergey Ryabkov\n"
        "The talks were complex. NATO should abandon the territories that joined after 1997.\n"
        "U.S. Deputy Secretary of State Wendy Sherman\n"
        "The United States will not allow anyone to close NATO's door.\n"
        "The talks went on for hours."
    )
    assert [_speaker_at(text, k) for k in (2, 3, 5, 6)] == ["Sergei Ryabkov"] * 2 + ["Wendy Sherman", None]
    # a photo credit is no heading
    assert _speaker_at("Getty Images\nNATO should abandon the territories that joined after 1997.", 1) is None


def test_a_russian_pointer_sentence_names_the_source_of_the_sentence_before() -> None:
    text = (
        "Требования Москвы о нерасширении НАТО являются для Соединенных Штатов неприемлемыми. "
        "Об этом заявила заместитель госсекретаря США Венди Шерман в интервью Голосу Америки."
    )
    assert _speaker_at(text, 0) == "Wendy Sherman"


# --- Russian case forms of the shipped actors ---------------------------------------------------

RUSSIAN_CASE_FORMS = {
    "genitive of Moscow": ("Требования Москвы о нерасширении НАТО неприемлемы.", {"Russia", "NATO"}),
    "instrumental of the United States": (
        "Мы не откажемся от сотрудничества с Соединенными Штатами и Украиной.",
        {"United States", "Ukraine"},
    ),
    "a media outlet": ("Об этом она сказала в интервью «Голосу Америки».", set()),
    "genitive of the alliance": ("Расширение альянса угрожает России.", {"NATO", "Russia"}),
}


@pytest.mark.parametrize("text, names", RUSSIAN_CASE_FORMS.values(), ids=RUSSIAN_CASE_FORMS)
def test_russian_case_forms_of_listed_actors_are_those_actors(text: str, names: set[str]) -> None:
    actors = shipped_resources().actors
    found = sp.find_mentions(segment_text(text)[0], actors)
    assert {m.name for m in found if m.kind in ("country", "institution")} == names
    assert not [m for m in found if m.kind == "person"], "a case form read as an unknown person's name"


# --- a quotation opening with a pronoun, title-case headlines, picture credits ----------------


def test_a_pronoun_inside_an_opening_quotation_is_not_its_speaker() -> None:
    text = (
        "Finland joined as it watched Vladimir Putin's assault on Ukraine. "
        '"He wanted less NATO along his borders. He wanted to close NATO\'s door. '
        'He is getting exactly the opposite," Jens Stoltenberg said.'
    )
    assert [_speaker_at(text, k) for k in (1, 2, 3)] == ["Jens Stoltenberg"] * 3
    # a closing quotation before the pronoun still attributes it
    assert _speaker_at('Vladimir Putin spoke on Monday. "NATO must not expand," he said.', 1) == "Vladimir Putin"


def _person_names(text: str) -> list[list[str]]:
    actors = load_actors([{"name": "NATO", "kind": "institution", "side": "west"}], "test")
    segs = segment_text(text)
    return [[m.name for m in ms if m.kind == "person"] for ms in mn.find_document_mentions(segs, actors)]


def test_a_title_case_headline_names_no_one_the_article_does_not_name() -> None:
    names = _person_names("Kaja Kallas Says NATO Must Stay Ready\nEstonia's Kaja Kallas said the alliance must stay.")
    assert names[0] == ["Kaja Kallas"]  # not "Kaja Kallas Says", and "Must Stay Ready" is no one
    assert _person_names("Officials Proposes Beginning Substantive Talks\nTalks begin.")[0] == []
    # a name only the headline gives is no one; named in the article too, it is the person
    headline = "The Alliance Must Act Now, Says Hanno Pevkur"
    assert _person_names(headline + "\nEstonia's defence minister spoke in Tallinn.")[0] == []
    assert _person_names(headline + "\nHanno Pevkur spoke in Tallinn.")[0] == ["Hanno Pevkur"]
    # a sentence (a full stop) or one in sentence case is no title-case headline
    assert not mn._is_title_case("Russian President Vladimir Putin Met Recep Tayyip Erdogan In Sochi.")
    assert not mn._is_title_case("Kallas says NATO must stay ready")
    assert mn._is_title_case("Kallas Says NATO Must Stay Ready")


def test_picture_credits_and_headline_verbs_are_no_part_of_a_name() -> None:
    names = _person_names("Photo: Getty Images. Kremlin Aide Yury Ushakov spoke to reporters. Hegseth Says No.")
    assert [n for ns in names for n in ns] == ["Yury Ushakov"]


# one sentence, its speaker by the rule layer (None: nobody)
ATTRIBUTIONS = {
    # a possessive after the verb opens the reported clause: no inverted subject ...
    "possessive after the verb": (
        "U.S. Secretary of State Antony Blinken, speaking in Berlin, said NATO's door would remain open.", "Antony Blinken"
    ),
    # ... unless the person it qualifies follows: "Russia's Sergei Ryabkov" is the subject
    "possessive before the name": ('"NATO must not expand," said Russia\'s Sergei Ryabkov on Tuesday.', "Sergei Ryabkov"),
    "possessive before a title": (
        '"NATO must not expand," said Russia\'s deputy foreign minister Sergei Ryabkov.', "Sergei Ryabkov"
    ),
    # not Russia, the subject of "expects"
    "long title before the closing verb": (
        "Russia expects NATO to give up its policy of further eastward expansion and to stop deploying its "
        "forces near Russian borders, Russian Deputy Foreign Minister Alexander Grushko said on Thursday.",
        "Alexander Grushko",
    ),
    "agency headline's closing dash": ("Moscow expects NATO to give up further eastward expansion — Grushko", "Alexander Grushko"),
    "headline quotation and its source": ("'No one can veto Ukraine's membership': Stoltenberg", "Jens Stoltenberg"),
    # a verb after "but" shares the subject of the one before, not the nearest name
    "verb after but": (
        "The United States on Wednesday rejected Russia's demand that NATO never admit Ukraine, but offered "
        "talks on missile deployments in Europe.",
        "United States",
    ),
    # a clause after the comma is no long title: the diplomat speaks, not "the alliance" of "would propose"
    "clause after the comma": (
        "A NATO diplomat, speaking on condition of anonymity, said the alliance would also propose talks on exercises.",
        "NATO diplomat",
    ),
    "possessive role": ("The Kremlin's spokesman said NATO had deceived Russia.", "Dmitry Peskov"),
    "role": ("The Kremlin spokesman said NATO had deceived Russia.", "Dmitry Peskov"),
    "closing participle": ("German Chancellor Olaf Scholz defended the decision, saying it was a deterrent.", "Olaf Scholz"),
    "closing participle adding": ("Zelensky thanked NATO, adding that Ukraine would join one day.", "Volodymyr Zelensky"),
    # the main clause's subject, not the nearest name before the participle
    "participle after an object": ("Putin met Macron in Moscow, saying NATO's expansion was a threat.", "Vladimir Putin"),
    # "but stressed" shares the subject named at the start, however long the clause between
    "but stressed after a long clause": (
        "NATO Secretary General Jens Stoltenberg, commenting on the statement, recognized the bloc's unchanged "
        "position on the right of each country to determine its own path and on the open door policy, but "
        "stressed that NATO would decide by consensus.",
        "Jens Stoltenberg",
    ),
    # the person a title names, not the body the title opens with
    "title before the name": (
        "Kremlin spokesperson Dmitry Peskov was quoted by news agencies as calling NATO a party to the conflict "
        "and added that tensions were escalating.",
        "Dmitry Peskov",
    ),
    "ru: как заявил": ("Как заявил Рябков, Россия не откажется от своих требований.", "Sergei Ryabkov"),
    "ru: в МИД считают": ("В МИД России считают, что НАТО не должно расширяться.", "Russian Foreign Ministry"),
    # the subject after the verb, and the person the title names, not the title
    "ru: subject after the verb": ("Такое мнение высказал министр иностранных дел Сергей Лавров.", "Sergey Lavrov"),
    "ru: a title after the verb": ("Такую позицию высказал президент Украины Владимир Зеленский.", "Volodymyr Zelensky"),
    "ru: объявили": (
        "Ранее США и Германия объявили о планах разместить в ФРГ ракеты большой дальности.", "United States and Germany"
    ),
    # the head of a body is a role, not the body ("глава МИД России"); "уверенность" is a noun
    "ru: глава МИД": ("Глава МИД России выразил уверенность, что НАТО не будет расширяться.", "Sergey Lavrov"),
    "ru: уверен": ("Столтенберг уверен, что двери альянса остаются открытыми.", "Jens Stoltenberg"),
    "ru: отказалась": ("Американская сторона отказалась обсуждать нерасширение НАТО.", "United States"),
    # convention 5: a sentence reporting two opposing speakers is the main clause's (first) speaker's
    "two speakers, but": ("Russia demands that NATO halt its expansion, but the alliance has rejected the demand.", "Russia"),
    "two speakers, which": (
        "Moscow wants guarantees that Ukraine will never join NATO, which Washington has refused to give.", "Russia"
    ),
    "two speakers, while": ("NATO says its door remains open, while Russia insists on non-expansion.", "NATO"),
    "an attribution, not a clause": ("NATO must stop expanding, Lavrov said.", "Sergey Lavrov"),
    "revealed": ("The alliance also revealed that a new U.S. air defense base in Poland is now operational.", "NATO"),
    "spoke about": (
        "The Foreign Ministry also spoke about Moscow's concern about NATO's military activity.", "Russian Foreign Ministry"
    ),
    "headline subject": ("Erdogan sends Sweden's NATO membership to parliament for ratification", "Recep Tayyip Erdogan"),
    "no verb after the person": ("Putin's visit to China", None),
    "a sentence, no headline": ("Erdogan sends Sweden's NATO membership to parliament.", None),
}


# every speech act names its subject; every attribution of one sentence, its speaker (one table:
# the same check); no key of one table is in the other
ONE_SENTENCE = {**SPEECH_ACTS, **ATTRIBUTIONS}
assert len(ONE_SENTENCE) == len(SPEECH_ACTS) + len(ATTRIBUTIONS)


@pytest.mark.parametrize("text, name", ONE_SENTENCE.values(), ids=ONE_SENTENCE)
def test_who_speaks_in_one_sentence(text: str, name: str | None) -> None:
    assert _speaker_at(text, 0) == name
