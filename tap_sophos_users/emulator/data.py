"""The emulator's data: credentials, tenants and directory users.

A :class:`Dataset` is plain data so that tests can build one by hand, generate one
deterministically (:func:`generate_dataset`) or load one from JSON. The generator covers
every user shape of the API contract (sparse keys, odd group items, non-ASCII names)
because the tap's mapping must survive all of them.
"""

from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal, cast

import orjson

CredentialKind = Literal["tenant", "partner", "organization"]
CREDENTIAL_KINDS: tuple[CredentialKind, ...] = ("tenant", "partner", "organization")

# Fixed, well-known fake credentials: tests and demos can hard-code them.
PARTNER_ID = "c0a8e4f2-1d3b-4e57-8a69-5f2b7c9d0e13"
ORGANIZATION_ID = "e5b71c3d-9a2f-4068-b1d4-7c3e8f0a2b96"
CLIENT_IDS: dict[CredentialKind, str] = {
    "tenant": "emulator-tenant-client",
    "partner": "emulator-partner-client",
    "organization": "emulator-organization-client",
}
CLIENT_SECRETS: dict[CredentialKind, str] = {
    "tenant": "emulator-tenant-secret",
    "partner": "emulator-partner-secret",
    "organization": "emulator-organization-secret",
}

GEOGRAPHY = {
    "us01": "US",
    "us02": "US",
    "us03": "US",
    "eu01": "IE",
    "eu02": "DE",
    "ca01": "CA",
    "au01": "AU",
    "jp01": "JP",
    "br01": "BR",
    "in01": "IN",
}
BILLING_TYPES = ("term", "usage", "trial")

# Every user shape the contract (§5) and the OCSF mapping mention.
SHAPES: tuple[str, ...] = (
    "named",  # full name, email, exchangeLogin, complete groups
    "domain_account",  # DOMAIN\login, sometimes `domain`
    "host_account",  # HOSTNAME\login, exchangeLogin "", no updatedAt
    "odd_groups",  # group items without id, without name, only displayName
    "empty_strings",  # firstName/lastName/email/exchangeLogin all ""
    "non_ascii",  # Zoë Ångström, 渡辺 健, Łukasz Żółć ...
    "minimal",  # only id, name, tenant, source
)
DEFAULT_SHAPE_MIX: dict[str, int] = {
    "named": 4,
    "domain_account": 2,
    "host_account": 1,
    "odd_groups": 1,
    "empty_strings": 1,
    "non_ascii": 2,
    "minimal": 1,
}

_FIRST = ("Marta", "John", "Jane", "Ahmed", "Priya", "Lars", "Chloé", "Tomás", "Mei", "Olu")
_LAST = ("Lindqvist", "Smith", "Doe", "Haddad", "Patel", "Berg", "Dubois", "Ruiz", "Chen", "Ade")
_NON_ASCII = (
    ("Zoë", "Ångström"),
    ("渡辺", "健"),
    ("Łukasz", "Żółć"),
    ("Søren", "Kierkegård"),
    ("Ελένη", "Παπαδοπούλου"),
    ("Иван", "Петров"),
    ("José", "Núñez"),
)
_DOMAINS = ("CORP", "ACME", "EUROPE", "LAB")
_HOSTS = ("WS-0042", "DESKTOP-ABC1234", "LAPTOP-7F3K", "KIOSK-01", "SRV-DB02")
_LOGINS = ("kiosk", "admin", "svc_backup", "jdoe", "operator", "scanner")
_GROUPS = ("Finance", "Engineering", "Sales", "Support", "IT Admins", "example.onmicrosoft.com")
_SOURCES = ("custom", "activeDirectory", "azureActiveDirectory")
_EPOCH = datetime(2022, 1, 1, tzinfo=timezone.utc)


def iso_ms(moment: datetime) -> str:
    """The API's timestamp format: UTC, milliseconds, ``Z``."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> datetime | None:
    """Parse an API timestamp; ``None`` when it is not one."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass
class Credential:
    """One API credential. ``id`` is what whoami returns (tenant, partner or org id)."""

    kind: CredentialKind
    client_id: str
    client_secret: str
    id: str
    tenant_ids: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form."""
        return {
            "kind": self.kind,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "id": self.id,
            "tenant_ids": list(self.tenant_ids),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Credential:
        """Inverse of :meth:`to_json`."""
        kind = data["kind"]
        if kind not in CREDENTIAL_KINDS:
            raise ValueError(f"unknown credential kind {kind!r}")
        return cls(
            kind=cast("CredentialKind", kind),
            client_id=str(data["client_id"]),
            client_secret=str(data["client_secret"]),
            id=str(data["id"]),
            tenant_ids=[str(t) for t in data.get("tenant_ids", [])],
        )


@dataclass
class Tenant:
    """A tenant: its listing fields (without ``apiHost`` until served) and its users.

    ``pinned_api_host`` overrides the ``apiHost`` the emulator would assign, which is how
    tests point a tenant at an untrusted or wrong host.
    """

    id: str
    region: str
    fields: dict[str, Any]
    users: list[dict[str, Any]] = field(default_factory=list)
    forbidden: bool = False
    pinned_api_host: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form; the served ``apiHost`` is left out (it depends on ports)."""
        fields = {k: v for k, v in self.fields.items() if k != "apiHost"}
        return {
            "id": self.id,
            "region": self.region,
            "fields": fields,
            "forbidden": self.forbidden,
            "pinned_api_host": self.pinned_api_host,
            "users": self.users,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Tenant:
        """Inverse of :meth:`to_json`."""
        return cls(
            id=str(data["id"]),
            region=str(data["region"]),
            fields=dict(data["fields"]),
            users=[dict(u) for u in data.get("users", [])],
            forbidden=bool(data.get("forbidden", False)),
            pinned_api_host=data.get("pinned_api_host"),
        )


def _new_credentials() -> dict[CredentialKind, Credential]:
    return {
        "tenant": Credential("tenant", CLIENT_IDS["tenant"], CLIENT_SECRETS["tenant"], ""),
        "partner": Credential(
            "partner", CLIENT_IDS["partner"], CLIENT_SECRETS["partner"], PARTNER_ID
        ),
        "organization": Credential(
            "organization",
            CLIENT_IDS["organization"],
            CLIENT_SECRETS["organization"],
            ORGANIZATION_ID,
        ),
    }


class UserFactory:
    """Deterministic generator of directory users, one shape at a time."""

    def __init__(self, rng: random.Random, shape_mix: Mapping[str, int] | None = None) -> None:
        mix = dict(DEFAULT_SHAPE_MIX if shape_mix is None else shape_mix)
        unknown = set(mix) - set(SHAPES)
        if unknown:
            raise ValueError(f"unknown user shapes: {sorted(unknown)}; known: {SHAPES}")
        # A weighted round-robin (not random draws) so that even small tenants get every shape.
        self.cycle = [shape for shape in SHAPES for _ in range(max(0, mix.get(shape, 0)))]
        if not self.cycle:
            raise ValueError("shape_mix selects no shape")
        self.rng = rng

    def groups_for(self, tenant_id: str) -> list[dict[str, str]]:
        """The tenant's group pool; deterministic per tenant id."""
        rng = random.Random(tenant_id)  # noqa: S311 - test data, not crypto
        return [{"id": _uuid(rng), "name": n, "displayName": n} for n in _GROUPS]

    def make(self, tenant_id: str, index: int, created: datetime | None = None) -> dict[str, Any]:
        """User number ``index`` of a tenant; ``created`` overrides the random createdAt."""
        rng = self.rng
        shape = self.cycle[index % len(self.cycle)]
        if created is None:
            created = _EPOCH + timedelta(milliseconds=rng.randrange(3 * 365 * 86_400_000))
        draft = _Draft(
            rng=rng,
            index=index,
            tenant_id=tenant_id,
            first=rng.choice(_FIRST),
            last=rng.choice(_LAST),
            pool=self.groups_for(tenant_id),
            user={"id": _uuid(rng)},
            source=rng.choice(_SOURCES),
        )
        updated = created + timedelta(milliseconds=rng.randrange(1, 400 * 86_400_000))
        _SHAPE_BUILDERS[shape](draft)
        user = draft.user
        if draft.groups is not None:
            user["groups"] = draft.groups
        user["tenant"] = {"id": tenant_id}
        user["source"] = {"type": draft.source}
        if draft.timestamps:
            user["createdAt"] = iso_ms(created)
            if draft.updated:
                user["updatedAt"] = iso_ms(updated)
        return user


def _groups_block(items: list[dict[str, str]]) -> dict[str, Any]:
    return {"total": len(items), "itemsCount": len(items), "items": items}


@dataclass
class _Draft:
    """A user being built; shape builders fill in what differs between shapes."""

    rng: random.Random
    index: int
    tenant_id: str
    first: str
    last: str
    pool: list[dict[str, str]]
    user: dict[str, Any]
    source: str
    groups: dict[str, Any] | None = field(default_factory=lambda: _groups_block([]))
    timestamps: bool = True
    updated: bool = True


def _named(d: _Draft) -> None:
    d.user |= {
        "name": f"{d.first} {d.last}",
        "firstName": d.first,
        "lastName": d.last,
        "email": f"{d.first.lower()}.{d.last.lower()}.{d.index}@acme.example",
        "exchangeLogin": f"{d.first[0].lower()}{d.last.lower()}{d.index}",
    }
    d.groups = _groups_block([dict(g) for g in d.rng.sample(d.pool, d.rng.randint(1, 3))])
    if d.index % 3 == 0:
        d.user["domain"] = "acme.example"


def _domain_account(d: _Draft) -> None:
    domain = d.rng.choice(_DOMAINS)
    d.user["name"] = f"{domain}\\{d.rng.choice(_LOGINS)}{d.index}"
    d.source = "activeDirectory"
    if d.index % 2 == 0:
        d.user["domain"] = domain.lower() + ".local"


def _host_account(d: _Draft) -> None:
    d.user |= {"name": f"{d.rng.choice(_HOSTS)}\\{d.rng.choice(_LOGINS)}", "exchangeLogin": ""}
    d.source = "custom"
    d.updated = False


def _odd_groups(d: _Draft) -> None:
    d.user |= {"name": f"{d.first} {d.last}", "email": f"{d.first.lower()}{d.index}@acme.example"}
    a, b, c = d.rng.sample(d.pool, 3)
    d.groups = _groups_block(
        [
            {"name": a["name"], "displayName": a["displayName"]},  # no id
            {"id": b["id"], "displayName": b["displayName"]},  # no name
            {"id": c["id"]},  # id only
            {"displayName": "Display Only"},  # only displayName
        ]
    )


def _empty_strings(d: _Draft) -> None:
    d.user |= {
        "name": f"{d.rng.choice(_LOGINS)}{d.index}",
        "firstName": "",
        "lastName": "",
        "email": "",
        "exchangeLogin": "",
    }


def _non_ascii(d: _Draft) -> None:
    first, last = _NON_ASCII[d.index % len(_NON_ASCII)]
    d.user |= {
        "name": f"{first} {last}",
        "firstName": first,
        "lastName": last,
        "email": f"user{d.index}.{d.tenant_id[:8]}@intl.example",
    }
    d.groups = _groups_block([dict(d.rng.choice(d.pool))])


def _minimal(d: _Draft) -> None:
    """Postman's smallest item: id, name, tenant, source and nothing else."""
    d.user["name"] = f"{d.first} {d.last}"
    d.groups = None
    d.timestamps = False


_SHAPE_BUILDERS: dict[str, Callable[[_Draft], None]] = {
    "named": _named,
    "domain_account": _domain_account,
    "host_account": _host_account,
    "odd_groups": _odd_groups,
    "empty_strings": _empty_strings,
    "non_ascii": _non_ascii,
    "minimal": _minimal,
}


class Dataset:
    """Credentials and tenants (in creation order) with their users."""

    def __init__(
        self,
        *,
        credentials: Mapping[str, Credential] | None = None,
        tenants: Sequence[Tenant] = (),
        regions: Sequence[str] = (),
        credential_kind: CredentialKind = "partner",
        seed: int = 0,
        shape_mix: Mapping[str, int] | None = None,
    ) -> None:
        if credential_kind not in CREDENTIAL_KINDS:
            raise ValueError(f"credential_kind must be one of {CREDENTIAL_KINDS}")
        creds = _new_credentials() if credentials is None else dict(credentials)
        self.credentials: dict[str, Credential] = cast("dict[str, Credential]", creds)
        self.tenants: dict[str, Tenant] = {t.id: t for t in tenants}
        self._regions: list[str] = list(dict.fromkeys(regions))
        self.credential_kind: CredentialKind = credential_kind
        self.seed = seed
        self.shape_mix: dict[str, int] | None = dict(shape_mix) if shape_mix else None
        self._rng = random.Random(f"dataset:{seed}")  # noqa: S311 - reproducible test data
        self._added = 0

    # -- construction -----------------------------------------------------------------

    @classmethod
    def empty(cls, credential_kind: CredentialKind = "partner", seed: int = 0) -> Dataset:
        """A dataset with the three credentials and no tenant."""
        return cls(credential_kind=credential_kind, seed=seed)

    @property
    def default_credential(self) -> Credential:
        """The credential the tap is configured with by default."""
        return self.credentials[self.credential_kind]

    @property
    def regions(self) -> list[str]:
        """Declared regions plus every region a tenant lives in; each gets its own port."""
        return list(dict.fromkeys([*self._regions, *(t.region for t in self.tenants.values())]))

    def add_tenant(
        self,
        region: str = "eu01",
        name: str | None = None,
        tenant_id: str | None = None,
        **extra_fields: Any,
    ) -> Tenant:
        """Create a tenant visible to the partner and organization credentials.

        The first tenant becomes the tenant credential's tenant. ``extra_fields`` are merged
        into the listing fields (e.g. ``status="suspended"``).
        """
        tid = tenant_id or _uuid(self._rng)
        if tid in self.tenants:
            raise ValueError(f"tenant {tid} already exists")
        number = len(self.tenants) + 1
        tname = name or f"tenant-{region}-{number}"
        fields: dict[str, Any] = {
            "id": tid,
            "name": tname,
            "showAs": tname.replace("-", " ").title(),
            "dataGeography": GEOGRAPHY.get(region, "US"),
            "dataRegion": region,
            "billingType": BILLING_TYPES[(number - 1) % len(BILLING_TYPES)],
            "partner": {"id": self.credentials["partner"].id},
            "organization": {"id": self.credentials["organization"].id},
            "status": "active",
        }
        fields.update(extra_fields)
        tenant = Tenant(id=tid, region=region, fields=fields)
        self.tenants[tid] = tenant
        for kind in ("partner", "organization"):
            self.credentials[kind].tenant_ids.append(tid)
        tcred = self.credentials["tenant"]
        if not tcred.id:
            tcred.id = tid
            tcred.tenant_ids = [tid]
        return tenant

    def tenant(self, tenant_id: str) -> Tenant:
        """The tenant, or ``KeyError`` naming it."""
        try:
            return self.tenants[tenant_id]
        except KeyError:
            raise KeyError(f"no tenant {tenant_id}") from None

    def add_user(self, tenant_id: str, user: Mapping[str, Any]) -> dict[str, Any]:
        """Store a copy of ``user`` exactly as given (no key is added or fixed)."""
        stored = copy.deepcopy(dict(user))
        self.tenant(tenant_id).users.append(stored)
        return stored

    def generate_users(self, tenant_id: str, n: int, *, now: bool = False) -> list[dict[str, Any]]:
        """Append ``n`` generated users; ``now`` stamps them as just created (mutations)."""
        tenant = self.tenant(tenant_id)
        factory = UserFactory(self._rng, self.shape_mix)
        made = []
        start = datetime.now(timezone.utc)
        for number in range(n):
            index = len(tenant.users) + self._added
            # Added users are created "now", 1 ms apart, so they sort last and in order.
            created = start + timedelta(milliseconds=number) if now else None
            user = factory.make(tenant_id, index, created)
            if created is not None:
                user["createdAt"] = iso_ms(created)
                if "updatedAt" in user:
                    user["updatedAt"] = user["createdAt"]
            tenant.users.append(user)
            made.append(user)
        if now:
            self._added += n
        return made

    def remove_tenant(self, tenant_id: str) -> None:
        """Drop a tenant from the data and from every credential."""
        del self.tenants[self.tenant(tenant_id).id]
        for cred in self.credentials.values():
            if tenant_id in cred.tenant_ids:
                cred.tenant_ids.remove(tenant_id)

    # -- JSON -------------------------------------------------------------------------

    def to_json(self, path: str | Path | None = None) -> dict[str, Any]:
        """The dataset as a JSON-able dict; also written to ``path`` when given."""
        data: dict[str, Any] = {
            "version": 1,
            "seed": self.seed,
            "credential_kind": self.credential_kind,
            "regions": self.regions,
            "shape_mix": self.shape_mix,
            "credentials": {k: c.to_json() for k, c in self.credentials.items()},
            "tenants": [t.to_json() for t in self.tenants.values()],
        }
        if path is not None:
            Path(path).write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
        return data

    @classmethod
    def from_json(cls, source: str | Path | Mapping[str, Any]) -> Dataset:
        """Load a dataset from a JSON file path or an already parsed dict."""
        data = (
            orjson.loads(Path(source).read_bytes()) if isinstance(source, (str, Path)) else source
        )
        creds = {k: Credential.from_json(v) for k, v in data["credentials"].items()}
        missing = set(CREDENTIAL_KINDS) - set(creds)
        if missing:
            raise ValueError(f"dataset lacks credentials: {sorted(missing)}")
        return cls(
            credentials=creds,
            tenants=[Tenant.from_json(t) for t in data.get("tenants", [])],
            regions=data.get("regions", ()),
            credential_kind=data.get("credential_kind", "partner"),
            seed=int(data.get("seed", 0)),
            shape_mix=data.get("shape_mix"),
        )


def generate_dataset(  # noqa: PLR0917 - keyword use is expected, positional kept simple
    seed: int = 0,
    regions: Sequence[str] = ("eu01", "us03"),
    tenants_per_region: int = 2,
    users_per_tenant: int | Sequence[int] = 30,
    credential_kind: CredentialKind = "partner",
    shape_mix: Mapping[str, int] | None = None,
) -> Dataset:
    """A deterministic dataset: same arguments, same ids, names and timestamps.

    ``users_per_tenant`` is one count for all tenants or one count per tenant in creation
    order (region by region), so tests can make tenants of exactly 0, 1, 100, 101 users.
    """
    n_tenants = len(regions) * tenants_per_region
    if isinstance(users_per_tenant, int):
        counts = [users_per_tenant] * n_tenants
    else:
        counts = list(users_per_tenant)
        if len(counts) != n_tenants:
            raise ValueError(f"users_per_tenant has {len(counts)} counts for {n_tenants} tenants")
    if any(c < 0 for c in counts):
        raise ValueError("user counts must be >= 0")
    ds = Dataset(regions=regions, credential_kind=credential_kind, seed=seed, shape_mix=shape_mix)
    number = 0
    for region in regions:
        for _ in range(tenants_per_region):
            tenant = ds.add_tenant(region=region, name=f"tenant-{region}-{number + 1}")
            ds.generate_users(tenant.id, counts[number])
            number += 1
    return ds
