"""`dev make-tiny-pretrained`: a complete pretrained folder of small random models.

The folder has the official layout and file formats (see pretrained.REGISTRY), so every
loader is exercised exactly as with the real weights, but each network is shrunk where
its shape is free (widths fixed by other networks stay: HuBERT 768, BERT 1024, SoVITS
hidden 192 / gin 512 or 1024). The models produce noise, not speech; they exist so the
whole pipeline can run on a CPU in seconds.

A marker file lists what was written, so the Models tab can say "tiny test model"
rather than "does not match the official release".
"""

from __future__ import annotations

import json
import logging
import unicodedata
from collections import Counter
from pathlib import Path

from gpt_sovits import pretrained
from gpt_sovits.pretrained import TINY_MARKER

logger = logging.getLogger(__name__)

BERT_SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
BERT_CJK_CHARS = 3000
HUBERT_OVERRIDES = {
    "hidden_size": 768,
    "num_hidden_layers": 1,
    "num_attention_heads": 12,
    "intermediate_size": 256,
    "conv_dim": [32] * 7,
    "conv_kernel": [10, 3, 3, 3, 3, 2, 2],
    "conv_stride": [5, 2, 2, 2, 2, 2, 2],
    "conv_bias": False,
    "feat_extract_norm": "group",
    "num_conv_pos_embeddings": 16,
    "num_conv_pos_embedding_groups": 16,
    "hidden_dropout": 0.0,
    "attention_dropout": 0.0,
    "activation_dropout": 0.0,
    "feat_proj_dropout": 0.0,
    "layerdrop": 0.0,
    "apply_spec_augment": False,
}
BERT_OVERRIDES = {
    "hidden_size": 1024,
    "num_hidden_layers": 3,
    "num_attention_heads": 16,
    "intermediate_size": 128,
    "max_position_embeddings": 512,
    "hidden_dropout_prob": 0.0,
    "attention_probs_dropout_prob": 0.0,
}
GPT_OVERRIDES = {"embedding_dim": 64, "hidden_dim": 64, "head": 2, "n_layer": 2, "linear_units": 256}
SOVITS_OVERRIDES = {"inter_channels": 32, "filter_channels": 64, "n_layers": 2, "upsample_initial_channel": 64}


def _save_fp16_state_dict(model, path: Path) -> None:
    import torch

    from gpt_sovits.fileio import write_bytes_atomic

    state = {k: v.detach().half() if v.is_floating_point() else v for k, v in model.state_dict().items()}
    import io

    buffer = io.BytesIO()
    torch.save(state, buffer)
    write_bytes_atomic(path, buffer.getvalue())


def write_tiny_hubert(folder: Path, seed: int) -> list[Path]:
    """HuBERT in transformers' format: config.json, preprocessor_config.json, pytorch_model.bin."""
    import torch
    from transformers import HubertConfig, HubertModel, Wav2Vec2FeatureExtractor

    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    config = HubertConfig(**HUBERT_OVERRIDES)
    model = HubertModel(config).eval()
    config.to_json_file(folder / "config.json")
    Wav2Vec2FeatureExtractor(
        feature_size=1, sampling_rate=16000, padding_value=0.0, do_normalize=True, return_attention_mask=False
    ).to_json_file(folder / "preprocessor_config.json")
    _save_fp16_state_dict(model, folder / "pytorch_model.bin")
    return [folder / "config.json", folder / "preprocessor_config.json", folder / "pytorch_model.bin"]


def tiny_bert_vocab(n_chars: int = BERT_CJK_CHARS) -> list[str]:
    """Special tokens, ASCII, common punctuation and the ``n_chars`` most frequent Chinese characters.

    Character frequencies come from jieba's word dictionary (word counts spread over
    their characters); any character outside the vocabulary maps to [UNK].
    """
    import importlib.util

    vocab = list(BERT_SPECIAL_TOKENS)
    vocab += [c for c in map(chr, range(33, 127)) if not c.isupper()]
    vocab += list("，。！？、；：「」『』（）《》…—·“”‘’")
    counts: Counter[str] = Counter()
    spec = importlib.util.find_spec("jieba")
    if spec is not None and spec.origin:
        dict_path = Path(spec.origin).parent / "dict.txt"
        with open(dict_path, encoding="utf-8") as f:
            for line in f:
                word, freq, *_ = line.split(" ")
                for ch in word:
                    if unicodedata.name(ch, "").startswith("CJK UNIFIED"):
                        counts[ch] += int(freq)
    chars = [c for c, _ in counts.most_common(n_chars)]
    if len(chars) < n_chars:  # without jieba: the first characters of the CJK block
        chars += [chr(c) for c in range(0x4E00, 0x4E00 + n_chars - len(chars))]
    seen = set(vocab)
    return vocab + [c for c in chars if c not in seen and not seen.add(c)]


def write_tiny_bert(folder: Path, seed: int) -> list[Path]:
    """A 3-layer, 1024-wide BertForMaskedLM with a fast WordPiece tokenizer (tokenizer.json)."""
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab = {tok: i for i, tok in enumerate(tiny_bert_vocab())}
    tokenizer = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    tokenizer.decoder = decoders.WordPiece()
    fast = BertTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", sep_token="[SEP]", pad_token="[PAD]", cls_token="[CLS]",
        mask_token="[MASK]", do_lower_case=True,
    )
    fast.save_pretrained(folder)
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(vocab), **BERT_OVERRIDES)
    model = BertForMaskedLM(config).eval()
    config.to_json_file(folder / "config.json")
    _save_fp16_state_dict(model, folder / "pytorch_model.bin")
    return sorted(p for p in folder.iterdir() if p.is_file())


def _asset_path(version: str, role: str) -> str:
    return next(a.path for a in pretrained.assets_for(version) if a.role == role)


def make_tiny_pretrained(out_dir: Path, version: str = "v2", seed: int = 0) -> list[Path]:
    """Write every asset of ``version`` as a small random model under ``out_dir``; return the paths."""
    from gpt_sovits.models.checkpoint import write_random_sovits_pretrained
    from gpt_sovits.models.sovits.config import PRO_VERSIONS
    from gpt_sovits.models.t2s.loading import write_random_gpt_pretrained

    version = pretrained.check_version_name(version)
    out_dir = Path(out_dir)
    written = write_tiny_hubert(pretrained.hubert_dir(out_dir), seed)
    written += write_tiny_bert(pretrained.bert_dir(out_dir), seed + 1)
    gpt_path = out_dir / _asset_path(version, pretrained.ROLE_GPT)
    gpt_path.parent.mkdir(parents=True, exist_ok=True)
    write_random_gpt_pretrained(gpt_path, model_overrides=GPT_OVERRIDES, seed=seed + 2)
    g_path = out_dir / _asset_path(version, pretrained.ROLE_SOVITS)
    d_path = out_dir / _asset_path(version, pretrained.ROLE_DISCRIMINATOR)
    g_path.parent.mkdir(parents=True, exist_ok=True)
    write_random_sovits_pretrained(g_path, d_path, version, model_overrides=SOVITS_OVERRIDES, seed=seed + 3)
    written += [gpt_path, g_path, d_path]
    if version in PRO_VERSIONS:
        written.append(_write_speaker_encoder(pretrained.speaker_encoder_path(out_dir), seed + 4))
    _write_marker(out_dir, version, seed, written)
    logger.info("Wrote tiny %s models to %s", version, out_dir)
    return written


def _write_speaker_encoder(path: Path, seed: int) -> Path:
    """The speaker network at its real size (its 20480-d output fixes the width), as a plain state dict."""
    import io

    import torch

    from gpt_sovits.fileio import write_bytes_atomic
    from gpt_sovits.models.sv import build_speaker_encoder

    torch.manual_seed(seed)
    model = build_speaker_encoder().eval()
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, buffer.getvalue())
    return path


def _write_marker(out_dir: Path, version: str, seed: int, written: list[Path]) -> None:
    from gpt_sovits.fileio import write_text_atomic

    marker = out_dir / TINY_MARKER
    data = json.loads(marker.read_text(encoding="utf-8")) if marker.is_file() else {"versions": {}, "files": []}
    data["versions"][version] = {"seed": seed}
    files = set(data["files"]) | {p.relative_to(out_dir).as_posix() for p in written}
    data["files"] = sorted(files)
    write_text_atomic(marker, json.dumps(data, indent=2))
