#!/usr/bin/env python3
"""Run a command several times; print its wall time (min/median/max) and peak RSS.

    python3 bench/timeit.py [--runs N] [--warmup W] [--cwd DIR] [--ok-codes 0,1]
                            [--label NAME] [--json] [--stdout-to FILE] -- CMD [ARG ...]

Wall time is measured around fork/exec/wait with time.perf_counter(); CPU time is the user +
system time wait4() reports (less sensitive to other load on the machine); peak RSS is the
ru_maxrss that os.wait4() reports for each run's process (and the descendants it waited for),
so every run is measured on its own. Warm-up runs are timed too and reported separately
("first"), which is the cold-process number (nothing of the command stays resident between
runs; the OS page cache does).

The command's output is discarded (the last run's stdout is kept with --stdout-to). An exit
code outside --ok-codes stops the measurement, prints the command's output and exits 2.
Standard library only; Linux and macOS (ru_maxrss is KiB on Linux, bytes on macOS).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def run_once(cmd, cwd, env):
    """Run cmd; return (wall s, CPU s (user+sys), max RSS KiB, exit code, stdout, stderr)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        p.returncode = code  # reaped by wait4; keep Popen from waiting again
        rss = usage.ru_maxrss
        if sys.platform == "darwin":
            rss //= 1024
        out.seek(0)
        err.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return wall, cpu, rss, code, out.read(), err.read()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--cwd")
    ap.add_argument("--ok-codes", default="0", help="comma-separated accepted exit codes")
    ap.add_argument("--label", default=None)
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    ap.add_argument("--stdout-to", help="write the last run's stdout to this file")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args(argv)
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no command given (put it after --)")
    if a.runs < 1:
        ap.error("--runs must be >= 1")
    ok = {int(c) for c in a.ok_codes.split(",") if c.strip()}
    env = dict(os.environ)

    walls, cpus, rsss, codes, warm = [], [], [], [], []
    out = b""
    for i in range(a.warmup + a.runs):
        try:
            wall, cpu, rss, code, out, err = run_once(cmd, a.cwd, env)
        except OSError as e:
            print(f"timeit: cannot run {cmd[0]}: {e}", file=sys.stderr)
            return 2
        if code not in ok:
            sys.stderr.write(f"timeit: {' '.join(cmd)} exited {code} (accepted: {sorted(ok)})\n")
            sys.stderr.write(out.decode(errors="replace")[-4000:])
            sys.stderr.write(err.decode(errors="replace")[-4000:])
            return 2
        if i < a.warmup:
            warm.append(wall)
        else:
            walls.append(wall)
            cpus.append(cpu)
        rsss.append(rss)
        codes.append(code)
    if a.stdout_to:
        with open(a.stdout_to, "wb") as fh:
            fh.write(out)

    res = {
        "label": a.label or os.path.basename(cmd[0]),
        "cmd": cmd,
        "runs": a.runs,
        "warmup": a.warmup,
        "min_s": min(walls),
        "median_s": statistics.median(walls),
        "max_s": max(walls),
        "first_s": warm[0] if warm else walls[0],
        "walls_s": walls,
        "cpu_median_s": statistics.median(cpus),
        "cpus_s": cpus,
        "max_rss_kib": max(rsss),
        "exit_codes": sorted(set(codes)),
    }
    if a.json:
        print(json.dumps(res))
    else:
        print(f"{res['label']}: median {res['median_s']:.3f} s (min {res['min_s']:.3f}, "
              f"max {res['max_s']:.3f}, first {res['first_s']:.3f}; {a.runs} runs), "
              f"CPU (user+sys) median {res['cpu_median_s']:.3f} s, "
              f"peak RSS {res['max_rss_kib'] / 1024:.1f} MiB, exit {res['exit_codes']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
