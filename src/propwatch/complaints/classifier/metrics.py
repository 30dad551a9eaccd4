"""How well the classifier does on the fixed evaluation half of the corpus."""

from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from .corpus import Example, load_corpus, split
from .labels import FOCUS_NAMES, FOCUS_VALUES
from .model import TrainedModel


@dataclass(frozen=True)
class ClassScore:
    """Precision, recall and F1 of one focus value, and how many eval texts carry it."""

    focus: int
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Evaluation:
    """Focus accuracy and macro-F1, route accuracy, and the per-focus scores."""

    size: int
    focus_accuracy: float
    focus_macro_f1: float
    route_accuracy: float
    per_class: tuple[ClassScore, ...]

    def summary(self) -> str:
        """One line for command output and logs."""
        return (f"{self.size} 条：焦点准确率 {self.focus_accuracy:.3f}，焦点宏 F1 {self.focus_macro_f1:.3f}，"
                f"分派准确率 {self.route_accuracy:.3f}")

    def table(self) -> str:
        """The per-focus report, one line per focus value."""
        lines = [f"{'焦点':<4} {'精确率':>6} {'召回率':>6} {'F1':>6} {'条数':>5}  名称"]
        for score in self.per_class:
            lines.append(f"{score.focus:<6} {score.precision:8.3f} {score.recall:8.3f} {score.f1:7.3f} "
                         f"{score.support:6d}  {FOCUS_NAMES[score.focus]}")
        return "\n".join(lines)


def evaluate(model: TrainedModel, examples: Sequence[Example]) -> Evaluation:
    """Score a model on labelled examples."""
    if not examples:
        return Evaluation(0, 0.0, 0.0, 0.0, ())
    suggestions = model.suggest_many([e.text for e in examples])
    true_focus = [e.focus for e in examples]
    predicted_focus = [s.focus for s in suggestions]
    labels = sorted(set(true_focus) & set(FOCUS_VALUES))
    precision, recall, f1, support = precision_recall_fscore_support(
        true_focus, predicted_focus, labels=labels, zero_division=0)
    per_class = tuple(ClassScore(label, float(p), float(r), float(f), int(s))
                      for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True))
    return Evaluation(
        size=len(examples),
        focus_accuracy=float(accuracy_score(true_focus, predicted_focus)),
        focus_macro_f1=float(f1_score(true_focus, predicted_focus, labels=labels, average="macro",
                                      zero_division=0)),
        route_accuracy=float(accuracy_score([e.route for e in examples], [s.route for s in suggestions])),
        per_class=per_class,
    )


def eval_examples() -> list[Example]:
    """The evaluation half of the packaged corpus."""
    return split(load_corpus())[1]
