"""Demand matching: named cases in English and Russian, context, resources, bad input."""

from __future__ import annotations

import tomllib

import pytest

from monitor.detect.article import Resources, analyse_text
from monitor.detect.match import exclusions, match_sentence, score_sentence, split_by_threshold
from monitor.detect.resources import load_actors, load_demands
from monitor.detect_step import shipped_resources
from monitor.errors import ConfigError



@pytest.fixture(scope="module")
def resources() -> Resources:
    return shipped_resources()


MATCH_CASES = {
    "non-expansion guarantee": (
        "Moscow wants legally binding guarantees of NATO's non-expansion.",
        {"nato_expansion"},
    ),
    "membership": ("Georgia will never become a member of the alliance.", {"nato_expansion"}),
    "admission a clause away from NATO": (
        "Ryabkov said NATO must give legally binding guarantees that it will never admit Ukraine and Georgia.",
        {"nato_expansion"},
    ),
    "open door": ("Washington will not let anyone close NATO's open door.", {"nato_expansion"}),
    "strike systems": ("Russia wants no strike weapons deployed near its borders.", {"deployments"}),
    "missiles in Europe": ("The US offered talks on missiles in Europe.", {"deployments"}),
    "1997 lines": ("NATO should pull its forces back to the 1997 lines.", {"posture_1997"}),
    "baltic withdrawal": (
        "Moscow demands the withdrawal of foreign troops from Romania and Bulgaria.",
        {"posture_1997"},
    ),
    "three points": (
        "Russia will not give up the three key points.",
        {"nato_expansion", "deployments", "posture_1997"},
    ),
    "passing NATO mention": ("NATO ministers met in Brussels on Wednesday.", set()),
    "member states are not membership": ("An agreement between Russia and the Member States of NATO.", set()),
    "presence is not enlargement": (
        "The crisis lies in the expansion of the NATO presence in Europe.",
        {"deployments"},
    ),
    "russian build-up excluded": ("Russian troops were deployed near Ukraine's border.", set()),
    "arms deliveries excluded": ("Britain delivered anti-tank missiles to Ukraine.", set()),
    "ru non-expansion": (
        "Россия требует юридических гарантий нерасширения НАТО на восток.",
        {"nato_expansion"},
    ),
    "ru membership": ("Украина никогда не должна стать членом НАТО.", {"nato_expansion"}),
    "ru strike systems": (
        "Москва настаивает на неразмещении ударных систем вблизи российских границ.",
        {"deployments"},
    ),
    "ru 1997": ("НАТО должно вернуть инфраструктуру к конфигурации 1997 года.", {"posture_1997"}),
    "ru unrelated": ("В Москве прошла пресс-конференция министра.", set()),
}


@pytest.mark.parametrize("text, expected", MATCH_CASES.values(), ids=MATCH_CASES)
def test_match_sentence(resources: Resources, text: str, expected: set[str]) -> None:
    assert {m.demand for m in match_sentence(text, resources.demands)} == expected


def test_evidence_names_cue_and_term(resources: Resources) -> None:
    (m,) = match_sentence("Russia demands guarantees of NATO non-expansion.", resources.demands)
    assert "non-expansion" in m.evidence()


def test_context_back_reference(resources: Resources) -> None:
    text = "Ryabkov said Ukraine must never join NATO. “This is a stumbling block.” The weather was fine."
    results = analyse_text(text, resources)
    assert [r.labels for r in results] == [("nato_expansion",), ("nato_expansion",), ()]
    assert results[1].matches[0].context_from == 0


def test_user_demand_from_config_without_code(resources: Resources) -> None:
    raw = tomllib.loads("""
[[demands]]
name = "arms_control"
description = "New START and strategic stability"
examples = ["Moscow proposed to extend New START."]
  [[demands.cues]]
  name = "New START"
  terms.en = ["new start", "strategic stability dialogue"]
  terms.ru = ["снв-3"]
""")["demands"]
    demands = (*resources.demands, *load_demands(raw, "monitor.toml"))
    labels = {m.demand for m in match_sentence("Russia proposed to extend New START.", demands)}
    assert labels == {"arms_control"}


BAD_DEMANDS = {
    "no name": ([{"cues": [{"name": "x", "terms": {"en": ["a"]}}]}], "name: required"),
    "no cues": ([{"name": "x"}], "cues: required"),
    "bad weight": (
        [{"name": "x", "cues": [{"name": "c", "weight": "high", "terms": {"en": ["a"]}}]}],
        "weight",
    ),
    "bad regex": (
        [{"name": "x", "cues": [{"name": "c", "terms": {"en": ["re:(unclosed"]}}]}],
        "invalid term",
    ),
    "bad language": ([{"name": "x", "cues": [{"name": "c", "terms": {"english": ["a"]}}]}], "language code"),
    "unknown key": (
        [{"name": "x", "treshold": 1, "cues": [{"name": "c", "terms": {"en": ["a"]}}]}],
        "unknown key",
    ),
    "near needs two lists": (
        [{"name": "x", "cues": [{"name": "c", "near": {"en": [["a"]]}}]}],
        "at least two",
    ),
    "near in an exclusion": (
        [{"name": "x", "cues": [{"name": "c", "weight": -1, "near": {"en": [["a"], ["b"]]}}]}],
        "takes 'terms' only",
    ),
    "bad about_side": (
        [{"name": "x", "about_side": ["west"], "cues": [{"name": "c", "terms": {"en": ["a"]}}]}],
        "about_side: must be an actor side",
    ),
    "unknown about_side": (
        [{"name": "x", "about_side": "nato", "cues": [{"name": "c", "terms": {"en": ["a"]}}]}],
        "about_side: must be an actor side (russia, west, neutral)",
    ),
}


@pytest.mark.parametrize("raw, problem", BAD_DEMANDS.values(), ids=BAD_DEMANDS)
def test_bad_demands_raise_config_error(raw: list[dict[str, object]], problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_demands(raw, "my.toml")
    assert "my.toml" in str(info.value) and problem in str(info.value)


def test_bad_actor_raises_config_error() -> None:
    with pytest.raises(ConfigError, match="side"):
        load_actors([{"name": "X", "side": "martian"}], "actors.toml")


@pytest.mark.parametrize("text", ["", "no punctuation at all " * 20_000, "NATO " * 200_000, "\n" * 10_000])
def test_bad_input_does_not_crash(resources: Resources, text: str) -> None:
    analyse_text(text, resources)  # returns (its cost is measured in bench/bench_hostile.py)


def test_russian_article(resources: Resources) -> None:
    text = (
        "Замминистра иностранных дел Сергей Рябков заявил, что Россия требует гарантий нерасширения НАТО. "
        "«Украина никогда не должна стать членом НАТО», — подчеркнул он.\n"
        "Погода в Женеве была хорошей."
    )
    results = analyse_text(text, resources)
    assert results[0].language == "ru"
    assert [r.labels for r in results] == [("nato_expansion",), ("nato_expansion",), ()]
    assert results[0].speaker is not None and results[0].speaker.name == "Sergei Ryabkov"
    assert results[0].stance == "pro"


def test_a_term_with_not_also_matches_the_contraction() -> None:
    from monitor.detect.resources import compile_term, normalise

    term = compile_term("not expand*")
    for text in ("NATO will not expand eastward", "NATO won’t expand eastward", "it doesn't expand"):
        assert term.search(normalise(text)), text
    for text in ("a knot expanding", "NATO will expand", "cannot expand"):
        assert not term.search(normalise(text)), text


def test_cue_anchor_prefilter_changes_no_match() -> None:
    """A cue whose terms' anchors are all absent is skipped before its regexes run: on every
    sentence of the seeds (English and Russian) the matches are the ones found without the skip."""
    from pathlib import Path

    from dataclasses import replace

    from monitor.detect import match
    from monitor.detect.segment import segment_text

    demands = shipped_resources().demands
    seeds = Path(__file__).parents[1] / "seeds"
    segments = [s for f in sorted(seeds.glob("*.txt")) for s in segment_text(f.read_text(encoding="utf-8"))]
    assert len(segments) > 50
    assert any(c.anchors for d in demands for c in d.cues)  # the skip is in use
    fast = match.match_demands(segments, demands)
    fast_excluded = [match.exclusions(s.text, demands) for s in segments]
    demands = [replace(d, cues=tuple(replace(c, anchors=()) for c in d.cues)) for d in demands]
    slow = match.match_demands(segments, demands)
    assert fast == slow
    assert sum(len(ms) for ms in slow) > 20
    slow_excluded = [match.exclusions(s.text, demands) for s in segments]
    assert fast_excluded == slow_excluded and any(slow_excluded)


def test_scores_below_the_threshold_are_kept_apart_from_labels(resources: Resources) -> None:
    text = "The ministers spoke about missiles."  # one half-weight cue of deployments
    scored = score_sentence(text, resources.demands)
    strong, weak = split_by_threshold(scored, resources.demands)
    assert [m.demand for m in weak] == ["deployments"] and weak[0].score == 0.5
    assert strong == [] and match_sentence(text, resources.demands) == []
    labelled = "Russia demands that NATO never deploy strike weapons near its borders."
    strong, weak = split_by_threshold(score_sentence(labelled, resources.demands), resources.demands)
    assert "deployments" in {m.demand for m in strong}
    assert strong == match_sentence(labelled, resources.demands)


def test_the_anchors_found_through_trigrams_are_those_a_substring_test_finds() -> None:
    """The lexicon tests only the anchors whose first three letters occur in a sentence: on every
    seed sentence it finds every anchor of a cue or term that occurs, and no other."""
    from pathlib import Path

    from monitor.detect import match
    from monitor.detect.resources import normalise
    from monitor.detect.segment import segment_text

    demands = shipped_resources().demands
    terms = [t for d in demands for c in d.cues for t in (*c.terms, *(t for _, gs in c.near for g in gs for t in g))]
    anchors = ({a for d in demands for c in d.cues for a in c.anchors} | {t.anchor for t in terms}) - {""}
    assert any(len(a) < 3 for a in anchors)  # the short ones are tested on every sentence
    seeds = Path(__file__).parents[1] / "seeds"
    segments = [s for f in sorted(seeds.glob("*.txt")) for s in segment_text(f.read_text(encoding="utf-8"))]
    lexicon = match._lexicon(demands)
    for seg in segments:
        norm = normalise(seg.text[: match.MAX_MATCH_CHARS])
        assert lexicon.present(norm) == {a for a in anchors if a in norm}, seg.text
    assert match.scan_sentence(segments[3].text, demands) == match.Scan(
        match.score_sentence(segments[3].text, demands), match.exclusions(segments[3].text, demands)
    )


def test_the_word_start_test_written_after_the_first_letters_matches_as_in_front() -> None:
    """compile_term writes a term's word-start test after the letters each alternative of its first
    word opens with, so the regex engine can scan for them: every term and actor spelling of the
    shipped lists matches each seed sentence (and words glued to others) exactly where the term
    with the test once in front of it matches."""
    import re
    from pathlib import Path

    from monitor.detect import mentions
    from monitor.detect.resources import WORD_START, at_word_start, compile_term, normalise
    from monitor.detect.segment import segment_text

    res = shipped_resources()
    seeds = Path(__file__).parents[1] / "seeds"
    texts = [normalise(s.text) for f in sorted(seeds.glob("*.txt")) for s in segment_text(f.read_text("utf-8"))]
    texts += ["nato expansion", "anato expansion", "(nato-expansion)", "_nato", "сша и нато", "x" * 5]
    sources = [t.source for d in res.demands for c in d.cues for t in c.terms]
    sources += [alias for a in res.actors for alias in a.aliases] + ["russia|moscow troops", "[the] alliance"]
    moved = 0
    for source in sources:
        regex = compile_term(source)
        if source.startswith("re:") or normalise(source).split()[0] == "not":
            continue  # a raw regex is the user's; "not" also matches a contraction, after a letter
        in_front, n = re.subn(r"(\w+)\(\?<!\[\\w\]\1\)", r"\1", regex.pattern)
        moved += n > 0
        reference = re.compile(WORD_START + in_front)
        for text in texts:
            assert [x.span() for x in regex.finditer(text)] == [x.span() for x in reference.finditer(text)], source
    assert moved > 0.95 * len(sources)
    assert compile_term("russia|moscow").pattern == "(?:russia(?<![\\w]russia)|moscow(?<![\\w]moscow))(?![\\w])"
    assert at_word_start("expan\\w*") == "expan(?<![\\w]expan)\\w*"
    assert at_word_start("(?:a|b)") == WORD_START + "(?:a|b)"
    assert at_word_start("ab?") == "a(?<![\\w]a)b?"  # a quantified letter stays after the test
    for actor in res.actors:  # the bare alternation of an actor's spellings, each in a group
        grouped = re.compile("|".join(f"(?:{compile_term(a).pattern})" for a in actor.aliases))
        bare = mentions._alternation(actor.aliases)
        for text in texts:
            assert [x.span() for x in bare.finditer(text)] == [x.span() for x in grouped.finditer(text)]


def test_joining_the_european_union_is_no_nato_membership(resources: Resources) -> None:
    """"Ukraine's aspirations to join the European Union" gives no evidence of NATO membership,
    not even a cue below the threshold; named with NATO's, the NATO membership still counts."""
    eu = "Russia does not object to Ukraine's aspirations to join the European Union."
    assert not [m for m in score_sentence(eu, resources.demands) if m.demand == "nato_expansion"]
    assert [d for d, _ in exclusions(eu, resources.demands)] == ["nato_expansion"]
    ru = "Россия не возражает против вступления Украины в Евросоюз."
    assert not [m for m in score_sentence(ru, resources.demands, ["ru"]) if m.demand == "nato_expansion"]
    both = "Ukraine applied for EU membership and for NATO membership."
    assert {m.demand for m in match_sentence(both, resources.demands)} == {"nato_expansion"}


def test_withdrawal_from_post_1997_members_is_posture_not_deployments(resources: Resources) -> None:
    """Withdrawing NATO's forces from the states that joined after 1997 is the posture demand: the
    generic "forces" and "in Europe" cues of deployments do not count there, in either language;
    a missile named in the same sentence still counts for deployments."""
    cases = [
        ("Moscow demanded that NATO roll back the alliance's military deployments in Central and Eastern Europe.", "en"),
        ("Russia wants NATO to withdraw its forces from Romania and Bulgaria.", "en"),
        ("Российские предложения подразумевают вывод сил НАТО из Болгарии и Румынии.", "ru"),
    ]
    for text, lang in cases:
        found = {m.demand for m in match_sentence(text, resources.demands, [lang])}
        assert "posture_1997" in found, text
        assert "deployments" not in found, text
        assert "deployments" in {d for d, _ in exclusions(text, resources.demands, [lang])}, text
    missiles = "Russia wants NATO to withdraw its forces from Romania and the US to remove its intermediate-range missiles."
    assert {"deployments", "posture_1997"} <= {m.demand for m in match_sentence(missiles, resources.demands)}


def test_a_joint_statement_is_no_joining(resources: Resources) -> None:
    """"joint" and "jointly" are not forms of "join": a joint statement of NATO's leaders gives no
    evidence of enlargement, while joining the alliance still does."""
    for text in (
        "In June 2021, all 30 NATO leaders issued a joint statement on China.",
        "Of course, the potential of the joint organization of NATO and Russia is incomparable.",
        "NATO and Russia should act jointly, said the minister.",
    ):
        assert not [m for m in score_sentence(text, resources.demands) if m.demand == "nato_expansion"], text
    joined = {m.demand for m in match_sentence("Finland joined NATO on Tuesday.", resources.demands)}
    assert joined == {"nato_expansion"}


def test_the_withdrawal_cue_needs_a_withdrawal(resources: Resources) -> None:
    """The posture cue "withdrawal from post-1997 member states" fires on a withdrawal only, not on
    forces merely named next to Poland or the Baltic states (another cue covers those)."""
    def cues(text: str, lang: str = "en") -> set[str]:
        return {h.cue for m in score_sentence(text, resources.demands, [lang]) for h in m.hits}

    name = "withdrawal from post-1997 member states"
    assert name not in cues("These exercises drill a plan against the forces in the west, the Baltic states and Poland.")
    assert name in cues("Moscow wants NATO to withdraw its forces from Poland and the Baltic states.")
    assert name in cues("Россия требует вывести войска НАТО из Польши.", "ru")


def test_western_missiles_supplied_to_ukraine_are_no_deployment_near_russia(resources: Resources) -> None:
    """ATACMS, Storm Shadow and Taurus are arms deliveries to Ukraine (an exclusion of deployments,
    like HIMARS): a sentence describing them names no deployment demand."""
    text = "The launcher fires one ATACMS ballistic missile and is mounted on a six-wheel chassis."
    assert "deployments" not in {m.demand for m in match_sentence(text, resources.demands)}
    assert "deployments" in {d for d, _ in exclusions(text, resources.demands)}
    assert "deployments" in {d for d, _ in exclusions("Germany weighs sending Taurus missiles.", resources.demands)}


def test_ukraines_own_troops_are_no_western_deployment(resources: Resources) -> None:
    """The withdrawal of Ukraine's own troops (Russia's ceasefire condition) is no deployment of
    Western forces, in either language; Western troops sent to Ukraine still are."""
    for text, lang in (
        ("Putin listed the full withdrawal of Ukrainian troops from four regions as a condition.", "en"),
        ("Главное требование — вывод украинских войск с территорий четырёх областей.", "ru"),
    ):
        assert "deployments" not in {m.demand for m in match_sentence(text, resources.demands, [lang])}, text
    western = "Macron did not rule out sending Western troops to Ukraine."
    assert "deployments" in {m.demand for m in match_sentence(western, resources.demands)}


def test_troops_into_ukraine_are_western_only_with_a_western_sender(resources: Resources) -> None:
    """Plain "troops into Ukraine" count for deployments only with a Western sender named near them;
    Moscow sending troops is none (convention 3)."""
    def labels(text: str) -> set[str]:
        return {m.demand for m in match_sentence(text, resources.demands)}

    assert "deployments" not in labels("Moscow has always denied the accusations that it wants to send troops into Ukraine.")
    assert "deployments" in labels("Britain and France are ready to send troops to Ukraine as part of a peace deal.")
    assert "deployments" in labels("NATO stationed troops in Ukraine, the minister said.")
    assert "deployments" in labels("Zakharova: the deployment of foreign troops in Ukraine is unacceptable.")


def test_the_baltic_sea_and_a_rotating_chair_are_no_eastern_flank(resources: Resources) -> None:
    """The eastern-flank cues name the Baltic states, not the Baltic Sea, and rotational forces,
    not a rotating chairmanship; NATO troops in the Baltic states still count."""
    def cues(text: str) -> set[str]:
        return {h.cue for m in score_sentence(text, resources.demands) for h in m.hits}

    flank = "NATO forces in the post-1997 member states (eastern flank)"
    assert flank not in cues("NATO is vigilant in the Baltic Sea region, and Allies' forces will adapt.")
    assert flank not in cues("The members discussed the agenda of Poland, which holds the rotating chairmanship.")
    assert flank in cues("NATO will keep rotational forces in the Baltic states.")


def test_nato_and_expansion_apart_in_a_russian_headline(resources: Resources) -> None:
    """NATO and "расширение" a few words apart still name NATO's expansion (a headline's word order)."""
    text = "Столтенберг: НАТО ответило России отказом идти на компромисс по расширению"
    strong = {h.cue for m in score_sentence(text, resources.demands, ["ru"]) for h in m.hits if h.weight >= 1}
    assert strong, text
    presence = "НАТО продолжит расширение военного присутствия у границ России."  # presence, not members
    assert "nato_expansion" not in {m.demand for m in match_sentence(presence, resources.demands, ["ru"])}


def test_nato_infrastructure_and_the_right_to_dictate(resources: Resources) -> None:
    """"NATO infrastructure" is NATO's military presence; denying Russia the right to dictate to the
    alliance is the open-door position."""
    def labels(text: str) -> set[str]:
        return {m.demand for m in match_sentence(text, resources.demands)}

    assert "deployments" in labels("Putin issues warning to Finland and Sweden on installing NATO infrastructure")
    assert "nato_expansion" in labels(
        "Stoltenberg rejected Russia's right to dictate how Ukraine interacts with the alliance."
    )
    assert "nato_expansion" not in labels("The alliance will not let anyone dictate the date of the summit.")


def test_forces_in_non_member_states_are_no_posture_statement(resources: Resources) -> None:
    """Foreign troops in Ukraine (not a member) are a deployments statement and rule out posture_1997
    (convention 7); forces in the post-1997 members are still posture_1997."""
    text = "Russia will respond with all means to the deployment of foreign troops in Ukraine."
    assert "posture_1997" in {d for d, _ in exclusions(text, resources.demands)}
    assert "deployments" in {m.demand for m in match_sentence(text, resources.demands)}
    ru = "Россия не допустит размещения иностранных войск на территории Украины."
    assert "posture_1997" in {d for d, _ in exclusions(ru, resources.demands, ["ru"])}
    flank = "NATO will deploy more troops in Poland and the Baltic states."
    assert "posture_1997" not in {d for d, _ in exclusions(flank, resources.demands)}
    assert "posture_1997" in {m.demand for m in match_sentence(flank, resources.demands)}


def test_withdrawal_from_the_baltic_sea_is_no_posture_exclusion(resources: Resources) -> None:
    """Withdrawing forces from the Baltic states rules deployments out (it is posture_1997); ships
    leaving the Baltic Sea are neither."""
    excl = "exclusion: withdrawal from post-1997 member states (posture)"
    assert ("deployments", excl) in exclusions("NATO must withdraw its forces from the Baltic states.", resources.demands)
    assert ("deployments", excl) not in exclusions(
        "Russia will withdraw its forces from the Baltic Sea coast.", resources.demands
    )


def test_nato_advancing_further_is_expansion(resources: Resources) -> None:
    """Putin's formula "agreements preventing NATO from further advancing" names the enlargement;
    advancing further in a negotiation does not."""
    def labels(text: str) -> set[str]:
        return {m.demand for m in match_sentence(text, resources.demands)}

    assert "nato_expansion" in labels(
        "Moscow will insist on agreements preventing NATO from further advancing and deploying weapon systems."
    )
    assert "nato_expansion" in labels("Russia demands guarantees against the further advance of the alliance.")
    assert "nato_expansion" not in labels("The talks in Geneva did not advance further, the diplomats said.")
    assert "nato_expansion" in labels("The proposals would ban NATO from expanding in eastern Europe.")


def test_the_right_to_select_alliances_is_the_open_door(resources: Resources) -> None:
    """"Select" is said of alliances as "choose" is."""
    text = "That is not how our Western colleagues present it, that each country has the right to select its alliances."
    assert "open door / right to choose alliances" in {
        h.cue for m in score_sentence(text, resources.demands) for h in m.hits
    }


def test_a_permanent_council_is_no_permanent_presence(resources: Resources) -> None:
    """"Permanent" counts for the eastern-flank cue only with what is permanent (bases, presence,
    troops): the OSCE's Permanent Council next to Poland is none."""
    def cues(text: str) -> set[str]:
        return {h.cue for m in score_sentence(text, resources.demands) for h in m.hits}

    flank = "NATO forces in the post-1997 member states (eastern flank)"
    assert flank not in cues("The Permanent Council discussed the agenda of Poland, which chairs the organisation.")
    assert flank in cues("Lithuania has long sought the permanent presence of German troops in the country.")
    assert flank in cues("Germany will permanently station a brigade in Lithuania.")


def test_common_formulations_of_the_demands(resources: Resources) -> None:
    """Formulations the demands are often reported in, in both languages: the Membership Action
    Plan, keeping a state out of NATO, nuclear sharing, withdrawing US nuclear weapons from Europe,
    admitting a state into the alliance's ranks; bombers and warships are a deployments cue."""
    def labels(text: str, lang: str = "en") -> set[str]:
        return {m.demand for m in match_sentence(text, resources.demands, [lang])}

    assert "nato_expansion" in labels("Kyiv was denied a Membership Action Plan at the summit.")
    assert "nato_expansion" in labels("Russia wants to keep Ukraine out of NATO.")
    assert "nato_expansion" not in labels("Beijing warned the alliance to stay out of Asia.")
    assert "deployments" in labels("Lavrov demanded an end to NATO's nuclear sharing arrangements.")
    assert "deployments" in labels("Россия требует вывести ядерное оружие США из Европы.", "ru")
    assert "nato_expansion" in labels("НАТО не должно принимать Украину в свои ряды.", "ru")
    assert "deployments" in labels("The draft bans flights of heavy bombers and warships near each other's borders.")


def test_the_alliances_eastward_push_and_shut_doors_are_its_expansion(resources: Resources) -> None:
    """Commentary's words for the enlargement: an eastward push or creep, growing further east,
    doors shut on a candidate; an army's push east is none of them."""
    def labels(text: str) -> set[str]:
        return {m.demand for m in match_sentence(text, resources.demands, ["en"])}

    assert "nato_expansion" in labels("The alliance's eastward push must stop, Lavrov said.")
    assert "nato_expansion" in labels("Russia seeks a promise that NATO will not grow further east.")
    assert "nato_expansion" in labels("NATO has shut its doors on Ukraine.")
    assert "nato_expansion" in labels("US rejects Russian demand to bar Ukraine from NATO")
    assert "nato_expansion" not in labels("NATO barred Russian diplomats from its headquarters.")
    assert "nato_expansion" not in labels("Russian troops pushed east of Bakhmut on Tuesday.")


def test_more_troops_based_permanently_in_a_post_1997_member_are_new_forces(resources: Resources) -> None:
    """Convention 7: new or additional forces in the states that joined after 1997 are both demands."""
    text = "Polish President Andrzej Duda called for more American troops to be based permanently in Poland."
    assert {m.demand for m in match_sentence(text, resources.demands, ["en"])} == {"deployments", "posture_1997"}


def test_pulling_forces_or_weapons_out(resources: Resources) -> None:
    """Withdrawing forces out of a post-1997 member is the posture demand only (convention 7);
    withdrawing missiles out of Europe is the deployments demand."""
    def labels(text: str) -> set[str]:
        return {m.demand for m in match_sentence(text, resources.demands, ["en"])}

    assert labels("Moscow wants NATO to pull troops and weapons out of Romania and Bulgaria.") == {"posture_1997"}
    assert labels("Russia wants the US to pull its missiles out of Europe.") == {"deployments"}
    # a return to 1997 is the posture demand; missiles named beside it keep their cue
    assert labels("NATO must return its military infrastructure to the 1997 positions.") == {"posture_1997"}
    both = "Russia wants NATO to return to where its forces stood in 1997 and not to deploy missiles near its borders."
    assert labels(both) == {"posture_1997", "deployments"}


def test_russian_words_for_near_the_borders(resources: Resources) -> None:
    ru = {m.demand for m in match_sentence("Россия требует не размещать ракеты рядом с её границами.", resources.demands, ["ru"])}
    assert "deployments" in ru
