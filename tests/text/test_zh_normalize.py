"""Mandarin normaliser: numbers, dates, times, percentages, phones, currency, temperatures."""

from __future__ import annotations

import pytest

from gpt_sovits.text.zh import normalize_chinese
from gpt_sovits.text.zh.normalize import traditional_to_simplified
from gpt_sovits.text.zh.numbers import read_cardinal, read_digits, read_number


@pytest.mark.parametrize(
    ("digits", "words"),
    [("0", "零"), ("000", "零"), ("7", "七"), ("10", "十"), ("12", "十二"), ("20", "二十"), ("105", "一百零五"),
     ("1200", "一千二百"), ("1205", "一千二百零五"), ("10050", "一万零五十"), ("100000", "十万"),
     ("120000000", "一亿二千万"), ("", "")],
)
def test_read_cardinal(digits, words):
    assert read_cardinal(digits) == words


def test_read_number_and_digits():
    # upstream's code keeps one zero of trailing zeros (checked against it with bench/text_vs_upstream.py)
    assert read_number("3.20") == "三点二零" and read_number("36.500") == "三十六点五零"
    assert read_number("3.0") == "三点零" and read_number("3") == "三"
    assert read_number(".5") == "零点五"
    assert read_number("10.05") == "十点零五"
    assert read_digits("1010") == "一零一零"
    assert read_digits("1010", yao_for_one=True) == "幺零幺零"
    with pytest.raises(ValueError, match="more than one decimal point"):
        read_number("1.2.3")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我有3个苹果。", "我有三个苹果."),
        ("我有2个苹果。", "我有两个苹果."),  # 2 before a measure word reads 两
        ("他有10+年经验", "他有十多年经验"),
        ("这座城市有1200万人口。", "这座城市有一千二百万人口."),
        ("编号007", "编号零零七"),
        ("房间10050", "房间幺零零五零"),  # bare long numbers: digit by digit
        ("圆周率约等于3.14159。", "圆周率约等于三点一四一五九."),
        ("0.5", "零点五"),
        ("版本号是v2.1.3。", "版本号是二点一点三."),
        ("一共需要2/3的时间。", "一共需要三分之二的时间."),
        ("20~30", "二十到三十"),
        ("1+2=3", "一加二等于三"),
        ("2³", "二的三次方"),
        ("-7", "负七"),
    ],
)
def test_numbers(text, expected):
    assert normalize_chinese(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今天是2024年8月2日。", "今天是二零二四年八月二日."),
        ("会议定在2023-05-20下午举行。", "会议定在二零二三年五月二十日下午举行."),
        ("截止日期是2025/01/15。", "截止日期是二零二五年一月十五日."),
        ("这件事发生在90年代。", "这件事发生在九零年代."),
        ("3月5号", "三月五号"),
        ("现在是早上7:30。", "现在是早上七点半."),
        ("14:05:09", "十四点零五分零九秒"),
        # Upstream checks the first clock's minutes for 半, so 17:30 here reads 三十分.
        ("活动时间是9:00-17:30。", "活动时间是九点至十七点三十分."),
    ],
)
def test_dates_and_times(text, expected):
    assert normalize_chinese(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今年的增长率是12.5%。", "今年的增长率是百分之十二点五."),
        ("手续费是0.6%。", "手续费是百分之零点六."),
        ("利润下降了-3%。", "利润下降了负百分之三."),
        ("10%~20%", "百分之十至百分之二十"),
    ],
)
def test_percentages(text, expected):
    assert normalize_chinese(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("请拨打电话13812345678联系我。", "请拨打电话幺三八幺二三四五六七八联系我."),
        ("+86 13812345678", "八六幺三八幺二三四五六七八"),
        ("电话02112345678", "电话零二幺幺二三四五六七八"),
        # Dashes are taken as minus signs before the phone rules run (upstream order).
        ("客服热线是400-800-1234。", "客服热线是四零零减八零零减幺二三四."),
    ],
)
def test_phone_numbers(text, expected):
    assert normalize_chinese(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("这台电脑售价5999元。", "这台电脑售价五千九百九十九元."),
        ("汇率是1美元兑换7.2元人民币。", "汇率是一美元兑换七点二元人民币."),
        ("第1名获得了100000元奖金。", "第一名获得了十万元奖金."),
        ("他花了一百二十五块钱。", "他花了一百二十五块钱."),
    ],
)
def test_currency(text, expected):
    assert normalize_chinese(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-5℃", "零下五度"),
        ("25摄氏度", "二十五度"),  # upstream reads 摄氏度 as 度 too (see replace_temperature)
        ("体温36.5°C", "体温三十六点五度"),
        ("他的体重是65kg，身高175cm。", "他的体重是六十五千克,身高一百七十五厘米."),
        ("一瓶水有500ml。", "一瓶水有五百毫升."),
    ],
)
def test_temperatures_and_units(text, expected):
    assert normalize_chinese(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("他说：“我明天就走。”", "他说,我明天就走."),
        ("真的吗？！太好了！！！", "真的吗?太好了!"),
        ("啊……我想起来了。", "啊…我想起来了."),
        ("呣，让我想想～", "母,让我想想…"),
        ("嗯", "恩"),
        ("《红楼梦》", "红楼梦"),
        ("这个ＡＢＣ是全角", "这个是全角"),  # full-width Latin letters vanish
        ("我用GPT写", "我用写"),
        ("α粒子①", "阿尔法粒子一"),
        ("今天   有  空格", "今天有空格"),
        ("第一行\n第二行", "第一行第二行"),  # a newline only separates sentences
    ],
)
def test_punctuation_and_symbols(text, expected):
    assert normalize_chinese(text) == expected


def test_traditional_to_simplified():
    assert traditional_to_simplified("這是繁體中文的句子") == "这是繁体中文的句子"
    assert normalize_chinese("這是繁體。") == "这是繁体."
    assert traditional_to_simplified("abc简体") == "abc简体"


def test_output_alphabet():
    text = normalize_chinese("Hello！我有3.5个apple，价格$20～30（含税）＠#。")
    allowed = set("!?…,.-")
    assert text and all("\u4e00" <= ch <= "\u9fa5" or ch in allowed for ch in text)
