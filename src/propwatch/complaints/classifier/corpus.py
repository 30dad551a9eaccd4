"""The labelled complaint corpus shipped with the app, and its fixed train / evaluation split.

Each `data/corpus_*.jsonl` line is `{"text": str, "focus": int, "route": str, "style": str}`.
The split is deterministic and stratified: within each (focus, route) group the texts are
ordered by the SHA-256 of their text and every fifth one goes to evaluation, so each group
keeps its share in both halves and the same corpus always gives the same split.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .labels import FOCUS_VALUES, ROUTES

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
EVAL_EVERY = 5


@dataclass(frozen=True)
class Example:
    """One labelled complaint."""

    text: str
    focus: int
    route: str
    style: str = ""
    source: str = ""


class CorpusError(ValueError):
    """A corpus line that cannot be used (bad JSON or a label outside the allowed values)."""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_line(line: str, source: str = "") -> Example:
    """Validate one JSONL line and return it as an Example."""
    try:
        row = json.loads(line)
        example = Example(text=str(row["text"]).strip(), focus=int(row["focus"]), route=str(row["route"]),
                          style=str(row.get("style", "")), source=source)
    except (ValueError, KeyError, TypeError) as exc:
        raise CorpusError(f"{source}: {exc}") from exc
    if example.focus not in FOCUS_VALUES or example.route not in ROUTES or not example.text:
        raise CorpusError(f"{source}: label or text out of range: {line[:80]}")
    return example


def load_corpus(data_dir: Path = DATA_DIR) -> list[Example]:
    """Every example of every `corpus_*.jsonl`, files in name order, duplicates of a text dropped."""
    seen: set[str] = set()
    examples: list[Example] = []
    for path in sorted(data_dir.glob("corpus_*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                example = parse_line(line, f"{path.name}:{number}")
                if example.text in seen:
                    continue
                seen.add(example.text)
                examples.append(example)
    return examples


def split(examples: Iterable[Example]) -> tuple[list[Example], list[Example]]:
    """(train, eval): every fifth text of each (focus, route) group, in hash order, is for eval."""
    groups: dict[tuple[int, str], list[Example]] = defaultdict(list)
    for example in examples:
        groups[(example.focus, example.route)].append(example)
    train: list[Example] = []
    evaluation: list[Example] = []
    for key in sorted(groups):
        ranked = sorted(groups[key], key=lambda e: _digest(e.text))
        for rank, example in enumerate(ranked):
            (evaluation if rank % EVAL_EVERY == EVAL_EVERY - 1 else train).append(example)
    return train, evaluation
