"""Language identification: the lean loading of py3langid's model gives the library's answers."""

from __future__ import annotations

import pytest

from monitor.detect.lang import MAX_CHARS, _lean_identifier, detect_language
from tests.conftest import REPO, SEEDS

CORPUS = REPO.parent / "shared" / "eval" / "corpus" / "docs"  # beside the checkout when present


def _texts() -> list[str]:
    paths = sorted(SEEDS.glob("*.txt")) + (sorted(CORPUS.glob("*.txt")) if CORPUS.is_dir() else [])
    texts = [p.read_text(encoding="utf-8") for p in paths]
    return texts + ["НАТО не должно расширяться на восток.", "La OTAN no debe ampliarse hacia el este, dijo."]


@pytest.fixture(scope="module")
def reference() -> object:
    """py3langid's own loader of its bundled model."""
    from py3langid import langid

    return langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE)


def test_the_bundled_model_is_of_the_layout_the_lean_loader_reads() -> None:
    assert _lean_identifier() is not None  # else detect_language falls back to the heavier loader


def test_lean_loader_gives_the_same_language_and_score_as_the_librarys(reference: object) -> None:
    lean = _lean_identifier()
    texts = _texts()
    assert len(texts) >= 7
    for text in texts:
        assert lean.classify(text[:MAX_CHARS]) == reference.classify(text[:MAX_CHARS])  # type: ignore[attr-defined]


def test_detect_language() -> None:
    assert detect_language("NATO") == "en" and detect_language("НАТО") == "ru" and detect_language("") == ""


def test_seed_and_corpus_languages_are_the_labelled_ones() -> None:
    import json
    import tomllib

    manifest = tomllib.loads((SEEDS / "manifest.toml").read_text(encoding="utf-8"))
    labelled = {SEEDS / name: meta["language"] for name, meta in manifest.items() if "language" in meta}
    if CORPUS.is_dir():
        for line in (CORPUS.parent / "docs.jsonl").read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            labelled[CORPUS / f"{doc['doc']}.txt"] = doc["language"]
    assert len(labelled) >= 5
    wrong = [p.name for p, lang in labelled.items() if detect_language(p.read_text(encoding="utf-8")) != lang]
    assert wrong == []


def test_a_model_layout_this_cannot_read_falls_back_to_the_library_loader(monkeypatch) -> None:
    from monitor.detect import lang

    def incompatible() -> None:
        raise TypeError("LanguageIdentifier() got an unexpected keyword argument 'tk_row'")

    monkeypatch.setattr(lang, "_lean_identifier", incompatible)
    lang._classify.cache_clear()
    try:
        assert lang.detect_language("NATO must not expand further east, the minister told reporters.") == "en"
        assert lang.detect_language("Россия требует гарантий нерасширения НАТО на восток.") == "ru"
    finally:
        lang._classify.cache_clear()


def test_script_language_counts_the_latin_letters_a_regex_finds() -> None:
    """The Latin letters are counted as the bytes left of the ASCII text without its other
    characters: exactly the letters A-Z and a-z, not accented or other alphabets' letters."""
    import re

    from monitor.detect.lang import script_language

    latin = re.compile("[A-Za-z]")
    for text in [*_texts(), "Ærø ÀÉ ß ǅ ﬁ НАТО", "НАТО и NATO", "12 — 34", ""]:
        cyr = len(re.findall("[\u0400-\u04ff]", text))
        lat = len(latin.findall(text))
        assert script_language(text) == ("" if cyr == lat == 0 else "ru" if cyr > lat else "en"), text[:60]
