"""What the classifier hands back for one complaint."""

from dataclasses import dataclass, field

from .labels import NONE


@dataclass(frozen=True)
class Suggestion:
    """A suggested focus problem (0 = outside the campaign) and route, with its evidence.

    `confidence` is the model's probability of the suggested focus; `keywords` are the words of
    the text that pushed hardest towards it, for staff to see why.
    """

    focus: int
    route: str
    confidence: float
    keywords: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The four public fields, JSON-ready."""
        return {"focus": self.focus, "route": self.route, "confidence": self.confidence,
                "keywords": list(self.keywords)}


# Empty or unreadable text: nothing to suggest.
EMPTY = Suggestion(focus=0, route=NONE, confidence=0.0, keywords=[])
