"""Run a command and write its peak RSS (KiB) to a file: ``peak_rss.py OUT CMD...``.

A child's own ``ru_maxrss`` also counts the memory of the process it was forked from
(Linux records the pre-exec high-water mark), so a benchmark process holding large
datasets would inflate it. This small launcher is that parent instead.
"""

from __future__ import annotations

import os
import subprocess
import sys


def main() -> int:
    out, command = sys.argv[1], sys.argv[2:]
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    with open(out, "w") as file:
        file.write(str(usage.ru_maxrss))
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
