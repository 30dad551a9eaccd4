"""Choosing the words shown to staff as the reason for a suggestion.

The classifier's strongest features for the chosen class are mostly fine as they are, but some
are noise to a reader: single characters, fillers ("我家", "已经"), place names, and character
n-grams that straddle two words ("了停"). This module keeps only words a person would underline.
"""

from collections.abc import Sequence

import numpy as np

from .text import is_word, segment

MAX_KEYWORDS = 5

# Words too general to explain anything to a member of staff.
STOP_WORDS = frozenset({
    "物业", "小区", "业主", "我们", "他们", "你们", "我", "的", "了", "是", "在", "也", "都", "还",
    "有", "没有", "一个", "这个", "那个", "就是", "什么", "现在", "已经", "市民", "来电", "反映",
    "请求", "希望", "要求", "相关", "部门", "问题", "情况", "处理", "进行", "公司", "物业公司",
    "小区业主", "本人", "因为", "所以", "但是", "而且", "不管", "说是", "也不", "一直", "还是",
    "我家", "每天", "直接", "从来", "不是", "有人", "以后", "时候", "自己", "怎么", "这样", "可以",
    "为什么", "好几", "出来", "过去", "之后", "回来", "还有", "如果", "一下", "这些", "那些", "目前",
    "今天", "昨天", "几天", "一次", "多次", "起来", "知道", "告诉", "表示", "来电人", "诉求", "业主反映",
    # Place names say where, not what: they must not pass for a reason.
    "宜昌", "宜昌市", "西陵区", "伍家岗区", "点军区", "猇亭区", "夷陵区", "宜都市", "当阳市", "枝江市",
    "远安县", "兴山县", "秭归县", "长阳", "五峰", "西陵", "伍家岗", "点军", "猇亭", "夷陵", "宜都",
    "当阳", "枝江", "远安", "兴山", "秭归",
})


def plain(word: str) -> bool:
    """A word worth showing: two characters or more, not a filler, not a bare number."""
    return len(word) >= 2 and word not in STOP_WORDS and not word.isdigit() and any(ch.isalnum() for ch in word)


def readable(name: str, kind: str) -> bool:
    """Whether a feature can be a keyword at all, before looking at a text.

    `kind` is "word", "pair" (two jieba words, named "停水 停电") or "char" (an n-gram; whether it
    covers whole words is checked against each text by `strongest`).
    """
    if kind == "pair":
        parts = name.split(" ")
        joined = "".join(parts)
        # "停水 停电" reads well; "跑 路" (a word jieba cut in two) only because it is a word.
        return all(plain(p) for p in parts) or (plain(joined) and is_word(joined))
    return plain(name)


def word_spans(text: str) -> set[str]:
    """Strings of one to three consecutive jieba words of the text: the n-grams worth showing.

    Spans of two or three words count only if jieba's dictionary knows them as one word ("跑路"
    cut as "跑 / 路"), so a span never reads as two unrelated words glued together.
    """
    words = segment(text)
    spans = set(words)
    for size in (2, 3):
        for start in range(len(words) - size + 1):
            joined = "".join(words[start:start + size])
            if is_word(joined):
                spans.add(joined)
    return spans


def strongest(text: str, columns: np.ndarray, contributions: np.ndarray, names: Sequence[str],
              is_char: np.ndarray, readable_mask: np.ndarray, limit: int = MAX_KEYWORDS) -> list[str]:
    """Up to `limit` readable feature names with the largest positive contributions, strongest first.

    A name contained in (or containing) one already chosen is skipped, so "停水" and "停水停电"
    do not both appear.
    """
    spans: set[str] | None = None
    chosen: list[str] = []
    for position in np.argsort(-contributions, kind="stable"):
        if contributions[position] <= 0 or len(chosen) >= limit:
            break
        column = columns[position]
        if not readable_mask[column]:
            continue
        word = names[column]
        if is_char[column]:
            spans = word_spans(text) if spans is None else spans
            if word not in spans:
                continue
        if any(word in kept or kept in word for kept in chosen):
            continue
        chosen.append(word)
    return chosen
