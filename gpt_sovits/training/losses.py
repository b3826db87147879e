"""SoVITS fine-tuning losses (least-squares GAN, feature matching, mel L1, KL), upstream's weights.

Weights (SPEC-upstream.md §9.3): mel L1 x 45, feature matching x 2, KL x 1, adversarial x 1.
All losses are computed in float32.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

MEL_WEIGHT = 45.0
FEATURE_MATCHING_WEIGHT = 2.0
KL_WEIGHT = 1.0


def discriminator_loss(real_logits: list[torch.Tensor], fake_logits: list[torch.Tensor]) -> torch.Tensor:
    """Sum over discriminators of mean((1 - D(real))^2) + mean(D(fake)^2)."""
    total = real_logits[0].new_zeros((), dtype=torch.float32)
    for real, fake in zip(real_logits, fake_logits, strict=True):
        total = total + torch.mean((1 - real.float()) ** 2) + torch.mean(fake.float() ** 2)
    return total


def adversarial_loss(fake_logits: list[torch.Tensor]) -> torch.Tensor:
    """Generator side of the LSGAN: sum over discriminators of mean((1 - D(fake))^2)."""
    return sum(torch.mean((1 - f.float()) ** 2) for f in fake_logits)


def feature_matching_loss(real_maps: list[list[torch.Tensor]], fake_maps: list[list[torch.Tensor]]) -> torch.Tensor:
    """2 x sum over every discriminator layer of mean |real - fake| (real maps detached)."""
    total = 0.0
    for real_layers, fake_layers in zip(real_maps, fake_maps, strict=True):
        for real, fake in zip(real_layers, fake_layers, strict=True):
            total = total + torch.mean(torch.abs(real.detach().float() - fake.float()))
    return FEATURE_MATCHING_WEIGHT * total


def kl_loss(z_p: torch.Tensor, logs_q: torch.Tensor, m_p: torch.Tensor, logs_p: torch.Tensor,
            mask: torch.Tensor) -> torch.Tensor:
    """KL between the posterior sample mapped by the flow and the text prior, averaged over valid frames.

    All inputs [B, C, T] except mask [B, 1, T].
    """
    z_p, logs_q, m_p, logs_p, mask = (t.float() for t in (z_p, logs_q, m_p, logs_p, mask))
    per_element = logs_p - logs_q - 0.5 + 0.5 * (z_p - m_p) ** 2 * torch.exp(-2.0 * logs_p)
    return KL_WEIGHT * torch.sum(per_element * mask) / torch.sum(mask)


def mel_loss(real_mel: torch.Tensor, fake_mel: torch.Tensor) -> torch.Tensor:
    """45 x L1 between log-mel spectrograms [B, 128, T]."""
    return MEL_WEIGHT * F.l1_loss(real_mel.float(), fake_mel.float())
