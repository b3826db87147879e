"""HuBERT and BERT features match upstream's golden end-to-end data and a direct transformers computation."""

import numpy as np
import pytest
import torch

from gpt_sovits.errors import ModelNotFoundError, TextError
from gpt_sovits.features.bert import BertFeatureExtractor, zero_features
from gpt_sovits.features.hubert import HubertFeatureExtractor

PROMPT_NORM = "你好,这是一个测试."  # normalised: full-width punctuation becomes ASCII
PROMPT_WORD2PH = [2, 2, 1, 2, 2, 2, 2, 2, 2, 1]


@pytest.fixture(scope="module")
def e2e(golden_dir):
    return golden_dir / "e2e_v2_tiny"


@pytest.fixture(scope="module")
def io(e2e):
    return np.load(e2e / "e2e_io.npz")


def test_hubert_features_match_golden(e2e, io):
    hubert = HubertFeatureExtractor.load(e2e / "chinese-hubert-base")
    feats = hubert.extract(io["ref_wav_16k_librosa_padded"])
    expected = torch.from_numpy(io["hubert_features"]).transpose(1, 2)
    assert feats.shape == expected.shape == (1, 768, 279)
    torch.testing.assert_close(feats, expected, atol=2e-4, rtol=1e-4)


def test_hubert_matches_direct_transformers_call(e2e, io):
    from transformers import HubertModel

    model = HubertModel.from_pretrained(str(e2e / "chinese-hubert-base"), dtype=torch.float32).eval()
    wav = torch.from_numpy(io["ref_wav_16k_librosa_padded"])[None]
    with torch.no_grad():
        direct = model(wav).last_hidden_state.transpose(1, 2)
    ours = HubertFeatureExtractor.load(e2e / "chinese-hubert-base").extract(wav)
    torch.testing.assert_close(ours, direct)


def test_bert_phone_features_match_golden(e2e, io):
    bert = BertFeatureExtractor.load(e2e / "chinese-roberta-wwm-ext-large")
    feats = bert.phone_features(PROMPT_NORM, PROMPT_WORD2PH)
    expected = torch.from_numpy(io["prompt_bert"])
    assert feats.shape == expected.shape == (1024, 18)
    torch.testing.assert_close(feats, expected, atol=2e-4, rtol=1e-4)


def test_bert_expansion_repeats_rows_by_word2ph(e2e):
    bert = BertFeatureExtractor.load(e2e / "chinese-roberta-wwm-ext-large")
    feats = bert.phone_features("你好。", [2, 2, 1])
    assert feats.shape == (1024, 5)
    torch.testing.assert_close(feats[:, 0], feats[:, 1])
    torch.testing.assert_close(feats[:, 2], feats[:, 3])
    assert not torch.allclose(feats[:, 1], feats[:, 2])
    with pytest.raises(TextError, match="mismatch"):
        bert.phone_features("你好。", [2, 2])


def test_zero_features_and_missing_models(tmp_path):
    assert zero_features(7).shape == (1024, 7) and not zero_features(7).any()
    with pytest.raises(ModelNotFoundError, match="Download"):
        HubertFeatureExtractor.load(tmp_path)
    with pytest.raises(ModelNotFoundError, match="Download"):
        BertFeatureExtractor.load(tmp_path)


def test_bert_matches_direct_transformers_call(e2e):
    """SPEC §6: hidden_states[-3] of the full masked-LM model, without [CLS]/[SEP], rows repeated by word2ph.
    Ours runs only the layers up to that one; the numbers are the same."""
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    folder = e2e / "chinese-roberta-wwm-ext-large"
    model = AutoModelForMaskedLM.from_pretrained(str(folder), dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    with torch.no_grad():
        hidden = model(**tokenizer(PROMPT_NORM, return_tensors="pt"), output_hidden_states=True).hidden_states
    direct = hidden[-3][0, 1:-1].repeat_interleave(torch.tensor(PROMPT_WORD2PH), dim=0).T
    ours = BertFeatureExtractor.load(folder, matmul="mkl")  # PyTorch's own products, as transformers runs them
    assert len(ours.model.encoder.layer) == len(hidden) - 3
    torch.testing.assert_close(ours.phone_features(PROMPT_NORM, PROMPT_WORD2PH), direct, atol=0, rtol=0)
    # oneDNN's packed products (the default on non-Intel CPUs) agree to float32 rounding
    packed = BertFeatureExtractor.load(folder, matmul="onednn")
    assert sum(type(m).__name__ == "PackedLinear" for m in packed.model.modules()) > 0
    torch.testing.assert_close(packed.phone_features(PROMPT_NORM, PROMPT_WORD2PH), direct, atol=1e-5, rtol=1e-4)
