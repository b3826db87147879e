"""Upstream's cut methods and the length-aware default splitter."""

from __future__ import annotations

from gpt_sovits.text.segmentation import cut0, cut1, cut2, cut3, cut4, cut5, split_for_synthesis, split_sentences


def test_split_sentences() -> None:
    assert split_sentences("你好，世界……再见——朋友") == ["你好，", "世界。", "再见，", "朋友。"]


def test_cut0_cut1() -> None:
    assert cut0("你好。") == "你好。" and cut0("...") == "\n"
    assert cut1("一。二。三。四。") == "一。二。三。四。"
    assert cut1("一。二。三。四。五。六。") == "一。二。三。四。五。六。"
    nine = "".join(f"{i}。" for i in "一二三四五六七八九")
    assert cut1(nine).split("\n") == ["一。二。三。四。", "五。六。七。八。九。"]


def test_cut2_groups_and_merges_tail() -> None:
    text = "这是一个比较长的句子，" * 8 + "短。"
    pieces = cut2(text).split("\n")
    assert "".join(pieces) == text + "" and all(len(p) > 50 for p in pieces)
    assert cut2("只有一句") == "只有一句"


def test_cut3_cut4_cut5() -> None:
    assert cut3("。第一。第二。") == "第一\n第二"
    assert cut4("Version 2.5 is out. Try it.") == "Version 2.5 is out\n Try it"
    assert cut5("价格是3.5元，好吗？好") == "价格是3.5元，\n好吗？\n好"
    assert cut5("，，好。") == "好。"


def test_length_aware_default_never_cuts_markup() -> None:
    text = "第一句话很长很长。" * 10 + "[emph]不要切开这里。真的不要。[/emph]{行|hang2}。"
    pieces = split_for_synthesis(text, 30)
    assert "".join(pieces) == text
    assert all(len(p) <= 30 for p in pieces[:-1])
    assert pieces[-1].startswith("[emph]") and pieces[-1].endswith("。")
    assert split_for_synthesis("短句。") == ["短句。"]
    long_clause = "这是，" * 30
    assert all(len(p) <= 20 for p in split_for_synthesis(long_clause, 20))


def test_length_aware_default_does_not_cut_after_abbreviations_decimals_or_initials() -> None:
    from gpt_sovits.text.segmentation import is_sentence_end

    text = ("Mr. Darcy looked at Mrs. Bennet and Dr. Jones, who lived at No. 4 St. James's Street. It was 3.5 "
            "miles, i.e. far. He met J. K. Rowling in London. Then he left the U.S.A. for good.")
    pieces = split_for_synthesis(text, 40)
    assert " ".join(pieces) == text
    assert [p for p in pieces if p.endswith(".")] == [
        "who lived at No. 4 St. James's Street.", "It was 3.5 miles, i.e. far.", "He met J. K. Rowling in London.",
        "Then he left the U.S.A. for good."]
    ends = [i for i, ch in enumerate(text) if ch == "." and is_sentence_end(text, i)]
    assert [text[: i + 1].split()[-1] for i in ends] == ["Street.", "far.", "London.", "good."]
    assert is_sentence_end("He was a Dr.", 11)  # the end of the text ends the sentence
    assert is_sentence_end("好。", 1) and not is_sentence_end("a, b", 1)
    assert not is_sentence_end("See No. 4 here.", 5) and is_sentence_end("He said no. Then he left.", 10)
