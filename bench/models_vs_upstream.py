"""The studio's model code against upstream GPT-SoVITS's own, on random models of sizes and seeds outside the golden
data (run by hand, prints a table).

    PYTHONPATH=. .venv/bin/python bench/models_vs_upstream.py --upstream DIR [--extra-path DIR] [--work /tmp/mvu]

``--upstream``: a checkout of https://github.com/RVC-Boss/GPT-SoVITS (the folder that holds ``GPT_SoVITS/``); its
code needs ``torchmetrics``, ``lightning-utilities`` and ``einops`` beside the studio (``pip install --target DIR
--no-deps ...``, then ``--extra-path DIR``), as for bench_vs_upstream.py.

Each model is built by upstream's own classes (``Text2SemanticDecoder``, ``SynthesizerTrn``) from its shipped
configs with smaller sizes, filled with random weights (every parameter and the VQ codebook get noise, so no layer
is an identity), rounded to float16 and written in the official export formats (the GPT's ``{"weight", "config"}``;
SoVITS without ``enc_q``, with the version bytes of v2Pro and v2ProPlus files). The studio then loads each file with
its own loaders and both sides run the same inputs:

* GPT: greedy decoding (top-k 1, upstream's ``infer_panel_batch_infer``, as its TTS class runs by default) from
  random phones, BERT features and prompt tokens, up to 60 tokens (the EOS row is scaled up in half the models so
  that some end on EOS): the same token stream, through the studio's PyTorch step and its compiled CPU step (the
  exact mode's);
* SoVITS: ``extract_latent`` codes from random SSL features (must be equal) and ``decode`` of random codes with a
  random reference spectrogram (and speaker embedding for v2Pro/v2ProPlus), noise scale 0: the largest sample
  difference.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

import torch

GPT_CASES = [  # (embedding/hidden width, heads, layers, seed)
    (96, 4, 3, 11),
    (128, 2, 1, 12),
    (64, 1, 4, 13),
    (160, 8, 2, 14),
]
SOVITS_CASES = [  # (version, config file, model overrides, seed)
    ("v2", "s2.json", dict(inter_channels=48, filter_channels=96, n_heads=2, n_layers=3, upsample_initial_channel=32), 21),
    ("v2", "s2.json", dict(inter_channels=32, filter_channels=128, n_heads=4, n_layers=2, upsample_initial_channel=64), 22),
    ("v1", "s2.json", dict(inter_channels=40, filter_channels=80, n_heads=2, n_layers=2, upsample_initial_channel=32), 23),
    ("v2Pro", "s2v2Pro.json", dict(inter_channels=32, filter_channels=64, n_layers=2, upsample_initial_channel=48), 24),
    ("v2ProPlus", "s2v2ProPlus.json", dict(inter_channels=32, filter_channels=64, n_layers=2,
                                           upsample_initial_channel=64), 25),
]
VERSION_BYTES = {"v2Pro": b"05", "v2ProPlus": b"06"}


def _noised(module: torch.nn.Module, seed: int, scale: float = 0.05) -> None:
    """Noise on every parameter and floating buffer, then float16 rounding (an export stores float16)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for tensor in [*module.parameters(), *(b for b in module.buffers() if b.is_floating_point())]:
            tensor.add_(torch.randn(tensor.shape, generator=generator) * scale)
            tensor.copy_(tensor.half().float())


def gpt_case(t2s_module, work: Path, width: int, heads: int, layers: int, seed: int) -> dict:
    import yaml

    from gpt_sovits.inference.synthesizer import _gpt_in
    from gpt_sovits.models.t2s.loading import load_gpt

    config = yaml.safe_load((Path(t2s_module.__file__).parents[2] / "configs" / "s1longer-v2.yaml").read_text())
    config["model"].update(embedding_dim=width, hidden_dim=width, head=heads, n_layer=layers, linear_units=4 * width)
    torch.manual_seed(seed)
    theirs = t2s_module.Text2SemanticDecoder(config=config, top_k=1).eval()
    _noised(theirs, seed)
    with torch.no_grad():  # a larger output scale so that greedy decoding has clear winners, as the golden models,
        theirs.ar_predict_layer.weight.mul_(6.0)  # and the EOS row larger in half the cases, so that EOS comes
        theirs.ar_predict_layer.weight[theirs.EOS].mul_(1.0 + 1.5 * (seed % 2))
        theirs.ar_predict_layer.weight.copy_(theirs.ar_predict_layer.weight.half().float())
    path = work / f"gpt_{width}_{heads}_{layers}_{seed}.ckpt"
    torch.save({"weight": {f"model.{k}": v.half() for k, v in theirs.state_dict().items()}, "config": config,
                "info": "random"}, path)
    generator = torch.Generator().manual_seed(seed + 100)
    phones = torch.randint(1, 732, (1, 40), generator=generator)
    bert = torch.randn(1, 1024, 40, generator=generator) * 0.3
    prompt = torch.randint(0, 1024, (1, 30), generator=generator)
    with torch.no_grad():
        pred, idx = theirs.infer_panel_batch_infer([phones[0]], torch.tensor([40]), prompt, [bert[0]], top_k=1,
                                                   top_p=1.0, early_stop_num=60, temperature=1.0,
                                                   repetition_penalty=1.35)
    # the prompt and every token decoded; where the early stop (not EOS) ended it, upstream's batched path leaves
    # out the last step's token and the studio's (as upstream's other path) the first: compare the whole stream
    upstream_tokens = pred[0].tolist()
    ended = "EOS" if len(upstream_tokens) - prompt.shape[-1] < 60 else "early stop at 60"
    row = {"model": f"GPT {width} wide, {heads} heads, {layers} layers, seed {seed}",
           "upstream": f"{len(upstream_tokens) - prompt.shape[-1]} ({ended})"}
    for name, use_compiled in (("PyTorch step", False), ("compiled step", True)):
        ours = load_gpt(path)
        if use_compiled:
            ours, _ = _gpt_in(ours, "fp32", False)
        tokens, _ = ours.generate(phones, bert, prompt, top_k=1, early_stop_num=60, seed=0)
        studio = tokens[0].tolist()
        if ended != "EOS":
            studio = studio[: len(upstream_tokens)]
        row[name] = "same" if studio == upstream_tokens else f"DIFFERENT ({len(studio)} tokens)"
    return row


def sovits_case(synthesizer_cls, work: Path, version: str, config_name: str, overrides: dict, seed: int) -> dict:
    from gpt_sovits.models.checkpoint import load_sovits

    config_file = Path(sys.modules[synthesizer_cls.__module__].__file__).parents[1] / "configs" / config_name
    hps = json.loads(config_file.read_text())
    hps["model"].update(overrides)
    hps["model"]["version"] = version
    data = hps["data"]
    torch.manual_seed(seed)
    theirs = synthesizer_cls(data["filter_length"] // 2 + 1, hps["train"]["segment_size"] // data["hop_length"],
                             n_speakers=data["n_speakers"], **hps["model"]).eval()
    del theirs.enc_q
    _noised(theirs, seed, scale=0.02)
    with torch.no_grad():  # a "trained" codebook, as the golden models have
        book = theirs.quantizer.vq.layers[0]._codebook
        book.embed.copy_(torch.randn(book.embed.shape, generator=torch.Generator().manual_seed(seed)).half().float())
        book.inited.fill_(1)
    path = work / f"sovits_{version}_{seed}.pth"
    config = copy.deepcopy(hps)
    torch.save({"weight": {k: v.half() for k, v in theirs.state_dict().items()}, "config": config,
                "info": "1epoch_1iteration"}, path)
    if version in VERSION_BYTES:
        raw = path.read_bytes()
        path.write_bytes(VERSION_BYTES[version] + raw[2:])
    ours = load_sovits(path)
    generator = torch.Generator().manual_seed(seed + 100)
    ssl = torch.randn(1, 768, 48, generator=generator)
    codes = torch.randint(0, 1024, (1, 1, 30), generator=generator)
    text = torch.randint(1, 322 if version == "v1" else 732, (1, 25), generator=generator)
    spec = torch.randn(1, data["filter_length"] // 2 + 1, 90, generator=generator).abs()
    sv = [torch.randn(1, 20480, generator=generator)] if version in VERSION_BYTES else None
    with torch.no_grad():
        same_codes = torch.equal(theirs.extract_latent(ssl), ours.extract_latent(ssl))
        kwargs = {"sv_emb": sv} if sv else {}
        wav_theirs = theirs.decode(codes, text, [spec], noise_scale=0.0, **kwargs)
        wav_ours = ours.decode(codes, text, [spec], noise_scale=0.0, **kwargs)
    diff = float((wav_theirs - wav_ours).abs().max()) if wav_theirs.shape == wav_ours.shape else float("inf")
    return {"model": f"SoVITS {version}, {overrides}, seed {seed}", "codes": "same" if same_codes else "DIFFERENT",
            "wave": f"{diff:.1e} (peak {float(wav_theirs.abs().max()):.1e})", "loaded as": ours.version}


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.bench_vs_upstream import import_upstream
    from bench.machine import machine_line

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", type=Path, required=True)
    parser.add_argument("--extra-path", type=Path, action="append", default=[])
    parser.add_argument("--work", type=Path, default=Path("/tmp/models_vs_upstream"))
    args = parser.parse_args()
    for extra in reversed(args.extra_path):
        sys.path.insert(0, str(extra))
    torch.set_num_threads(2)
    args.work.mkdir(parents=True, exist_ok=True)
    t2s_module, synthesizer_cls = import_upstream(args.upstream)
    print(machine_line(2))  # noqa: T201
    print("| GPT (upstream's classes, random) | upstream's greedy tokens | studio, PyTorch step | studio, compiled step |")  # noqa: T201
    print("| --- | --- | --- | --- |")  # noqa: T201
    for case in GPT_CASES:
        row = gpt_case(t2s_module, args.work, *case)
        print(f"| {row['model']} | {row['upstream']} | {row['PyTorch step']} | {row['compiled step']} |")  # noqa: T201
    print()  # noqa: T201
    print("| SoVITS (upstream's classes, random) | loaded as | extract_latent codes | decode: largest difference |")  # noqa: T201
    print("| --- | --- | --- | --- |")  # noqa: T201
    for case in SOVITS_CASES:
        row = sovits_case(synthesizer_cls, args.work, *case)
        print(f"| {row['model']} | {row['loaded as']} | {row['codes']} | {row['wave']} |")  # noqa: T201


if __name__ == "__main__":
    main()
