"""The one per-process cache: bounded, least recently used out first, and single flight
(many threads asking one new question compute it once)."""

from __future__ import annotations

import threading
import time

import pytest

from crimepulse.web.cache import Cache


def test_it_keeps_answers_and_drops_the_least_recently_used() -> None:
    cache = Cache(size=2)
    assert cache.get_or_compute("a", lambda: 1) == 1
    assert cache.get_or_compute("b", lambda: 2) == 2
    assert cache.get_or_compute("a", lambda: 99) == 1  # kept, and now the most recent
    cache.get_or_compute("c", lambda: 3)  # pushes out b, the least recently used
    assert cache.get_or_compute("b", lambda: 22) == 22  # recomputed: it had been dropped
    assert cache.get_or_compute("a", lambda: 11) == 11  # and that pushed out a
    assert len(cache.items) == 2


def test_many_threads_asking_one_new_question_compute_it_once() -> None:
    cache = Cache()
    calls: list[int] = []
    start = threading.Barrier(8)

    def slow() -> str:
        calls.append(1)
        time.sleep(0.2)
        return "answer"

    answers: list[str] = []

    def ask() -> None:
        start.wait()
        answers.append(cache.get_or_compute("q", slow))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == ["answer"] * 8
    assert len(calls) == 1


def test_failed_questions_leave_nothing_behind() -> None:
    cache = Cache()

    def refuse() -> str:
        raise ValueError("cannot answer")

    for n in range(50):
        with pytest.raises(ValueError, match="cannot answer"):
            cache.get_or_compute(f"bad-{n}", refuse)
    assert cache.flights == {}  # each failure used to leave its flight here forever
    assert len(cache.items) == 0
    assert cache.get_or_compute("bad-0", lambda: "answered") == "answered"  # asked again: computed
