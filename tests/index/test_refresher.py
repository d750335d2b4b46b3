"""The background indexer: one build at a time, a request during a build gives exactly one
more build, progress is reported, and a failed build is reported without killing it."""

from __future__ import annotations

import threading

from rag.errors import RagError
from rag.index.build import BuildReport
from rag.index.refresher import BackgroundIndexer, IndexingState


class GatedBuild:
    """A build that reports progress and then waits until the test lets it finish."""

    def __init__(self, fail_first: bool = False) -> None:
        self.calls = 0
        self.running = threading.Event()
        self.go = threading.Event()
        self.fail_first = fail_first

    def __call__(self, report) -> BuildReport:
        self.calls += 1
        report("embedding", 30, 120, "")
        self.running.set()
        assert self.go.wait(10)
        self.go.clear()
        if self.fail_first and self.calls == 1:
            raise RagError("The index folder cannot be written.", fix="Free some space.")
        return BuildReport(1, 2, 3, 0.1, [], f"build-{self.calls}")


def test_requests_during_a_build_give_exactly_one_more_build():
    build = GatedBuild()
    indexer = BackgroundIndexer(build)
    indexer.request()
    assert build.running.wait(10)
    state = indexer.state
    assert state.running and state.stage == "embedding" and state.percent == 25
    assert 10 < state.overall < 95 and "embedding 25% (30/120)" in state.describe()
    build.running.clear()
    for _ in range(5):
        indexer.request()
    assert indexer.state.queued
    build.go.set()
    assert build.running.wait(10)  # the queued build started
    assert not indexer.wait(0.05)  # and is not done until let go
    build.go.set()
    assert indexer.wait(10)
    assert build.calls == 2
    assert indexer.last_report is not None and indexer.last_report.folder == "build-2"
    assert indexer.state == IndexingState(builds=2)


def test_a_failed_build_is_reported_and_the_next_request_builds_again():
    build = GatedBuild(fail_first=True)
    indexer = BackgroundIndexer(build)
    indexer.request()
    build.go.set()
    assert indexer.wait(10)
    assert "cannot be written" in indexer.state.error and not indexer.state.running
    assert indexer.state.describe().startswith("last update failed")
    indexer.request()
    build.go.set()
    assert indexer.wait(10)
    assert indexer.state.error == "" and build.calls == 2


def test_a_crash_in_a_build_is_reported_not_raised():
    def crash(report):
        raise ValueError("boom")

    indexer = BackgroundIndexer(crash)
    indexer.request()
    assert indexer.wait(10)
    assert indexer.state.error == "ValueError: boom"
