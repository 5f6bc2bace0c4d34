"""``make bench`` keeps working: a small-scale run prints the whole table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_benchmark_prints_every_measure_at_small_scale() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--scale", "0.02", "--repeats", "3"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    table = [line.strip("| ").split(" | ") for line in done.stdout.splitlines()[1:]]
    assert table[0] == ["measure", "figures", "result"]
    results = {measure.split(",")[0].split(" (")[0]: cells for measure, *cells in table[2:]}
    assert list(results) == [
        "Throughput",
        "Requests made vs minimum",
        "Rerun with no changes vs run 1",
        "STATE bytes / final state",
        "Peak RSS",
        "Default pacing",
    ]
    assert results["Requests made vs minimum"][1] == "equal"
    assert results["Rerun with no changes vs run 1"][0].endswith(", 0 users emitted")
    assert float(results["STATE bytes / final state"][1].split()[0]) <= 1.1
