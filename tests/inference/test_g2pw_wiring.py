"""The optional g2pW model reaches the synthesis front end when pretrained/G2PWModel exists."""

import pytest

from gpt_sovits.inference.textprep import text_features
from tests.conftest import TINY_GPT, TINY_SOVITS
from tests.text.test_zh_g2pw import _forcing, _write_model


@pytest.fixture
def forcing_model(tmp_path):
    pytest.importorskip("onnxruntime")
    from gpt_sovits.text.zh.g2pw import G2PW

    folder = _write_model(tmp_path / "g", *_forcing({"長": "ㄔㄤ2", "重": "ㄔㄨㄥ2", "行": "ㄏㄤ2"}))
    return folder, G2PW.load(folder, tmp_path / "g" / "chinese-roberta-wwm-ext-large")


def test_text_features_use_the_polyphone_model(forcing_model):
    _, model = forcing_model
    plain = text_features("他长大了。", "zh", "v2", None)
    forced = text_features("他长大了。", "zh", "v2", None, polyphone_model=model)
    assert plain.phone_ids != forced.phone_ids and len(plain.phone_ids) == len(forced.phone_ids)


def test_synthesizer_finds_g2pw_in_the_pretrained_folder(forcing_model, tiny_v2, tmp_path):
    from gpt_sovits.inference import Synthesizer

    folder, _ = forcing_model
    pretrained = tmp_path / "pretrained"
    pretrained.mkdir()
    for entry in tiny_v2.iterdir():
        (pretrained / entry.name).symlink_to(entry)
    (pretrained / "G2PWModel").symlink_to(folder)
    synth = Synthesizer.from_files(tiny_v2 / TINY_GPT, tiny_v2 / TINY_SOVITS, pretrained, device="cpu", warm_up=False)
    assert synth.polyphone_model is not None
    plain = Synthesizer.from_files(tiny_v2 / TINY_GPT, tiny_v2 / TINY_SOVITS, tiny_v2, device="cpu", warm_up=False)
    assert plain.polyphone_model is None
