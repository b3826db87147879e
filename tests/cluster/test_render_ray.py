"""A book rendered by 2 CPU Ray actors gives the takes of a local render, byte for byte; a killed actor
loses only its batches in flight."""

from __future__ import annotations

from collections import Counter

import pytest

pytest.importorskip("ray", reason="Ray is an optional install (requirements-cluster.txt)")

from gpt_sovits.books.importing import pasted_text  # noqa: E402
from gpt_sovits.books.project import BookStore  # noqa: E402
from gpt_sovits.books.render import RenderJob, plan_lines  # noqa: E402
from gpt_sovits.cluster.render import RayOptions, RayRenderJob, start_actors, voice_files  # noqa: E402
from gpt_sovits.cluster.worker import WorkerSettings  # noqa: E402
from gpt_sovits.config import QcSettings  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")
REROLL_ONCE = QcSettings(rerolls=1)  # a failing take gets one more seed, on the cluster as locally
TEXT = "\n\n".join(f"Chapter {c}\nLine {c} here." for c in (1, 2, 3))


def _project(workspace, name, seeds_of=None):
    project = BookStore(workspace).create(name)
    project.fill_from(pasted_text(TEXT))
    project.set_metadata(narrator_voice="narrator", language="en")
    if seeds_of is not None:  # the same seeds as another project's lines
        mine, theirs = (_lines(p) for p in (project, seeds_of))
        for line, other in zip(mine, theirs, strict=True):
            line.seed = other.seed
        project.save()
    return project


def _lines(project) -> list:
    return [ln for chapter in project.book.chapters for ln in chapter.lines]


def _takes(project) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (project.root / "takes").rglob("*.wav")}


@pytest.fixture(scope="module")
def actors(ray_local, tiny_v2, tmp_path_factory, speech_wav):
    from tests.books.conftest import make_voice

    workspace = tmp_path_factory.mktemp("ray") / "workspace"
    workspace.mkdir()
    make_voice(workspace, "narrator", speech_wav)
    planned = plan_lines(_project(workspace, "probe"), workspace, tiny_v2)
    pool = start_actors(WorkerSettings(tiny_v2, device="cpu"), RayOptions(actors=2), voice_files(planned))
    yield workspace, pool.actors
    pool.close()


def test_ray_render_equals_local_render_byte_for_byte(actors, tiny_v2, book_engine):
    workspace, pool = actors
    on_ray = _project(workspace, "on-ray")
    planned = plan_lines(on_ray, workspace, tiny_v2)
    assert len({p.chapter.id for p in planned}) == 3
    job = RayRenderJob(on_ray, planned, pool, batch_lines=2, qc_settings=REROLL_ONCE)
    progress = job.run()
    assert progress.state == "finished" and progress.rendered == len(planned) == progress.total
    assert job.sent == (len(planned) + 1) // 2 and job.retried == 0  # re-rolls are not batches
    local = _project(workspace, "local", seeds_of=on_ray)
    RenderJob(local, plan_lines(local, workspace, tiny_v2), book_engine, batch_lines=2,
              qc_settings=REROLL_ONCE).run()
    ray_takes, local_takes = _takes(on_ray), _takes(local)
    assert len(ray_takes) == len(planned) and ray_takes == local_takes
    assert [ln.take for ln in _lines(on_ray)] == [ln.take for ln in _lines(local)]
    again = RayRenderJob(on_ray, plan_lines(on_ray, workspace, tiny_v2), pool, batch_lines=2).run()
    assert (again.rendered, again.reused) == (0, len(planned))  # resume: nothing left to do


class KilledOnce(RayRenderJob):
    """Kills an actor that has batches in flight when the first batch comes back (Ray restarts it)."""

    killed = None

    def _collect(self, ref, index, batch, attempt, waiting):
        import ray

        if self.killed is None:
            busy = [i for i, load in enumerate(self._load) if load > 0]
            assert busy, "no batch in flight to lose"
            self.killed = busy[0]
            ray.kill(self.actors[busy[0]], no_restart=False)
        super()._collect(ref, index, batch, attempt, waiting)


def test_a_killed_actor_loses_only_its_lines_in_flight(actors, tiny_v2, monkeypatch):
    from gpt_sovits.books.takes import TakeStore

    workspace, pool = actors
    project = _project(workspace, "killed")
    planned = plan_lines(project, workspace, tiny_v2)
    puts: Counter = Counter()
    put = TakeStore.put

    def counting_put(self, key, *a, **kw):
        puts[key] += 1
        return put(self, key, *a, **kw)

    monkeypatch.setattr(TakeStore, "put", counting_put)
    job = KilledOnce(project, planned, pool, batch_lines=1, depth=2, qc_settings=QcSettings(rerolls=0))
    progress = job.run()
    assert (progress.state, progress.message) == ("finished", "") and job.killed is not None
    assert job.retried >= 1 and job.sent == len(planned) + job.retried
    assert sorted(puts) == sorted(p.request.key for p in planned) and set(puts.values()) == {1}
    assert len(_takes(project)) == len(planned)
    assert all(ln.take and ln.status in ("rendered", "flagged") for ln in _lines(project))
