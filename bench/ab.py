#!/usr/bin/env python3
"""Time two or more djsa binaries on the same project, alternating them run by run.

Alternating (A B A B ...) puts every binary under the same machine conditions, so small
differences (a few percent) show. Prints, per binary, the median wall time, CPU time (user +
system), system time, peak RSS and minor page faults. Standard library only.

    python3 bench/ab.py --runs 20 OLD_DJSA NEW_DJSA
    python3 bench/ab.py --project bench/out/p200 --python target/venvs/dj52/bin/python A B C
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def default_python() -> str:
    venvs = Path(os.environ.get("DJSA_VENV_DIR", ROOT / "target" / "venvs"))
    for name in ("dj61", "dj52"):
        p = venvs / name / "bin" / "python"
        if p.exists():
            return str(p)
    return "none"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bins", nargs="+", help="djsa binaries to compare")
    ap.add_argument("--project", default=str(ROOT / "bench" / "out" / "p2000"))
    ap.add_argument("--python", default=default_python(), help="passed to djsa --python")
    ap.add_argument("--runs", type=int, default=15, help="timed runs per binary, after one warm-up each")
    args = ap.parse_args()
    results: dict[str, list[tuple[float, float, float, float, int]]] = {b: [] for b in args.bins}
    for i in range(args.runs + 1):
        for b in args.bins:
            cmd = [b, "check", args.project, "--output-format", "json", "--python", args.python]
            t = time.perf_counter()
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t
            code = os.waitstatus_to_exitcode(status)
            if code not in (0, 1):
                print(f"{b}: exit {code} ({' '.join(cmd)})", file=sys.stderr)
                return 2
            if i > 0:
                results[b].append((wall, ru.ru_utime + ru.ru_stime, ru.ru_stime, ru.ru_maxrss / 1024, ru.ru_minflt))
    width = max(len(b) for b in args.bins)
    print(f"{args.project}: medians of {args.runs} alternating runs")
    for b, r in results.items():
        med = [statistics.median(x[k] for x in r) for k in range(5)]
        print(
            f"{b:{width}}  wall {med[0] * 1000:6.1f} ms  cpu {med[1] * 1000:6.1f} ms  "
            f"sys {med[2] * 1000:5.1f} ms  rss {med[3]:6.1f} MiB  minor faults {med[4]:7.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
