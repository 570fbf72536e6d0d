"""The one per-process cache of answers: rendered API responses and the pages' views.

Every answer is a pure function of the data, so it is kept until the next ingest changes
the data version (part of every key) or the bound pushes it out (LRU). Single flight:
when many clients ask the same new question at once, one thread computes it and the
others wait for that answer instead of all computing it (a cache stampede). A question
whose computation fails (a 422, a bug) leaves nothing behind: neither an answer nor its
flight, or every distinct bad question would grow the table for the life of the process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Cache:
    """A bounded, thread-safe LRU with single-flight computation."""

    def __init__(self, size: int = 768) -> None:
        self.size = size
        self.items: OrderedDict[str, Any] = OrderedDict()
        self.lock = threading.Lock()
        self.flights: dict[str, threading.Lock] = {}
        self.hits = self.misses = 0

    def get_or_compute(self, key: str, compute: Callable[[], T]) -> T:
        found, hit = self._get(key)
        if hit:
            return found
        with self.lock:
            flight = self.flights.setdefault(key, threading.Lock())
        try:
            with flight:
                found, hit = self._get(key, count=False)  # computed by the thread we waited for
                if not hit:
                    found = compute()
                    self._put(key, found)
        finally:  # also when compute raised: a failed question must not stay in the table
            with self.lock:
                if self.flights.get(key) is flight:
                    del self.flights[key]
        return found

    def _get(self, key: str, count: bool = True) -> tuple[Any, bool]:
        with self.lock:
            if key not in self.items:
                if count:
                    self.misses += 1
                return None, False
            self.items.move_to_end(key)
            if count:
                self.hits += 1
            return self.items[key], True

    def _put(self, key: str, value: Any) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
