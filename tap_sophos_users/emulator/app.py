"""The emulated Sophos Central API: routes, checks, state and mutations.

Transport-free on purpose: :meth:`SophosApp.handle` maps a :class:`Request` to a
:class:`Response`, so the HTTP layer (server.py) stays a thin, fast shell. Serialised
pages are cached and the cache is dropped on every mutation, which is what lets the
emulator serve thousands of pages per second.
"""

from __future__ import annotations

import hmac
import math
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl

import orjson

from tap_sophos_users.emulator.data import (
    CREDENTIAL_KINDS,
    Credential,
    Dataset,
    Tenant,
    iso_ms,
    parse_iso,
)
from tap_sophos_users.emulator.errors import HTML_502, api_error, error_word, token_error
from tap_sophos_users.emulator.faults import FaultInjector, Faults, malform
from tap_sophos_users.emulator.query import (
    TENANT_FIELDS,
    USER_FIELDS,
    BadRequest,
    default_order,
    page_of,
    parse_fields,
    parse_paging,
    project,
    select_users,
)
from tap_sophos_users.emulator.ratelimit import SlidingWindowLimiter
from tap_sophos_users.emulator.requestlog import LoggedRequest, RequestLog
from tap_sophos_users.emulator.tokens import TokenStore

TOKEN_PATH = "/api/v2/oauth2/token"  # noqa: S105 - a path, not a secret
WHOAMI_PATH = "/whoami/v1"
PARTNER_TENANTS_PATH = "/partner/v1/tenants"
ORGANIZATION_TENANTS_PATH = "/organization/v1/tenants"
USERS_PATH = "/common/v1/directory/users"
ADMIN_PREFIX = "/_emulator/"
_CACHE_LIMIT = 20_000

JSON = "application/json"


@dataclass(frozen=True)
class Request:
    """One HTTP request as the app sees it.

    ``headers`` has lower-case names; ``region`` is ``None`` on the global host.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    body: bytes
    host: str
    region: str | None


@dataclass(frozen=True)
class Response:
    """Status, body and extra headers; Content-Length is added by the server."""

    status: int
    body: bytes
    content_type: str = JSON
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class _Seen:
    """What the log needs to know about a request beyond its status."""

    client_id: str | None = None


@dataclass
class _Urls:
    global_url: str = ""
    regions: dict[str, str] = field(default_factory=dict)


def _ok(data: Any) -> Response:
    return Response(200, orjson.dumps(data))


def _api_error(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(status, api_error(status, message), headers=headers)


def _token_error(status: int, code: str, message: str) -> Response:
    return Response(status, token_error(code, message))


class SophosApp:
    """All emulator state and behaviour behind the HTTP servers."""

    def __init__(
        self, dataset: Dataset, token_ttl: float = 3600.0, faults: Faults | None = None
    ) -> None:
        self.dataset = dataset
        self.tokens = TokenStore(token_ttl)
        self._faults = faults if faults is not None else Faults()
        self.injector = FaultInjector()
        self.limiter = SlidingWindowLimiter()
        self.log = RequestLog()
        self.urls = _Urls()
        self.lock = threading.RLock()
        self._cache: dict[tuple[Any, ...], bytes] = {}
        self._selections: dict[tuple[Any, ...], list[dict[str, Any]]] = {}

    # -- configuration ----------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        """The live fault settings (fields may be changed while serving)."""
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self._faults = faults
        self.injector.reset()
        self.limiter.reset()

    def api_host(self, tenant: Tenant) -> str:
        """The ``apiHost`` served for a tenant: pinned, else its region's port."""
        if tenant.pinned_api_host is not None:
            return tenant.pinned_api_host
        return self.urls.regions.get(tenant.region, self.urls.global_url)

    def sync_api_hosts(self) -> None:
        """Write the served ``apiHost`` into every tenant's fields (after binding ports)."""
        with self.lock:
            for tenant in self.dataset.tenants.values():
                tenant.fields["apiHost"] = self.api_host(tenant)
            self.invalidate()

    def tap_config(self, kind: str | None = None) -> dict[str, str]:
        """The tap settings for one credential (default: the dataset's default kind)."""
        cred = self.dataset.credentials[kind or self.dataset.credential_kind]
        return {
            "client_id": cred.client_id,
            "client_secret": cred.client_secret,
            "api_host": self.urls.global_url,
            "oauth2_authorization_url": self.urls.global_url + TOKEN_PATH,
        }

    def invalidate(self) -> None:
        """Drop every cached page; called by each mutation."""
        with self.lock:
            self._cache.clear()
            self._selections.clear()

    # -- entry point ------------------------------------------------------------------

    def handle(self, req: Request) -> Response:
        """Answer one request; API requests are logged, admin requests are not."""
        if req.region is None and req.path.startswith(ADMIN_PREFIX):
            return self._admin(req)
        seen = _Seen(client_id=self._identify(req))
        resp = self._with_faults(req, seen)
        self.log.append(
            LoggedRequest(
                method=req.method,
                host=req.host,
                region=req.region,
                path=req.path,
                query=req.query,
                tenant_id=req.headers.get("x-tenant-id"),
                status=resp.status,
                client_id=seen.client_id,
            )
        )
        return resp

    def _with_faults(self, req: Request, seen: _Seen) -> Response:
        faults = self._faults
        is_token = req.region is None and req.path == TOKEN_PATH
        tenant_id = req.headers.get("x-tenant-id")
        decision = self.injector.decide(faults, req.path, tenant_id)
        if faults.latency > 0 and faults.matches(req.path, tenant_id):
            time.sleep(faults.latency)
        if decision.throttle:
            headers: tuple[tuple[str, str], ...] = ()
            if faults.retry_after is not None:
                headers = (("Retry-After", _seconds(faults.retry_after)),)
            return self._fault_error(is_token, 429, "Too many requests", headers)
        if decision.error:
            status = faults.error_status
            return self._fault_error(is_token, status, f"Injected {status} fault")
        if decision.malformed == "html502":
            return Response(502, HTML_502, "text/html")
        resp = self._route(req, seen, faults)
        if decision.malformed is not None and resp.status == 200:
            body = malform(decision.malformed, resp.body, decision.malformed_seq)
            resp = Response(200, body, resp.content_type, resp.headers)
        return resp

    @staticmethod
    def _fault_error(
        is_token: bool, status: int, message: str, headers: tuple[tuple[str, str], ...] = ()
    ) -> Response:
        if is_token:
            return Response(status, token_error(error_word(status), message), headers=headers)
        return _api_error(status, message, headers)

    def _rate_limited(
        self, faults: Faults, req: Request, client_id: str, is_token: bool
    ) -> Response | None:
        if not faults.rate_limit or not faults.matches(req.path, req.headers.get("x-tenant-id")):
            return None
        self.limiter.configure(faults.rate_limit_per_second, faults.rate_limit_per_minute)
        wait = self.limiter.acquire(client_id)
        if wait <= 0:
            return None
        headers: tuple[tuple[str, str], ...] = ()
        if faults.rate_limit_retry_after:
            headers = (("Retry-After", str(math.ceil(wait))),)
        return self._fault_error(is_token, 429, "Rate limit exceeded", headers)

    def _route(self, req: Request, seen: _Seen, faults: Faults) -> Response:  # noqa: PLR0911
        routes: dict[str, tuple[str, Callable[[Request, Credential], Response]]]
        if req.region is None:
            if req.path == TOKEN_PATH:
                if req.method != "POST":
                    return _token_error(405, "oauth.invalid_request", "Method Not Allowed")
                return self._token(req, seen, faults)
            routes = {
                WHOAMI_PATH: ("GET", self._whoami),
                PARTNER_TENANTS_PATH: ("GET", self._partner_tenants),
                ORGANIZATION_TENANTS_PATH: ("GET", self._organization_tenants),
            }
        else:
            routes = {USERS_PATH: ("GET", self._users)}
        route = routes.get(req.path)
        if route is None:
            return _api_error(404, f"No route for {req.path} on this host")
        method, handler = route
        if req.method != method:
            return _api_error(405, f"{req.method} is not allowed on {req.path}")
        cred = self._bearer(req)
        if isinstance(cred, Response):
            return cred
        seen.client_id = cred.client_id
        limited = self._rate_limited(faults, req, cred.client_id, is_token=False)
        if limited is not None:
            return limited
        try:
            return handler(req, cred)
        except BadRequest as exc:
            return _api_error(400, str(exc))

    # -- token ------------------------------------------------------------------------

    def _token(self, req: Request, seen: _Seen, faults: Faults) -> Response:  # noqa: PLR0911
        """One early return per documented failure, in the order a server would check."""
        ctype = req.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return _token_error(400, "oauth.invalid_request", "Body must be form-encoded")
        try:
            form = dict(parse_qsl(req.body.decode("utf-8"), keep_blank_values=True))
        except (UnicodeDecodeError, ValueError):
            return _token_error(400, "oauth.invalid_request", "Malformed form body")
        if form.get("grant_type") != "client_credentials":
            return _token_error(400, "oauth.unsupported_grant_type", "Unsupported grant_type")
        if form.get("scope") != "token":
            return _token_error(400, "oauth.invalid_scope", "scope must be token")
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if not client_id or not secret:
            return _token_error(
                400, "oauth.invalid_request", "client_id and client_secret required"
            )
        cred = self._credential(client_id)
        if cred is None:
            return _token_error(401, "oauth.client_app_does_not_exist", "Unauthorized")
        seen.client_id = cred.client_id
        limited = self._rate_limited(faults, req, cred.client_id, is_token=True)
        if limited is not None:
            return limited
        if not hmac.compare_digest(secret.encode(), cred.client_secret.encode()):
            return _token_error(401, "oauth.invalid_client_secret", "Unauthorized")
        issued = self.tokens.issue(cred.client_id)
        return _ok(
            {
                "access_token": issued.token,
                "refresh_token": secrets.token_hex(16),
                "token_type": "bearer",
                "expires_in": self.tokens.expires_in,
                "errorCode": "success",
                "message": "OK",
                "trackingId": str(uuid.uuid4()),
            }
        )

    def _identify(self, req: Request) -> str | None:
        """The credential's client id for the log, even when a fault answers first."""
        if req.region is None and req.path == TOKEN_PATH:
            try:
                form = dict(parse_qsl(req.body.decode("utf-8")))
            except (UnicodeDecodeError, ValueError):
                return None
            cred = self._credential(form.get("client_id", ""))
            return cred.client_id if cred else None
        scheme, _, token = req.headers.get("authorization", "").partition(" ")
        issued = self.tokens.check(token.strip()) if scheme.lower() == "bearer" else None
        return issued.client_id if issued else None

    def _credential(self, client_id: str) -> Credential | None:
        for cred in self.dataset.credentials.values():
            if cred.client_id == client_id:
                return cred
        return None

    def _bearer(self, req: Request) -> Credential | Response:
        header = req.headers.get("authorization")
        if not header:
            return _api_error(401, "Missing bearer token")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _api_error(401, "Authorization must be a bearer token")
        issued = self.tokens.check(token.strip())
        cred = self._credential(issued.client_id) if issued else None
        if cred is None:
            return _api_error(401, "Invalid or expired token")
        return cred

    # -- global routes ----------------------------------------------------------------

    def _whoami(self, req: Request, cred: Credential) -> Response:
        hosts = {"global": self.urls.global_url}
        if cred.kind == "tenant":
            tenant = self.dataset.tenants.get(cred.id)
            if tenant is not None:
                hosts["dataRegion"] = self.api_host(tenant)
        return _ok({"id": cred.id, "idType": cred.kind, "apiHosts": hosts})

    def _partner_tenants(self, req: Request, cred: Credential) -> Response:
        return self._tenants(req, cred, "partner", "X-Partner-ID")

    def _organization_tenants(self, req: Request, cred: Credential) -> Response:
        return self._tenants(req, cred, "organization", "X-Organization-ID")

    def _tenants(self, req: Request, cred: Credential, kind: str, header: str) -> Response:
        identity = req.headers.get(header.lower())
        if not identity:
            return _api_error(401, f"Missing {header} header")
        if cred.kind != kind or identity != cred.id:
            return _api_error(403, f"{header} is not this credential's {kind} id")
        key = ("tenants", cred.client_id, tuple(sorted(req.query.items())))
        return self._cached_page(key, lambda: self._tenants_page(req, cred))

    def _tenants_page(self, req: Request, cred: Credential) -> bytes:
        paging = parse_paging(req.query)
        fields = parse_fields(req.query, TENANT_FIELDS)
        visible = set(cred.tenant_ids)
        listed = [
            {**t.fields, "apiHost": self.api_host(t)}
            for t in self.dataset.tenants.values()
            if t.id in visible
        ]
        items, pages = page_of(listed, paging)
        return orjson.dumps({"items": [project(t, fields) for t in items], "pages": pages})

    # -- regional route ---------------------------------------------------------------

    def _users(self, req: Request, cred: Credential) -> Response:
        tenant_id = req.headers.get("x-tenant-id")
        if not tenant_id:
            return _api_error(401, "Missing X-Tenant-ID header")
        tenant = self.dataset.tenants.get(tenant_id)
        if tenant is None or tenant_id not in cred.tenant_ids:
            return _api_error(403, "Access to the requested tenant is denied.")
        if tenant.region != req.region:
            return _api_error(403, "The tenant is not served by this data region.")
        if tenant.forbidden:
            return _api_error(403, "Access to the requested tenant is denied.")
        params = tuple(sorted(req.query.items()))
        key = ("users", tenant_id, params)
        return self._cached_page(key, lambda: self._users_page(req, tenant, params))

    def _users_page(self, req: Request, tenant: Tenant, params: tuple[Any, ...]) -> bytes:
        paging = parse_paging(req.query)
        fields = parse_fields(req.query, USER_FIELDS)
        select_key = (
            tenant.id,
            tuple(p for p in params if p[0] not in {"page", "pageSize", "pageTotal", "fields"}),
        )
        selected = self._selections.get(select_key)
        if selected is None:
            selected = select_users(tenant.users, req.query)
            self._selections[select_key] = selected
        items, pages = page_of(selected, paging)
        return orjson.dumps({"items": [project(u, fields) for u in items], "pages": pages})

    def _cached_page(self, key: tuple[Any, ...], build: Callable[[], bytes]) -> Response:
        """A listing page from the cache, or built under the lock and cached."""
        body = self._cache.get(key)
        if body is None:
            with self.lock:
                body = build()
                if len(self._cache) >= _CACHE_LIMIT:
                    self._cache.clear()
                self._cache[key] = body
        return Response(200, body)

    # -- mutations --------------------------------------------------------------------

    def add_users(self, tenant_id: str, n: int = 1) -> list[dict[str, Any]]:
        """Generate ``n`` new users (created now) in a tenant."""
        with self.lock:
            made = self.dataset.generate_users(tenant_id, n, now=True)
            self.invalidate()
            return made

    def add_user(self, tenant_id: str, user: Mapping[str, Any]) -> dict[str, Any]:
        """Add a user exactly as given."""
        with self.lock:
            stored = self.dataset.add_user(tenant_id, user)
            self.invalidate()
            return stored

    def _find_user(self, tenant_id: str, user_id: str) -> dict[str, Any]:
        for user in self.dataset.tenant(tenant_id).users:
            if user.get("id") == user_id:
                return user
        raise KeyError(f"no user {user_id} in tenant {tenant_id}")

    def touch_user(self, tenant_id: str, user_id: str, updated_at: str | None = None) -> str:
        """Set ``updatedAt``; by default now, and always strictly later than before."""
        with self.lock:
            user = self._find_user(tenant_id, user_id)
            if updated_at is None:
                moment = datetime.now(timezone.utc)
                previous = parse_iso(str(user.get("updatedAt") or user.get("createdAt") or ""))
                if previous is not None and moment <= previous:
                    moment = previous + timedelta(milliseconds=1)
                updated_at = iso_ms(moment)
            user["updatedAt"] = updated_at
            self.invalidate()
            return updated_at

    def delete_user(self, tenant_id: str, user_id: str) -> None:
        """Remove one user."""
        with self.lock:
            user = self._find_user(tenant_id, user_id)
            self.dataset.tenant(tenant_id).users.remove(user)
            self.invalidate()

    def remove_tenant(self, tenant_id: str) -> None:
        """Remove a tenant from the data and from every credential."""
        with self.lock:
            self.dataset.remove_tenant(tenant_id)
            self.invalidate()

    def set_forbidden(self, tenant_id: str, forbidden: bool = True) -> None:
        """Keep the tenant listed but answer 403 on its users route."""
        with self.lock:
            self.dataset.tenant(tenant_id).forbidden = forbidden
            self.invalidate()

    def set_api_host(self, tenant_id: str, url: str | None) -> None:
        """Pin the tenant's listed ``apiHost`` (``None`` restores its region's port)."""
        with self.lock:
            tenant = self.dataset.tenant(tenant_id)
            tenant.pinned_api_host = url
            tenant.fields["apiHost"] = self.api_host(tenant)
            self.invalidate()

    def mutate(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """Deterministic bulk mutation for out-of-process use.

        In the chosen tenant (``tenant_id``, default the first): delete the ``delete``
        newest users, touch the ``touch`` oldest remaining ones, then add ``add`` users.
        ``remove_tenant`` and ``forbid`` take tenant ids; ``revoke_tokens`` a boolean.
        """
        counts = {k: int(spec.get(k, 0)) for k in ("touch", "add", "delete")}
        if any(v < 0 for v in counts.values()):
            raise ValueError("counts must be >= 0")
        result: dict[str, Any] = {"touched": [], "added": [], "deleted": []}
        with self.lock:
            if any(counts.values()):
                tenant_id = spec.get("tenant_id") or next(iter(self.dataset.tenants), None)
                if tenant_id is None:
                    raise ValueError("the dataset has no tenant")
                tenant = self.dataset.tenant(str(tenant_id))
                result["tenant_id"] = tenant.id
                ordered = [u for u in default_order(tenant.users) if "id" in u]
                doomed = ordered[len(ordered) - counts["delete"] :] if counts["delete"] else []
                for user in doomed:
                    self.delete_user(tenant.id, user["id"])
                    result["deleted"].append(user["id"])
                for user in ordered[: min(counts["touch"], len(ordered) - len(doomed))]:
                    self.touch_user(tenant.id, user["id"])
                    result["touched"].append(user["id"])
                added = self.add_users(tenant.id, counts["add"]) if counts["add"] else []
                result["added"] = [u["id"] for u in added]
            if spec.get("forbid"):
                self.set_forbidden(str(spec["forbid"]))
                result["forbidden"] = spec["forbid"]
            if spec.get("remove_tenant"):
                self.remove_tenant(str(spec["remove_tenant"]))
                result["removed_tenant"] = spec["remove_tenant"]
            if spec.get("revoke_tokens"):
                self.tokens.revoke_all()
                result["revoked_tokens"] = True
        return result

    # -- admin ------------------------------------------------------------------------

    def _admin(self, req: Request) -> Response:
        """Unauthenticated control routes: not logged, never faulted."""
        routes: dict[tuple[str, str], Callable[[Request], Any]] = {
            ("GET", "requests"): lambda _: [r.to_json() for r in self.log.snapshot()],
            ("GET", "config"): self._admin_config,
            ("GET", "dataset"): self._admin_dataset,
            ("POST", "reset-log"): self._admin_reset_log,
            ("POST", "mutate"): self._admin_mutate,
        }
        route = routes.get((req.method, req.path[len(ADMIN_PREFIX) :]))
        if route is None:
            return Response(404, orjson.dumps({"error": "NotFound", "message": req.path}))
        try:
            return _ok(route(req))
        except (ValueError, KeyError, TypeError) as exc:
            return Response(400, orjson.dumps({"error": "BadRequest", "message": str(exc)}))

    def _admin_config(self, req: Request) -> dict[str, str]:
        kind = req.query.get("kind") or None
        if kind is not None and kind not in CREDENTIAL_KINDS:
            raise ValueError(f"kind must be one of {CREDENTIAL_KINDS}")
        return self.tap_config(kind)

    def _admin_dataset(self, req: Request) -> dict[str, Any]:
        with self.lock:
            return self.dataset.to_json()

    def _admin_reset_log(self, req: Request) -> dict[str, bool]:
        self.log.clear()
        return {"ok": True}

    def _admin_mutate(self, req: Request) -> dict[str, Any]:
        spec = orjson.loads(req.body or b"{}")
        if not isinstance(spec, dict):
            raise TypeError("the body must be a JSON object")
        return self.mutate(spec)


def _seconds(value: float) -> str:
    """A ``Retry-After`` value: ``2`` for 2.0; a fraction stays one (``0.25``) for fast tests."""
    return f"{max(0.0, value):g}"
