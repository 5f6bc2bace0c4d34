"""``python -m benchmarks`` (or ``make bench``): the tap against the emulator, one table.

Figures are ratios measured side by side in one run, because shared machines are noisy:
the tap against a minimal hand-written client on the same data, interleaved; STATE bytes
against the final state; requests against the documented minimum.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tap_sophos_users.emulator import Emulator, generate_dataset, minimum_requests

UNPACED = {"max_requests_per_second": 100000}
REGIONS = ("eu01", "us03", "eu02", "au01")


@dataclass
class Run:
    seconds: float
    stdout: bytes
    max_rss_mb: float
    returncode: int


def _run(command: list[str], *, capture: bool, measure_rss: bool = False) -> Run:
    """Run a command and time it; with ``measure_rss``, through the peak_rss launcher."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_SOPHOS_USERS_")}
    env.pop("PYTHONUNBUFFERED", None)
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as rss:
        if measure_rss:  # not for timed runs: the launcher's own start-up would count
            command = [sys.executable, "-m", "benchmarks.peak_rss", rss.name, *command]
        started = time.perf_counter()
        done = subprocess.run(
            command,
            stdout=out if capture else subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            check=False,
        )
        seconds = time.perf_counter() - started
        out.seek(0)
        stdout = out.read() if capture else b""
        max_rss_mb = int(rss.read() or 0) / 1024
    return Run(seconds, stdout, max_rss_mb, done.returncode)


@contextmanager
def _files(config: dict[str, Any], state: dict[str, Any] | None = None) -> Iterator[list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "config.json"
        config_path.write_text(json.dumps(config))
        args = ["--config", str(config_path)]
        if state is not None:
            state_path = Path(tmp) / "state.json"
            state_path.write_text(json.dumps(state))
            args += ["--state", str(state_path)]
        yield args


def run_tap(
    config: dict[str, Any],
    state: dict[str, Any] | None = None,
    *,
    capture: bool = True,
    measure_rss: bool = False,
) -> Run:
    with _files(config, state) as args:
        command = [sys.executable, "-m", "tap_sophos_users", *args]
        return _run(command, capture=capture, measure_rss=measure_rss)


def run_baseline(config: dict[str, Any]) -> Run:
    with _files(config) as args:
        return _run([sys.executable, "-m", "benchmarks.baseline_client", args[1]], capture=False)


def state_lines(stdout: bytes) -> list[bytes]:
    return [line for line in stdout.splitlines() if line.startswith(b'{"type":"STATE"')]


def final_state(stdout: bytes) -> dict[str, Any]:
    return json.loads(state_lines(stdout)[-1])["value"]  # type: ignore[no-any-return]


def _dataset(tenants: int, users: int, seed: int) -> Any:
    regions = REGIONS[: min(len(REGIONS), tenants)]
    return generate_dataset(
        seed=seed,
        regions=regions,
        tenants_per_region=tenants // len(regions),
        users_per_tenant=users,
    )


def _timed(side: str, config: dict[str, Any]) -> float:
    run = run_tap(config, capture=False) if side == "tap" else run_baseline(config)
    assert run.returncode == 0, f"{side} run failed"
    return run.seconds


def throughput(rows: list[tuple[str, str, str]], repeats: int, scale: float) -> None:
    users, tenants = int(50_000 * scale), 20
    with Emulator(_dataset(tenants, users // tenants, seed=1)).start() as emu:
        config = {**emu.tap_config(), **UNPACED}
        _timed("hand-written client", config)  # untimed: fills the emulator's page cache
        times: dict[str, list[float]] = {"tap": [], "hand-written client": []}
        sides = list(times)
        for i in range(repeats):  # interleaved, order alternating: drifts hit both alike
            for side in sides if i % 2 == 0 else reversed(sides):
                times[side].append(_timed(side, config))
        tap, base = (statistics.median(times[side]) for side in sides)
        rows.append(
            (
                f"Throughput, {users:,} users / {tenants} tenants "
                f"(median of {repeats}, interleaved)",
                f"tap {tap:.2f} s ({users / tap:,.0f} users/s), hand-written client {base:.2f} s",
                f"{tap / base:.2f}x (bar 1.5x, aim 1.0x)",
            )
        )
        emu.clear_requests()
        first = run_tap(config)  # captured: its state feeds the rerun
        made, minimum = len(emu.requests), minimum_requests(emu.dataset)
        rows.append(
            (
                "Requests made vs minimum "
                "(1 token + 1 whoami + tenant pages + sum max(1, ceil(users/100)))",
                f"{made} vs {minimum}",
                "equal" if made == minimum else "NOT EQUAL",
            )
        )
        rerun = run_tap(config, final_state(first.stdout))
        emitted = rerun.stdout.count(b'{"type":"RECORD","stream":"users"')
        rows.append(
            (
                "Rerun with no changes vs run 1",
                f"{rerun.seconds:.2f} s vs {first.seconds:.2f} s, {emitted} users emitted",
                f"{rerun.seconds / first.seconds:.2f}x",
            )
        )


def state_overhead(rows: list[tuple[str, str, str]], scale: float) -> None:
    tenants, users = max(4, int(200 * scale)), 250
    with Emulator(_dataset(tenants, users, seed=2)).start() as emu:
        run = run_tap({**emu.tap_config(), **UNPACED})
        lines = state_lines(run.stdout)
        total, final = sum(len(line) + 1 for line in lines), len(lines[-1]) + 1
        rows.append(
            (
                f"STATE bytes / final state, {tenants} tenants x {users} users",
                f"{total:,} B in {len(lines)} STATE messages; final {final:,} B",
                f"{total / final:.2f} (bar 3, aim 1.1)",
            )
        )


def peak_memory(rows: list[tuple[str, str, str]], scale: float) -> None:
    users = int(100_000 * scale)
    with Emulator(_dataset(1, users, seed=3)).start() as emu:
        run = run_tap({**emu.tap_config(), **UNPACED}, capture=False, measure_rss=True)
        rows.append(
            (
                f"Peak RSS, {users:,} users in one tenant",
                f"{run.max_rss_mb:.0f} MB in {run.seconds:.1f} s",
                "aim <= 200 MB",
            )
        )


def default_pacing(rows: list[tuple[str, str, str]]) -> None:
    with Emulator(_dataset(4, 500, seed=4)).start() as emu:
        run = run_tap(emu.tap_config(), capture=False)  # default max_requests_per_second: 10
        requests_made = len(emu.requests)
        bound = requests_made / 10
        rows.append(
            (
                "Default pacing (10 requests/s), 2,000 users / 4 tenants",
                f"{requests_made} requests in {run.seconds:.2f} s",
                f"bound {bound:.2f} s",
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7, help="throughput runs per side (>= 3)")
    parser.add_argument("--scale", type=float, default=1.0, help="shrink data sets (smoke runs)")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    throughput(rows, args.repeats, args.scale)
    state_overhead(rows, args.scale)
    peak_memory(rows, args.scale)
    default_pacing(rows)
    print(f"tap-sophos-users benchmark (python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    print("| measure | figures | result |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
