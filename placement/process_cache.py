"""A small cache kept in this process only: what is costly to compute and may be a little old.

Each gunicorn worker has its own, so a value is never shared between workers and never outlives
the process. Keys must carry everything the value depends on; what must be exact (consent,
erasure, eligibility) is re-checked by the callers on every use, not trusted to the cache.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class ProcessCache(Generic[V]):
    """key -> value, at most ``size`` of them (the oldest put goes first), each kept for the
    number of seconds the caller asks for when reading it."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._items: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, seconds: float) -> V | None:
        """The value put under ``key`` less than ``seconds`` ago, else None."""
        with self._lock:
            item = self._items.get(key)
        if item is None or time.monotonic() - item[0] > seconds:
            return None
        return item[1]

    def put(self, key: Hashable, value: V, age: float = 0.0) -> None:
        """Keep ``value``, made ``age`` seconds ago (it expires that much sooner)."""
        with self._lock:
            self._items.pop(key, None)
            if len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)))
            self._items[key] = (time.monotonic() - age, value)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
