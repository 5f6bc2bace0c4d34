"""The command line as a user meets it: --about, --test, bad config, bad state, secrets."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tap_sophos_users.emulator import generate_dataset
from tests.tapctl import run_tap

SETTINGS = {
    "client_id",
    "client_secret",
    "api_host",
    "oauth2_authorization_url",
    "account_name",
    "tenant_ids",
    "page_size",
    "ocsf_strict",
    "max_requests_per_second",
    "request_timeout",
    "max_retries",
    "max_retry_seconds",
    "backoff_base_seconds",
}


def test_about_lists_settings_and_capabilities() -> None:
    run = run_tap({}, "--about", "--format=json", fast=False)
    assert run.returncode == 0, run.stderr
    about = json.loads(run.stdout)
    assert set(about["settings"]["properties"]) >= SETTINGS
    assert about["settings"]["properties"]["client_secret"]["secret"] is True
    assert set(about["capabilities"]) >= {
        "catalog",
        "discover",
        "state",
        "about",
        "stream-maps",
        "schema-flattening",
    }
    assert "batch" not in about["capabilities"]
    markdown = run_tap({}, "--about", "--format=markdown", fast=False)
    assert "| client_secret" in markdown.stdout


def test_connection_test_passes_and_names_credential_and_tenants(
    sophos_emulator_factory: Any,
) -> None:
    dataset = generate_dataset(
        seed=4, regions=("eu01", "us03"), tenants_per_region=3, users_per_tenant=5
    )
    emu = sophos_emulator_factory(dataset)
    run = run_tap(emu.tap_config(), "--test")
    assert run.returncode == 0, run.stderr
    assert "partner credential" in run.stderr
    assert "6 tenants" in run.stderr


def test_connection_test_fails_in_seconds_with_one_line(sophos_emulator_factory: Any) -> None:
    emu = sophos_emulator_factory(generate_dataset(seed=4, regions=("eu01",), users_per_tenant=1))
    started = time.monotonic()
    run = run_tap({**emu.tap_config(), "client_secret": "nope-nope"}, "--test", fast=False)
    assert time.monotonic() - started < 10
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert [line for line in run.stderr.splitlines() if "ERROR" in line] == [
        line for line in run.stderr.splitlines() if "Authentication failed" in line
    ]


@pytest.mark.parametrize(
    ("change", "setting"),
    [
        ({"page_size": 0}, "page_size"),
        ({"page_size": 500}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"api_host": "not a url"}, "api_host"),
        ({"oauth2_authorization_url": "ftp://x"}, "oauth2_authorization_url"),
        ({"tenant_ids": "abc"}, "tenant_ids"),
        ({"ocsf_strict": "yes"}, "ocsf_strict"),
        ({"client_id": None}, "client_id"),
    ],
)
def test_bad_config_names_the_setting(change: dict[str, Any], setting: str) -> None:
    config = {"client_id": "id", "client_secret": "s3cr3t-value", **change}
    config = {k: v for k, v in config.items() if v is not None}
    for args in ((), ("--test",)):
        run = run_tap(config, *args, fast=False)
        assert run.returncode == 1, run.stderr
        assert "Traceback" not in run.stderr
        assert setting in run.stderr
        assert "s3cr3t-value" not in run.stderr


def test_secret_of_wrong_type_is_not_echoed() -> None:
    run = run_tap({"client_id": "id", "client_secret": 918273645}, fast=False)
    assert run.returncode == 1
    assert "client_secret" in run.stderr
    assert "918273645" not in run.stderr


@pytest.mark.parametrize(
    "state",
    [
        {"bookmarks": {"users": {"known_users": {"a": "b"}}}},
        {
            "bookmarks": {
                "users": {"partitions": [{"context": {"tenant_id": "t"}, "known_users": 5}]}
            }
        },
        {"bookmarks": []},
    ],
)
def test_corrupt_state_is_rejected_in_one_line(sophos_emulator_factory: Any, state: Any) -> None:
    emu = sophos_emulator_factory(generate_dataset(seed=4, regions=("eu01",), users_per_tenant=1))
    run = run_tap(emu.tap_config(), state=state)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "Invalid state" in run.stderr
    assert run.users == []
    assert emu.requests == []  # rejected before anything is fetched


def test_no_secret_or_token_in_any_output_even_at_debug(sophos_emulator_factory: Any) -> None:
    dataset = generate_dataset(
        seed=4, regions=("eu01", "us03"), tenants_per_region=1, users_per_tenant=120
    )
    emu = sophos_emulator_factory(dataset, token_ttl=1.0)
    config = emu.tap_config()
    env = {"TAP_SOPHOS_USERS_LOGLEVEL": "DEBUG", "LOGLEVEL": "DEBUG"}
    runs = [
        run_tap(config, env=env),
        run_tap(config, "--test", env=env),
        run_tap({**config, "client_secret": config["client_secret"] + "x"}, env=env),
    ]
    tokens = emu.issued_tokens()
    assert tokens, "the emulator issued no token"
    assert "DEBUG" in runs[0].stderr  # debug logging really was on
    assert "urllib3.connectionpool" in runs[0].stderr  # HTTP debug logging too
    for run in runs:
        output = run.stdout + run.stderr
        assert config["client_secret"] not in output
        for token in tokens:
            assert token not in output
