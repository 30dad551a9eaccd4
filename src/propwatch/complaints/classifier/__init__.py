"""Suggests the focus problem and route of a resident's complaint from its Chinese text.

    classify("物业以欠费为由给我家停水三天了").as_dict()
    → {"focus": 1, "route": "housing", "confidence": 0.93, "keywords": ["停水", "欠费", ...]}

The suggestion is advice for the staff who accept the complaint; they confirm or correct it, and
their corrections feed `propwatch retrain_classifier`. scikit-learn and jieba are imported on
the first classification, not when this package is imported: importing them costs seconds that
every process starting Django would otherwise pay.
"""

from collections.abc import Sequence

from .labels import FOCUS_NAMES, FOCUS_VALUES, ROUTES
from .suggestion import Suggestion

__all__ = ["FOCUS_NAMES", "FOCUS_VALUES", "ROUTES", "Suggestion", "classify", "classify_many"]


def classify(text: str) -> Suggestion:
    """The suggested focus (0–6), route, confidence and keywords for one complaint."""
    from .model import current_model

    return current_model().suggest(text)


def classify_many(texts: Sequence[str]) -> list[Suggestion]:
    """`classify` for many texts at once; faster than one call per text."""
    from .model import current_model

    return current_model().suggest_many(texts)
