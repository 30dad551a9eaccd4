"""Text preparation for the complaint classifier: normalisation and jieba segmentation.

Everything here is a plain module-level function so that a fitted vectorizer that refers to it
can be pickled with joblib and loaded again in another process.
"""

import logging
import re
import threading
import unicodedata

import jieba

# Complaints are a few hundred characters; a pasted document can be much longer. Cutting before
# segmentation keeps one pathological input from costing seconds.
MAX_CHARS = 4000

# Domain words jieba's general dictionary splits wrongly ("转供电" → "转 / 供电") or does not
# know. Adding them makes both the features and the keywords shown to staff readable.
DOMAIN_WORDS = (
    "转供电", "代收", "加价", "物业费", "物业服务费", "停车费", "公摊", "公摊费", "电梯卡", "门禁卡",
    "电卡", "门禁", "停水", "停电", "停气", "断水", "断电", "限电", "限水", "业委会", "业主委员会",
    "物业用房", "物业服务用房", "设备房", "配电房", "消防通道", "公共收益", "公共部位", "共用部位",
    "架空层", "楼道", "外墙", "楼顶", "违建", "违章搭建", "私搭乱建", "公示栏", "收费标准",
    "收费项目", "备案", "投诉电话", "特种设备", "维保单位", "交接", "撤场", "移交", "拒不撤离",
    "恐吓", "威胁", "骚扰", "报复", "泄露", "个人信息", "业主信息", "电费", "水费", "垃圾清运费",
    "装修押金", "装修管理费", "二次供水", "12345", "物业公司", "物业管家", "保安", "电梯广告",
    "广告位", "摆摊", "占用", "绿地", "毁绿", "漏水", "噪音", "扰民", "宠物", "遛狗", "跑路", "开发商",
    "质量问题", "渗水", "墙皮", "维修基金", "公维金", "催缴", "催费",
)

_CONTROL = re.compile(r"[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_SPACES = re.compile(r"\s+")
# A text is worth classifying only if it holds at least one Chinese character or a Latin word.
_MEANINGFUL = re.compile(r"[\u3400-\u9fff]|[a-z]{2,}")
_PUNCT_ONLY = re.compile(r"^[\W_]+$")

# A text is labelled by its main complaint. Residents often say which one it is: "问题是…",
# "我们关心的是…"; or set another aside: "停车费先不管", "这不是公示的问题". Bag-of-words
# features cannot see that, so the stated main part is repeated and the dismissed clause dropped.
_MAIN_MARKER = re.compile(r"问题是|要投诉的是|投诉的是|关心的是|想解决的是|要解决的是|反映的是|关键是|重点是|主要是")
_DISMISSED_CLAUSE = re.compile(
    r"[^，。！？；,.!?;]*(?:先不管|不关我们的事|已经解决|已经处理|可以理解|是一回事|另一回事"
    r"|不是[^，。！？；,.!?;]{0,20}的(?:问题|事))[^，。！？；,.!?;]*[，。！？；,.!?;]?")

_tokenizer: jieba.Tokenizer | None = None
_lock = threading.Lock()


def normalize(text: str) -> str:
    """Fold full-width forms, drop control and zero-width characters, lower-case, truncate."""
    text = (text or "")[: MAX_CHARS * 2]
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    text = _SPACES.sub(" ", text).strip().lower()
    return text[:MAX_CHARS]


def emphasise_main_complaint(normalized: str) -> str:
    """The text as the model reads it: the stated main complaint repeated, set-aside clauses dropped."""
    markers = list(_MAIN_MARKER.finditer(normalized))
    if markers:
        normalized = f"{normalized} {normalized[markers[-1].end():]}"
    return _DISMISSED_CLAUSE.sub(" ", normalized)


def is_meaningful(normalized: str) -> bool:
    """True if the normalised text has anything a classifier could read."""
    return bool(_MEANINGFUL.search(normalized))


def tokenizer() -> jieba.Tokenizer:
    """The shared jieba tokenizer, built on first use with the domain words and a quiet logger."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                # jieba logs "Building prefix dict…" at DEBUG to stderr; the classify command's
                # output must stay clean JSON lines.
                jieba.setLogLevel(logging.WARNING)
                tk = jieba.Tokenizer()
                tk.initialize()
                for word in DOMAIN_WORDS:
                    tk.add_word(word, freq=2000)
                _tokenizer = tk
    return _tokenizer


def segment(text: str) -> list[str]:
    """jieba words of an already normalised text, without spaces and punctuation."""
    return [w for w in tokenizer().lcut(text) if w.strip() and not _PUNCT_ONLY.match(w)]


def is_word(candidate: str) -> bool:
    """True if jieba's dictionary (with our domain words) knows the string as a word."""
    return bool(tokenizer().FREQ.get(candidate))
