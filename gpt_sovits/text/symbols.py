"""Phone symbol tables of the v1 (322 symbols) and v2 (732 symbols) models.

A phone id is the position of the phone in its table. The v1 table is the sorted
union of the Mandarin, Japanese, English and special inventories below; the v2
table keeps it as a prefix (ids 0-321) and appends Japanese pitch marks, Korean
jamo-like symbols and Cantonese (Jyutping) symbols. The inventories follow the
facts recorded in SPEC-upstream.md section 7.1 and Appendix A.

Every model version other than "v1" (v2, v2Pro, v2ProPlus, v3, v4) uses v2.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from gpt_sovits.errors import TextError

PAD = "_"
PUNCTUATION: tuple[str, ...] = ("!", "?", "…", ",", ".", "-")
SPECIAL_PAUSES: tuple[str, ...] = ("SP", "SP2", "SP3")
UNKNOWN = "UNK"

# Mandarin initials; AA, EE and OO stand in front of vowel-initial syllables.
ZH_INITIALS: tuple[str, ...] = tuple(
    "AA EE OO b c ch d f g h j k l m n p q r s sh t w x y z zh".split()
)
# Mandarin finals (toneless); each one exists with tones 1-5 (5 = neutral).
ZH_FINALS: tuple[str, ...] = tuple(
    "E En a ai an ang ao e ei en eng er i i0 ia ian iang iao ie in ing iong ir iu "
    "o ong ou u ua uai uan uang ui un uo v van ve vn".split()
)
ZH_TONES: tuple[int, ...] = (1, 2, 3, 4, 5)

JA_PHONES: tuple[str, ...] = tuple(
    "I N U a b by ch cl d dy e f g gy h hy i j k ky m my n ny o p py r ry s sh t ts u v w y z".split()
)

_ARPA_STRESSED_VOWELS = "AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW".split()
_ARPA_CONSONANTS = "B CH D DH F G HH JH K L M N NG P R S SH T TH V W Y Z ZH".split()
ARPABET: tuple[str, ...] = tuple(
    [f"{v}{s}" for v in _ARPA_STRESSED_VOWELS for s in (0, 1, 2)] + ["ER", "IH"] + _ARPA_CONSONANTS
)

# v2 additions, in the order they are appended.
JA_PITCH_MARKS: tuple[str, ...] = ("[", "]")
KO_SYMBOLS = "ㄱㄴㄷㄹㅁㅂㅅㅇㅈㅊㅋㅌㅍㅎㄲㄸㅃㅆㅉㅏㅓㅗㅜㅡㅣㅐㅔ空停"
# Cantonese symbols as listed in SPEC-upstream.md Appendix A (ids 353-731): initials and
# finals with a "Y" prefix, finals carrying Jyutping tones 1-6.
_YUE_TONED_FINALS = (
    "a aa aai aak aam aan aang aap aat aau ai ak am an ang ap at au e ei ek eng eoi eon eot g i ik im in ing "
    "ip it iu k m n o oe oek oeng oi ok on ong ot ou p t u ui uk un ung ut yu yun yut"
).split()
_YUE_BARE = "a aa ai ak au b c d e f g gw h j k kw l m n ng o oi ok on ou p s t uk w z".split()
YUE_SYMBOLS: tuple[str, ...] = tuple(
    ["Y" + s for s in _YUE_BARE] + [f"Y{f}{t}" for f in _YUE_TONED_FINALS for t in range(1, 7)]
)
@cache
def _v1_table() -> tuple[str, ...]:
    finals = [f"{f}{t}" for f in ZH_FINALS for t in ZH_TONES]
    union = {PAD, *ZH_INITIALS, *finals, *JA_PHONES, *PUNCTUATION, *SPECIAL_PAUSES, UNKNOWN, *ARPABET}
    return tuple(sorted(union))


@cache
def _v2_table() -> tuple[str, ...]:
    return _v1_table() + JA_PITCH_MARKS + tuple(sorted(KO_SYMBOLS)) + tuple(sorted(YUE_SYMBOLS))


def symbol_version(version: str) -> str:
    """Which symbol table a model version uses: "v1" for v1, "v2" for everything else."""
    return "v1" if version == "v1" else "v2"


def symbols_for(version: str) -> tuple[str, ...]:
    """The ordered symbol table of a model version (322 entries for v1, 732 otherwise)."""
    return _v1_table() if symbol_version(version) == "v1" else _v2_table()


@cache
def _id_map(version: str) -> dict[str, int]:
    return {s: i for i, s in enumerate(symbols_for(version))}


def phones_to_ids(phones: Iterable[str], version: str) -> list[int]:
    """Phone ids [T] of a phone sequence [T] in the table of ``version``.

    Raises TextError naming the first phone that the table does not contain.
    """
    table = _id_map(symbol_version(version))
    ids: list[int] = []
    for pos, phone in enumerate(phones):
        try:
            ids.append(table[phone])
        except KeyError as e:
            raise TextError(
                f"Phone {phone!r} at position {pos} is not in the {symbol_version(version)} symbol table; "
                f"the text front end should have replaced it with {UNKNOWN!r}."
            ) from e
    return ids
