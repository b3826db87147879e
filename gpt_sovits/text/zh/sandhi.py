"""Mandarin tone sandhi on jieba words, as upstream GPT-SoVITS applies it (PaddleSpeech rules).

Two stages: ``merge_for_sandhi`` joins words whose tones interact (不/一 with the next word,
reduplications, chains of third tones, a trailing 儿), then ``apply_tone_sandhi`` rewrites the
tone digits of one word's finals: 不, 一, neutral tones, and third-tone chains.

Finals are pinyin finals with a tone digit ("ao3"); punctuation finals are the mark itself.
"""

from __future__ import annotations

import logging

from gpt_sovits.text.zh.data.lexicon import NEUTRAL_TONE_WORDS, NOT_NEUTRAL_TONE_WORDS
from gpt_sovits.text.zh.segment import WordAndTag, cut_for_search, finals_tone3

logger = logging.getLogger(__name__)

_SENTENCE_FINAL_PARTICLES = "吧呢哈啊呐噻嘛吖嗨呐哦哒额滴哩哟喽啰耶喔诶"
_PUNCTUATION_AFTER_YI = "：，；。？！“”‘’':,;.?!"


def _retone(final: str, tone: str) -> str:
    return final[:-1] + tone


def _all_third_tone(finals: list[str]) -> bool:
    return all(f[-1] == "3" for f in finals)


def _is_reduplication(word: str) -> bool:
    return len(word) == 2 and word[0] == word[1]


# --- merging words ---------------------------------------------------------------------------


def _merge_bu(words: list[WordAndTag]) -> list[WordAndTag]:
    """Attach 不 to the word after it (a trailing 不 stays, tagged "d")."""
    out: list[WordAndTag] = []
    previous = ""
    for word, tag in words:
        if previous == "不":
            word = previous + word
        if word != "不":
            out.append((word, tag))
        previous = word
    if previous == "不":
        out.append((previous, "d"))
    return out


def _merge_yi(words: list[WordAndTag]) -> list[WordAndTag]:
    """Join verb-一-same-verb (看一看) and attach a lone 一 to the next word.

    Like upstream, the first pass indexes its output with the input position; when that
    index is out of range the whole step is skipped (upstream catches the error).
    """
    first: list[list[str]] = []
    for i, (word, tag) in enumerate(words):
        is_middle_yi = (
            0 < i < len(words) - 1 and word == "一" and words[i - 1][0] == words[i + 1][0]
            and words[i - 1][1] == "v" and words[i + 1][1] == "v"
        )
        if is_middle_yi:
            first[i - 1][0] = first[i - 1][0] + "一" + first[i - 1][0]
        elif i >= 2 and words[i - 1][0] == "一" and words[i - 2][0] == word and tag == "v" and words[i - 2][1] == "v":
            continue
        else:
            first.append([word, tag])
    second: list[list[str]] = []
    for word, tag in first:
        if second and second[-1][0] == "一":
            second[-1][0] += word
        else:
            second.append([word, tag])
    return [(w, t) for w, t in second]


def _merge_reduplication(words: list[WordAndTag]) -> list[WordAndTag]:
    out: list[list[str]] = []
    for word, tag in words:
        if out and word == out[-1][0]:
            out[-1][0] += word
        else:
            out.append([word, tag])
    return [(w, t) for w, t in out]


def _merge_third_tones(words: list[WordAndTag], whole_words: bool) -> list[WordAndTag]:
    """Join neighbours whose tones are all third (whole_words) or meet as third + third.

    A word that was just merged is not merged again, reduplications are left alone, and the
    combined word is at most three characters (counted on the unmerged words, as upstream).
    """
    finals = [finals_tone3(word) for word, _ in words]
    out: list[list[str]] = []
    merged = [False] * len(words)
    for i, (word, tag) in enumerate(words):
        # Same evaluation order as upstream, so the same inputs raise IndexError.
        if whole_words:
            touching = i > 0 and _all_third_tone(finals[i - 1]) and _all_third_tone(finals[i])
        else:
            touching = i > 0 and finals[i - 1][-1][-1] == "3" and finals[i][0][-1] == "3"
        prev = words[i - 1][0]
        if touching and not merged[i - 1] and not _is_reduplication(prev) and len(prev) + len(word) <= 3:
            out[-1][0] += word
            merged[i] = True
        else:
            out.append([word, tag])
    return [(w, t) for w, t in out]


def _merge_er(words: list[WordAndTag]) -> list[WordAndTag]:
    out: list[list[str]] = []
    for i, (word, tag) in enumerate(words):
        if i > 0 and word == "儿" and words[i - 1][0] != "#":
            out[-1][0] += word
        else:
            out.append([word, tag])
    return [(w, t) for w, t in out]


def merge_for_sandhi(words: list[WordAndTag]) -> list[WordAndTag]:
    """Join jieba words so that tone sandhi sees the units it needs [upstream pre_merge_for_modify]."""
    words = _merge_bu(words)
    try:
        words = _merge_yi(words)
    except IndexError:
        logger.debug("merging 一 skipped for %r", words)
    words = _merge_reduplication(words)
    for whole_words in (True, False):
        try:
            words = _merge_third_tones(words, whole_words)
        except IndexError:  # a word without finals; upstream skips the step
            logger.debug("third-tone merge skipped for %r", words)
    return _merge_er(words)


# --- changing tones --------------------------------------------------------------------------


def _split_in_two(word: str) -> tuple[str, str]:
    """Split a word at its shortest search sub-word: (sub, rest) or (rest, sub)."""
    shortest = sorted(cut_for_search(word), key=len)[0]
    if word.find(shortest) == 0:
        return shortest, word[len(shortest):]
    return word[: -len(shortest)], shortest


def _bu_sandhi(word: str, finals: list[str]) -> list[str]:
    if len(word) == 3 and word[1] == "不":  # 看不懂
        finals[1] = _retone(finals[1], "5")
        return finals
    for i, char in enumerate(word):
        if char == "不" and i + 1 < len(word) and finals[i + 1][-1] == "4":  # 不怕
            finals[i] = _retone(finals[i], "2")
    return finals


def _yi_sandhi(word: str, finals: list[str]) -> list[str]:
    if "一" in word and all(ch.isnumeric() for ch in word if ch != "一"):
        return finals  # digits read out: 一零零
    if len(word) == 3 and word[1] == "一" and word[0] == word[-1]:  # 看一看
        finals[1] = _retone(finals[1], "5")
    elif word.startswith("第一"):
        finals[1] = _retone(finals[1], "1")
    else:
        for i, char in enumerate(word):
            if char != "一" or i + 1 >= len(word):
                continue
            if finals[i + 1][-1] == "4":  # 一段
                finals[i] = _retone(finals[i], "2")
            elif word[i + 1] not in _PUNCTUATION_AFTER_YI:  # 一天
                finals[i] = _retone(finals[i], "4")
    return finals


def _is_neutral_word(word: str) -> bool:
    return word in NEUTRAL_TONE_WORDS or word[-2:] in NEUTRAL_TONE_WORDS


def _last_syllable_neutral(word: str, tag: str) -> bool:
    """The fixed cases where the last syllable loses its tone (particles, suffixes, 来/去)."""
    if word[-1] in _SENTENCE_FINAL_PARTICLES or word[-1] in "的地得":
        return True
    if len(word) == 1 and word in "了着过" and tag in {"ul", "uz", "ug"}:
        return True
    if len(word) > 1 and word[-1] in "们子" and tag in {"r", "n"} and word not in NOT_NEUTRAL_TONE_WORDS:
        return True
    if len(word) > 1 and word[-1] in "上下里" and tag in {"s", "l", "f"}:
        return True
    return len(word) > 1 and word[-1] in "来去" and word[-2] in "上下进出回过起开"


def _neutral_sandhi(word: str, tag: str, finals: list[str]) -> list[str]:
    for j in range(1, len(word)):  # reduplicated nouns, verbs, adjectives: 奶奶, 试试
        if word[j] == word[j - 1] and tag[0] in {"n", "v", "a"} and word not in NOT_NEUTRAL_TONE_WORDS:
            finals[j] = _retone(finals[j], "5")
    ge = word.find("个")
    if _last_syllable_neutral(word, tag):
        finals[-1] = _retone(finals[-1], "5")
    elif (ge >= 1 and (word[ge - 1].isnumeric() or word[ge - 1] in "几有两半多各整每做是")) or word == "个":
        finals[ge] = _retone(finals[ge], "5")
    elif _is_neutral_word(word):
        finals[-1] = _retone(finals[-1], "5")
    head, tail = _split_in_two(word)
    parts = [finals[: len(head)], finals[len(head):]]
    for part_word, part in zip((head, tail), parts, strict=True):
        if _is_neutral_word(part_word):
            part[-1] = _retone(part[-1], "5")
    return parts[0] + parts[1]


def _three_sandhi(word: str, finals: list[str]) -> list[str]:
    if len(word) == 2 and _all_third_tone(finals):
        finals[0] = _retone(finals[0], "2")
    elif len(word) == 3:
        head, _ = _split_in_two(word)
        if _all_third_tone(finals):
            if len(head) == 2:  # 蒙古/包
                finals[0], finals[1] = _retone(finals[0], "2"), _retone(finals[1], "2")
            elif len(head) == 1:  # 纸/老虎
                finals[1] = _retone(finals[1], "2")
        else:
            parts = [finals[: len(head)], finals[len(head):]]
            for i, part in enumerate(parts):
                if _all_third_tone(part) and len(part) == 2:  # 所有/人
                    part[0] = _retone(part[0], "2")
                elif i == 1 and not _all_third_tone(part) and part[0][-1] == "3" and parts[0][-1][-1] == "3":
                    parts[0][-1] = _retone(parts[0][-1], "2")  # 好/喜欢
            finals = parts[0] + parts[1]
    elif len(word) == 4:  # idioms as 2 + 2
        for start in (0, 2):
            if _all_third_tone(finals[start:start + 2]):
                finals[start] = _retone(finals[start], "2")
    return finals


def apply_tone_sandhi(word: str, tag: str, finals: list[str]) -> list[str]:
    """Tone-changed finals [len(word)] of one merged word (不, 一, neutral, third tone)."""
    finals = _bu_sandhi(word, list(finals))
    finals = _yi_sandhi(word, finals)
    finals = _neutral_sandhi(word, tag, finals)
    return _three_sandhi(word, finals)
