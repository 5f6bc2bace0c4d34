"""Opaque bearer tokens with a real expiry."""

from __future__ import annotations

import math
import secrets
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class IssuedToken:
    """A token and the credential it was issued to."""

    token: str
    client_id: str
    expires_at: float


class TokenStore:
    """Issues and checks tokens; ``ttl`` may be fractional so tests can see expiry quickly."""

    def __init__(self, ttl: float = 3600.0) -> None:
        if ttl <= 0:
            raise ValueError("token ttl must be > 0")
        self.ttl = ttl
        self._tokens: dict[str, IssuedToken] = {}
        self._history: list[str] = []
        self._lock = threading.Lock()

    @property
    def expires_in(self) -> int:
        """The lifetime reported to clients: whole seconds, rounded up (0.5 s reports 1)."""
        return math.ceil(self.ttl)

    def issue(self, client_id: str) -> IssuedToken:
        """A new random token valid for ``ttl`` seconds from now."""
        issued = IssuedToken(
            token=secrets.token_urlsafe(32),
            client_id=client_id,
            expires_at=time.monotonic() + self.ttl,
        )
        with self._lock:
            self._tokens[issued.token] = issued
            self._history.append(issued.token)
        return issued

    def history(self) -> list[str]:
        """Every token ever issued, oldest first (tests check none leaks into output)."""
        with self._lock:
            return list(self._history)

    def check(self, token: str) -> IssuedToken | None:
        """The live token, or ``None`` when unknown, revoked or expired."""
        issued = self._tokens.get(token)
        if issued is None:
            return None
        if time.monotonic() >= issued.expires_at:
            with self._lock:
                self._tokens.pop(token, None)
            return None
        return issued

    def revoke_all(self) -> None:
        """Invalidate every issued token (a revocation in the middle of a run)."""
        with self._lock:
            self._tokens.clear()
