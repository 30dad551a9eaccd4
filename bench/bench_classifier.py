"""Complaint classifier: quality on the fixed evaluation split, and classifications per second.

The model is trained afresh from the corpus's training half (not read from var/), so the figures
describe the packaged corpus and code, whatever a local retrain left behind.
"""

import time

from propwatch.complaints.classifier import model as classifier_model
from propwatch.complaints.classifier.labels import FOCUS_NAMES
from propwatch.complaints.classifier.metrics import eval_examples, evaluate

ROUNDS_SINGLE = 3
ROUNDS_BATCH = 10


def report() -> None:
    """Print focus accuracy and macro-F1, route accuracy, per-focus F1, and throughput."""
    start = time.perf_counter()
    model = classifier_model.train(classifier_model.default_examples())
    train_seconds = time.perf_counter() - start
    examples = eval_examples()
    result = evaluate(model, examples)

    print()
    print(f"投诉分类（评估集 {result.size} 条，训练 {model.info['examples']} 条，用时 {train_seconds:.1f} 秒）")
    print(f"  焦点准确率   {result.focus_accuracy:.3f}")
    print(f"  焦点宏 F1    {result.focus_macro_f1:.3f}")
    print(f"  分派准确率   {result.route_accuracy:.3f}")
    for score in result.per_class:
        print(f"  焦点 {score.focus} F1 {score.f1:.3f}（{score.support} 条）{FOCUS_NAMES[score.focus]}")

    texts = [e.text for e in examples]
    start = time.perf_counter()
    for _ in range(ROUNDS_SINGLE):
        for text in texts:
            model.suggest(text)
    single = ROUNDS_SINGLE * len(texts) / (time.perf_counter() - start)
    start = time.perf_counter()
    for _ in range(ROUNDS_BATCH):
        model.suggest_many(texts)
    batch = ROUNDS_BATCH * len(texts) / (time.perf_counter() - start)
    print(f"  每秒分类     {single:.0f} 条（逐条），{batch:.0f} 条（批量）")


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propwatch.settings")
    django.setup()
    report()
