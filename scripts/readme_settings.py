"""Refresh (or, with --check, verify) the README's settings table from ``--about``.

The table between the ``settings:start``/``settings:end`` markers is exactly what
``tap-sophos-users --about --format=markdown`` prints under "## Settings".
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
MARKERS = re.compile(r"(<!-- settings:start -->\n)(.*?)(<!-- settings:end -->)", re.DOTALL)


def settings_table() -> str:
    about = subprocess.run(
        [sys.executable, "-m", "tap_sophos_users", "--about", "--format=markdown"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    section = about.split("## Settings", 1)[1]
    rows = [line for line in section.strip().splitlines() if line.startswith("|")]
    return "\n".join(rows) + "\n"


def main() -> int:
    text = README.read_text()
    updated = MARKERS.sub(lambda m: m.group(1) + settings_table() + m.group(3), text)
    if "--check" in sys.argv[1:]:
        if updated != text:
            print("README settings table is stale: run `make readme`", file=sys.stderr)
            return 1
        return 0
    README.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
