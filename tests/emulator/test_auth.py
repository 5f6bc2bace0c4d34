"""Token endpoint, bearer checks, expiry and revocation."""

from __future__ import annotations

import time

import pytest
import requests

from tap_sophos_users.emulator import Emulator, generate_dataset
from tests.emulator.helpers import bearer, get_token, token_form

TOKEN_ERROR_KEYS = {"errorCode", "message", "trackingId"}


def test_token_success_has_the_seven_fields(sophos_emulator: Emulator) -> None:
    resp = requests.post(sophos_emulator.token_url, data=token_form(sophos_emulator), timeout=5)
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
        "errorCode",
        "message",
        "trackingId",
    }
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["errorCode"] == "success"
    assert body["message"] == "OK"
    assert len(body["access_token"]) >= 32


def test_tokens_are_random(sophos_emulator: Emulator) -> None:
    assert get_token(sophos_emulator) != get_token(sophos_emulator)


@pytest.mark.parametrize("kind", ["tenant", "partner", "organization"])
def test_every_credential_kind_gets_a_token(sophos_emulator: Emulator, kind: str) -> None:
    token = get_token(sophos_emulator, kind)
    resp = requests.get(sophos_emulator.global_url + "/whoami/v1", headers=bearer(token), timeout=5)
    assert resp.json()["idType"] == kind


def test_unknown_client_id(sophos_emulator: Emulator) -> None:
    form = token_form(sophos_emulator) | {"client_id": "nobody"}
    resp = requests.post(sophos_emulator.token_url, data=form, timeout=5)
    assert resp.status_code == 401
    assert set(resp.json()) == TOKEN_ERROR_KEYS
    assert resp.json()["errorCode"] == "oauth.client_app_does_not_exist"


def test_wrong_secret(sophos_emulator: Emulator) -> None:
    form = token_form(sophos_emulator) | {"client_secret": "wrong"}
    resp = requests.post(sophos_emulator.token_url, data=form, timeout=5)
    assert resp.status_code == 401
    assert resp.json()["errorCode"] == "oauth.invalid_client_secret"
    assert resp.json()["message"] == "Unauthorized"


@pytest.mark.parametrize(
    "change",
    [
        {"grant_type": "refresh_token"},
        {"grant_type": None},
        {"scope": None},
        {"scope": "other"},
        {"client_secret": None},
        {"client_id": None},
    ],
)
def test_malformed_token_request(sophos_emulator: Emulator, change: dict[str, str | None]) -> None:
    form = {k: v for k, v in (token_form(sophos_emulator) | change).items() if v is not None}
    resp = requests.post(sophos_emulator.token_url, data=form, timeout=5)
    assert resp.status_code == 400
    assert set(resp.json()) == TOKEN_ERROR_KEYS


def test_json_body_is_not_accepted(sophos_emulator: Emulator) -> None:
    resp = requests.post(sophos_emulator.token_url, json=token_form(sophos_emulator), timeout=5)
    assert resp.status_code == 400
    assert set(resp.json()) == TOKEN_ERROR_KEYS


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer "},
    ],
)
def test_bad_bearer_gets_401_standard_error(
    sophos_emulator: Emulator, headers: dict[str, str]
) -> None:
    resp = requests.get(sophos_emulator.global_url + "/whoami/v1", headers=headers, timeout=5)
    assert resp.status_code == 401
    body = resp.json()
    assert body["error"] == "Unauthorized"
    assert {"correlationId", "requestId"} <= set(body)


def test_bad_bearer_on_regional_host(sophos_emulator: Emulator) -> None:
    tenant = next(iter(sophos_emulator.dataset.tenants.values()))
    url = sophos_emulator.region_urls[tenant.region] + "/common/v1/directory/users"
    resp = requests.get(url, headers={"X-Tenant-ID": tenant.id}, timeout=5)
    assert resp.status_code == 401
    assert resp.json()["error"] == "Unauthorized"


def test_fractional_ttl_expires_for_real(sophos_emulator_factory) -> None:
    emu = sophos_emulator_factory(
        generate_dataset(tenants_per_region=1, users_per_tenant=1), token_ttl=0.3
    )
    resp = requests.post(emu.token_url, data=token_form(emu), timeout=5)
    assert resp.json()["expires_in"] == 1
    headers = bearer(resp.json()["access_token"])
    assert (
        requests.get(emu.global_url + "/whoami/v1", headers=headers, timeout=5).status_code == 200
    )
    time.sleep(0.35)
    assert (
        requests.get(emu.global_url + "/whoami/v1", headers=headers, timeout=5).status_code == 401
    )


def test_expires_in_rounds_up(sophos_emulator_factory) -> None:
    emu = sophos_emulator_factory(
        generate_dataset(tenants_per_region=1, users_per_tenant=0), token_ttl=90.2
    )
    assert requests.post(emu.token_url, data=token_form(emu), timeout=5).json()["expires_in"] == 91


def test_revoke_tokens(sophos_emulator: Emulator) -> None:
    headers = bearer(get_token(sophos_emulator))
    url = sophos_emulator.global_url + "/whoami/v1"
    assert requests.get(url, headers=headers, timeout=5).status_code == 200
    sophos_emulator.revoke_tokens()
    assert requests.get(url, headers=headers, timeout=5).status_code == 401
    fresh = bearer(get_token(sophos_emulator))
    assert requests.get(url, headers=fresh, timeout=5).status_code == 200


def test_issued_tokens_history(sophos_emulator: Emulator) -> None:
    first, second = get_token(sophos_emulator), get_token(sophos_emulator, "tenant")
    sophos_emulator.revoke_tokens()
    assert sophos_emulator.issued_tokens() == [first, second]
