"""How many pages of 100 users per second the emulator serves to one keep-alive client.

Run: ``python -m benchmarks.emulator_throughput [--seconds 3] [--users 10000] [--in-process]``.
By default the emulator runs in its own process (as in ``make demo``), so client and
server do not share a GIL; ``--in-process`` measures the setup of the tap's tests.
"""

from __future__ import annotations

import argparse
import http.client
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import orjson

from tap_sophos_users.emulator import Emulator, generate_dataset

USERS_PATH = "/common/v1/directory/users"


@contextmanager
def _emulator(users: int, in_process: bool) -> Iterator[dict[str, str]]:
    """Yield the tap config of a running emulator holding one tenant of ``users`` users."""
    if in_process:
        ds = generate_dataset(
            seed=1, regions=("eu01",), tenants_per_region=1, users_per_tenant=users
        )
        with Emulator(ds).start() as emu:
            yield emu.tap_config()
        return
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.json"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tap_sophos_users.emulator",
                "serve",
                "--regions",
                "eu01",
                "--tenants-per-region",
                "1",
                "--users-per-tenant",
                str(users),
                "--config-out",
                str(config),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            proc.stdout.readline()  # the ready line
            yield orjson.loads(config.read_bytes())
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            if proc.stdout is not None:
                proc.stdout.close()


def _request(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    headers: dict[str, str],
    body: str = "",
) -> bytes:
    conn.request(method, path, body=body or None, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        raise RuntimeError(f"{method} {path}: {resp.status} {data[:200]!r}")
    return data


def _connect(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)


def run(seconds: float, users: int, in_process: bool) -> tuple[float, float]:
    """Walk the tenant's pages repeatedly for ``seconds``; return (pages/s, users/s)."""
    with _emulator(users, in_process) as config:
        glob = _connect(config["api_host"])
        form = urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": config["client_id"],
                "client_secret": config["client_secret"],
                "scope": "token",
            }
        )
        token_path = urlsplit(config["oauth2_authorization_url"]).path
        token_body = _request(
            glob, "POST", token_path, {"Content-Type": "application/x-www-form-urlencoded"}, form
        )
        auth = {"Authorization": "Bearer " + orjson.loads(token_body)["access_token"]}
        whoami = orjson.loads(_request(glob, "GET", "/whoami/v1", auth))
        listing = orjson.loads(
            _request(glob, "GET", "/partner/v1/tenants", auth | {"X-Partner-ID": whoami["id"]})
        )
        tenant = listing["items"][0]
        conn = _connect(tenant["apiHost"])
        headers = auth | {"X-Tenant-ID": tenant["id"]}
        paths = [
            f"{USERS_PATH}?page={n}&pageSize=100&pageTotal=true"
            for n in range(1, -(-users // 100) + 1)
        ]
        counts = [len(orjson.loads(_request(conn, "GET", p, headers))["items"]) for p in paths]
        pages = served_users = 0
        start = time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            for path, count in zip(paths, counts, strict=True):
                _request(conn, "GET", path, headers)
                served_users += count
            pages += len(paths)
        conn.close()
        glob.close()
    return pages / elapsed, served_users / elapsed


def main() -> None:
    """Print the throughput figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time (default: 3)")
    parser.add_argument(
        "--users", type=int, default=10_000, help="users in the tenant (default: 10000)"
    )
    parser.add_argument(
        "--in-process", action="store_true", help="run the emulator in this process"
    )
    args = parser.parse_args()
    pages_s, users_s = run(args.seconds, args.users, args.in_process)
    mode = "in-process" if args.in_process else "separate process"
    print(f"emulator ({mode}): {pages_s:,.0f} pages/s of 100 users, {users_s:,.0f} users/s")


if __name__ == "__main__":
    main()
