"""The tap's errors. Each message is one line, names what failed, and holds no secret."""

from __future__ import annotations


class SophosTapError(Exception):
    """A failure the operator can act on; the CLI prints it as one line and exits 1."""


class ConfigError(SophosTapError):
    """A setting is missing or invalid."""


class AuthenticationError(SophosTapError):
    """The token endpoint refused the credential, or could not be reached."""


class StateError(SophosTapError):
    """The input state is not in this tap's layout."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"Invalid state: {detail}. Fix it, or start over without it "
            "(meltano: `meltano state clear <state id>` or `meltano run --full-refresh`)."
        )


class ApiError(SophosTapError):
    """A request failed for good (after retries, or at once for a permanent error)."""


class MalformedResponseError(ApiError):
    """A 200 answer whose body is not the JSON shape Sophos documents."""


class ForbiddenError(ApiError):
    """HTTP 403: for a tenant's users, a trial, unmanaged tenant or no Partner Assistance."""


class UntrustedHostError(SophosTapError):
    """An API host outside the trusted set: the bearer token is never sent there."""


class TenantsFailedError(SophosTapError):
    """Some tenants failed; the rest of the run completed and its state was written."""
