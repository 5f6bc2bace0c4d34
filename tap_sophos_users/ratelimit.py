"""Client-side pacing: at most N requests in any one-second window, shared by the whole run.

Sophos rate-limits per credential across all its APIs, so one limiter serves the token
endpoint and both streams. Hand-written because it is a dozen lines with an injectable
clock, which keeps its tests free of real sleeps.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

#: Extra spacing, as a fraction of the window, so that jitter between the moment a request
#: is allowed and the moment the server counts it cannot squeeze N+1 into one window.
_SAFETY = 0.02


class RateLimiter:
    """A sliding-window limiter; ``max_per_second`` of 0 or less disables it."""

    def __init__(
        self,
        max_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._window = 1.0 + _SAFETY
        self._limit = max(int(max_per_second), 1) if max_per_second > 0 else 0
        # A fractional rate below 1/s becomes one request per 1/rate seconds.
        if 0 < max_per_second < 1:
            self._window = (1.0 + _SAFETY) / max_per_second
        self._sent: deque[float] = deque()
        self._clock = clock
        self._sleep = sleep
        self.waited = 0.0

    def acquire(self) -> None:
        """Block until one more request fits in the window."""
        if not self._limit:
            return
        now = self._clock()
        if len(self._sent) >= self._limit:
            wait = self._sent[0] + self._window - now
            if wait > 0:
                self.waited += wait
                self._sleep(wait)
                now = self._clock()
            self._sent.popleft()
        self._sent.append(now)

    def wrap(self, func: Callable[P, R]) -> Callable[P, R]:
        """``func`` with a slot taken before every call (wrap it inside the retry loop)."""

        @wraps(func)
        def limited(*args: P.args, **kwargs: P.kwargs) -> R:
            self.acquire()
            return func(*args, **kwargs)

        return limited
