"""The complaint classifier: corpus and split, quality floor, robustness, and its two commands.

None of these tests needs the database: the classifier reads text only, and the retrain command
gets its staff corrections from a stub. The model is trained once per module from the packaged
corpus and put in the process cache, so a model file a developer retrained under var/ does not
change what is tested.
"""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from propwatch.complaints.classifier import classify, classify_many
from propwatch.complaints.classifier import model as classifier_model
from propwatch.complaints.classifier.corpus import DATA_DIR, load_corpus, parse_line, split
from propwatch.complaints.classifier.keywords import MAX_KEYWORDS
from propwatch.complaints.classifier.labels import FOCUS_VALUES, ROUTES
from propwatch.complaints.classifier.metrics import evaluate
from propwatch.complaints.classifier.text import MAX_CHARS, emphasise_main_complaint, normalize

KEYS = {"focus", "route", "confidence", "keywords"}
AWKWARD_LINES = [
    "",
    "   \t  ",
    "😀😡🔥💧⚡",
    "\x00\x07\x1b[31m\x7f",
    "物业又停水了" * 20_000,  # 120k characters
    "WTF物业 cut off 我家 water 3 days!!! 电话13800000000 room 1502",
    "？？？。。。！！！",
    "\u200b\u200b\ufeff",
    "12345",
    "aaaaaaaa",
]


@pytest.fixture(scope="module")
def trained():
    """A model trained on the corpus's training half, once for the module."""
    return classifier_model.train(classifier_model.default_examples())


@pytest.fixture(autouse=True)
def _use_trained(trained, monkeypatch):
    # classify() and the commands read the process cache; give them the module's model.
    monkeypatch.setattr(classifier_model, "_model", trained)


def _check(result: dict) -> None:
    assert set(result) == KEYS
    assert result["focus"] in FOCUS_VALUES
    assert result["route"] in ROUTES
    assert 0.0 <= result["confidence"] <= 1.0
    assert isinstance(result["keywords"], list)
    assert all(isinstance(k, str) and k for k in result["keywords"])


# -- corpus and split ---------------------------------------------------------------------------

def test_corpus_has_every_focus_with_valid_labels():
    examples = load_corpus()
    assert len(examples) >= 600
    assert {e.focus for e in examples} == set(FOCUS_VALUES)
    assert all(e.route in ROUTES for e in examples)
    assert len({e.text for e in examples}) == len(examples)


def test_corpus_files_do_not_share_texts():
    seen: dict[str, str] = {}
    for path in sorted(DATA_DIR.glob("corpus_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                text = parse_line(line, path.name).text
                assert seen.setdefault(text, path.name) == path.name, f"{text[:30]} in {seen[text]} and {path.name}"


def test_split_is_deterministic_disjoint_and_stratified():
    examples = load_corpus()
    train, evaluation = split(examples)
    again_train, again_eval = split(list(reversed(examples)))
    assert {e.text for e in train} == {e.text for e in again_train}
    assert {e.text for e in evaluation} == {e.text for e in again_eval}
    assert not {e.text for e in train} & {e.text for e in evaluation}
    assert len(train) + len(evaluation) == len(examples)
    for focus in FOCUS_VALUES:
        total = sum(e.focus == focus for e in examples)
        held = sum(e.focus == focus for e in evaluation)
        assert total // 5 - 1 <= held <= total // 5 + 1


# -- quality ------------------------------------------------------------------------------------

def test_eval_split_is_above_the_floor(trained):
    _, evaluation = split(load_corpus())
    result = evaluate(trained, evaluation)
    # The target is macro-F1 ≥ 0.85 and route accuracy ≥ 0.90; the floor leaves room for a
    # corpus edit without letting a broken model through.
    assert result.focus_macro_f1 >= 0.70, result.table()
    assert result.route_accuracy >= 0.80, result.summary()


@pytest.mark.parametrize(("text", "focus", "route"), [
    ("物业说我欠了物业费，直接把我家的水和电都停了", 1, "housing"),
    ("物业的保安扬言要打断我的腿，还天天堵在我家门口", 3, "police"),
    ("转供电每度电物业加价五毛，比国家电价贵多了", 6, "market"),
    ("楼上邻居家的狗天天晚上叫", 0, "none"),
])
def test_clear_cases(text, focus, route):
    suggestion = classify(text)
    assert (suggestion.focus, suggestion.route) == (focus, route)
    assert suggestion.confidence > 0.3
    assert suggestion.keywords


def test_keywords_are_words_of_the_text():
    text = "物业以我拖欠物业费为由，停了我家的水，已经三天了，家里老人孩子没法生活。"
    suggestion = classify(text)
    assert suggestion.keywords
    assert len(suggestion.keywords) <= MAX_KEYWORDS
    for word in suggestion.keywords:
        assert len(word) >= 2 and word in normalize(text)


def test_keywords_leave_out_place_names_and_fillers():
    suggestion = classify("西陵区某小区物业已经连续三天以欠费为由给我家停水")
    assert suggestion.focus == 1
    assert not {"西陵区", "已经", "我家", "物业", "小区"} & set(suggestion.keywords)


def test_the_stated_main_complaint_weighs_more():
    # The parking fee is set aside; the complaint is about the undisclosed income (focus 5).
    text = "停车费涨价的事先不管。我们关心的是：停车场和电梯广告的公共收益一年有多少，物业从来不公示。"
    view = emphasise_main_complaint(normalize(text))
    assert "停车费涨价" not in view
    assert view.count("公共收益") == 2
    assert classify(text).focus == 5


def test_as_dict_has_exactly_the_four_fields():
    result = classify("物业又停水了").as_dict()
    _check(result)
    json.dumps(result, ensure_ascii=False)


# -- robustness ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", AWKWARD_LINES)
def test_awkward_input_never_crashes(text):
    _check(classify(text).as_dict())


@pytest.mark.parametrize("text", ["", "   \n\t ", "😀😡🔥💧⚡", "\x00\x07\x1b\x7f", "？？？。。。", "\u200b\ufeff"])
def test_empty_or_meaningless_text_is_outside_the_campaign(text):
    assert classify(text).as_dict() == {"focus": 0, "route": "none", "confidence": 0.0, "keywords": []}


def test_long_text_is_truncated_before_segmenting():
    assert len(normalize("停水" * 100_000)) == MAX_CHARS
    suggestion = classify("物业以欠费为由停水停电。" * 10_000)
    assert suggestion.focus == 1


def test_non_string_input_is_treated_as_empty():
    assert classify(None).focus == 0  # type: ignore[arg-type]


# -- determinism and storage --------------------------------------------------------------------

def test_training_is_deterministic(trained):
    _, evaluation = split(load_corpus())
    texts = [e.text for e in evaluation]
    again = classifier_model.train(classifier_model.default_examples())
    assert [s.as_dict() for s in trained.suggest_many(texts)] == [s.as_dict() for s in again.suggest_many(texts)]
    assert classify(texts[0]) == classify(texts[0])


def test_batch_and_single_agree(trained):
    texts = [e.text for e in split(load_corpus())[1][:20]] + AWKWARD_LINES
    assert classify_many(texts) == [classify(t) for t in texts]


def test_saved_model_loads_and_answers_the_same(trained, tmp_path):
    path = tmp_path / "model.joblib"
    classifier_model.save(trained, path)
    loaded = classifier_model.load(path)
    assert loaded is not None
    text = "物业在电梯里贴满了广告，收益从来不公布"
    assert loaded.suggest(text) == trained.suggest(text)


def test_unreadable_model_file_is_ignored(tmp_path):
    path = tmp_path / "model.joblib"
    path.write_bytes(b"not a model")
    assert classifier_model.load(path) is None
    assert classifier_model.load(tmp_path / "missing.joblib") is None


def test_model_file_under_var_dir_is_preferred(trained, settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    classifier_model.save(trained, tmp_path / "classifier" / "model.joblib")
    monkeypatch.setattr(classifier_model, "_model", None)
    monkeypatch.setattr(classifier_model, "train", lambda *a, **k: pytest.fail("trained instead of loading"))
    assert classifier_model.current_model().suggest("物业又停水了") == trained.suggest("物业又停水了")


def test_corpus_model_is_cached_on_disk_by_fingerprint(trained, settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    (tmp_path / "classifier").mkdir()
    (tmp_path / "classifier" / "corpus-0000000000000000.joblib").write_bytes(b"stale")
    monkeypatch.setattr(classifier_model, "_model", None)
    monkeypatch.setattr(classifier_model, "train", lambda *a, **k: trained)
    classifier_model.current_model()
    cached = sorted(p.name for p in (tmp_path / "classifier").glob("corpus-*.joblib"))
    assert cached == [f"corpus-{classifier_model.corpus_fingerprint()}.joblib"]  # the stale one is gone

    classifier_model.reset()
    monkeypatch.setattr(classifier_model, "train", lambda *a, **k: pytest.fail("trained instead of loading"))
    assert classifier_model.current_model().suggest("物业又停水了") == trained.suggest("物业又停水了")


# -- the classify command -----------------------------------------------------------------------

def test_classify_command_writes_one_json_line_per_input_line():
    lines = ["物业以欠费为由给我家停水", *AWKWARD_LINES, "", "物业收费不公示"]
    out = StringIO()
    call_command("classify", stdin=StringIO("\n".join(lines) + "\n"), stdout=out)
    rows = out.getvalue().splitlines()
    assert len(rows) == len(lines)
    results = [json.loads(row) for row in rows]
    for result in results:
        _check(result)
    assert results[0]["focus"] == 1
    assert results[1] == {"focus": 0, "route": "none", "confidence": 0.0, "keywords": []}
    assert "停水" in rows[0]  # ensure_ascii=False: Chinese stays readable


def test_classify_command_runs_as_a_program_without_a_database(tmp_path):
    """The console script on a fresh VAR_DIR (no database, no model file) with raw bytes."""
    # `make install` installs the package with its console script beside the interpreter.
    script = Path(sys.executable).with_name("propwatch")
    assert script.exists(), f"the propwatch console script is missing at {script}: run make install"
    data = "物业又停水了\n\n😀😀\r\n业主信息被物业泄露\n".encode() + b"\xff\xfe broken utf-8\n"
    env = {**os.environ, "PROPWATCH_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([str(script), "classify"], input=data, capture_output=True, env=env, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    rows = done.stdout.decode("utf-8").splitlines()
    assert len(rows) == 5
    for row in rows:
        _check(json.loads(row))
    assert b"prefix dict" not in done.stderr
    assert not (tmp_path / "propwatch.sqlite3").exists() or (tmp_path / "propwatch.sqlite3").stat().st_size == 0


# -- the retrain command ------------------------------------------------------------------------

def test_retrain_adds_corrections_and_writes_the_model(settings, tmp_path, monkeypatch):
    from propwatch.complaints.management.commands import retrain_classifier

    corrections = [
        ("小区里共享单车乱停乱放，堵住了单元门口", 0, "none"),
        ("物业经理在业主群里扬言要给带头维权的业主一点颜色看看", 3, "police"),
        ("", 1, "housing"),  # empty text: skipped
        ("有效文本但标签不对", 9, "housing"),  # focus out of range: skipped
    ]
    monkeypatch.setattr(retrain_classifier, "classifier_corrections", lambda: iter(corrections))
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("retrain_classifier", stdout=out)
    report = out.getvalue()
    assert "人工更正 2 条（跳过 2 条）" in report
    assert "重训前" in report and "重训后" in report
    path = tmp_path / "classifier" / "model.joblib"
    model = classifier_model.load(path)
    assert model is not None
    assert model.info["examples"] == len(classifier_model.default_examples()) + 2


def test_retrain_dry_run_writes_nothing(trained, settings, tmp_path, monkeypatch):
    from propwatch.complaints.management.commands import retrain_classifier

    monkeypatch.setattr(retrain_classifier, "classifier_corrections", lambda: iter(()))
    monkeypatch.setattr(classifier_model, "train", lambda examples: trained)  # the write is what is tested
    settings.VAR_DIR = tmp_path
    call_command("retrain_classifier", "--dry-run", stdout=StringIO())
    assert not (tmp_path / "classifier").exists()
