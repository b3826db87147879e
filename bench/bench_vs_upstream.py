"""The studio against upstream GPT-SoVITS's own code: same models, same work, one process (run by hand).

    PYTHONPATH=. .venv/bin/python bench/bench_vs_upstream.py --upstream DIR [--extra-path DIR] [--models /tmp/off]
        [--tokens 250] [--runs 3] [--threads 2]

``--upstream``: a checkout of https://github.com/RVC-Boss/GPT-SoVITS (the folder that holds ``GPT_SoVITS/``).
Its code imports ``torchmetrics`` and ``einops``; install them beside the studio without touching the studio's own packages,
e.g. ``pip install --target /tmp/updeps --no-deps torchmetrics lightning-utilities einops`` and pass
``--extra-path /tmp/updeps``. Upstream's SoVITS module imports its v3 model (``f5_tts``, which needs
``x_transformers``) at the top; v2 never uses it, so the bench gives that import an empty stand-in.

The work is issue 16's benchmark (bench_inference.py ``--upstream-work``): official v2 sizes with random weights
(bench_inference.py builds them), 2 threads, a 6 s reference analysed in every request (HuBERT, the reference
text's BERT, its spectrogram), a 16-character Chinese sentence, the end of speech banned so that every run makes
exactly ``--tokens`` tokens, top-k 15. Upstream runs as its TTS class does by default (``parallel_infer``: the GPT's
``infer_panel_batch_infer``; ``vits_model.decode``; ``torch.no_grad``); the studio runs ``synthesize_all``
in exact and fast mode. Upstream is given the studio's phones, word-to-phone counts and normalised text (the
text front ends agree on the golden cases), so its text front end (a few milliseconds) is not timed; the
studio's is. The three alternate, so the host's drift hits them alike. Prints the machine line and a table of
medians with the ratios of this run.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import statistics
import sys
import time
import types
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

SENTENCE = "今天天气很好，我们去公园散步吧。"
REF_TEXT = "这是一段参考音频。"


def import_upstream(root: Path):
    """(upstream's ``AR.models.t2s_model`` module, its ``SynthesizerTrn`` class) from a GPT-SoVITS checkout."""
    code = root / "GPT_SoVITS"
    if not (code / "AR" / "models" / "t2s_model.py").is_file():
        raise SystemExit(f"{root} is not a GPT-SoVITS checkout (no GPT_SoVITS/AR/models/t2s_model.py)")
    sys.path.insert(0, str(code))
    stand_in = types.ModuleType("f5_tts.model")
    stand_in.DiT = None  # v3 only
    sys.modules.setdefault("f5_tts", types.ModuleType("f5_tts"))
    sys.modules.setdefault("f5_tts.model", stand_in)
    try:
        import AR.models.t2s_model as t2s_module
        from module.models import SynthesizerTrn
    except ModuleNotFoundError as e:
        raise SystemExit(f"upstream's code needs {e.name!r}, which is not installed: pip install --target DIR "
                         f"--no-deps {e.name} (all it needs: torchmetrics lightning-utilities einops), then pass "
                         "--extra-path DIR") from e
    return t2s_module, SynthesizerTrn


class Upstream:
    """Upstream's v2 inference pieces, loaded from its checkout and driven as its TTS class drives them."""

    def __init__(self, root: Path, folder: Path, gpt_path: Path, sovits_path: Path):
        t2s_module, SynthesizerTrn = import_upstream(root)
        from module.mel_processing import spectrogram_torch
        from transformers import AutoModelForMaskedLM, AutoTokenizer, HubertModel

        self.spectrogram = spectrogram_torch
        # the GPT, as TTS.init_t2s_weights (its Lightning wrapper only holds this module as .model)
        s1 = torch.load(gpt_path, map_location="cpu", weights_only=False)  # our own random file
        self.gpt = t2s_module.Text2SemanticDecoder(config=s1["config"], top_k=3)
        self.gpt.load_state_dict({k.removeprefix("model."): v for k, v in s1["weight"].items()})
        self.gpt.eval()
        # SoVITS, as TTS.init_vits_weights for v2
        s2 = torch.load(sovits_path, map_location="cpu", weights_only=False)  # our own random file
        hps = s2["config"]
        self.data = hps["data"]
        self.sovits = SynthesizerTrn(self.data["filter_length"] // 2 + 1,
                                     hps["train"]["segment_size"] // self.data["hop_length"],
                                     n_speakers=self.data["n_speakers"], **hps["model"])
        if hasattr(self.sovits, "enc_q"):
            del self.sovits.enc_q
        self.sovits.load_state_dict(s2["weight"], strict=False)
        self.sovits.eval()
        self.hubert = HubertModel.from_pretrained(folder / "chinese-hubert-base", local_files_only=True).eval()
        self.tokenizer = AutoTokenizer.from_pretrained(folder / "chinese-roberta-wwm-ext-large")
        self.bert = AutoModelForMaskedLM.from_pretrained(folder / "chinese-roberta-wwm-ext-large").eval()
        # the end of speech banned, as in the studio's runs: the logits' EOS column is -inf before sampling
        original = t2s_module.sample
        eos = self.gpt.EOS

        def no_eos(logits, *args, **kwargs):
            if logits.shape[-1] > eos:
                logits[:, eos] = float("-inf")  # in place: upstream's argmax check reads the same tensor
            return original(logits, *args, **kwargs)

        t2s_module.sample = no_eos
        self.semantic: list[int] = []

    def bert_features(self, text: str, word2ph: list[int]) -> torch.Tensor:
        """TextPreprocessor.get_bert_feature: hidden_states[-3] without [CLS]/[SEP], repeated per phone -> [1024, T]."""
        inputs = self.tokenizer(text, return_tensors="pt")
        hidden = self.bert(**inputs, output_hidden_states=True)["hidden_states"][-3][0][1:-1]
        return torch.cat([hidden[i].repeat(n, 1) for i, n in enumerate(word2ph)]).T

    @torch.no_grad()
    def synthesize(self, ref: Path, ref_front, front, tokens: int, top_k: int = 15) -> np.ndarray:
        import librosa

        # TTS._set_prompt_semantic: HuBERT on the 16 kHz reference + 0.3 s of silence, then the quantizer
        wav16k = torch.from_numpy(librosa.load(ref, sr=16000)[0])
        wav16k = torch.cat([wav16k, torch.zeros(int(self.data["sampling_rate"] * 0.3))])
        ssl = self.hubert(wav16k.unsqueeze(0))["last_hidden_state"].transpose(1, 2)
        prompt = self.sovits.extract_latent(ssl)[0, 0].unsqueeze(0)
        # TTS._get_ref_spec (torchaudio.load there; soundfile gives the same float samples)
        audio = torch.from_numpy(sf.read(ref, dtype="float32")[0]).unsqueeze(0)
        spec = self.spectrogram(audio, self.data["filter_length"], self.data["sampling_rate"],
                                self.data["hop_length"], self.data["win_length"], center=False)
        # the reference text's and the sentence's BERT features, then the GPT on both
        bert = torch.cat([self.bert_features(ref_front.norm_text, list(ref_front.word2ph)),
                          self.bert_features(front.norm_text, list(front.word2ph))], dim=1)
        phones = torch.tensor(list(ref_front.phone_ids) + list(front.phone_ids))
        pred, idx = self.gpt.infer_panel_batch_infer([phones], torch.tensor([len(phones)]), prompt, [bert],
                                                     top_k=top_k, top_p=1.0, temperature=1.0,
                                                     early_stop_num=tokens, repetition_penalty=1.35)
        semantic = pred[0][-idx[0]:]
        self.semantic = semantic.tolist()
        wav = self.sovits.decode(semantic.view(1, 1, -1), torch.tensor(front.phone_ids).unsqueeze(0), [spec], speed=1)
        return wav[0, 0].numpy()


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.bench_inference import ensure_official_pretrained, write_reference
    from bench.machine import machine_line

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", type=Path, required=True, help="a GPT-SoVITS checkout (holds GPT_SoVITS/)")
    parser.add_argument("--extra-path", type=Path, action="append", default=[],
                        help="a folder with packages only upstream needs (torchmetrics); repeatable")
    parser.add_argument("--models", type=Path, default=Path("/tmp/off"), help="random official-size models (built once)")
    parser.add_argument("--tokens", type=int, default=250, help="tokens per request (250 = 10 s of audio)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for extra in reversed(args.extra_path):
        sys.path.insert(0, str(extra))

    import gpt_sovits.models.t2s.batch_decoding as batch_decoding
    import gpt_sovits.models.t2s.decoding as decoding
    from gpt_sovits.inference import SynthesisRequest, Synthesizer
    from gpt_sovits.inference.reference import ReferenceCache
    from gpt_sovits.text.frontend import phonemize

    gpt, sovits = ensure_official_pretrained(args.models)
    ref = write_reference(args.models / "ref6s.wav", 6)
    upstream = Upstream(args.upstream, args.models, gpt, sovits)
    ref_front, front = phonemize(REF_TEXT, "zh"), phonemize(SENTENCE, "zh")
    ours = {mode: Synthesizer.from_files(gpt, sovits, args.models, device="cpu", precision=mode)
            for mode in ("exact", "fast")}
    decoding.MIN_STEPS_BEFORE_EOS = batch_decoding.MIN_STEPS_BEFORE_EOS = 10**9  # EOS never allowed
    request = SynthesisRequest(text=SENTENCE, language="zh", ref_audio=ref, ref_text=REF_TEXT, ref_language="zh",
                               seed=1, cut_method="cut0")
    made: dict[str, list[int]] = {}

    def run_ours(mode: str, tokens: int, top_k: int = 15) -> float:
        synth = ours[mode]
        generate = synth.gpt.generate

        def kept(*a, **kw):  # the tokens this request made, for the greedy check below
            out = generate(*a, **kw)
            prompt = a[2] if len(a) > 2 else kw.get("prompt_semantic")
            made[mode] = out[0][0, 0 if prompt is None else prompt.shape[-1]:].tolist()
            return out

        synth.gpt.generate = kept
        synth.token_limit = lambda n_phones: tokens - 1  # the guard lets one more token through: ``tokens`` in all
        synth.cache = ReferenceCache(None)  # the reference is analysed in the timed request, as upstream's is
        start = time.perf_counter()
        synth.synthesize_all(dataclasses.replace(request, top_k=top_k))
        seconds = time.perf_counter() - start
        synth.gpt.generate = generate
        return seconds

    def run_upstream(tokens: int, top_k: int = 15) -> float:
        quiet = io.StringIO()  # upstream prints a few lines and a progress bar per request
        with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
            start = time.perf_counter()
            wav = upstream.synthesize(ref, ref_front, front, tokens, top_k)
            seconds = time.perf_counter() - start
        made["upstream"] = upstream.semantic
        if not len(wav):
            raise RuntimeError("upstream made no audio")
        return seconds

    runners = {"upstream": run_upstream, "exact": lambda n: run_ours("exact", n), "fast": lambda n: run_ours("fast", n)}
    for run in runners.values():  # warm-up at another length: the timed requests meet a new length, as real ones do
        run(max(2, args.tokens - 70))
    times: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(args.runs):
        for name, run in runners.items():
            times[name].append(run(args.tokens))
    counts = {name: len(made[name]) for name in runners}
    # the same models and inputs on both sides: greedy decoding (top-k 1) must give the same tokens
    run_upstream(40, top_k=1)
    run_ours("exact", 40, top_k=1)
    run_ours("fast", 40, top_k=1)
    same = made["upstream"] == made["exact"] == made["fast"]
    base = statistics.median(times["upstream"])
    print(machine_line(args.threads))  # noqa: T201
    print(f"{args.tokens} tokens per request, EOS banned, 6 s reference analysed per request; "  # noqa: T201
          f"{args.runs} runs each, alternated; medians; greedy check (40 tokens, top-k 1): upstream, exact and "
          f"fast {'made the same tokens' if same else 'DIFFER: the comparison is not of the same work'}")
    print("| code | tokens made | end to end (s), each run | median (s) | upstream / this |")  # noqa: T201
    print("| --- | --- | --- | --- | --- |")  # noqa: T201
    for name, values in times.items():
        median = statistics.median(values)
        runs = " / ".join(f"{v:.2f}" for v in values)
        print(f"| {name} | {counts[name]} | {runs} | {median:.2f} | {base / median:.2f}x |")  # noqa: T201


if __name__ == "__main__":
    main()
