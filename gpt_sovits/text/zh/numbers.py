"""Reading Arabic numbers aloud in Mandarin (the number rules of the text normaliser).

The rules reproduce upstream GPT-SoVITS (itself PaddleSpeech's ``zh_normalization``):
cardinals ("1205" -> 一千二百零五, "10" -> 十), digit strings ("007" -> 零零七), decimals,
fractions, percentages, ranges, arithmetic, powers, and numbers followed by a measure word.
Each ``RE_*`` pattern comes with the function that rewrites one of its matches.
"""

from __future__ import annotations

import re

DIGIT_NAMES = "零一二三四五六七八九"
# Place-value units by power of ten, largest first; 万 and 亿 start new groups.
_UNITS: tuple[tuple[int, str], ...] = ((8, "亿"), (4, "万"), (3, "千"), (2, "百"), (1, "十"))

# Measure words after which a number is read as a cardinal (upstream's list, verbatim).
MEASURE_WORDS = (
    "(处|台|架|枚|趟|幅|平|方|堵|间|床|株|批|项|例|列|篇|栋|注|亩|封|艘|把|目|套|段|人|所|朵|匹|张|座|回|场|尾|条|个|首|阙|阵|网|"
    "炮|顶|丘|棵|只|支|袭|辆|挑|担|颗|壳|窠|曲|墙|群|腔|砣|座|客|贯|扎|捆|刀|令|打|手|罗|坡|山|岭|江|溪|钟|队|单|双|对|出|口|头|脚|"
    "板|跳|枝|件|贴|针|线|管|名|位|身|堂|课|本|页|家|户|层|丝|毫|厘|分|钱|两|斤|担|铢|石|钧|锱|忽|(千|毫|微)克|毫|厘|(公)分|分|寸|"
    "尺|丈|里|寻|常|铺|程|(千|分|厘|毫|微)米|米|撮|勺|合|升|斗|石|盘|碗|碟|叠|桶|笼|盆|盒|杯|钟|斛|锅|簋|篮|盘|桶|罐|瓶|壶|卮|盏|"
    "箩|箱|煲|啖|袋|钵|年|月|日|季|刻|时|周|天|秒|分|小时|旬|纪|岁|世|更|夜|春|夏|秋|冬|代|伏|辈|丸|泡|粒|颗|幢|堆|条|根|支|道|面|"
    "片|张|颗|块|元|(亿|千万|百万|万|千|百)|(亿|千万|百万|万|千|百|美|)元|(亿|千万|百万|万|千|百|十|)吨|(亿|千万|百万|万|千|百|)块|"
    "角|毛|分)"
)


def read_digits(digits: str, yao_for_one: bool = False) -> str:
    """Read a digit string one digit at a time ("1205" -> 一二零五; 幺 for 1 when asked)."""
    text = "".join(DIGIT_NAMES[int(d)] for d in digits)
    return text.replace("一", "幺") if yao_for_one else text


def _place_value_words(digits: str) -> list[str]:
    """Words of a digit string, read by place value; leading zeros give one 零 before a digit."""
    significant = digits.lstrip("0")
    if not significant:
        return []
    if len(significant) == 1:
        zero = [DIGIT_NAMES[0]] if len(significant) < len(digits) else []
        return zero + [DIGIT_NAMES[int(significant)]]
    power, unit = next((p, u) for p, u in _UNITS if p < len(significant))
    return _place_value_words(digits[:-power]) + [unit] + _place_value_words(digits[-power:])


def read_cardinal(digits: str) -> str:
    """Read an integer digit string as a cardinal ("0" -> 零, "12" -> 十二, "" -> "")."""
    if not digits:
        return ""
    digits = digits.lstrip("0")
    if not digits:
        return DIGIT_NAMES[0]
    words = _place_value_words(digits)
    if len(words) >= 2 and words[0] == "一" and words[1] == "十":
        words = words[1:]  # 一十二 is said 十二
    return "".join(words)


def read_number(number: str) -> str:
    """Read "int[.frac]" as a cardinal with 点 and digit-wise decimals. Trailing zeros of the decimals
    leave one zero, as upstream's code does (its comment says otherwise): "3.20" -> 三点二零, "3.0" -> 三点零."""
    parts = number.split(".")
    if len(parts) > 2:
        raise ValueError(f"number {number!r} has more than one decimal point")
    integer, fraction = parts[0], (parts[1] if len(parts) == 2 else "")
    text = read_cardinal(integer)
    fraction = fraction.rstrip("0") + ("0" if fraction.endswith("0") else "")
    if fraction:
        text = (text or DIGIT_NAMES[0]) + "点" + read_digits(fraction)
    return text


def _sign(symbol: str | None, word: str = "负") -> str:
    return word if symbol else ""


RE_FRACTION = re.compile(r"(-?)(\d+)/(\d+)")


def replace_fraction(m: re.Match[str]) -> str:
    """"3/4" -> 四分之三."""
    return f"{_sign(m.group(1))}{read_number(m.group(3))}分之{read_number(m.group(2))}"


RE_PERCENTAGE = re.compile(r"(-?)(\d+(\.\d+)?)%")


def replace_percentage(m: re.Match[str]) -> str:
    """"12.5%" -> 百分之十二点五."""
    return f"{_sign(m.group(1))}百分之{read_number(m.group(2))}"


RE_NEGATIVE_INTEGER = re.compile(r"(-)(\d+)")


def replace_negative_integer(m: re.Match[str]) -> str:
    """"-10" -> 负十."""
    return f"{_sign(m.group(1))}{read_number(m.group(2))}"


RE_DIGIT_STRING = re.compile(r"\d{3}\d*")


def replace_digit_string(m: re.Match[str]) -> str:
    """Three or more digits left over are read one by one, 1 as 幺 ("110" -> 幺幺零)."""
    return read_digits(m.group(0), yao_for_one=True)


_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹ˣʸⁿ"
_OPERAND = rf"((-?)((\d+)(\.\d+)?[{_SUPERSCRIPTS}]*)|(\.\d+[{_SUPERSCRIPTS}]*)|([A-Za-z][{_SUPERSCRIPTS}]*))"
RE_ARITHMETIC = re.compile(_OPERAND + r"([\+\-\×÷=])" + _OPERAND)
_OPERATOR_WORDS = {"+": "加", "-": "减", "×": "乘", "÷": "除", "=": "等于"}


def replace_arithmetic(m: re.Match[str]) -> str:
    """One binary operation "a+b" -> a加b (applied repeatedly until none is left)."""
    return m.group(1) + _OPERATOR_WORDS[m.group(8)] + m.group(9)


RE_POWER = re.compile(rf"[{_SUPERSCRIPTS}]+")
_SUPERSCRIPT_TO_PLAIN = str.maketrans(_SUPERSCRIPTS, "0123456789xyn")


def replace_power(m: re.Match[str]) -> str:
    """A run of superscripts "²" -> 的2次方 (the digits are read later)."""
    return "的" + m.group(0).translate(_SUPERSCRIPT_TO_PLAIN) + "次方"


RE_DECIMAL = re.compile(r"(-?)((\d+)(\.\d+))|(\.(\d+))")
RE_NUMBER = re.compile(r"(-?)((\d+)(\.\d+)?)|(\.(\d+))")
RE_QUANTITY = re.compile(r"(\d+)([多余几\+])?" + MEASURE_WORDS)


def replace_number(m: re.Match[str]) -> str:
    """A signed integer or decimal, or a bare ".5" (read 零点五)."""
    if m.group(5):
        return read_number(m.group(5))
    return f"{_sign(m.group(1))}{read_number(m.group(2))}"


def replace_quantity(m: re.Match[str]) -> str:
    """Number + measure word: "3个" -> 三个, "2个" -> 两个, "10+年" -> 十多年."""
    number = read_number(m.group(1))
    if number == "二":
        number = "两"
    approx = "多" if m.group(2) == "+" else (m.group(2) or "")
    return f"{number}{approx}{m.group(3)}"


RE_VERSION = re.compile(r"((\d+)(\.\d+)(\.\d+)?(\.\d+)+)")


def replace_version(m: re.Match[str]) -> str:
    """Dotted version numbers with three or more parts: "2.1.3" -> 二点一点三."""
    return "".join("点" if ch == "." else read_number(ch) for ch in m.group(1))


RE_RANGE = re.compile(
    r"(?<![\d\+\-\×÷=])"  # not the tail of another number or an operation
    r"((-?)((\d+)(\.\d+)?))"
    r"[-~]"
    r"((-?)((\d+)(\.\d+)?))"
    r"(?![\d\+\-\×÷=])"
)


def replace_range(m: re.Match[str]) -> str:
    """"1-5" or "1~5" -> 一到五."""
    first = RE_NUMBER.sub(replace_number, m.group(1))
    second = RE_NUMBER.sub(replace_number, m.group(6))
    return f"{first}到{second}"


_RANGE_UNITS = r"(%|°C|℃|度|摄氏度|cm2|cm²|cm3|cm³|cm|db|ds|kg|km|m2|m²|m³|m3|ml|m|mm|s)"
_RANGE_VALUE = r"((-?)((\d+)(\.\d+)?)|(\.(\d+)))"
RE_UNIT_RANGE = re.compile(_RANGE_VALUE + _RANGE_UNITS + "[~]" + _RANGE_VALUE + _RANGE_UNITS)


def replace_unit_range(m: re.Match[str]) -> str:
    """"10%~20%" -> 10%至20% (both ends carry a unit; the numbers are read later)."""
    return m.group(0).replace("~", "至")
