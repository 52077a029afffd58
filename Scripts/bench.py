#!/usr/bin/env python3
"""make bench: measurements, not tests. Every figure is measured in this run and printed as a ratio against
a reference computed in the same run; the table is also written to data/bench/latest.json.

Size: one month of 1sec heart rate (as the sandbox serves it) written by hrexport's Parquet writer, by
pyarrow with compression="gzip" (its defaults otherwise), and as hrexport's CSV.gz.
The export is generated once through the real CLI against the sandbox and cached under data/bench/.
"""
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "data" / "bench"
BIN = os.environ.get("BIN", str(ROOT / ".build" / "release" / "hrexport"))
MONTH = ("2026-01-01", "2026-01-31")


def run(*args, env):
    subprocess.run([BIN, *args], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def environment(out: Path, state: Path, base: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HREXPORT_")}
    env.update(HREXPORT_OUT=str(out), HREXPORT_STATE_DIR=str(state), HREXPORT_CLIENT_ID="bench")
    if base:
        env["HREXPORT_API_BASE"] = base
    return env


def generate(out: Path, state: Path):
    """Backfills the month of 1sec data from a sandbox once; later runs reuse it."""
    sandbox = subprocess.Popen([BIN, "sandbox", "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        env = environment(out, state, sandbox.stdout.readline().strip())
        auth = subprocess.Popen([BIN, "auth", "--port", "0", "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        urllib.request.urlopen(auth.stdout.readline().strip(), timeout=10).read()
        assert auth.wait(timeout=30) == 0
        run("backfill", "--from", MONTH[0], "--to", MONTH[1], "--detail", "1sec", env=env)
    finally:
        sandbox.terminate()
        sandbox.wait()


def size_section() -> dict:
    source = BENCH / "size" / "export"
    state = BENCH / "size" / "state"
    ours = source / "SANDBOX1" / "heart_rate_1sec" / "2026-01.parquet"
    if not ours.exists():
        shutil.rmtree(BENCH / "size", ignore_errors=True)
        print(f"generating {MONTH[0]}..{MONTH[1]} of 1sec data through the sandbox (cached in {source}) ...", flush=True)
        generate(source, state)
    else:
        # Rewrite from the cached raw archive with the binary under test: the writer may have changed.
        run("rebuild", "--format", "parquet", env=environment(source, state))
    rows = pq.ParquetFile(ours).metadata.num_rows

    reference = BENCH / "size" / "pyarrow-gzip.parquet"
    pq.write_table(pq.read_table(ours), reference, compression="gzip")

    copy = BENCH / "size" / "csv"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(source, copy)
    run("rebuild", "--format", "csv", env=environment(copy, state))
    csv = copy / "SANDBOX1" / "heart_rate_1sec" / "2026-01.csv.gz"

    sizes = {"hrexport_parquet": ours.stat().st_size, "pyarrow_gzip_parquet": reference.stat().st_size, "hrexport_csv_gz": csv.stat().st_size}
    return {"month": MONTH[0][:7], "detail": "1sec", "rows": rows, "bytes": sizes,
            "bytes_per_row": {k: round(v / rows, 3) for k, v in sizes.items()},
            "ratio_vs_pyarrow_gzip": round(sizes["hrexport_parquet"] / sizes["pyarrow_gzip_parquet"], 3),
            "ratio_vs_csv_gz": round(sizes["hrexport_parquet"] / sizes["hrexport_csv_gz"], 3)}


def main() -> int:
    if not os.access(BIN, os.X_OK):
        print(f"bench: {BIN} is missing; `make bench` builds it", file=sys.stderr)
        return 2
    BENCH.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    size = size_section()
    print()
    print(f"File size: one month of 1sec heart rate ({size['month']}, {size['rows']:,} rows)")
    print(f"  {'writer':<34}{'bytes':>12}{'bytes/row':>11}{'vs pyarrow':>12}")
    for name, label in (("hrexport_parquet", "hrexport Parquet (GZIP)"), ("pyarrow_gzip_parquet", "pyarrow compression='gzip'"),
                        ("hrexport_csv_gz", "hrexport CSV.gz")):
        b = size["bytes"][name]
        print(f"  {label:<34}{b:>12,}{size['bytes_per_row'][name]:>11.2f}{b / size['bytes']['pyarrow_gzip_parquet']:>11.2f}x")
    print(f"  goal: hrexport Parquet at most 0.6x pyarrow's (never above 1.0x): {size['ratio_vs_pyarrow_gzip']:.2f}x")
    result = {"size": size, "seconds": round(time.monotonic() - started, 1)}
    (BENCH / "latest.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten to {BENCH / 'latest.json'} in {result['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
