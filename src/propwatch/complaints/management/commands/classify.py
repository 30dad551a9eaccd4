"""`propwatch classify`: suggest focus and route for complaints read from stdin, one per line.

Writes one JSON object per input line (also for empty lines), in order, so the output can be
pasted next to the input. Needs no database: it runs before `migrate` too.
"""

import io
import json
import sys

from django.core.management.base import BaseCommand

from propwatch.complaints.classifier import classify


class Command(BaseCommand):
    help = "逐行读取标准输入中的投诉文本，每行输出一个 JSON：建议的整治重点、分派部门、置信度和关键词。"
    # No system checks: they are not needed to read text, and the command must work on an empty
    # or not yet migrated database. `stdin` lets tests and callers pass a stream to call_command.
    requires_system_checks: list[str] = []
    stealth_options = ("stdin",)

    def handle(self, *args, **options) -> None:
        stream = options.get("stdin") or _utf8_stdin()
        for line in stream:
            text = line.rstrip("\r\n")
            self.stdout.write(json.dumps(classify(text).as_dict(), ensure_ascii=False))
            self.stdout.flush()


def _utf8_stdin() -> io.TextIOBase:
    """stdin as UTF-8 text in which undecodable bytes become U+FFFD instead of an exception."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:
        return sys.stdin
    return io.TextIOWrapper(buffer, encoding="utf-8", errors="replace", newline="")
