"""Training, storing and applying the complaint classifier.

Features are TF-IDF weights of jieba words (and word pairs) plus character 1–3-grams, which
carry the meaning when jieba cuts an unusual phrase differently. One multinomial logistic
regression suggests the focus problem; the route follows from the focus, except where the
training data give one focus several routes (focus 3: police for threats, housing for a pure
data leak), where a small second regression on the same features decides.

The fitted model is kept once per process. `current_model()` loads the file written by the
`retrain_classifier` command when there is one, otherwise the model trained on the packaged
corpus (cached under VAR_DIR/classifier/ by a fingerprint of corpus and code, trained if absent).
"""

import hashlib
import logging
import os
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jieba
import joblib
import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from . import keywords
from .corpus import DATA_DIR, Example, load_corpus, split
from .labels import DEFAULT_ROUTE, NONE
from .suggestion import Suggestion
from .text import emphasise_main_complaint, is_meaningful, normalize, segment

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
RANDOM_STATE = 20210908
FOCUS_C = 10.0
WORD_WEIGHT = 0.5
ROUTE_C = 10.0
# A route sub-model needs a few examples of its minority route; below that the majority wins.
MIN_ROUTE_EXAMPLES = 4


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
        kinds: list[str] = []
        for kind, vectorizer in self.features.transformer_list:
            for name in vectorizer.get_feature_names_out():
                names.append(str(name))
                kinds.append("pair" if kind != "char" and " " in name else kind)
        self._is_char = np.array([k == "char" for k in kinds], dtype=bool)
        self._readable = np.array([keywords.readable(name, kind) for name, kind in zip(names, kinds, strict=True)],
                                  dtype=bool)
        # Word pairs are named "停水 停电"; staff see them joined, as they stand in the text.
        self._names = [name.replace(" ", "") if kind == "pair" else name for name, kind in zip(names, kinds, strict=True)]
        # A lone character matched by chance says nothing: a text needs a word or a longer n-gram.
        self._informative = np.array([k != "char" or len(n) >= 2 for n, k in zip(names, kinds, strict=True)],
                                     dtype=bool)
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
            matrix = self.features.transform([emphasise_main_complaint(normalized[i]) for i in todo]).tocsr()
            probabilities = self.focus_model.predict_proba(matrix)
            for row, i in enumerate(todo):
                vector = matrix.getrow(row)
                if not self._informative[vector.indices].any():
                    continue  # only stray single characters matched: treat as unreadable
                results[i] = self._suggestion(normalized[i], vector, probabilities[row])
        return [r if r is not None else _empty() for r in results]

    def _suggestion(self, text: str, vector, probabilities: np.ndarray) -> Suggestion:
        best = int(np.argmax(probabilities))
        focus = self._classes[best]
        words = self._keywords(text, vector, best)
        if focus != 0 and not words and 0 in self._classes:
            # Nothing in the text that a person could read as evidence ("物业", "你好"): a focus
            # problem staff could not be shown a reason for is no suggestion; say "outside".
            outside = self._classes.index(0)
            return Suggestion(focus=0, route=NONE, confidence=round(float(probabilities[outside]), 4), keywords=[])
        return Suggestion(focus=focus, route=self._route(focus, vector),
                          confidence=round(float(probabilities[best]), 4), keywords=words)

    def _route(self, focus: int, vector) -> str:
        model = self.route_models.get(focus)
        if model is not None:
            return str(model.predict(vector)[0])
        return self.route_by_focus.get(focus, DEFAULT_ROUTE.get(focus, NONE))

    def _keywords(self, text: str, vector, class_index: int) -> list[str]:
        """The readable features that pushed the text hardest towards the chosen class.

        A feature's push is its TF-IDF weight times its coefficient for the chosen class (the
        multinomial coefficients are centred per feature, so this is how much more the feature
        favours this class than the average one).
        """
        contributions = vector.data * self.focus_model.coef_[class_index, vector.indices]
        return keywords.strongest(text, vector.indices, contributions, self._names, self._is_char,
                                  self._readable)


def _empty() -> Suggestion:
    return Suggestion(focus=0, route=NONE, confidence=0.0, keywords=[])


# -- training -------------------------------------------------------------------------------

def build_features() -> FeatureUnion:
    """Unfitted TF-IDF features: jieba words and word pairs, and character 1–3-grams."""
    words = TfidfVectorizer(tokenizer=segment, token_pattern=None, lowercase=False, ngram_range=(1, 2),
                            sublinear_tf=True, min_df=1)
    chars = TfidfVectorizer(analyzer="char", lowercase=False, ngram_range=(1, 3), sublinear_tf=True, min_df=2)
    # Words count half: jieba cuts the same phrase differently in different contexts, while
    # character n-grams are stable. Cross-validation on the corpus prefers this (slightly).
    return FeatureUnion([("word", words), ("char", chars)], transformer_weights={"word": WORD_WEIGHT, "char": 1.0})


def train(examples: Iterable[Example | tuple[str, int, str]], *, focus_c: float = FOCUS_C) -> TrainedModel:
    """Fit a model on labelled examples (Example objects or (text, focus, route) tuples)."""
    pairs = [(normalize(e.text), e) for e in map(_as_example, examples)]
    pairs = [(text, e) for text, e in pairs if is_meaningful(text)]
    texts = [emphasise_main_complaint(text) for text, _ in pairs]
    rows = [e for _, e in pairs]
    if len({e.focus for e in rows}) < 2:
        raise ValueError("at least two focus classes are needed to train the classifier")
    features = build_features()
    matrix = features.fit_transform(texts).tocsr()
    focus = np.array([e.focus for e in rows])
    # newton-cg converges in a handful of iterations here; lbfgs takes seconds on the same data.
    focus_model = LogisticRegression(C=focus_c, class_weight="balanced", solver="newton-cg", max_iter=1000,
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
            model = LogisticRegression(C=ROUTE_C, class_weight="balanced", solver="newton-cg",
                                       max_iter=1000, random_state=RANDOM_STATE)
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


def corpus_fingerprint() -> str:
    """A digest of everything the corpus-trained model depends on: data, code and library versions.

    Any change to a corpus file, to this package's code or to scikit-learn / jieba gives another
    digest, so a cached corpus model is never used after what produced it has changed.
    """
    digest = hashlib.sha256(f"{FORMAT_VERSION}|{sklearn.__version__}|{jieba.__version__}".encode())
    package = Path(__file__).resolve().parent
    for path in [*sorted(DATA_DIR.glob("corpus_*.jsonl")), *sorted(package.glob("*.py"))]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def save(model: TrainedModel, path: Path) -> None:
    """Write the model atomically, so a running process never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            joblib.dump(model, fh, compress=3)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


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


def _corpus_model(directory: Path | None) -> TrainedModel:
    """The model trained on the corpus's training half, cached on disk by corpus fingerprint.

    Training takes seconds; every web worker, test process and `propwatch classify` run would
    pay it. The cache is only a shortcut: when it cannot be written (read-only VAR_DIR) the
    model is simply trained in memory.
    """
    cache = directory / f"corpus-{corpus_fingerprint()}.joblib" if directory is not None else None
    model = load(cache) if cache is not None else None
    if model is not None:
        return model
    model = train(default_examples())
    if cache is not None:
        try:
            save(model, cache)
            for stale in directory.glob("corpus-*.joblib"):
                if stale != cache:
                    stale.unlink(missing_ok=True)
        except OSError:
            log.warning("complaint classifier: cannot cache the corpus model in %s", directory, exc_info=True)
    return model


_model: TrainedModel | None = None
_lock = threading.Lock()


def current_model() -> TrainedModel:
    """The process-wide model: the retrained file if present, else the corpus model."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                path = model_path()
                model = load(path) if path is not None else None
                _model = model if model is not None else _corpus_model(path.parent if path else None)
    return _model


def reset() -> None:
    """Forget the cached model (after a retrain, or between tests)."""
    global _model
    with _lock:
        _model = None
