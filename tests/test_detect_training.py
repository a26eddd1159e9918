"""`monitor train` and labelled folders: bad data is refused with its file and line, too few
examples are refused, training is reproducible, and train -> eval works end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import monitor.cli.detect_cmds  # noqa: F401  (registers the commands)
from monitor.cli import main
from monitor.detect.training import INNER_FOLDS, MAX_INNER_FOLDS, LabelledDoc, inner_folds, load_folders
from monitor.errors import TrainingError

ROOT = Path(__file__).parents[1]
SEEDS_FOLDER = ROOT / "tests" / "data" / "eval" / "seeds"
DEMANDS = ["nato_expansion", "deployments", "posture_1997"]


def _folder(tmp_path: Path, rows: list[dict], docs: dict[str, str], meta: list[dict] | None = None) -> Path:
    folder = tmp_path / "labelled"
    (folder / "docs").mkdir(parents=True)
    for doc, text in docs.items():
        (folder / "docs" / f"{doc}.txt").write_text(text, encoding="utf-8")
    (folder / "gold.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    if meta is not None:
        (folder / "docs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in meta), encoding="utf-8")
    return folder


def _row(doc: str, i: int, text: str, labels: list[str] | None = None, **kw: object) -> dict:
    base = {"doc": doc, "i": i, "text": text, "labels": labels or [], "speaker": None, "stance": None, "cluster": None}
    return {**base, **kw}


def test_seed_folder_loads_with_every_sentence_in_its_document() -> None:
    docs = load_folders([SEEDS_FOLDER], DEMANDS)
    assert len(docs) == 5 and sum(len(d.gold) for d in docs) == 375
    assert all(d.text.find(g.text) >= 0 for d in docs for g in d.gold)


def test_written_examples_load_as_one_part_that_trains_no_repeat_pairs() -> None:
    """The shipped model's written examples: every sentence is in its document, they form the part
    ``written`` (so ``--exclude-part written`` leaves them out) and their cluster ids, assigned batch
    by batch, do not train the repeat classifier."""
    docs = load_folders([ROOT / "tests" / "data" / "eval" / "written"], DEMANDS)
    assert len(docs) > 200 and {d.part for d in docs} == {"written"}
    assert not any(d.train_repeats for d in docs)
    assert all(d.text.find(g.text) >= 0 for d in docs for g in d.gold)
    assert {d.language for d in docs} == {"en", "ru"}


def test_malformed_line_is_refused_with_file_and_line(tmp_path: Path) -> None:
    folder = _folder(tmp_path, [_row("a", 0, "NATO met.")], {"a": "NATO met."})
    with open(folder / "gold.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"doc": "a", "i": 1, "text": \n')
    with pytest.raises(TrainingError) as err:
        load_folders([folder], DEMANDS)
    assert f"{folder / 'gold.jsonl'}:2" in str(err.value) and "not a gold row" in str(err.value)


def test_unknown_label_is_refused(tmp_path: Path) -> None:
    rows = [_row("a", 0, "NATO met.", ["nato_enlargement"], stance="pro")]
    folder = _folder(tmp_path, rows, {"a": "NATO met."})
    with pytest.raises(TrainingError, match=r"gold.jsonl:1: unknown label 'nato_enlargement'"):
        load_folders([folder], DEMANDS)


def test_sentence_not_in_the_document_is_refused(tmp_path: Path) -> None:
    rows = [_row("a", 0, "NATO met."), _row("a", 1, "Russia left the talks.")]
    folder = _folder(tmp_path, rows, {"a": "NATO met. Moscow walked out."})
    with pytest.raises(TrainingError, match=r"gold.jsonl:2: sentence 1 of 'a' does not match the document"):
        load_folders([folder], DEMANDS)


def test_missing_document_and_bad_stance_are_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path, [_row("a", 0, "NATO met.")], {})
    with pytest.raises(TrainingError, match="cannot read document"):
        load_folders([folder], DEMANDS)
    folder2 = _folder(tmp_path / "x", [_row("a", 0, "NATO met.", ["deployments"], stance="maybe")], {"a": "NATO met."})
    with pytest.raises(TrainingError, match="stance 'maybe'"):
        load_folders([folder2], DEMANDS)


def test_exclude_part_leaves_those_documents_out(tmp_path: Path) -> None:
    rows = [_row("a", 0, "NATO met."), _row("b", 0, "Moscow spoke.")]
    meta = [{"doc": "a", "part": "p1"}, {"doc": "b", "part": "p2"}]
    folder = _folder(tmp_path, rows, {"a": "NATO met.", "b": "Moscow spoke."}, meta)
    assert [d.doc for d in load_folders([folder], DEMANDS, exclude_parts=["p1"])] == ["b"]
    assert [d.part for d in load_folders([folder], DEMANDS)] == ["p1", "p2"]


def test_documents_carry_their_published_date_where_docs_jsonl_gives_it(tmp_path: Path) -> None:
    from datetime import date

    rows = [_row("a", 0, "NATO met."), _row("b", 0, "Moscow spoke.")]
    meta = [{"doc": "a", "part": "p1", "published": "2021-12-17"}, {"doc": "b", "part": "p1", "published": None}]
    folder = _folder(tmp_path, rows, {"a": "NATO met.", "b": "Moscow spoke."}, meta)
    assert [d.published for d in load_folders([folder], DEMANDS)] == [date(2021, 12, 17), None]
    bad = _folder(tmp_path / "bad", rows, {"a": "NATO met.", "b": "Moscow spoke."}, [{"doc": "a", "published": "soon"}])
    with pytest.raises(TrainingError, match=r"docs.jsonl: document 'a': published 'soon' is not a date"):
        load_folders([bad], DEMANDS)


def test_too_few_examples_for_a_demand_is_refused(tmp_path: Path) -> None:
    text = "Russia demands that NATO stop its expansion. The talks ended."
    rows = [
        _row("a", 0, "Russia demands that NATO stop its expansion.", ["nato_expansion"], speaker="Russia", stance="pro"),
        _row("a", 1, "The talks ended."),
    ]
    folder = _folder(tmp_path, rows, {"a": text})
    out = tmp_path / "m.json.gz"
    result = CliRunner().invoke(main, ["train", str(folder), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "too few labelled sentences" in result.output and "deployments: 0" in result.output
    assert not out.exists()


def test_train_then_eval_end_to_end_and_reproducible(tmp_path: Path) -> None:
    runner = CliRunner()
    a, b = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    first = runner.invoke(main, ["train", str(SEEDS_FOLDER), "--out", str(a)])
    assert first.exit_code == 0, first.output
    assert "version learned-1-" in first.output
    assert runner.invoke(main, ["train", str(SEEDS_FOLDER), "--out", str(b)]).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    cfg = tmp_path / "monitor.toml"
    cfg.write_text(f'data_dir = "{tmp_path}"\n', encoding="utf-8")
    scored = runner.invoke(
        main,
        ["--config", str(cfg), "eval", str(SEEDS_FOLDER / "gold.jsonl"), "--docs", str(ROOT / "seeds"),
         "--model", str(a), "--json"],
    )
    assert scored.exit_code == 0, scored.output
    scores = json.loads(scored.output)
    # scored on its own training documents: a sanity check of the whole path, not a measurement
    assert scores["micro_f1"] >= 0.85 and scores["alerts"] > 0


def test_train_refuses_a_folder_without_gold(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, ["train", str(tmp_path / "empty"), "--out", str(tmp_path / "m.json.gz")])
    assert result.exit_code == 2 and "no gold.jsonl" in result.output


def test_a_copied_seed_folder_without_docs_jsonl_trains(tmp_path: Path) -> None:
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS_FOLDER, folder, symlinks=False)
    docs = load_folders([folder], DEMANDS)
    assert {d.part for d in docs} == {""}


def test_repeat_classifier_is_trained_from_clusters_and_can_be_left_out() -> None:
    from monitor.detect.dedup import fingerprint
    from monitor.detect.training import TrainOptions, train_model
    from monitor.detect_step import shipped_resources

    res = shipped_resources()
    docs = load_folders([SEEDS_FOLDER], DEMANDS)
    model = train_model(docs, res)
    assert model.repeat is not None and model.repeat_threshold == TrainOptions().repeat_threshold
    assert model.cross_article_threshold == TrainOptions().repeat_cross_threshold
    scorer = model.repeat_scorer()
    assert scorer is not None
    a = fingerprint("Ukraine must never become a member of NATO, the minister said.", ["nato_expansion"], "x")
    b = fingerprint("Ukraine must never become a NATO member, the minister insisted.", ["nato_expansion"], "x")
    c = fingerprint("Missiles must not be deployed in Europe near our borders.", ["nato_expansion"], "x")
    # learned from the gold clusters: a close rewording scores higher than another point
    assert scorer(a, b, False) > scorer(a, c, False)
    assert scorer(a, fingerprint("Ukraine must never join NATO.", ["deployments"], "x"), False) == 0.0
    plain = train_model(docs, res, options=TrainOptions(repeat_model=False))
    assert plain.repeat is None and plain.repeat_scorer() is None
    assert plain.repeat_threshold == plain.group_threshold == plain.cross_article_threshold


def test_documents_with_train_repeats_false_train_no_repeat_pairs(tmp_path: Path) -> None:
    """A folder whose cluster ids were not assigned with the others' (docs.jsonl ``train_repeats:
    false``) still trains the demand, speaker and stance models, but gives the repeat classifier no
    pairs; any other value than true or false is refused with the file."""
    from monitor.detect.training import train_model
    from monitor.detect_step import shipped_resources

    res = shipped_resources()
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS_FOLDER, folder)
    docs = load_folders([folder], DEMANDS)
    assert all(d.train_repeats for d in docs)
    meta = "".join(json.dumps({"doc": d.doc, "train_repeats": False}) + "\n" for d in docs)
    (folder / "docs.jsonl").write_text(meta, encoding="utf-8")
    quiet = load_folders([folder], DEMANDS)
    assert not any(d.train_repeats for d in quiet)
    messages: list[str] = []
    model = train_model(quiet, res, progress=messages.append)
    assert model.repeat is None and any("too few repeated statements" in m for m in messages)
    assert model.meta["examples"]["statements"] == train_model(docs, res).meta["examples"]["statements"]
    (folder / "docs.jsonl").write_text(json.dumps({"doc": docs[0].doc, "train_repeats": "no"}) + "\n", encoding="utf-8")
    with pytest.raises(TrainingError, match=r"docs.jsonl: document '.*': train_repeats 'no' is not true or false"):
        load_folders([folder], DEMANDS)


def test_inner_folds_keep_each_part_together() -> None:
    """The second pass learns from first-pass probabilities of documents whose part the first pass
    never saw (as at run time: no other report of the same events); with fewer than three parts the
    folds are by document; documents without a part are grouped by their folder."""

    def doc(name: str, part: str, where: str = "gold.jsonl") -> LabelledDoc:
        return LabelledDoc(name, part, "en", "Text.", (), where)

    docs = [doc(f"d{k}", f"p{k % 4}") for k in range(12)]
    folds = inner_folds(docs)
    for a, b in zip(docs, folds, strict=True):
        for c, d in zip(docs, folds, strict=True):
            assert (a.part == c.part) == (b == d)
    many = inner_folds([doc(f"d{k}", f"p{k:02d}") for k in range(25)])
    assert len(set(many)) == MAX_INNER_FOLDS
    two = inner_folds([doc(f"d{k}", f"p{k % 2}") for k in range(12)])
    assert two == [k % INNER_FOLDS for k in range(12)]
    folders = inner_folds([doc(f"d{k}", "", f"f{k % 3}/gold.jsonl") for k in range(9)])
    assert folders == [k % 3 for k in range(9)]
