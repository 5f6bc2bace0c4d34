"""Kill the tap mid-run, rerun from its last STATE: every user emitted, none claimed early."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tap_sophos_users.emulator import Faults, generate_dataset
from tests.tapctl import FAST, run_tap


def _claimed(state: dict[str, Any]) -> set[str]:
    partitions = state.get("bookmarks", {}).get("users", {}).get("partitions", [])
    return {uid for p in partitions for uid in p.get("known_users", {})}


def _claims_follow_records(lines: list[str], known_before: set[str] | None = None) -> None:
    """No STATE may list a user in known_users before that user's RECORD was written."""
    written: set[str] = set(known_before or ())
    for line in lines:
        message = json.loads(line)
        if message["type"] == "RECORD" and message["stream"] == "users":
            written.add(message["record"]["user"]["uid"])
        elif message["type"] == "STATE":
            claimed = _claimed(message["value"])
            assert claimed <= written, f"claimed before written: {sorted(claimed - written)[:5]}"


def test_sigterm_mid_run_then_resume_loses_nobody(sophos_emulator_factory: Any) -> None:
    dataset = generate_dataset(
        seed=31, regions=("eu01", "us03"), tenants_per_region=4, users_per_tenant=120
    )
    emu = sophos_emulator_factory(dataset, faults=Faults(latency=0.05))
    config = {**FAST, **emu.tap_config()}
    everyone = {u["id"] for t in dataset.tenants.values() for u in t.users}

    with tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "config.json"
        config_path.write_text(json.dumps(config))
        lines: list[str] = []
        with subprocess.Popen(
            [sys.executable, "-m", "tap_sophos_users", "--config", str(config_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=tmp,
            env={k: v for k, v in os.environ.items() if not k.startswith("TAP_SOPHOS_USERS_")},
        ) as process:
            assert process.stdout is not None
            users_seen = 0
            # Bytes split on "\n" only: JSON strings may hold other Unicode line breaks.
            for raw in process.stdout:
                lines.append(raw.decode())
                if b'"stream":"users"' in raw and b'"RECORD"' in raw:
                    users_seen += 1
                    if users_seen == 300:  # in the middle of the third tenant
                        process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)

    messages = [json.loads(line) for line in lines if line.startswith("{")]
    first_ids = {
        m["record"]["user"]["uid"]
        for m in messages
        if m["type"] == "RECORD" and m["stream"] == "users"
    }
    states = [m["value"] for m in messages if m["type"] == "STATE"]
    assert 300 <= len(first_ids) < len(everyone), "the kill did not land mid-run"
    assert states, "no STATE was written on SIGTERM"
    _claims_follow_records([line for line in lines if line.startswith("{")])

    second = run_tap(config, state=states[-1])
    assert second.returncode == 0, second.stderr
    assert first_ids | set(second.user_ids) == everyone
    # The resumed run skips what the first run already recorded as emitted.
    assert len(second.user_ids) < len(everyone)
    _claims_follow_records(
        [line for line in second.stdout.split("\n") if line.startswith("{")], _claimed(states[-1])
    )
