"""Progress of long work: stages report (stage, done, total); the CLI shows bars or lines and a summary."""

from __future__ import annotations

from hoi_nlp import progress


def test_a_stage_reports_its_start_each_step_and_its_end():
    events: list[progress.Progress] = []
    with progress.listen(events.append):
        with progress.stage("segment", 3, unit="sources") as bar:
            bar.advance()
            bar.advance(2)
    progress.report("ignored", 1)  # nobody listens any more: nothing happens
    assert [(e.stage, e.done, e.total, e.finished) for e in events] == [
        ("segment", 0, 3, False), ("segment", 1, 3, False), ("segment", 3, 3, False), ("segment", 3, 3, True)]
    assert all(e.unit == "sources" for e in events)


def test_a_stage_that_fails_still_ends():
    events: list[progress.Progress] = []
    with progress.listen(events.append):
        try:
            with progress.stage("code", 10, unit="coding units") as bar:
                bar.advance(4)
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    assert events[-1].finished and events[-1].done == 4


def test_plain_output_has_a_line_per_stage_and_a_timing_summary(capsys):
    from hoi_nlp.cli._progress import ProgressDisplay

    with ProgressDisplay(live=False, first="start-up") as display:
        with progress.stage("segment", 532, unit="sources") as bar:
            bar.advance(532)
        with progress.stage("code", 0, unit="coding units"):
            pass
    err = capsys.readouterr().err
    assert "  start-up: done in " in err
    assert "  segment: 532/532 sources in " in err
    assert "  code: nothing new" in err
    summary = display.summary()
    assert summary.startswith("Time per stage: start-up ") and " · segment " in summary
    assert "(total " in summary
