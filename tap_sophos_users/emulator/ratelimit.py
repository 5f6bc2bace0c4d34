"""A real sliding-window rate limiter, per credential (§7: 10 req/s and 100 req/min).

Only admitted requests are counted: a client that backs off recovers once its oldest
requests leave the window, as it would against Sophos.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    """Admits a request when every window still has room for the key."""

    def __init__(
        self,
        per_second: int = 10,
        per_minute: int = 100,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.windows: tuple[tuple[float, int], ...] = ((1.0, per_second), (60.0, per_minute))
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def configure(self, per_second: int, per_minute: int) -> None:
        """Change the limits without forgetting the recorded requests."""
        with self._lock:
            self.windows = ((1.0, per_second), (60.0, per_minute))

    def acquire(self, key: str) -> float:
        """Record a request for ``key``; 0.0 when admitted, else seconds until a slot frees."""
        with self._lock:
            now = self._clock()
            hits = self._hits.setdefault(key, deque())
            longest = max(w for w, _ in self.windows)
            while hits and hits[0] <= now - longest:
                hits.popleft()
            wait = 0.0
            for window, limit in self.windows:
                if limit <= 0:
                    continue
                inside = [t for t in hits if t > now - window]
                if len(inside) >= limit:
                    # The slot frees when the oldest counted hit leaves this window.
                    wait = max(wait, inside[-limit] + window - now)
            if wait > 0:
                return wait
            hits.append(now)
            return 0.0

    def reset(self) -> None:
        """Forget every recorded request."""
        with self._lock:
            self._hits.clear()
