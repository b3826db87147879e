"""After fine-tuning SoVITS on one clip, the real synthesis path sounds closer to that clip than before.

The whole pipeline a user runs: dataset preparation (tiny random HuBERT/BERT, our G2P), SoVITS
fine-tuning, then ``Synthesizer.from_files`` + ``SynthesisRequest`` with the clip as reference and its
transcript as both prompt text and text to speak (greedy GPT, ``top_k=1``, no SoVITS noise, fixed seed).

Measure: the L1 distance between the *mean* log-mel spectra (over time) of output and clip. The output's
length and content are set by the GPT's tokens, and the tiny random GPT does not produce the clip's
tokens (it was never trained to), so a frame-by-frame comparison would mostly compare different sounds.
The time-averaged spectrum is insensitive to length and alignment and measures what SoVITS fine-tuning
is for: the output's timbre (spectral envelope, loudness per band) moving to the speaker's. The GPT is
the same file before and after (the frozen quantizer gives it the same prompt codes), and the test checks
it produced as many tokens per piece both times, so the change is SoVITS's alone. The frame-wise distance (both cropped to the shorter) is checked to fall too.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import soundfile as sf
import torch

from gpt_sovits.audio.spectrogram import mel_spectrogram
from tests.conftest import TINY_GPT, TINY_SOVITS
from tests.training.conftest import TinyDiscriminator

pytestmark = pytest.mark.slow
TEXT = "你好，世界。今天天气很好。"
SR = 32000


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory, tiny_v2, tinier_sovits_pretrained):
    """tiny_v2's GPT, HuBERT and BERT with the even smaller SoVITS of tinier_sovits_pretrained (fast to train)."""
    root = tmp_path_factory.mktemp("pretrained-mix")
    for name in ("chinese-hubert-base", "chinese-roberta-wwm-ext-large"):
        shutil.copytree(tiny_v2 / name, root / name)
    (root / TINY_GPT).parent.mkdir(parents=True)
    shutil.copy2(tiny_v2 / TINY_GPT, root / TINY_GPT)
    for path in (tinier_sovits_pretrained / "gsv-v2final-pretrained").iterdir():
        shutil.copy2(path, root / "gsv-v2final-pretrained" / path.name)
    return root


@pytest.fixture(scope="module")
def prepared_voice(tmp_path_factory, pretrained):
    """Workspace with voice 'carol': one 4 s clip, its transcript, features made by prepare_dataset."""
    from gpt_sovits.data.manifest import ManifestEntry
    from gpt_sovits.data.prepare import prepare_dataset
    from gpt_sovits.data.transcripts import write_transcripts
    from gpt_sovits.data.workspace import Workspace
    from tests.fixtures.synthetic_speech import make_recording

    workspace = tmp_path_factory.mktemp("finetune") / "workspace"
    voice = Workspace(workspace).create_voice("carol")
    voice.give_consent(True)
    audio = make_recording(duration_s=4.0, sample_rate=SR, long_silence_every=0, seed=11).audio
    clip = voice.root / "clips" / "carol_01.wav"
    clip.parent.mkdir(parents=True, exist_ok=True)
    sf.write(clip, 0.9 * audio / float(np.abs(audio).max()), SR, subtype="PCM_16")
    write_transcripts(voice, [ManifestEntry(str(clip), "carol", "zh", TEXT)])
    prepare_dataset(voice, pretrained, device="cpu")
    return workspace, clip


def _synthesize(pretrained, sovits_path, clip):
    from gpt_sovits.inference.request import SynthesisRequest
    from gpt_sovits.inference.synthesizer import Synthesizer

    synth = Synthesizer.from_files(pretrained / TINY_GPT, sovits_path, pretrained, device="cpu",
                                   vocoder_precision="fp32", warm_up=False)
    request = SynthesisRequest(text=TEXT, language="zh", ref_audio=clip, ref_text=TEXT, ref_language="zh",
                               top_k=1, noise_scale=0.0, seed=3, fragment_interval_s=0.0)
    result = synth.synthesize_all(request)
    assert result.sample_rate == SR
    return torch.from_numpy(np.asarray(result.audio, dtype=np.float32)), [c.tokens for c in result.chunks]


def _distances(clip_audio: torch.Tensor, output: torch.Tensor) -> tuple[float, float]:
    """(L1 of mean log-mel spectra, L1 of frame-wise log-mel with both cropped to the shorter)."""
    real, fake = mel_spectrogram(clip_audio), mel_spectrogram(output)
    n = min(real.shape[-1], fake.shape[-1])
    mean = float((real.mean(-1) - fake.mean(-1)).abs().mean())
    return mean, float((real[..., :n] - fake[..., :n]).abs().mean())


def test_synthesis_is_closer_to_the_clip_after_sovits_finetune(pretrained, prepared_voice, monkeypatch):
    import gpt_sovits.training.sovits as sovits
    from gpt_sovits.training import TrainingOptions, train_sovits

    torch.set_num_threads(2)
    workspace, clip = prepared_voice
    clip_audio = torch.from_numpy(sf.read(str(clip), dtype="float32")[0])
    before_audio, before_tokens = _synthesize(pretrained, pretrained / TINY_SOVITS, clip)

    monkeypatch.setattr(sovits, "load_sovits_discriminator", lambda path: TinyDiscriminator())
    result = train_sovits("carol", workspace, pretrained,
                          TrainingOptions(epochs=6, save_every=6, batch_size=1, repeat_target=1, lr=1e-3, seed=5,
                                          num_threads=2))
    assert result.steps == 6 and not result.cancelled
    after_audio, after_tokens = _synthesize(pretrained, result.files[0], clip)

    assert after_tokens == before_tokens and before_tokens[0] > 0  # same GPT: as many greedy tokens per piece
    assert float(after_audio.abs().max()) > 0.01  # audible output, not silence
    before, after = _distances(clip_audio, before_audio), _distances(clip_audio, after_audio)
    assert after[0] < 0.8 * before[0], (before, after)  # the timbre moved towards the clip
    assert after[1] < before[1], (before, after)
