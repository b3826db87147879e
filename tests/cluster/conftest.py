"""One small local Ray instance per test module (2 CPUs, no dashboard); skipped where Ray is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.books.conftest import book_engine  # noqa: F401  (the local render to compare with)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray", reason="Ray is an optional install (requirements-cluster.txt)")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
             runtime_env={"env_vars": {"PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}})
    yield ray
    ray.shutdown()
