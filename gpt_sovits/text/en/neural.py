"""g2p_en's neural grapheme-to-phoneme model, run with NumPy.

A GRU encoder reads the letters of a word; a GRU decoder emits ARPAbet phones
greedily until the end token (at most 20). The weights are g2p_en's bundled
``checkpoint20.npz`` (Apache-2.0), read without importing g2p_en.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from gpt_sovits.text.en.lexicon import package_file

GRAPHEMES: tuple[str, ...] = ("<pad>", "<unk>", "</s>", *"abcdefghijklmnopqrstuvwxyz")
PHONEMES: tuple[str, ...] = ("<pad>", "<unk>", "<s>", "</s>", *(
    "AA0 AA1 AA2 AE0 AE1 AE2 AH0 AH1 AH2 AO0 AO1 AO2 AW0 AW1 AW2 AY0 AY1 AY2 B CH D DH "
    "EH0 EH1 EH2 ER0 ER1 ER2 EY0 EY1 EY2 F G HH IH0 IH1 IH2 IY0 IY1 IY2 JH K L M N NG OW0 OW1 "
    "OW2 OY0 OY1 OY2 P R S SH T TH UH0 UH1 UH2 UW UW0 UW1 UW2 V W Y Z ZH"
).split())
_START, _END, _UNK = 2, 3, 1
MAX_PHONES = 20


def _gru_step(x: np.ndarray, h: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray, b_ih: np.ndarray,
              b_hh: np.ndarray) -> np.ndarray:
    """One GRU cell step (PyTorch gate order r, z, n). x [1, E], h [1, H] -> [1, H]."""
    gi = x @ w_ih.T + b_ih
    gh = h @ w_hh.T + b_hh
    size = h.shape[-1]
    reset_update = 1.0 / (1.0 + np.exp(-(gi[:, : 2 * size] + gh[:, : 2 * size])))
    reset, update = reset_update[:, :size], reset_update[:, size:]
    candidate = np.tanh(gi[:, 2 * size:] + reset * gh[:, 2 * size:])
    return (1.0 - update) * candidate + update * h


class NeuralG2P:
    """Predicts phones for words the dictionaries do not know."""

    def __init__(self, weights: dict[str, np.ndarray]):
        self.w = weights
        self._letter_ids = {g: i for i, g in enumerate(GRAPHEMES)}

    def predict(self, word: str) -> list[str]:
        """ARPAbet phones of a lower-case ``word`` (letters outside a-z count as unknown)."""
        w = self.w
        ids = [self._letter_ids.get(c, _UNK) for c in word] + [GRAPHEMES.index("</s>")]
        h = np.zeros((1, w["enc_w_hh"].shape[1]), np.float32)
        for i in ids:
            h = _gru_step(w["enc_emb"][i][None, :], h, w["enc_w_ih"], w["enc_w_hh"], w["enc_b_ih"], w["enc_b_hh"])
        token = _START
        phones: list[str] = []
        for _ in range(MAX_PHONES):
            h = _gru_step(w["dec_emb"][token][None, :], h, w["dec_w_ih"], w["dec_w_hh"], w["dec_b_ih"], w["dec_b_hh"])
            token = int((h @ w["fc_w"].T + w["fc_b"]).argmax())
            if token == _END:
                break
            phones.append(PHONEMES[token])
        return phones


@cache
def neural_g2p() -> NeuralG2P:
    """The model with g2p_en's weights, loaded once."""
    with np.load(package_file("g2p_en", "checkpoint20.npz")) as data:
        weights = {k: data[k].astype(np.float32) for k in data.files}
    return NeuralG2P(weights)
