"""Encoders of the SoVITS generator.

- ``ContentEncoder`` (``enc_p``): quantized SSL content + phonemes -> prior statistics,
  with the multi-reference timbre encoder ``MRTE`` in the middle.
- ``StyleEncoder`` (``ref_enc``): reference spectrogram -> global timbre vector ``ge``.
- ``PosteriorEncoder`` (``enc_q``): linear spectrogram -> latent ``z`` (training only).

Attribute names follow upstream so state-dict keys match its checkpoints.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from gpt_sovits.models.sovits.attentions import MultiHeadAttention, RelativeEncoder
from gpt_sovits.models.sovits.modules import WaveNet, sequence_mask

SSL_CHANNELS = 768
# MRTE's widths are fixed in upstream's code, independent of the model config.
MRTE_CONTENT_CHANNELS = 192
MRTE_HIDDEN_CHANNELS = 512
MRTE_HEADS = 4


def length_mask(lengths: torch.Tensor, max_length: int, dtype: torch.dtype) -> torch.Tensor:
    """Float mask [B, 1, max_length] from lengths [B]."""
    return sequence_mask(lengths, max_length).unsqueeze(1).to(dtype)


class MRTE(nn.Module):
    """Multi-reference timbre encoder: content frames attend to phonemes, plus ``ge``.

    ``forward(content [B,192,Tc], content_mask [B,1,Tc], text [B,192,Tt], text_mask [B,1,Tt],
    ge [B,512,1] | None) -> [B,192,Tc]``.
    """

    def __init__(self):
        super().__init__()
        self.cross_attention = MultiHeadAttention(MRTE_HIDDEN_CHANNELS, MRTE_HIDDEN_CHANNELS, MRTE_HEADS)
        self.c_pre = nn.Conv1d(MRTE_CONTENT_CHANNELS, MRTE_HIDDEN_CHANNELS, 1)
        self.text_pre = nn.Conv1d(MRTE_CONTENT_CHANNELS, MRTE_HIDDEN_CHANNELS, 1)
        self.c_post = nn.Conv1d(MRTE_HIDDEN_CHANNELS, MRTE_CONTENT_CHANNELS, 1)

    def forward(self, content, content_mask, text, text_mask, ge=None):
        cross_mask = text_mask.unsqueeze(2) * content_mask.unsqueeze(-1)  # [B,1,Tc,Tt]
        c = self.c_pre(content * content_mask)
        t = self.text_pre(text * text_mask)
        h = self.cross_attention(c * content_mask, t * text_mask, cross_mask) + c
        if ge is not None:
            h = h + ge
        return self.c_post(h * content_mask)


class ContentEncoder(nn.Module):
    """``enc_p``: quantized content (50 Hz) and phoneme ids -> (x, m_p, logs_p, mask).

    Layers: 1x1 projection 768 -> hidden, ``encoder_ssl`` (n_layers // 2), phoneme
    embedding + ``encoder_text`` (n_layers), ``mrte``, ``encoder2`` (n_layers // 2),
    and ``proj`` to mean and log-scale (out_channels each).
    """

    def __init__(
        self,
        out_channels: int,
        hidden_channels: int,
        filter_channels: int,
        n_heads: int,
        n_layers: int,
        kernel_size: int,
        p_dropout: float,
        n_symbols: int,
    ):
        super().__init__()
        self.out_channels = out_channels
        args = (hidden_channels, filter_channels, n_heads)
        self.ssl_proj = nn.Conv1d(SSL_CHANNELS, hidden_channels, 1)
        self.encoder_ssl = RelativeEncoder(*args, n_layers // 2, kernel_size, p_dropout)
        self.encoder_text = RelativeEncoder(*args, n_layers, kernel_size, p_dropout)
        self.text_embedding = nn.Embedding(n_symbols, hidden_channels)
        self.mrte = MRTE()
        self.encoder2 = RelativeEncoder(*args, n_layers // 2, kernel_size, p_dropout)
        self.proj = nn.Conv1d(hidden_channels, out_channels * 2, 1)

    def encode(self, y, y_lengths, text, text_lengths, ge):
        """Everything before the speed change: returns (x [B,hidden,Ty], mask [B,1,Ty], parts dict)."""
        y_mask = length_mask(y_lengths, y.shape[2], y.dtype)
        y = self.ssl_proj(y * y_mask) * y_mask
        enc_ssl = self.encoder_ssl(y * y_mask, y_mask)
        text_mask = length_mask(text_lengths, text.shape[1], y.dtype)
        t = self.text_embedding(text).transpose(1, 2)
        enc_text = self.encoder_text(t * text_mask, text_mask)
        mrte = self.mrte(enc_ssl, y_mask, enc_text, text_mask, ge)
        enc2 = self.encoder2(mrte * y_mask, y_mask)
        parts = {"enc_ssl": enc_ssl, "enc_text": enc_text, "mrte": mrte, "enc2": enc2}
        return enc2, y_mask, parts

    def project(self, x, y_mask, speed: float = 1.0):
        """Speed change (linear resampling to int(T / speed) + 1 frames) and the prior statistics."""
        if speed != 1:
            new_length = int(x.shape[-1] / speed) + 1
            x = F.interpolate(x, size=new_length, mode="linear")
            y_mask = F.interpolate(y_mask, size=new_length, mode="nearest")
        stats = self.proj(x) * y_mask
        m, logs = torch.split(stats, self.out_channels, dim=1)
        return x, m, logs, y_mask

    def forward(self, y, y_lengths, text, text_lengths, ge, speed: float = 1.0):
        """-> x [B,hidden,T'], m_p [B,out,T'], logs_p [B,out,T'], mask [B,1,T']."""
        x, y_mask, _ = self.encode(y, y_lengths, text, text_lengths, ge)
        return self.project(x, y_mask, speed)


class _Linear(nn.Module):
    """A Linear layer kept under ``.fc`` (upstream's LinearNorm key layout)."""

    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.fc = nn.Linear(in_features, out_features)

    def forward(self, x):
        return self.fc(x)


class _Mish(nn.Module):
    def forward(self, x):
        return x * torch.tanh(F.softplus(x))


class _ConvGLU(nn.Module):
    """Residual gated conv block: x + dropout(a * sigmoid(b)) with [a, b] = conv(x)."""

    def __init__(self, channels: int, kernel_size: int, dropout: float):
        super().__init__()
        self.conv1 = nn.Module()
        self.conv1.conv = nn.Conv1d(channels, 2 * channels, kernel_size, padding=(kernel_size - 1) // 2)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        a, b = self.conv1.conv(x).chunk(2, dim=1)
        return x + self.dropout(a * torch.sigmoid(b))


class _StyleAttention(nn.Module):
    """Self-attention over frames with a residual; scores divided by sqrt(d_model)."""

    def __init__(self, d_model: int, n_heads: int, dropout: float):
        super().__init__()
        self.n_heads = n_heads
        self.scale = d_model**0.5
        self.w_qs = nn.Linear(d_model, d_model)
        self.w_ks = nn.Linear(d_model, d_model)
        self.w_vs = nn.Linear(d_model, d_model)
        self.fc = nn.Linear(d_model, d_model)
        self.attn_dropout = nn.Dropout(dropout)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, pad: torch.Tensor | None) -> torch.Tensor:
        b, t, c = x.shape
        d = c // self.n_heads

        def heads(y):
            return y.view(b, t, self.n_heads, d).transpose(1, 2)  # [B,H,T,d]

        q, k, v = heads(self.w_qs(x)), heads(self.w_ks(x)), heads(self.w_vs(x))
        scores = torch.matmul(q, k.transpose(-2, -1)) / self.scale
        if pad is not None:
            scores = scores.masked_fill(pad[:, None, None, :], float("-inf"))
        p = self.attn_dropout(torch.softmax(scores, dim=-1))
        out = torch.matmul(p, v).transpose(1, 2).reshape(b, t, c)
        return self.dropout(self.fc(out)) + x


class StyleEncoder(nn.Module):
    """``ref_enc`` (MelStyleEncoder): spectrogram [B,F,T] + mask [B,1,T] -> ge [B,out_dim,1]."""

    def __init__(self, in_dim: int, out_dim: int, hidden: int = 128, kernel_size: int = 5, n_heads: int = 2):
        super().__init__()
        dropout = 0.1
        self.spectral = nn.Sequential(
            _Linear(in_dim, hidden),
            _Mish(),
            nn.Dropout(dropout),
            _Linear(hidden, hidden),
            _Mish(),
            nn.Dropout(dropout),
        )
        self.temporal = nn.Sequential(_ConvGLU(hidden, kernel_size, dropout), _ConvGLU(hidden, kernel_size, dropout))
        self.slf_attn = _StyleAttention(hidden, n_heads, dropout)
        self.fc = _Linear(hidden, out_dim)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        pad = (mask.int() == 0).squeeze(1) if mask is not None else None  # [B,T] True on padding
        x = self.spectral(x.transpose(1, 2))
        x = self.temporal(x.transpose(1, 2)).transpose(1, 2)
        if pad is not None:
            x = x.masked_fill(pad.unsqueeze(-1), 0)
        x = self.fc(self.slf_attn(x, pad))
        return self._average(x, pad).unsqueeze(-1)

    @staticmethod
    def _average(x: torch.Tensor, pad: torch.Tensor | None) -> torch.Tensor:
        if pad is None:
            return x.mean(dim=1)
        count = (~pad).sum(dim=1).view(-1, 1, 1)
        dtype = x.dtype
        # Pool in float32 so that half-precision inputs cannot overflow.
        pooled = (x.masked_fill(pad.unsqueeze(-1), 0).float() / count).sum(dim=1)
        return pooled.to(dtype)


class PosteriorEncoder(nn.Module):
    """``enc_q``: spectrogram [B,F,T] -> (z, m_q, logs_q, mask), all [B,out,T] (mask [B,1,T])."""

    def __init__(self, in_channels, out_channels, hidden_channels, kernel_size, dilation_rate, n_layers, gin_channels):
        super().__init__()
        self.out_channels = out_channels
        self.pre = nn.Conv1d(in_channels, hidden_channels, 1)
        self.enc = WaveNet(hidden_channels, kernel_size, dilation_rate, n_layers, gin_channels=gin_channels)
        self.proj = nn.Conv1d(hidden_channels, out_channels * 2, 1)

    def forward(self, x, x_lengths, g=None, noise: torch.Tensor | None = None):
        mask = length_mask(x_lengths, x.shape[2], x.dtype)
        h = self.enc(self.pre(x) * mask, mask, g=g.detach() if g is not None else None)
        m, logs = torch.split(self.proj(h) * mask, self.out_channels, dim=1)
        eps = torch.randn_like(m) if noise is None else noise
        z = (m + eps * torch.exp(logs)) * mask
        return z, m, logs, mask
