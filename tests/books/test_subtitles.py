from gpt_sovits.books.export import safe_name
from gpt_sovits.books.subtitles import cues_from_spans, to_srt, to_vtt


def test_srt_and_vtt_from_line_spans():
    cues = cues_from_spans(["Hello  there.", "", "A <b> & c --> d"], [(0, 22050), (30000, 31000), (44100, 3_969_000)],
                           44100, offset_s=1.0)
    assert to_srt(cues) == ("1\n00:00:01,000 --> 00:00:01,500\nHello there.\n\n"
                            "2\n00:00:02,000 --> 00:01:31,000\nA <b> & c → d\n")
    assert to_vtt(cues).splitlines()[2:4] == ["00:00:01.000 --> 00:00:01.500", "Hello there."]
    assert to_vtt(cues).splitlines()[6] == "A &lt;b&gt; &amp; c → d"


def test_safe_file_names():
    assert safe_name('Chapter 1: "A/B" \\ end?') == "Chapter 1 A B end"
    assert safe_name(" .. ") == "untitled" and len(safe_name("x" * 300)) == 80
