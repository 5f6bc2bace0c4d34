"""The public :class:`Emulator`: binds the hosts, exposes the log and the mutations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

from tap_sophos_users.emulator.app import TOKEN_PATH, SophosApp
from tap_sophos_users.emulator.data import Dataset
from tap_sophos_users.emulator.faults import Faults
from tap_sophos_users.emulator.requestlog import LoggedRequest
from tap_sophos_users.emulator.server import EmulatorHTTPServer


class Emulator:
    """A local Sophos Central: one global host plus one port per data region.

    Nothing is bound until :meth:`start`. ``regions`` adds regions that have no tenant
    (each still gets a port). ``port`` fixes the global port; region ports are free ports.
    """

    def __init__(
        self,
        dataset: Dataset,
        token_ttl: float = 3600.0,
        faults: Faults | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        regions: Sequence[str] = (),
    ) -> None:
        self.dataset = dataset
        self.app = SophosApp(dataset, token_ttl=token_ttl, faults=faults)
        self.host = host
        self.port = port
        self.extra_regions = tuple(regions)
        self._global: EmulatorHTTPServer | None = None
        self._regions: dict[str, EmulatorHTTPServer] = {}

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind and serve in daemon threads; returns ``self``."""
        if self._global is not None:
            raise RuntimeError("emulator already started")
        try:
            self._global = EmulatorHTTPServer(self.host, self.port, self.app, None)
            for region in dict.fromkeys([*self.dataset.regions, *self.extra_regions]):
                self._regions[region] = EmulatorHTTPServer(self.host, 0, self.app, region)
        except OSError:
            self.stop()
            raise
        self.app.urls.global_url = self._global.url
        self.app.urls.regions = {r: s.url for r, s in self._regions.items()}
        self.app.sync_api_hosts()
        for server in (self._global, *self._regions.values()):
            server.start()
        return self

    def stop(self) -> None:
        """Stop every host and release the ports (idempotent)."""
        servers = [s for s in (self._global, *self._regions.values()) if s is not None]
        self._global = None
        self._regions = {}
        for server in servers:
            server.close()

    def __enter__(self) -> Emulator:
        if self._global is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the hosts are bound."""
        return self._global is not None

    # -- addresses and config ---------------------------------------------------------

    @property
    def global_url(self) -> str:
        """``http://127.0.0.1:PORT`` of the global host."""
        if self._global is None:
            raise RuntimeError("emulator not started")
        return self._global.url

    @property
    def token_url(self) -> str:
        """The OAuth2 token endpoint."""
        return self.global_url + TOKEN_PATH

    @property
    def region_urls(self) -> dict[str, str]:
        """Region code -> ``http://127.0.0.1:PORT`` of its host."""
        return {region: server.url for region, server in self._regions.items()}

    def tap_config(self, kind: str | None = None) -> dict[str, str]:
        """``client_id``, ``client_secret``, ``api_host``, ``oauth2_authorization_url``."""
        if self._global is None:
            raise RuntimeError("emulator not started")
        return self.app.tap_config(kind)

    # -- faults, tokens, log ----------------------------------------------------------

    @property
    def faults(self) -> Faults:
        """The live fault settings; change fields, or assign a new :class:`Faults`."""
        return self.app.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self.app.faults = faults

    def reset_fault_counters(self) -> None:
        """Restart the every-N counters and the rate limiter windows."""
        self.app.injector.reset()
        self.app.limiter.reset()

    def revoke_tokens(self) -> None:
        """Invalidate every issued token (later API calls get 401)."""
        self.app.tokens.revoke_all()

    def issued_tokens(self) -> list[str]:
        """Every access token issued so far, including expired and revoked ones."""
        return self.app.tokens.history()

    @property
    def token_ttl(self) -> float:
        """Lifetime of new tokens, seconds."""
        return self.app.tokens.ttl

    @token_ttl.setter
    def token_ttl(self, ttl: float) -> None:
        if ttl <= 0:
            raise ValueError("token ttl must be > 0")
        self.app.tokens.ttl = ttl

    @property
    def requests(self) -> list[LoggedRequest]:
        """A snapshot of the request log (admin requests excluded)."""
        return self.app.log.snapshot()

    def clear_requests(self) -> None:
        """Empty the request log."""
        self.app.log.clear()

    # -- mutations (thread-safe, invalidate cached pages) ----------------------------

    def add_users(self, tenant_id: str, n: int = 1) -> list[dict[str, Any]]:
        """Generate ``n`` users created now; returns them."""
        return self.app.add_users(tenant_id, n)

    def add_user(self, tenant_id: str, user: Mapping[str, Any]) -> dict[str, Any]:
        """Add a user exactly as given."""
        return self.app.add_user(tenant_id, user)

    def touch_user(self, tenant_id: str, user_id: str, updated_at: str | None = None) -> str:
        """Set ``updatedAt`` (default now, strictly later than before); returns it."""
        return self.app.touch_user(tenant_id, user_id, updated_at)

    def delete_user(self, tenant_id: str, user_id: str) -> None:
        """Remove a user."""
        self.app.delete_user(tenant_id, user_id)

    def remove_tenant(self, tenant_id: str) -> None:
        """Remove a tenant (gone from listings; its users route answers 403)."""
        self.app.remove_tenant(tenant_id)

    def set_forbidden(self, tenant_id: str, forbidden: bool = True) -> None:
        """Keep a tenant listed but answer 403 on its users route."""
        self.app.set_forbidden(tenant_id, forbidden)

    def set_api_host(self, tenant_id: str, url: str | None) -> None:
        """Pin the ``apiHost`` a tenant is listed with (``None`` restores the default)."""
        self.app.set_api_host(tenant_id, url)

    def mutate(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """The bulk mutation behind ``POST /_emulator/mutate``."""
        return self.app.mutate(spec)

    def invalidate(self) -> None:
        """Drop cached pages after editing ``dataset`` directly."""
        self.app.invalidate()
