"""Run tap-sophos-users as a user does (a subprocess with files), and read what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Settings that keep integration runs fast: no client-side pacing, short retries.
FAST = {
    "max_requests_per_second": 1000,
    "backoff_base_seconds": 0.01,
    "max_retries": 4,
    "request_timeout": 10,
}


@dataclass
class TapRun:
    """A finished run: its exit status, its Singer messages and its log."""

    returncode: int
    stdout: str
    stderr: str
    messages: list[dict[str, Any]] = field(default_factory=list)

    def records(self, stream: str) -> list[dict[str, Any]]:
        return [
            m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream
        ]

    @property
    def users(self) -> list[dict[str, Any]]:
        return self.records("users")

    @property
    def user_ids(self) -> list[str]:
        return [r["user"]["uid"] for r in self.users]

    @property
    def states(self) -> list[dict[str, Any]]:
        return [m["value"] for m in self.messages if m["type"] == "STATE"]

    @property
    def state(self) -> dict[str, Any]:
        """The last STATE written (what Meltano would store)."""
        assert self.states, f"no STATE written; stderr:\n{self.stderr}"
        return self.states[-1]

    def known_users(self, tenant_id: str) -> dict[str, str] | None:
        return known_users(self.state, tenant_id)

    @property
    def state_bytes(self) -> int:
        return sum(len(line) + 1 for line in self.stdout.split("\n") if '"type":"STATE"' in line)


def known_users(state: dict[str, Any], tenant_id: str) -> dict[str, str] | None:
    partitions = state.get("bookmarks", {}).get("users", {}).get("partitions", [])
    for partition in partitions:
        if partition["context"] == {"tenant_id": tenant_id}:
            return dict(partition.get("known_users", {}))
    return None


def write_json(directory: Path, name: str, value: Any) -> Path:
    path = directory / name
    path.write_text(json.dumps(value))
    return path


def run_tap(
    config: dict[str, Any],
    *args: str,
    state: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    fast: bool = True,
) -> TapRun:
    """Run ``tap-sophos-users --config ... [--state ...] args`` and parse stdout."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        full_config = {**(FAST if fast else {}), **config}
        command = [sys.executable, "-m", "tap_sophos_users", "--config"]
        command.append(str(write_json(directory, "config.json", full_config)))
        if state is not None:
            command += ["--state", str(write_json(directory, "state.json", state))]
        command += list(args)
        process_env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_SOPHOS_USERS_")}
        process_env.update(env or {})
        done = subprocess.run(
            command,
            capture_output=True,
            timeout=timeout,
            env=process_env,
            cwd=directory,  # no stray .env file is picked up
            check=False,
        )
    # Split on "\n" only: str.splitlines() also breaks on Unicode separators inside JSON strings.
    stdout, stderr = done.stdout.decode(), done.stderr.decode()
    lines = stdout.split("\n")
    messages = [json.loads(line) for line in lines if line.startswith('{"type"')]
    return TapRun(done.returncode, stdout, stderr, messages)
