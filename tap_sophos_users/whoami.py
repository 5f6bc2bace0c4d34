"""Who a Sophos credential is, and where its tenants are listed (``GET /whoami/v1``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tap_sophos_users.errors import MalformedResponseError

#: Credential kind -> (tenant listing path, identity header). Tenant credentials list nothing.
_LISTINGS = {
    "partner": ("/partner/v1/tenants", "X-Partner-ID"),
    "organization": ("/organization/v1/tenants", "X-Organization-ID"),
}


@dataclass(frozen=True)
class Whoami:
    """The credential's kind and id, and for a tenant credential its regional host."""

    kind: str
    id: str
    data_region_host: str | None = None

    @property
    def listing_path(self) -> str:
        """Path of the tenant listing (partner and organization credentials only)."""
        return _LISTINGS[self.kind][0]

    @property
    def identity_header(self) -> str:
        """Header that carries the credential id on the listing."""
        return _LISTINGS[self.kind][1]


def parse_whoami(body: dict[str, Any]) -> Whoami:
    """Read a whoami answer, failing with a clear message on anything unexpected."""
    kind, ident = body.get("idType"), body.get("id")
    if kind not in {"tenant", *_LISTINGS} or not isinstance(ident, str) or not ident:
        raise MalformedResponseError(
            f"GET /whoami/v1: unexpected answer (idType={kind!r}); expected a tenant, "
            "partner or organization credential"
        )
    if kind != "tenant":
        return Whoami(kind, ident)
    hosts = body.get("apiHosts")
    region = hosts.get("dataRegion") if isinstance(hosts, dict) else None
    if not isinstance(region, str) or not region:
        raise MalformedResponseError(
            "GET /whoami/v1: a tenant credential without apiHosts.dataRegion"
        )
    return Whoami(kind, ident, region)
