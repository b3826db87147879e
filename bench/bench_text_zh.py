"""Speed of the Mandarin front end on 10,000 Chinese characters (run by hand, prints a table).

    PYTHONPATH=. .venv/bin/python bench/bench_text_zh.py [--chars 10000]

The input is a fixed paragraph (numbers, dates, sandhi and erhua cases) repeated up to the
requested number of characters and cut into sentences of 20-40 characters, phonemised one
sentence at a time as the inference pipeline does. "first call" includes loading jieba's
dictionary and pypinyin. Word readings are cached, so the repeated paragraph runs faster than
fresh text; the "fresh text" row times one copy of the paragraph with empty caches.
"""

from __future__ import annotations

import argparse
import time

PARAGRAPH = (
    "今天是2024年8月2日，星期五，气温在18~25℃之间。我们约好明天下午3点见面，一起去图书馆还书。"
    "这台电脑售价5999元，手续费是0.6%，请拨打电话13812345678联系我。那儿有一个小孩儿在玩儿，"
    "他看了一看，又想了一想，觉得这样不好。展览馆里有很多人，小老虎跑得很快。老师教我们数数，"
    "数学很有趣。銀行的行長正在行走，這是繁體中文的句子。一路平安，一帆风顺，不管怎样你都不能放弃。"
)


def _sentences(n_chars: int) -> list[str]:
    text = (PARAGRAPH * (n_chars // len(PARAGRAPH) + 1))[:n_chars]
    out, current = [], ""
    for ch in text:
        current += ch
        if (ch in "，。" and len(current) >= 20) or len(current) >= 40:
            out.append(current)
            current = ""
    return out + ([current] if current else [])


def main() -> None:
    from bench.machine import machine_line

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=10_000)
    args = parser.parse_args()
    from gpt_sovits.text.zh import clean_chinese, normalize_chinese
    from gpt_sovits.text.zh.g2p import g2p_chinese
    from gpt_sovits.text.zh.segment import clear_word_caches

    sentences = _sentences(args.chars)
    n_chars = sum(len(s) for s in sentences)
    t0 = time.perf_counter()
    clean_chinese("你好，世界。")
    first = time.perf_counter() - t0

    # Cold word caches on text without repeats: the rate for fresh text.
    clear_word_caches()
    unique = _sentences(len(PARAGRAPH))
    t0 = time.perf_counter()
    for s in unique:
        clean_chinese(s)
    t_cold = time.perf_counter() - t0
    n_unique = sum(len(s) for s in unique)

    clear_word_caches()
    t0 = time.perf_counter()
    normalized = [normalize_chinese(s) for s in sentences]
    t_norm = time.perf_counter() - t0
    t0 = time.perf_counter()
    n_phones = sum(len(g2p_chinese(s)[0]) for s in normalized)
    t_g2p = time.perf_counter() - t0
    t0 = time.perf_counter()
    for s in sentences:
        clean_chinese(s)
    t_all = time.perf_counter() - t0

    print(machine_line())  # noqa: T201
    print(f"{len(sentences)} sentences, {n_chars} characters, {n_phones} phones")
    print(f"{'stage':<28}{'seconds':>10}{'chars/s':>12}")
    print(f"{'first call (loads dicts)':<28}{first:>10.3f}{'':>12}")
    print(f"{'clean_chinese, fresh text':<28}{t_cold:>10.3f}{n_unique / t_cold:>12.0f}")
    for name, t in (("normalize_chinese", t_norm), ("g2p_chinese", t_g2p), ("clean_chinese (total)", t_all)):
        print(f"{name:<28}{t:>10.3f}{n_chars / t:>12.0f}")


if __name__ == "__main__":
    main()
