"""Training, storing and applying the complaint classifier.

Features are TF-IDF weights of jieba words (and word pairs) plus character 1–3-grams, which
carry the meaning when jieba cuts an unusual phrase differently. One multinomial logistic
regression suggests the focus problem; the route follows from the focus, except where the
training data give one focus several routes (focus 3: police for threats, housing for a pure
data leak), where a small second regression on the same features decides.

The fitted model is kept once per process. `current_model()` loads the file written by the
`retrain_classifier` command when there is one, otherwise trains from the packaged corpus.
"""

import logging
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from .corpus import Example, load_corpus, split
from .labels import DEFAULT_ROUTE, NONE
from .suggestion import Suggestion
from .text import is_meaningful, is_word, normalize, segment

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
RANDOM_STATE = 20210908
FOCUS_C = 10.0
ROUTE_C = 10.0
MAX_KEYWORDS = 5
# A route sub-model needs a few examples of its minority route; below that the majority wins.
MIN_ROUTE_EXAMPLES = 4
# Words too general to explain anything to a member of staff.
STOP_KEYWORDS = frozenset({
    "物业", "小区", "业主", "我们", "他们", "你们", "我", "的", "了", "是", "在", "也", "都", "还",
    "有", "没有", "一个", "这个", "那个", "就是", "什么", "现在", "已经", "市民", "来电", "反映",
    "请求", "希望", "要求", "相关", "部门", "问题", "情况", "处理", "进行", "公司", "物业公司",
})


@dataclass
class TrainedModel:
    """A fitted feature extractor, focus model and per-focus route models, plus training facts."""

    features: FeatureUnion
    focus_model: LogisticRegression
    route_models: dict[int, LogisticRegression]
    route_by_focus: dict[int, str]
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._prepare()

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._prepare()

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def _prepare(self) -> None:
        # Column metadata used for every prediction, derived once from the fitted vocabularies.
        names: list[str] = []
        readable: list[bool] = []
        informative: list[bool] = []
        for kind, vectorizer in self.features.transformer_list:
            for name in vectorizer.get_feature_names_out():
                text = name.replace(" ", "")
                names.append(text)
                is_char = kind == "char"
                informative.append(not is_char or len(text) >= 2)
                readable.append(_readable(text, from_chars=is_char))
        self._names = names
        self._readable = np.array(readable, dtype=bool)
        self._informative = np.array(informative, dtype=bool)
        self._classes = [int(c) for c in self.focus_model.classes_]

    # -- prediction -------------------------------------------------------------------------

    def suggest(self, text: str) -> Suggestion:
        """The suggestion for one complaint text."""
        return self.suggest_many([text])[0]

    def suggest_many(self, texts: Sequence[str]) -> list[Suggestion]:
        """Suggestions for many texts at once (one vectorisation, one matrix product)."""
        normalized = [normalize(t if isinstance(t, str) else "") for t in texts]
        results: list[Suggestion | None] = [None] * len(normalized)
        todo = [i for i, t in enumerate(normalized) if is_meaningful(t)]
        if todo:
            matrix = self.features.transform([normalized[i] for i in todo]).tocsr()
            probabilities = self.focus_model.predict_proba(matrix)
            for row, i in enumerate(todo):
                vector = matrix.getrow(row)
                if not self._informative[vector.indices].any():
                    continue  # only stray single characters matched: treat as unreadable
                results[i] = self._suggestion(vector, probabilities[row])
        return [r if r is not None else _empty() for r in results]

    def _suggestion(self, vector, probabilities: np.ndarray) -> Suggestion:
        best = int(np.argmax(probabilities))
        focus = self._classes[best]
        return Suggestion(focus=focus, route=self._route(focus, vector),
                          confidence=round(float(probabilities[best]), 4),
                          keywords=self._keywords(vector, best))

    def _route(self, focus: int, vector) -> str:
        model = self.route_models.get(focus)
        if model is not None:
            return str(model.predict(vector)[0])
        return self.route_by_focus.get(focus, DEFAULT_ROUTE.get(focus, NONE))

    def _keywords(self, vector, class_index: int) -> list[str]:
        """The readable features that pushed the text hardest towards the chosen class."""
        columns = vector.indices
        contributions = vector.data * self.focus_model.coef_[class_index, columns]
        order = np.argsort(-contributions, kind="stable")
        chosen: list[str] = []
        for position in order:
            if contributions[position] <= 0 or len(chosen) >= MAX_KEYWORDS:
                break
            column = columns[position]
            if not self._readable[column]:
                continue
            word = self._names[column]
            if any(word in kept or kept in word for kept in chosen):
                continue
            chosen.append(word)
        return chosen


def _readable(text: str, *, from_chars: bool) -> bool:
    """Whether a feature name means something on its own to a reader."""
    if len(text) < 2 or text in STOP_KEYWORDS or text.isdigit() or not any(ch.isalnum() for ch in text):
        return False
    if from_chars:
        # A character n-gram often straddles two words ("了停水"); show it only if it is a word.
        return is_word(text)
    return True


def _empty() -> Suggestion:
    return Suggestion(focus=0, route=NONE, confidence=0.0, keywords=[])


# -- training -------------------------------------------------------------------------------

def build_features() -> FeatureUnion:
    """Unfitted TF-IDF features: jieba words and word pairs, and character 1–3-grams."""
    words = TfidfVectorizer(tokenizer=segment, token_pattern=None, lowercase=False, ngram_range=(1, 2),
                            sublinear_tf=True, min_df=1)
    chars = TfidfVectorizer(analyzer="char", lowercase=False, ngram_range=(1, 3), sublinear_tf=True, min_df=2)
    return FeatureUnion([("word", words), ("char", chars)])


def train(examples: Iterable[Example | tuple[str, int, str]], *, focus_c: float = FOCUS_C) -> TrainedModel:
    """Fit a model on labelled examples (Example objects or (text, focus, route) tuples)."""
    rows = [_as_example(e) for e in examples]
    rows = [e for e in rows if is_meaningful(normalize(e.text))]
    if len({e.focus for e in rows}) < 2:
        raise ValueError("at least two focus classes are needed to train the classifier")
    texts = [normalize(e.text) for e in rows]
    features = build_features()
    matrix = features.fit_transform(texts).tocsr()
    focus = np.array([e.focus for e in rows])
    focus_model = LogisticRegression(C=focus_c, class_weight="balanced", max_iter=5000,
                                     random_state=RANDOM_STATE)
    focus_model.fit(matrix, focus)

    route_models: dict[int, LogisticRegression] = {}
    route_by_focus: dict[int, str] = {}
    for value in sorted(set(focus.tolist())):
        mask = focus == value
        routes = [e.route for e, m in zip(rows, mask, strict=True) if m]
        counts = Counter(routes)
        route_by_focus[value] = counts.most_common(1)[0][0]
        if len(counts) > 1 and sorted(counts.values())[-2] >= MIN_ROUTE_EXAMPLES:
            model = LogisticRegression(C=ROUTE_C, class_weight="balanced", max_iter=5000,
                                       random_state=RANDOM_STATE)
            model.fit(matrix[mask], routes)
            route_models[value] = model
    info = {
        "format": FORMAT_VERSION,
        "sklearn": sklearn.__version__,
        "examples": len(rows),
        "by_focus": dict(sorted(Counter(focus.tolist()).items())),
    }
    return TrainedModel(features, focus_model, route_models, route_by_focus, info)


def _as_example(item: Example | tuple[str, int, str]) -> Example:
    if isinstance(item, Example):
        return item
    text, focus, route = item
    return Example(text=str(text), focus=int(focus), route=str(route), style="correction")


def default_examples() -> list[Example]:
    """The training half of the packaged corpus."""
    return split(load_corpus())[0]


# -- storage and the per-process cache ------------------------------------------------------

def model_path() -> Path | None:
    """Where `retrain_classifier` writes the model, or None outside a configured Django."""
    from django.conf import settings

    if not settings.configured or not hasattr(settings, "VAR_DIR"):
        return None
    return Path(settings.VAR_DIR) / "classifier" / "model.joblib"


def save(model: TrainedModel, path: Path) -> None:
    """Write the model atomically, so a running process never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    joblib.dump(model, partial, compress=3)
    partial.replace(path)


def load(path: Path) -> TrainedModel | None:
    """The stored model, or None if the file is missing, unreadable or from another version."""
    if not path.is_file():
        return None
    try:
        model = joblib.load(path)
    except Exception:  # a corrupt or foreign pickle must not take complaint intake down
        log.warning("complaint classifier: cannot read %s; training from the corpus", path, exc_info=True)
        return None
    if not isinstance(model, TrainedModel) or model.info.get("format") != FORMAT_VERSION \
            or model.info.get("sklearn") != sklearn.__version__:
        log.warning("complaint classifier: %s is from another version; training from the corpus", path)
        return None
    return model


_model: TrainedModel | None = None
_lock = threading.Lock()


def current_model() -> TrainedModel:
    """The process-wide model: the retrained file if present, else trained from the corpus."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                path = model_path()
                model = load(path) if path is not None else None
                _model = model if model is not None else train(default_examples())
    return _model


def reset() -> None:
    """Forget the cached model (after a retrain, or between tests)."""
    global _model
    with _lock:
        _model = None
