#!/usr/bin/env bash
# Benchmark `djsa check` against Django's `manage.py check` on generated projects.
# See bench/README.md. Prints numbers; never fails because of them.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: bench/run.sh [options]

  --no-build               do not run `cargo build --release -p djsa` first
  --python PATH            Python with Django for the comparison
                           (default: ${DJSA_VENV_DIR:-target/venvs}/dj61, then dj52, then python3)
  --with-makemigrations    also time `makemigrations --check --dry-run` (Django vs djsa)
  --projects LIST          comma-separated APPSxMODELS_PER_APP (default: 10x20,50x40)
  --migrations-per-app K   migrations generated per app (default: 3)
  --runs N                 timed djsa runs, after one warm-up (default: 5)
  --django-runs N          timed Django runs, after one warm-up (default: 3)
  --seed S                 generator seed (default: 1)
  --bin PATH               djsa binary (default: $CARGO_TARGET_DIR or target, /release/djsa)
  --ruff PATH              ruff binary for the parse-speed floor (default: ${DJSA_VENV_DIR:-target/venvs}/ruff/bin/ruff,
                           created with pip (ruff==RUFF_VERSION) when missing)
  --no-ruff                do not time ruff
  -h, --help               this help

Projects are written to bench/out/p<models>/ (replaced each run); the table is also saved to
bench/out/results.md and the raw numbers to bench/out/results.json.
EOF
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BUILD=1
PY=""
WITH_MM=0
PROJECTS="10x20,50x40"
MIGS=3
DJSA_RUNS=5
DJ_RUNS=3
SEED=1
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/djsa"
RUFF=""
WITH_RUFF=1
RUFF_VERSION="0.17.6"
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac

while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) BUILD=0 ;;
        --python) PY="$2"; shift ;;
        --with-makemigrations) WITH_MM=1 ;;
        --projects) PROJECTS="$2"; shift ;;
        --migrations-per-app) MIGS="$2"; shift ;;
        --runs) DJSA_RUNS="$2"; shift ;;
        --django-runs) DJ_RUNS="$2"; shift ;;
        --seed) SEED="$2"; shift ;;
        --ruff) RUFF="$2"; shift ;;
        --no-ruff) WITH_RUFF=0 ;;
        --bin) BIN="$2"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench/run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

# A Python for the stdlib helpers (generator, timer); any 3.8+ will do.
HOSTPY="$(command -v python3 || true)"

# Python + Django for the comparison.
if [ -z "$PY" ]; then
    VENVS="${DJSA_VENV_DIR:-target/venvs}"
    for v in dj61 dj52; do
        if [ -x "$VENVS/$v/bin/python" ]; then PY="$VENVS/$v/bin/python"; break; fi
    done
    if [ -z "$PY" ] && [ -n "$HOSTPY" ] && "$HOSTPY" -c 'import django' 2>/dev/null; then
        PY="$HOSTPY"
    fi
fi
if [ -n "$PY" ]; then
    case "$PY" in /*) ;; */*) PY="$ROOT/$PY" ;; esac
    if ! DJANGO_VERSION="$("$PY" -c 'import django; print(django.get_version())' 2>/dev/null)"; then
        echo "bench/run.sh: $PY cannot import django" >&2
        exit 2
    fi
else
    echo "bench/run.sh: no Python with Django found (try --python PATH); timing djsa only" >&2
    DJANGO_VERSION=""
fi
[ -n "$HOSTPY" ] || HOSTPY="$PY"
if [ -z "$HOSTPY" ]; then echo "bench/run.sh: python3 not found" >&2; exit 2; fi

if [ "$BUILD" = 1 ]; then
    echo "building: cargo build --release -p djsa" >&2
    cargo build --release -p djsa >&2
fi
HAVE_DJSA=0
if [ -x "$BIN" ]; then
    HAVE_DJSA=1
    DJSA_VERSION="$("$BIN" version 2>/dev/null || "$BIN" --version 2>/dev/null || echo '?')"
    DJSA_VERSION="${DJSA_VERSION#djsa }"
else
    echo "bench/run.sh: $BIN not found; timing Django only" >&2
    DJSA_VERSION=""
fi
# djsa reads the same environment Django runs in (its installed apps: contrib.auth ...).
DJSA_PY_ARGS=()
[ -z "$PY" ] || DJSA_PY_ARGS=(--python "$PY")
HAVE_DJSA_MM=0
if [ "$WITH_MM" = 1 ] && [ "$HAVE_DJSA" = 1 ]; then
    if "$BIN" makemigrations --help >/dev/null 2>&1; then
        HAVE_DJSA_MM=1
    else
        echo "bench/run.sh: \`djsa makemigrations\` not available; timing Django's only" >&2
    fi
fi

# ruff's Django rules (DJ*) on the same tree: the floor for "parse every file" (ruff's own
# hand-written parser, all cores, no cache). Installed into its own venv on first use.
if [ "$WITH_RUFF" = 1 ] && [ -z "$RUFF" ]; then
    RUFF="${DJSA_VENV_DIR:-target/venvs}/ruff/bin/ruff"
    case "$RUFF" in /*) ;; *) RUFF="$ROOT/$RUFF" ;; esac
    if [ ! -x "$RUFF" ]; then
        echo "bench/run.sh: installing ruff==$RUFF_VERSION into $(dirname "$(dirname "$RUFF")")" >&2
        "$HOSTPY" -m venv "$(dirname "$(dirname "$RUFF")")" >&2 \
            && "$(dirname "$RUFF")/pip" install -q "ruff==$RUFF_VERSION" >&2 \
            || echo "bench/run.sh: could not install ruff; not timing it" >&2
    fi
fi
if [ "$WITH_RUFF" = 1 ] && [ ! -x "$RUFF" ]; then WITH_RUFF=0; fi
RUFF_V=""
[ "$WITH_RUFF" = 0 ] || RUFF_V="$("$RUFF" --version 2>/dev/null | sed 's/^ruff //')"

OUT="bench/out"
mkdir -p "$OUT"
LOAD_BEFORE="$("$HOSTPY" -c 'import os; print(" ".join(f"{x:.2f}" for x in os.getloadavg()))' 2>/dev/null || echo '?')"
RESULTS="$OUT/results.jsonl"
: > "$RESULTS"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# measure KIND PROJECT RUNS WARMUP OKCODES CWD -- CMD...   (appends one JSON line to $RESULTS)
measure() {
    local kind="$1" proj="$2" runs="$3" warm="$4" ok="$5" cwd="$6"
    shift 7
    echo "  $kind: $*" >&2
    local line
    if line="$("$HOSTPY" bench/timeit.py --json --runs "$runs" --warmup "$warm" --ok-codes "$ok" \
            --cwd "$cwd" --label "$kind" --stdout-to "$TMP/stdout" -- "$@" 2>"$TMP/stderr")"; then
        "$HOSTPY" - "$line" "$proj" "$TMP/stdout" >>"$RESULTS" <<'EOF'
import json, sys
r = json.loads(sys.argv[1])
r["project"] = sys.argv[2]
if r["label"] == "djsa check":
    # Count findings in djsa's JSON output: a clean project should have none.
    try:
        d = json.load(open(sys.argv[3]))
        diags = d["diagnostics"] if isinstance(d, dict) else d
        r["findings"] = len(diags)
        codes = {}
        for x in diags:
            c = x.get("code", "?") if isinstance(x, dict) else "?"
            codes[c] = codes.get(c, 0) + 1
        r["finding_codes"] = dict(sorted(codes.items(), key=lambda kv: -kv[1])[:8])
    except Exception as e:  # the format is djsa's business; report, do not fail
        r["findings"] = None
        r["findings_error"] = str(e)[:200]
print(json.dumps(r))
EOF
    else
        tail -c 3000 "$TMP/stderr" >&2
        echo "  $kind failed; not timed" >&2
        "$HOSTPY" - "$kind" "$proj" "$TMP/stderr" >>"$RESULTS" <<'EOF'
import json, sys
lines = open(sys.argv[3], errors="replace").read().splitlines()
import re
m = re.search(r"exited (-?\d+)", lines[0]) if lines else None
rest = [l for l in lines[1:] if l.strip()]
why = next((l for l in rest if re.search(r"djsa:|error|Error|Traceback", l)), rest[0] if rest else "")
first = (f"exit {m.group(1)}: " if m else "") + (why or (lines[0] if lines else "failed"))
print(json.dumps({"label": sys.argv[1] + " failed", "project": sys.argv[2], "error": first,
                  "stderr_tail": lines[-20:]}))
EOF
    fi
}

IFS=',' read -r -a SPECS <<<"$PROJECTS"
for spec in "${SPECS[@]}"; do
    apps="${spec%x*}"
    per="${spec#*x}"
    n=$((apps * per))
    proj="$OUT/p$n"
    echo "project $proj: $apps apps x $per models, $MIGS migrations per app" >&2
    "$HOSTPY" bench/gen_project.py "$proj" --apps "$apps" --models-per-app "$per" \
        --migrations-per-app "$MIGS" --seed "$SEED" >&2
    if [ "$HAVE_DJSA" = 1 ]; then
        measure "djsa check" "$n" "$DJSA_RUNS" 1 0,1 "$ROOT" -- \
            "$BIN" check "$proj" --output-format json ${DJSA_PY_ARGS[@]+"${DJSA_PY_ARGS[@]}"}
        # What djsa understood (from --verbose), so a fast "0 findings" can be trusted.
        seen="$("$BIN" check "$proj" ${DJSA_PY_ARGS[@]+"${DJSA_PY_ARGS[@]}"} --verbose 2>&1 >/dev/null \
            | grep -m1 -oE '[0-9]+ apps, [0-9]+ models.*' || true)"
        [ -z "$seen" ] || echo "{\"project\": \"$n\", \"label\": \"djsa seen\", \"text\": \"$seen\"}" >>"$RESULTS"
    fi
    if [ -n "$PY" ]; then
        measure "django check" "$n" "$DJ_RUNS" 1 0 "$proj" -- "$PY" manage.py check
    fi
    if [ "$WITH_RUFF" = 1 ]; then
        measure "ruff check" "$n" "$DJSA_RUNS" 1 0 "$ROOT" -- \
            "$RUFF" check --no-cache --isolated --select DJ --exit-zero --quiet "$proj"
    fi
    if [ "$WITH_MM" = 1 ]; then
        if [ "$HAVE_DJSA_MM" = 1 ]; then
            # Like manage.py: run in the project directory (positional arguments are app labels).
            measure "djsa makemigrations" "$n" "$DJSA_RUNS" 1 0,1 "$proj" -- \
                "$BIN" makemigrations --check --dry-run ${DJSA_PY_ARGS[@]+"${DJSA_PY_ARGS[@]}"}
        fi
        if [ -n "$PY" ]; then
            # exit 1 means "changes detected" (only expected with --migrations-per-app 0)
            measure "django makemigrations" "$n" "$DJ_RUNS" 1 0,1 "$proj" -- \
                "$PY" manage.py makemigrations --check --dry-run
        fi
    fi
done

CPU="$( (grep -m1 'model name' /proc/cpuinfo 2>/dev/null || sysctl -n machdep.cpu.brand_string 2>/dev/null || echo '?') | sed 's/.*: //')"
NCPU="$(nproc 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo '?')"

"$HOSTPY" - "$RESULTS" "$OUT/results.md" "$OUT/results.json" \
    "$DJSA_VERSION" "$DJANGO_VERSION" "${PY:-none}" "$CPU" "$NCPU" "$MIGS" "$DJSA_RUNS" "$DJ_RUNS" "$LOAD_BEFORE" "$RUFF_V" <<'EOF'
import json, sys, platform
res_path, md_path, json_path, djsa_v, dj_v, py, cpu, ncpu, migs, djsa_runs, dj_runs, load, ruff_v = sys.argv[1:14]
import os
load_after = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
rows = [json.loads(l) for l in open(res_path) if l.strip()]
by = {(r["project"], r["label"]): r for r in rows}
projects = sorted({r["project"] for r in rows}, key=int)
timed = [r for r in rows if "median_s" in r]

def ms(r, k="median_s"):
    return f"{r[k] * 1000:,.0f} ms" if r else "-"

def mib(r):
    return f"{r['max_rss_kib'] / 1024:,.0f} MiB" if r else "-"

lines = [
    f"djsa {djsa_v or '(not built)'} vs Django {dj_v or '(none)'} ({py})",
    f"{platform.system()} {platform.machine()}, {cpu}, {ncpu} CPUs; "
    f"{migs} migrations per app; medians of {djsa_runs} djsa / {dj_runs} Django runs after a warm-up; "
    f"load average {load} before, {load_after} after",
    "",
]
for what in ("check", "makemigrations"):
    if not any(r["label"].endswith(what) for r in timed) and not any(
            r["label"].endswith(what + " failed") for r in rows):
        continue
    lines += [
        f"| {what} | models | djsa median (min-max) | djsa first run | djsa CPU | djsa peak RSS "
        f"| Django median (min-max) | Django CPU | Django peak RSS | speedup (CPU) "
        f"| {'djsa findings' if what == 'check' else 'result'} |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in projects:
        d = by.get((p, f"djsa {what}"))
        j = by.get((p, f"django {what}"))
        if not d and not j and not any(by.get((p, f"{w} {what} failed")) for w in ("djsa", "django")):
            continue
        dj = f"{ms(j)} ({ms(j, 'min_s')}-{ms(j, 'max_s')})" if j else "-"
        dd = f"{ms(d)} ({ms(d, 'min_s')}-{ms(d, 'max_s')})" if d else "-"
        ratio = f"{j['median_s'] / d['median_s']:,.1f}x" if d and j and d["median_s"] > 0 else "-"
        if d and j and d.get("cpu_median_s"):
            ratio += f" ({j['cpu_median_s'] / d['cpu_median_s']:,.1f}x)"
        f = "-"
        if d and "findings" in d:
            f = "?" if d["findings"] is None else str(d["findings"])
            if d.get("finding_codes"):
                f += " (" + ", ".join(f"{c}: {n}" for c, n in d["finding_codes"].items()) + ")"
        if what == "makemigrations":
            notes = [f"{who}: changes detected (exit 1)" for who, r in (("djsa", d), ("Django", j))
                     if r and 1 in r["exit_codes"]]
            f = "; ".join(notes) or ("no changes" if d or j else "-")
        for who in ("djsa", "django"):
            fail = by.get((p, f"{who} {what} failed"))
            if fail:
                f = (f + "; " if f not in ("-", "no changes") else "") + f"{who} failed: {fail['error'][:160]}"
        lines.append(f"| {what} | {int(p):,} | {dd} | {ms(d, 'first_s') if d else '-'} "
                     f"| {ms(d, 'cpu_median_s')} | {mib(d)} | {dj} | {ms(j, 'cpu_median_s')} | {mib(j)} "
                     f"| {ratio} | {f} |")
    lines.append("")
if any(by.get((p, "ruff check")) for p in projects):
    lines += [
        f"| parse floor | models | djsa check median | djsa CPU | ruff {ruff_v} --select DJ median | ruff CPU "
        f"| djsa / ruff (wall) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for p in projects:
        d = by.get((p, "djsa check"))
        r = by.get((p, "ruff check"))
        if not r:
            continue
        ratio = f"{d['median_s'] / r['median_s']:,.1f}x" if d and r["median_s"] > 0 else "-"
        lines.append(f"| ruff | {int(p):,} | {ms(d)} | {ms(d, 'cpu_median_s')} | {ms(r)} "
                     f"| {ms(r, 'cpu_median_s')} | {ratio} |")
    lines.append("")
for p in projects:
    seen = by.get((p, "djsa seen"))
    if seen:
        lines.append(f"djsa --verbose on the {int(p):,}-model project: {seen['text']}")
if any(by.get((p, "djsa seen")) for p in projects):
    lines.append("")
big = by.get((projects[-1], "djsa check")) if projects else None
big_dj = by.get((projects[-1], "django check")) if projects else None
if big:
    lines.append(f"targets (largest project, {int(projects[-1]):,} models): speedup >= 50x: "
                 + (f"{big_dj['median_s'] / big['median_s']:.1f}x" if big_dj else "n/a")
                 + f"; cold check < 300 ms: first run {big['first_s'] * 1000:.0f} ms, "
                 f"median {big['median_s'] * 1000:.0f} ms")
text = "\n".join(lines).rstrip() + "\n"
print(text)
open(md_path, "w").write(text)
json.dump(rows, open(json_path, "w"), indent=1)
EOF
