"""numba kernels of the compiled float32 CPU decoding step (see cpu_step.py); imported only when used.

The weight matrices come either as float32 or as the bits of float16 numbers (uint16): the official and
exported checkpoints store every weight in float16, so their float32 values are float16 numbers widened, and
reading the 16-bit form halves the bytes a step streams while every product computes the same float32 sums.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic

# Only the additions of a sum may be reordered (what vectorising a dot product needs) and multiply-adds fused;
# no assumptions about NaN or infinity, so a broken input still shows as NaN, as in PyTorch.
FASTMATH = {"reassoc", "contract"}


@intrinsic
def as_float32(typingctx, value):
    """A weight as float32: a float32 as it is, or float16 bits (uint16) widened exactly (LLVM's fpext from half,
    which becomes the CPU's half-to-float instruction, vectorised like a plain load)."""
    if value == types.float32:
        return types.float32(value), lambda context, builder, signature, args: args[0]
    if isinstance(value, types.Integer) and value.bitwidth == 16:
        def widen(context, builder, signature, args):
            return builder.fpext(builder.bitcast(args[0], ir.HalfType()), ir.FloatType())

        return types.float32(value), widen
    return None


@njit(parallel=True, fastmath=FASTMATH, cache=True, nogil=True)
def linear_rows(x, w, b, out, relu):
    """out[r] = x[r] @ w.T + b (then max(0, .) with relu): rows split by output feature across threads.
    ``w`` is float32 or float16 bits (uint16); both give the same sums in float32."""
    m, k = x.shape
    n = w.shape[0]
    for o in prange(n):
        w_o = w[o]
        for r in range(m):
            x_r = x[r]
            acc = np.float32(0.0)
            for i in range(k):
                acc += as_float32(w_o[i]) * x_r[i]
            v = acc + b[o]
            if relu and v < 0:
                v = np.float32(0.0)
            out[r, o] = v


@njit(parallel=True, fastmath=FASTMATH, cache=True, nogil=True)
def attend(qkv, keys, values, pos, valid, n_head, out, scores):
    """One query per (row, head) against cached positions 0..pos where ``valid``; softmax; -> out [m, d].

    Loops run over row views (``k_rows[j]``, ``q_h``): with index arithmetic instead, LLVM did not vectorise
    the 32-wide dot products, and attention ran 4x slower.
    """
    m = qkv.shape[0]
    d = out.shape[1]
    hd = d // n_head
    n = pos + 1
    scale = np.float32(1.0 / math.sqrt(hd))
    for rh in prange(m * n_head):
        r = rh // n_head
        h = rh - r * n_head
        s = scores[rh]
        ok = valid[r]
        q_h = qkv[r, h * hd:(h + 1) * hd]
        k_rows = keys[r, h]
        v_rows = values[r, h]
        top = -np.inf
        for j in range(n):
            k_j = k_rows[j]
            acc = np.float32(0.0)
            for t in range(hd):
                acc += q_h[t] * k_j[t]
            acc = acc * scale if ok[j] else -np.inf
            s[j] = acc
            top = max(top, acc)
        total = np.float32(0.0)
        for j in range(n):
            e = np.float32(math.exp(s[j] - top))
            s[j] = e
            total += e
        inv = np.float32(1.0) / total
        o_h = out[r, h * hd:(h + 1) * hd]
        for t in range(hd):
            o_h[t] = np.float32(0.0)
        for j in range(n):
            p = s[j] * inv
            v_j = v_rows[j]
            for t in range(hd):
                o_h[t] += p * v_j[t]


@njit(fastmath=FASTMATH, cache=True, nogil=True)
def add_norm(x, y, g, beta, eps):
    """x = LayerNorm(x + y) in place, per row (biased variance, as torch)."""
    m, d = x.shape
    for r in range(m):
        mean = np.float32(0.0)
        for i in range(d):
            v = x[r, i] + y[r, i]
            x[r, i] = v
            mean += v
        mean /= d
        var = np.float32(0.0)
        for i in range(d):
            c = x[r, i] - mean
            var += c * c
        inv = np.float32(1.0 / math.sqrt(var / d + eps))
        for i in range(d):
            x[r, i] = (x[r, i] - mean) * inv * g[i] + beta[i]


@njit(fastmath=FASTMATH, cache=True, nogil=True)
def step(x, wqkv, bqkv, wo, bo, w1, b1, w2, b2, g1, n1, g2, n2, k_cache, v_cache, pos, valid, n_head, eps,
         qkv, att, proj, hidden, scores):
    """One decoding position for m rows: x [m, d] float32 is updated in place through every layer."""
    m, d = x.shape
    hd = d // n_head
    for layer in range(wqkv.shape[0]):
        linear_rows(x, wqkv[layer], bqkv[layer], qkv, False)
        for r in range(m):
            for h in range(n_head):
                for t in range(hd):
                    k_cache[layer, r, h, pos, t] = qkv[r, d + h * hd + t]
                    v_cache[layer, r, h, pos, t] = qkv[r, 2 * d + h * hd + t]
        attend(qkv, k_cache[layer], v_cache[layer], pos, valid, n_head, att, scores)
        linear_rows(att, wo[layer], bo[layer], proj, False)
        add_norm(x, proj, g1[layer], n1[layer], eps)
        linear_rows(x, w1[layer], b1[layer], hidden, True)
        linear_rows(hidden, w2[layer], b2[layer], proj, False)
        add_norm(x, proj, g2[layer], n2[layer], eps)
