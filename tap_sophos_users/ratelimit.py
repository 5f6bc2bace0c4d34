"""Client-side pacing: at most N requests in any one-second window, shared by the whole run.

Sophos rate-limits per credential across all its APIs, so one limiter serves the token
endpoint and both streams. Hand-written because it is a dozen lines with an injectable
clock, which keeps its tests free of real sleeps.

The window is measured from each request's *answer*, not from when it was sent: the
server counts a request somewhere between the two, so spacing request N+1 a full window
after request 1 was answered cannot be squeezed into one window by scheduling jitter.
Requests are made one at a time, so the slot being stamped is always the caller's.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class RateLimiter:
    """A sliding-window limiter; ``max_per_second`` of 0 or less disables it."""

    def __init__(
        self,
        max_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._window = 1.0
        self._limit = max(int(max_per_second), 1) if max_per_second > 0 else 0
        # A fractional rate below 1/s becomes one request per 1/rate seconds.
        if 0 < max_per_second < 1:
            self._window = 1.0 / max_per_second
        self._answered: deque[float] = deque()
        self._clock = clock
        self._sleep = sleep
        self.waited = 0.0

    def acquire(self) -> None:
        """Block until one more request fits in the window, and take its slot."""
        if not self._limit:
            return
        if len(self._answered) >= self._limit:
            wait = self._answered[0] + self._window - self._clock()
            if wait > 0:
                self.waited += wait
                self._sleep(wait)
            self._answered.popleft()
        self._answered.append(self._clock())

    def release(self) -> None:
        """Stamp the slot taken by ``acquire`` with the moment the answer arrived."""
        if self._limit and self._answered:
            self._answered[-1] = self._clock()

    def wrap(self, func: Callable[P, R]) -> Callable[P, R]:
        """``func`` with a slot taken before every call (wrap it inside the retry loop)."""

        @wraps(func)
        def limited(*args: P.args, **kwargs: P.kwargs) -> R:
            self.acquire()
            try:
                return func(*args, **kwargs)
            finally:
                self.release()

        return limited
