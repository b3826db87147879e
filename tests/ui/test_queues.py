"""Handlers that write a voice's state and the tab refreshes that read it back run in one queue (arrival order)."""

from __future__ import annotations


def test_reference_saves_and_the_synthesize_refresh_share_one_queue(tmp_path):
    from gpt_sovits.ui.tabs.synthesize import REFERENCE_QUEUE
    from tests.ui.test_i18n import build

    app, _ = build(tmp_path, "en")
    fns = list(app.fns.values())
    saves = [fn for fn in fns if fn.name in ("do_reference", "do_reference_text")]
    assert len(saves) == 3 and all(fn.concurrency_id == REFERENCE_QUEUE for fn in saves)
    reads = [fn for fn in fns if any(getattr(o, "elem_id", None) == "reference-text" for o in fn.outputs)
             and fn.name not in ("do_reference",)]
    # voice change, tab select, page load and relabel refreshes, and the synthesis run (which writes the text back)
    refreshes = [fn for fn in reads if fn.concurrency_id == REFERENCE_QUEUE]
    assert len(refreshes) >= 4, [(fn.name, fn.concurrency_id) for fn in reads]
    others = [fn for fn in fns if fn.name == "refresh" and fn.concurrency_id == REFERENCE_QUEUE
              and not any(getattr(o, "elem_id", None) == "reference-text" for o in fn.outputs)]
    assert not others  # the other tabs' refreshes keep their own queues
