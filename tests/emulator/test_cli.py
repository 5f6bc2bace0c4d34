"""The sophos-central-emulator command line, run as a real process."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import requests

from tap_sophos_users.emulator import Dataset
from tap_sophos_users.emulator.cli import main

CLI = [sys.executable, "-m", "tap_sophos_users.emulator"]

SERVE_OPTIONS = [
    "--host",
    "--port",
    "--seed",
    "--regions",
    "--tenants-per-region",
    "--users-per-tenant",
    "--credential-kind",
    "--data",
    "--token-ttl",
    "--latency",
    "--throttle-every",
    "--retry-after",
    "--rate-limit",
    "--error-every",
    "--error-status",
    "--malformed-every",
    "--malformed-kind",
    "--fault-path-prefix",
    "--forbidden-tenant",
    "--config-out",
]


def test_help_documents_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for option in [*SERVE_OPTIONS, "--url", "--touch", "--add", "--delete", "--out"]:
        assert option in text, option


def test_dump(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ds.json"
    assert (
        main(
            [
                "dump",
                "--seed",
                "3",
                "--regions",
                "eu02",
                "--users-per-tenant",
                "4,0",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    ds = Dataset.from_json(out)
    assert [len(t.users) for t in ds.tenants.values()] == [4, 0]
    assert "2 tenants, 4 users" in capsys.readouterr().out


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str, Path]]:
    config = tmp_path / "config.json"
    proc = subprocess.Popen(
        [
            *CLI,
            "--seed",
            "1",
            "--regions",
            "eu01,us03",
            "--tenants-per-region",
            "1",
            "--users-per-tenant",
            "3",
            "--forbidden-tenant",
            "tenant-us03-2",
            "--config-out",
            str(config),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    try:
        yield proc, line, config
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=5)


def test_serve_mutate_and_stop(served: tuple[subprocess.Popen[str], str, Path]) -> None:
    proc, line, config_path = served
    assert line.startswith("sophos-central-emulator ready global=http://127.0.0.1:"), line
    config = orjson.loads(config_path.read_bytes())
    assert config["client_secret"] not in line
    assert config["api_host"] in line
    form = {
        "grant_type": "client_credentials",
        "client_id": config["client_id"],
        "client_secret": config["client_secret"],
        "scope": "token",
    }
    token = requests.post(config["oauth2_authorization_url"], data=form, timeout=5).json()[
        "access_token"
    ]
    headers = {
        "Authorization": f"Bearer {token}",
        "X-Partner-ID": "c0a8e4f2-1d3b-4e57-8a69-5f2b7c9d0e13",
    }
    tenants = requests.get(
        config["api_host"] + "/partner/v1/tenants", headers=headers, timeout=5
    ).json()["items"]
    assert len(tenants) == 2
    forbidden = requests.get(
        tenants[1]["apiHost"] + "/common/v1/directory/users",
        headers={"Authorization": f"Bearer {token}", "X-Tenant-ID": tenants[1]["id"]},
        timeout=5,
    )
    assert forbidden.status_code == 403
    result = subprocess.run(
        [
            *CLI,
            "mutate",
            "--url",
            config["api_host"],
            "--touch",
            "1",
            "--add",
            "2",
            "--delete",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    )
    changed = orjson.loads(result.stdout)
    assert (len(changed["touched"]), len(changed["added"]), len(changed["deleted"])) == (1, 2, 1)
    assert changed["tenant_id"] == tenants[0]["id"]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=5) == 0


def test_serve_stops_on_sigint(served: tuple[subprocess.Popen[str], str, Path]) -> None:
    proc, line, _ = served
    assert "ready" in line
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=5) == 0


def test_mutate_reports_unreachable_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mutate", "--url", "http://127.0.0.1:9", "--touch", "1"]) == 1
    assert "cannot reach" in capsys.readouterr().err


def test_serve_from_data_file(tmp_path: Path) -> None:
    data = tmp_path / "ds.json"
    assert main(["dump", "--regions", "ca01", "--tenants-per-region", "1", "--out", str(data)]) == 0
    proc = subprocess.Popen(
        [*CLI, "serve", "--data", str(data), "--credential-kind", "tenant"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "regions=ca01=http://127.0.0.1:" in line
        assert "kind=tenant client_id=emulator-tenant-client tenants=1 users=30" in line
    finally:
        proc.terminate()
        assert proc.wait(timeout=5) == 0
        proc.stdout.close()  # type: ignore[union-attr]
