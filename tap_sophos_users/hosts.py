"""Which hosts may receive the bearer token.

A tenant's ``apiHost`` comes from the API; the token must not follow it anywhere.
Trusted: the configured global ``api_host`` (and its host name on any port, which is
how a local emulator runs one port per region), and any ``https://`` host under
``.sophos.com``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from tap_sophos_users.errors import UntrustedHostError

SOPHOS_DOMAIN = ".sophos.com"


def normalize_host_url(url: str) -> str:
    """An API base URL as the tap uses it: Sophos returns some with a trailing slash."""
    return url.rstrip("/")


@dataclass(frozen=True)
class HostPolicy:
    """Decides whether an API base URL is trusted with the token."""

    api_host: str

    def is_trusted(self, url: str) -> bool:
        """True when ``url`` may receive the bearer token."""
        try:
            parts = urlsplit(url)
            hostname = parts.hostname
            _ = parts.port  # raises ValueError on a malformed port
        except ValueError:
            return False
        if not hostname or parts.scheme not in {"http", "https"}:
            return False
        if parts.username is not None or parts.password is not None:
            return False
        if parts.scheme == "https" and hostname.endswith(SOPHOS_DOMAIN):
            return True
        configured = urlsplit(self.api_host)
        # Same host name as the configured global host, never a downgrade to http.
        return hostname == configured.hostname and parts.scheme in {configured.scheme, "https"}

    def check(self, url: object, what: str) -> str:
        """Return the normalized ``url``, or raise when it is missing or not trusted."""
        if not isinstance(url, str) or not url:
            raise UntrustedHostError(f"{what} has no apiHost; it was skipped")
        url = normalize_host_url(url)
        if not self.is_trusted(url):
            raise UntrustedHostError(
                f"{what} has API host {url!r}, which is not trusted "
                f"(allowed: the api_host setting's host, or https://*{SOPHOS_DOMAIN}); "
                "it was not contacted"
            )
        return url
