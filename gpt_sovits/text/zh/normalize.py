"""Mandarin text normalisation: what upstream GPT-SoVITS does before grapheme-to-phoneme.

``normalize_chinese`` turns free text into Chinese characters plus the six phone punctuation
marks ``! ? … , . -``: it converts traditional characters, verbalises dates, times, numbers,
phone numbers, temperatures, units and arithmetic, maps Chinese punctuation to ASCII, deletes
everything else (Latin letters included) and collapses runs of punctuation.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from functools import cache

from gpt_sovits.text.zh import numbers as num
from gpt_sovits.text.zh.data.t2s import T2S_PAIRS

PHONE_PUNCTUATION = "!?…,.-"

# Full-width ASCII letters and digits to their half-width forms. (Upstream also lists the
# ideographic space, but with a str key that str.translate ignores, so it stays unchanged.)
_FULL_TO_HALF = {ord(c) + 0xFEE0: ord(c) for c in string.ascii_letters + string.digits}

_SENTENCE_END = re.compile(r"([：、，；。？！,;?!][”’]?)")
_DROPPED_BEFORE_SPLIT = re.compile(r"[——《》【】<>{}()（）#&@“”^_|\\]")
_DROPPED_AFTER_RULES = re.compile(r"[-——《》【】<=>{}()（）#&@“”^_|\\]")

# Replacements made after the number rules, in this order.
_LATE_REPLACEMENTS: tuple[tuple[str, str], ...] = (
    ("/", "每"),
    *zip("①②③④⑤⑥⑦⑧⑨⑩", "一二三四五六七八九十", strict=True),
    ("α", "阿尔法"), ("β", "贝塔"), ("γ", "伽玛"), ("Γ", "伽玛"), ("δ", "德尔塔"), ("Δ", "德尔塔"),
    ("ε", "艾普西龙"), ("ζ", "捷塔"), ("η", "依塔"), ("θ", "西塔"), ("Θ", "西塔"), ("ι", "艾欧塔"),
    ("κ", "喀帕"), ("λ", "拉姆达"), ("Λ", "拉姆达"), ("μ", "缪"), ("ν", "拗"), ("ξ", "克西"), ("Ξ", "克西"),
    ("ο", "欧米克伦"), ("π", "派"), ("Π", "派"), ("ρ", "肉"), ("ς", "西格玛"), ("Σ", "西格玛"),
    ("σ", "西格玛"), ("τ", "套"), ("υ", "宇普西龙"), ("φ", "服艾"), ("Φ", "服艾"), ("χ", "器"),
    ("ψ", "普赛"), ("Ψ", "普赛"), ("ω", "欧米伽"), ("Ω", "欧米伽"),
    ("+", "加"), ("-", "减"), ("×", "乘"), ("÷", "除"), ("=", "等"),
)

# Punctuation mapping of the g2p stage; "..." must be tried before ".".
_PUNCTUATION_MAP = {
    "：": ",", "；": ",", "，": ",", "。": ".", "！": "!", "？": "?", "\n": ".", "·": ",", "、": ",",
    "...": "…", "$": ".", "/": ",", "—": "-", "~": "…", "～": "…",
}
_PUNCTUATION_RE = re.compile("|".join(re.escape(p) for p in _PUNCTUATION_MAP))
_NOT_KEPT = re.compile(r"[^\u4e00-\u9fa5" + re.escape(PHONE_PUNCTUATION) + r"]+")
_PUNCTUATION_RUN = re.compile(f"([{re.escape(PHONE_PUNCTUATION)}])[{re.escape(PHONE_PUNCTUATION)}]+")

_MEASURE_UNITS: tuple[tuple[str, str], ...] = (
    ("cm2", "平方厘米"), ("cm²", "平方厘米"), ("cm3", "立方厘米"), ("cm³", "立方厘米"), ("cm", "厘米"),
    ("db", "分贝"), ("ds", "毫秒"), ("kg", "千克"), ("km", "千米"), ("m2", "平方米"), ("m²", "平方米"),
    ("m³", "立方米"), ("m3", "立方米"), ("ml", "毫升"), ("m", "米"), ("mm", "毫米"), ("s", "秒"),
)


@cache
def _t2s_table() -> dict[int, int]:
    pairs = T2S_PAIRS
    return {ord(pairs[i]): ord(pairs[i + 1]) for i in range(0, len(pairs), 2)}


def traditional_to_simplified(text: str) -> str:
    """Convert traditional characters to simplified ones, character by character."""
    return text.translate(_t2s_table())


# --- dates and times -------------------------------------------------------------------------

RE_DATE = re.compile(r"(\d{4}|\d{2})年((0?[1-9]|1[0-2])月)?(((0?[1-9])|((1|2)[0-9])|30|31)([日号]))?")
RE_NUMERIC_DATE = re.compile(r"(\d{4})([- /.])(0[1-9]|1[012])\2(0[1-9]|[12][0-9]|3[01])")
_CLOCK = r"([0-1]?[0-9]|2[0-3]):([0-5][0-9])(:([0-5][0-9]))?"
RE_TIME = re.compile(_CLOCK)
RE_TIME_RANGE = re.compile(_CLOCK + r"(~|-)" + _CLOCK)


def replace_date(m: re.Match[str]) -> str:
    """"2024年8月2日" -> 二零二四年八月二日 (the year digit by digit)."""
    text = f"{num.read_digits(m.group(1))}年"
    if m.group(3):
        text += f"{num.read_cardinal(m.group(3))}月"
    if m.group(5):
        text += f"{num.read_cardinal(m.group(5))}{m.group(9)}"
    return text


def replace_numeric_date(m: re.Match[str]) -> str:
    """"2023-05-20" -> 二零二三年五月二十日."""
    return f"{num.read_digits(m.group(1))}年{num.read_cardinal(m.group(3))}月{num.read_cardinal(m.group(4))}日"


def _clock_part(value: str) -> str:
    text = num.read_number(value.lstrip("0"))
    return num.DIGIT_NAMES[0] + text if value.startswith("0") else text


def _read_clock(hour: str, minute: str, second: str | None, half_minute: str) -> str:
    text = f"{num.read_number(hour)}点"
    if minute.lstrip("0"):
        # Upstream tests the first clock's minutes for 半, also for the second clock of a range.
        text += "半" if int(half_minute) == 30 else f"{_clock_part(minute)}分"
    if second and second.lstrip("0"):
        text += f"{_clock_part(second)}秒"
    return text


def replace_time(m: re.Match[str]) -> str:
    """"7:30" -> 七点半, "14:05" -> 十四点零五分, "9:00-17:30" -> 九点至十七点三十分."""
    g = m.groups()
    text = _read_clock(g[0], g[1], g[3], g[1])
    if len(g) > 5:
        text += "至" + _read_clock(g[5], g[6], g[8], g[1])
    return text


# --- phone numbers ---------------------------------------------------------------------------

RE_MOBILE = re.compile(r"(?<!\d)((\+?86 ?)?1([38]\d|5[0-35-9]|7[678]|9[89])\d{8})(?!\d)")
RE_LANDLINE = re.compile(r"(?<!\d)((0(10|2[1-3]|[3-9]\d{2})-?)?[1-9]\d{6,7})(?!\d)")
RE_SERVICE_NUMBER = re.compile(r"(400)(-)?\d{3}(-)?\d{4}")


def replace_mobile(m: re.Match[str]) -> str:
    """Mobile numbers digit by digit with 幺; a space (after +86) becomes a comma pause."""
    return "，".join(num.read_digits(p, yao_for_one=True) for p in m.group(0).strip("+").split())


def replace_landline(m: re.Match[str]) -> str:
    """Landline and 400 numbers digit by digit with 幺; each dash becomes a comma pause."""
    return "，".join(num.read_digits(p, yao_for_one=True) for p in m.group(0).split("-"))


# --- temperatures and units ------------------------------------------------------------------

RE_TEMPERATURE = re.compile(r"(-?)(\d+(\.\d+)?)(°C|℃|度|摄氏度)")


def replace_temperature(m: re.Match[str]) -> str:
    """"-5℃" -> 零下五度; every unit, 摄氏度 too, is read 度 (upstream means to keep 摄氏度 but tests the
    decimals' group instead of the unit's, so it never does; checked with bench/text_vs_upstream.py)."""
    sign = "零下" if m.group(1) else ""
    return f"{sign}{num.read_number(m.group(2))}度"


def replace_measure_units(sentence: str) -> str:
    """Replace unit abbreviations anywhere in the sentence ("kg" -> 千克, "m" -> 米)."""
    for abbreviation, words in _MEASURE_UNITS:
        sentence = sentence.replace(abbreviation, words)
    return sentence


# --- sentence pipeline -----------------------------------------------------------------------

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]
_RULES_BEFORE_UNITS: tuple[_Rule, ...] = (
    (RE_DATE, replace_date),
    (RE_NUMERIC_DATE, replace_numeric_date),
    (RE_TIME_RANGE, replace_time),
    (RE_TIME, replace_time),
    (num.RE_UNIT_RANGE, num.replace_unit_range),
    (RE_TEMPERATURE, replace_temperature),
)
_RULES_AFTER_ARITHMETIC: tuple[_Rule, ...] = (
    (num.RE_POWER, num.replace_power),
    (num.RE_FRACTION, num.replace_fraction),
    (num.RE_PERCENTAGE, num.replace_percentage),
    (RE_MOBILE, replace_mobile),
    (RE_LANDLINE, replace_landline),
    (RE_SERVICE_NUMBER, replace_landline),
    (num.RE_RANGE, num.replace_range),
    (num.RE_NEGATIVE_INTEGER, num.replace_negative_integer),
    (num.RE_VERSION, num.replace_version),
    (num.RE_DECIMAL, num.replace_number),
    (num.RE_QUANTITY, num.replace_quantity),
    (num.RE_DIGIT_STRING, num.replace_digit_string),
    (num.RE_NUMBER, num.replace_number),
)


def split_sentences(text: str) -> list[str]:
    """Remove spaces and bracket-like symbols, then cut after each clause punctuation mark."""
    text = _DROPPED_BEFORE_SPLIT.sub("", text.replace(" ", ""))
    text = _SENTENCE_END.sub("\\1\n", text).strip()
    return [s.strip() for s in re.split(r"\n+", text)]


def verbalize_sentence(sentence: str) -> str:
    """Apply the character, number and symbol rules to one sentence (no punctuation mapping)."""
    sentence = traditional_to_simplified(sentence).translate(_FULL_TO_HALF)
    for pattern, replace in _RULES_BEFORE_UNITS:
        sentence = pattern.sub(replace, sentence)
    sentence = replace_measure_units(sentence)
    while num.RE_ARITHMETIC.search(sentence):
        sentence = num.RE_ARITHMETIC.sub(num.replace_arithmetic, sentence)
    for pattern, replace in _RULES_AFTER_ARITHMETIC:
        sentence = pattern.sub(replace, sentence)
    for old, new in _LATE_REPLACEMENTS:
        sentence = sentence.replace(old, new)
    return _DROPPED_AFTER_RULES.sub("", sentence)


def map_punctuation(sentence: str) -> str:
    """Map Chinese punctuation to the phone marks and drop every other non-Chinese character."""
    sentence = sentence.replace("嗯", "恩").replace("呣", "母")
    sentence = _PUNCTUATION_RE.sub(lambda m: _PUNCTUATION_MAP[m.group(0)], sentence)
    return _NOT_KEPT.sub("", sentence)


def normalize_chinese(text: str) -> str:
    """Normalised Mandarin text: CJK characters U+4E00-U+9FA5 and ``! ? … , . -`` only."""
    joined = "".join(map_punctuation(verbalize_sentence(s)) for s in split_sentences(text))
    return _PUNCTUATION_RUN.sub(r"\1", joined)
