#!/usr/bin/env bash
# The GPU check, run first whenever a CUDA GPU is available: the gpu-marked tests, then synthesis and a
# 20-step fine-tune at official sizes (bench/gpu_check.py). Prints one table; under 8 minutes on one GPU.
#   bash bench/gpu_check.sh            (PYTHON=... to choose the interpreter; OUT=dir keeps the logs)
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
LOGS=${OUT:-$(mktemp -d)}
export PYTHONPATH=".${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || { echo "no NVIDIA GPU"; exit 1; }
start=$SECONDS
timeout 270 "$PY" -m pytest -m gpu tests/gpu -q -rA -p no:cacheprovider 2>&1 | tee "$LOGS/pytest-gpu.log"
grep -E "passed|failed|error" "$LOGS/pytest-gpu.log" | tail -1 > "$LOGS/pytest-summary.txt"
echo "pytest -m gpu took $((SECONDS - start)) s"
timeout $((470 - (SECONDS - start))) "$PY" bench/gpu_check.py --pytest-summary "$LOGS/pytest-summary.txt" \
  ${GPU_CHECK_ARGS:-} 2>&1 | tee "$LOGS/gpu_check.log"
echo "gpu check took $((SECONDS - start)) s in all"
