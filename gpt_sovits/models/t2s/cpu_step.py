"""The float32 GPT decoding step as one compiled CPU function (numba), for CPUs where PyTorch's products are slow.

A decoding step multiplies one row (or a few, for a batch) by every weight of the 24 layers: 302 MB per
token at the official size, read once. PyTorch hands each of those 96 products to a BLAS (MKL, or oneDNN
with packed weights, see models/cpu_matmul.py); on an AMD EPYC those read the weights at 11-16 GB/s where
the memory gives about 30, and each of the ~400 operators of a step costs some microseconds of dispatch.
Here the whole step (products, attention over the KV cache, residuals, LayerNorm) is one function compiled
by numba (LLVM, for this CPU's vector width), with the products as plain dot products over contiguous weight
rows split across threads: it reads the weights close to the memory's speed (bench/bench_cpu_matmul.py,
bench/RESULTS.md).

Same arithmetic as the PyTorch step, in float32; only the order of additions inside each sum differs (as it
does between MKL and oneDNN, or between CPUs), so tokens agree with the PyTorch step's and upstream's
(bench/bench_agreement.py, tests/models/test_cpu_step.py).

The official checkpoints and every exported fine-tune store the GPT's weights in float16, so once loaded each
float32 weight is a float16 number. When that holds for all of them, the kernel reads the weight matrices as
float16 (151 MB a token instead of 302) and widens each to float32 as it multiplies: the same numbers and the
same sums, bit for bit, in about half the time a step spends streaming weights.

numba comes with librosa; if it cannot compile or its result disagrees with PyTorch's at load, the model keeps
PyTorch's step.

The compiled function is cached on disk by numba (next to this file, or in the user's cache folder when
that is read-only), so only the first load on a machine pays the compilation (a few seconds).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time

import numpy as np
import torch

logger = logging.getLogger(__name__)

# Rows per product handled by the compiled step: a decoding step has one per sequence of a batch (the book
# renderer's default batch is 4). Larger batches go through PyTorch's step: from 6 rows on the compiled
# products fell behind oneDNN's (37 ms against 18 for a step's products, bench/RESULTS.md), as the rows no
# longer fit the core's first cache.
MAX_ROWS = 4
# The step's output may differ from PyTorch's by rounding only; more than this (relative to the output's
# scale) at load means something is wrong, and the model keeps PyTorch's step.
SELF_TEST_TOLERANCE = 1e-3
# Setting this to 0 keeps PyTorch's step (an escape hatch, e.g. where numba's threads would fight PyTorch's).
DISABLE_ENV = "GPT_SOVITS_COMPILED_STEP"
# Indices in CompiledStep.arrays of the four weight matrices (the rest are biases and LayerNorm parameters).
WEIGHT_MATRICES = (0, 2, 4, 6)

_kernel = None
_kernel_error: str | None = None


def kernel():
    """The compiled step function, or None (with the reason in :func:`unavailable_reason`) where numba fails."""
    global _kernel, _kernel_error
    if _kernel is None and _kernel_error is None:
        try:
            from gpt_sovits.models.t2s.cpu_step_kernels import step

            _kernel = step
        except Exception as e:  # ImportError, or a numba/LLVM failure on this machine
            _kernel_error = f"{type(e).__name__}: {e}"
    return _kernel


def unavailable_reason() -> str | None:
    return _kernel_error


def _threads() -> int:
    """numba threads for a step: PyTorch's count on Linux, 1 elsewhere.

    On Linux numba's OpenMP calls resolve to the libgomp PyTorch loaded first, so both use one pool of
    threads (measured: 11.2 ms per step with 2 threads, 12.6 ms with 1). Elsewhere (Windows: PyTorch
    brings Intel's OpenMP, numba Microsoft's) there would be two pools whose idle threads spin on the same
    cores: both such cases measured here were several times slower (OpenBLAS's pool beside PyTorch's: the
    step 7x; numba's own "workqueue" pool: 3x; bench/RESULTS.md). One thread costs little, as a step is
    bound by memory bandwidth.
    """
    import numba

    if not sys.platform.startswith("linux"):
        return 1
    return max(1, min(torch.get_num_threads(), numba.config.NUMBA_NUM_THREADS))


class CompiledStep:
    """A float32 CPU model's decoding step through the compiled function; ``model.step`` calls it.

    The layers' weights are stacked into one array per kind ([n_layer, out, in] and so on); ``layers``
    gives per-layer views of them in ``packed_layers()`` order, for the prefill's PyTorch products.
    """

    def __init__(self, layers: list[tuple[torch.Tensor, ...]], n_head: int, eps: float, half_weights: bool = True):
        def stack(i: int) -> np.ndarray:
            # numpy's own allocation: numpy asks Linux for huge pages on large arrays (where transparent huge
            # pages are on "madvise", the common default), and the weights then stream about 20% faster
            # than from PyTorch's allocation (fewer TLB misses over 300 MB per token).
            return np.stack([layer[i].detach().float().contiguous().numpy() for layer in layers])

        self.arrays = [stack(i) for i in range(12)]  # W_qkv, b_qkv, W_o, b_o, W_1, b_1, W_2, b_2, g_1, beta_1, g_2, beta_2
        # What the kernel reads: the weight matrices as float16 bits when every weight is a float16 number (true
        # of every checkpoint stored in float16, as the official and exported ones are), else these arrays.
        half = _half_bits([self.arrays[i] for i in WEIGHT_MATRICES]) if half_weights else None
        self.kernel_arrays = list(self.arrays)
        for i, bits in zip(WEIGHT_MATRICES, half or (), strict=False):
            self.kernel_arrays[i] = bits
        self.half_weights = half is not None
        self.n_head = n_head
        self.eps = float(eps)
        self.dim = self.arrays[2].shape[1]
        self.ffn = self.arrays[4].shape[1]
        self.max_rows = MAX_ROWS
        self.layers = [tuple(torch.from_numpy(a[i]) for a in self.arrays) for i in range(len(layers))]
        self._all_valid = np.ones((1, 1), dtype=np.bool_)
        # working memory per (thread, rows): two threads decoding with one model never share it
        self._scratch: dict[tuple[int, int], tuple[np.ndarray, ...]] = {}

    def _buffers(self, rows: int, positions: int) -> tuple[np.ndarray, ...]:
        key = (threading.get_ident(), rows)
        have = self._scratch.get(key)
        if have is None or have[-1].shape[1] < positions:
            d = self.dim
            capacity = max(positions, 2 * have[-1].shape[1] if have is not None else 512)
            have = (np.empty((rows, 3 * d), np.float32), np.empty((rows, d), np.float32),
                    np.empty((rows, d), np.float32), np.empty((rows, self.ffn), np.float32),
                    np.empty((rows * self.n_head, capacity), np.float32))
            self._scratch[key] = have
        return have

    def _valid(self, rows: int, positions: int, key_mask: torch.Tensor | None) -> np.ndarray:
        if key_mask is not None:
            return np.ascontiguousarray(key_mask.reshape(rows, -1)[:, :positions].cpu().numpy())
        have = self._all_valid  # read-only, replaced (never changed) when too small: safe across threads
        if have.shape[0] < rows or have.shape[1] < positions:
            have = np.ones((max(rows, have.shape[0]), max(positions, 2 * have.shape[1])), dtype=np.bool_)
            self._all_valid = have
        return have

    def __call__(self, x: torch.Tensor, cache, key_mask: torch.Tensor | None = None) -> torch.Tensor:
        """x [B, 1, d] float32 -> [B, 1, d]; writes this position's keys and values into ``cache``."""
        import numba

        b, _, d = x.shape
        pos = cache.length
        if pos + 1 > cache.capacity:
            cache.reserve(pos + 1)
        out = x.detach().reshape(b, d).float().clone()
        torch_threads = torch.get_num_threads()
        numba.set_num_threads(_threads())
        kernel()(out.numpy(), *self.kernel_arrays, cache.k.numpy(), cache.v.numpy(), pos,
                 self._valid(b, pos + 1, key_mask), self.n_head, self.eps, *self._buffers(b, pos + 1))
        if torch.get_num_threads() != torch_threads:
            # On Linux numba's OpenMP pool is PyTorch's (one libgomp per process); its first start sets the
            # pool to all cores, which would undo the studio's thread setting for everything else.
            torch.set_num_threads(torch_threads)
        cache.length = pos + 1
        return out.view(b, 1, d)


def _half_bits(arrays: list[np.ndarray]) -> list[np.ndarray] | None:
    """The arrays' float16 bits (uint16) if each of their float32 numbers is a float16 number (so widening the
    bits back gives exactly the same floats); None otherwise (a float32 checkpoint, or one fine-tuned further)."""
    bits = []
    for a in arrays:
        h = np.empty(a.shape, np.float16)  # numpy's allocation, for the huge pages (see CompiledStep)
        torch.from_numpy(h).copy_(torch.from_numpy(a))  # PyTorch's conversion: 4x numpy's speed here
        if not torch.equal(torch.from_numpy(h).float(), torch.from_numpy(a)):  # also False for NaN
            return None
        bits.append(h.view(np.uint16))
    return bits


def compiled_step_for(model) -> CompiledStep | None:
    """A :class:`CompiledStep` for a float32 CPU ``model`` that matches PyTorch's step here, or None (logged)."""
    if os.environ.get(DISABLE_ENV, "").strip() in ("0", "off", "no", "false"):
        logger.info("The compiled CPU decoding step is off (%s); using PyTorch's.", DISABLE_ENV)
        return None
    if kernel() is None:
        logger.warning("The compiled CPU decoding step is not available (%s); using PyTorch's.", _kernel_error)
        return None
    cfg = model.config
    compiled = CompiledStep(model.packed_layers(), cfg.n_head, cfg.layer_norm_eps)
    started = time.perf_counter()
    try:
        error = _self_test(model, compiled)  # compiles on the first use on this machine (then read from disk)
    except Exception as e:  # a numba compilation or run failure on this machine
        logger.warning("The compiled CPU decoding step fails here (%s: %s); using PyTorch's.", type(e).__name__, e)
        return None
    if not error <= SELF_TEST_TOLERANCE:
        logger.warning("The compiled CPU decoding step disagrees with PyTorch's (relative error %.1e); using "
                       "PyTorch's.", error)
        return None
    seconds = time.perf_counter() - started
    if compiled.half_weights:
        logger.info("The compiled CPU decoding step reads the GPT's weights as float16 (every weight is a float16 "
                    "number: the same sums from half the bytes).")
    if seconds > 2:
        logger.info("Compiled the CPU decoding step for this machine in %.1f s (kept on disk for the next start).",
                    seconds)
    return compiled


@torch.inference_mode()
def _self_test(model, compiled: CompiledStep) -> float:
    """Two rows, 5 cached positions (one masked): the compiled step against PyTorch's; relative max error."""
    g = torch.Generator().manual_seed(0)
    d = model.config.hidden_dim
    results = []
    for step in (None, compiled):
        cache = model.new_cache(batch=2, capacity=8)
        cache.k.copy_(torch.randn(cache.k.shape, generator=g))
        cache.v.copy_(torch.randn(cache.v.shape, generator=g))
        cache.length = 5
        mask = torch.ones(2, 1, 1, 6, dtype=torch.bool)
        mask[1, ..., 0] = False
        x = torch.randn(2, 1, d, generator=torch.Generator().manual_seed(1))
        out = (model.step(x, cache, key_mask=mask) if step is None else step(x, cache, key_mask=mask))
        results.append((out, cache.k[:, :, :, :6].clone()))
        g.manual_seed(0)
    (want, want_k), (got, got_k) = results
    scale = max(float(want.abs().max()), 1e-12)
    return max(float((got - want).abs().max()) / scale, float((got_k - want_k).abs().max()) / scale)
