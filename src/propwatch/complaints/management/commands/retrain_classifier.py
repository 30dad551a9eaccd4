"""`propwatch retrain_classifier`: refit the complaint classifier with staff corrections.

Trains on the packaged corpus's training half plus every classification staff confirmed, scores
the old and the new model on the fixed evaluation half, and writes the new model where every
process loads it from (VAR_DIR/classifier/model.joblib).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from propwatch.complaints.classifier import model as classifier_model
from propwatch.complaints.classifier.corpus import Example, load_corpus, split
from propwatch.complaints.classifier.labels import FOCUS_VALUES, ROUTES
from propwatch.complaints.classifier.metrics import evaluate
from propwatch.complaints.selectors import classifier_corrections


class Command(BaseCommand):
    help = "用语料训练集和人工更正的分类重新训练投诉分类模型，并报告评估集上的准确率和宏 F1。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只训练和评估，不写模型文件")

    def handle(self, *args, **options) -> None:
        path = classifier_model.model_path()
        if path is None:
            raise CommandError("未配置 VAR_DIR，无法保存模型。")
        train, evaluation = split(load_corpus())
        try:
            corrections, skipped = _corrections(exclude={e.text for e in evaluation})
        except DatabaseError as exc:
            raise CommandError(f"读取人工更正失败（数据库是否已迁移？请先运行 propwatch migrate）：{exc}") from exc
        corrected = {e.text for e in corrections}
        examples = [e for e in train if e.text not in corrected] + corrections

        self.stdout.write(f"语料训练集 {len(train)} 条，评估集 {len(evaluation)} 条；"
                          f"人工更正 {len(corrections)} 条（跳过 {skipped} 条）；共训练 {len(examples)} 条。")
        before = evaluate(classifier_model.current_model(), evaluation)
        self.stdout.write(f"重训前：{before.summary()}")
        new_model = classifier_model.train(examples)
        after = evaluate(new_model, evaluation)
        self.stdout.write(f"重训后：{after.summary()}")
        self.stdout.write(after.table())
        if after.focus_macro_f1 < before.focus_macro_f1 - 0.02:
            self.stdout.write(self.style.WARNING("注意：重训后评估集宏 F1 下降，请检查人工更正的标注。"))
        if options["dry_run"]:
            self.stdout.write("试运行：未写入模型文件。")
            return
        classifier_model.save(new_model, path)
        classifier_model.reset()
        self.stdout.write(self.style.SUCCESS(f"已写入 {path}"))


def _corrections(*, exclude: set[str]) -> tuple[list[Example], int]:
    """Valid staff corrections as examples, and how many rows were skipped.

    A row is skipped when its labels are out of range, its text is empty, or its text is in the
    evaluation half (training on it would flatter the score).
    """
    kept: dict[str, Example] = {}
    skipped = 0
    for text, focus, route in classifier_corrections():
        text = (text or "").strip()
        if not text or focus not in FOCUS_VALUES or route not in ROUTES or text in exclude:
            skipped += 1
            continue
        kept[text] = Example(text=text, focus=int(focus), route=route, style="correction")
    return list(kept.values()), skipped
