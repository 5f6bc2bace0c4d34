"""The yardstick: a minimal hand-written client with no SDK.

It makes the same HTTP calls as the tap (token, whoami, tenant pages, user pages with
keep-alive), applies the same OCSF mapping and prints one JSON line per user. No retries,
no state, no Singer envelope: the least any client could do.

Usage: python -m benchmarks.baseline_client CONFIG.json > out.jsonl
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from typing import Any

import orjson
import requests

from tap_sophos_users.ocsf import to_ocsf


def _pages(session: requests.Session, url: str, headers: dict[str, str]) -> Any:
    page = 1
    while True:
        params: dict[str, Any] = {"page": page, "pageSize": 100, "pageTotal": "true"}
        response = session.get(url, headers=headers, params=params, timeout=60)
        response.raise_for_status()
        body = orjson.loads(response.content)
        yield from body["items"]
        if page >= body["pages"].get("total", 0):
            return
        page += 1


def main(config_path: str) -> None:
    with open(config_path) as file:
        config = json.load(file)
    session = requests.Session()
    token = session.post(
        config["oauth2_authorization_url"],
        data={
            "grant_type": "client_credentials",
            "client_id": config["client_id"],
            "client_secret": config["client_secret"],
            "scope": "token",
        },
        timeout=60,
    ).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    api = config["api_host"]
    whoami = session.get(f"{api}/whoami/v1", timeout=60).json()
    kind = whoami["idType"]
    if kind == "tenant":
        tenants = [{"id": whoami["id"], "apiHost": whoami["apiHosts"]["dataRegion"]}]
    else:
        header = {"partner": "X-Partner-ID", "organization": "X-Organization-ID"}[kind]
        tenants = list(_pages(session, f"{api}/{kind}/v1/tenants", {header: whoami["id"]}))
    out = sys.stdout.buffer
    now = datetime.now(timezone.utc)
    for tenant in tenants:
        url = tenant["apiHost"].rstrip("/") + "/common/v1/directory/users"
        for user in _pages(session, url, {"X-Tenant-ID": tenant["id"]}):
            record = to_ocsf(user, strict=False, now=now).record
            if record is not None:
                out.write(orjson.dumps(record) + b"\n")
    out.flush()


if __name__ == "__main__":
    main(sys.argv[1])
