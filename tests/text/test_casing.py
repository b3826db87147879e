"""Headings in capitals and chapter numerals are read as words; ordinary mixed-case text is left to upstream's rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpt_sovits.text.en.casing import is_shouted, roman_value, spoken_case

KNOWN = {"chapter", "down", "the", "rabbit", "it", "was", "a", "dark", "night", "said", "mr", "jones", "part", "nasa"}


def known(word: str) -> bool:
    return word in KNOWN


@pytest.mark.parametrize("numeral, value", [("I", 1), ("IV", 4), ("IX", 9), ("XII", 12), ("XL", 40), ("XCIX", 99),
                                            ("MCMXCIX", 1999), ("MMXXVI", 2026)])
def test_roman_values(numeral, value):
    assert roman_value(numeral) == value


def test_text_in_capitals_is_lower_cased_where_the_dictionary_knows_the_word():
    assert spoken_case("IT WAS A DARK NIGHT, SAID MR. JONES.", known) == "it was a dark night, said mr. jones."
    assert spoken_case("DOWN THE GPU", known) == "down the GPU"  # an unknown word stays spelled out
    assert spoken_case("NASA.", known) == "nasa."  # one word of four capitals is enough


@pytest.mark.parametrize("text", ["NASA and the FBI are government agencies.", "OK.", "The GPU IS FAST.", "I am here.",
                                  "GPU.", "Down the rabbit hole."])
def test_ordinary_text_and_short_acronyms_are_left_alone(text):
    assert spoken_case(text, known) == text


def test_chapter_numerals_are_read_as_numbers():
    assert spoken_case("CHAPTER IV.", known) == "chapter four."
    assert spoken_case("Chapter XII. The end.", known) == "Chapter twelve. The end."
    assert spoken_case("PART II", known) == "part two"
    assert spoken_case("IX.", known) == "nine."
    assert spoken_case(" I ", known) == " one "
    assert spoken_case("Part ii of the mix", known) == "Part ii of the mix"  # lower case: not a numeral
    assert spoken_case("Henry VIII was king.", known) == "Henry VIII was king."  # not after a chapter word
    assert spoken_case("I went home.", known) == "I went home."
    assert spoken_case("Part I think so.", known) == "Part I think so."  # a lone I before a word is the pronoun
    assert spoken_case("for my part I think", known) == "for my part I think"  # not capitalised: not a heading
    assert spoken_case("Part I: the start", known) == "Part one: the start"
    assert spoken_case("Section C.", known) == "Section C." and spoken_case("Book CD", known) == "Book CD"
    assert spoken_case("Act III, Scene ii", known) == "Act three, Scene ii"


def test_is_shouted():
    assert is_shouted("THE END") and is_shouted("HELLO.") and is_shouted("CHAPTER IV.")
    assert not is_shouted("OK.") and not is_shouted("The END is near") and not is_shouted("")


def test_the_english_front_end_reads_a_heading_in_capitals_as_words(nltk_data_dir: Path) -> None:
    from gpt_sovits.text.en import clean_english

    norm, phones = clean_english("CHAPTER IV. DOWN THE RABBIT-HOLE", nltk_data=nltk_data_dir)
    assert norm == "chapter four. down the rabbit-hole"
    assert phones[:5] == ["CH", "AE1", "P", "T", "ER0"]
    assert clean_english("NASA and the FBI are government agencies.", nltk_data=nltk_data_dir)[0].startswith("N A S A")
