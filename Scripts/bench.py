#!/usr/bin/env python3
"""make bench: measurements, not tests. Every figure is measured in this run and printed as a ratio against
a reference computed in the same run; the table is also written to data/bench/latest.json.

Size: one month of 1sec heart rate (as the sandbox serves it) written by hrexport's Parquet writer, by
pyarrow with compression="gzip" (its defaults otherwise), and as hrexport's CSV.gz.
The export is generated once through the real CLI against the sandbox and cached under data/bench/.

Rebuild: `hrexport rebuild` of a year of 1sec responses from the raw archive (decode, normalize, write
Parquet; no network) against Scripts/reference_rebuild.py (json + vectorized pandas + pyarrow) on the same
bodies, in CPU seconds (user + system of each child process) and peak RSS; then our peak RSS rebuilding
1, 3 and 12 months.

Rate floor: a backfill of 100 days against a sandbox with a compressed clock (L = 10 requests per window of
W = 3 s). N requests cannot finish before the window ceil((N + used) / L) begins; the ratio is the
backfill's wall time, less the time it spent inside its last window, over that floor (goal 1.00, at most
1.03), with the data requests per day fetched (goal exactly 1.00).

Cohort: one sandbox with N users (default 1,000, env BENCH_COHORT_USERS) at Fitbit's own limit of 150 requests per
user per hour, each user with one day exported; then the nightly sync of one new day each (1min, HRV, daily) by
`sync --all` in one process, the same as 4 shards in 4 processes, and one single-user `sync` for the per-user
reference; then a backfill of M users (default 100, env BENCH_BACKFILL_USERS) x 30 days of 1sec. Wall time,
requests per second, CPU seconds per user, peak RSS and the 429s (goal 0).
"""
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import zipfile
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


def generate(out: Path, state: Path, days: tuple):
    """Backfills a range of 1sec data from a sandbox once; later runs reuse it."""
    # No rate limit: the corpus is the same however fast it is fetched.
    sandbox = subprocess.Popen([BIN, "sandbox", "--port", "0", "--rate-limit", "1000000"], stdout=subprocess.PIPE, text=True)
    try:
        env = environment(out, state, sandbox.stdout.readline().strip())
        auth = subprocess.Popen([BIN, "auth", "--port", "0", "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        urllib.request.urlopen(auth.stdout.readline().strip(), timeout=10).read()
        assert auth.wait(timeout=30) == 0
        run("backfill", "--from", days[0], "--to", days[1], "--detail", "1sec", "--series", "1sec", env=env)
        (out / "complete").write_text(f"{days[0]}..{days[1]}\n")
    finally:
        sandbox.terminate()
        sandbox.wait()


def size_section() -> dict:
    source = BENCH / "size" / "export"
    state = BENCH / "size" / "state"
    ours = source / "SANDBOX1" / "heart_rate_1sec" / "2026-01.parquet"
    if not ours.exists() or not (source / "complete").exists():
        shutil.rmtree(BENCH / "size", ignore_errors=True)
        print(f"generating {MONTH[0]}..{MONTH[1]} of 1sec data through the sandbox (cached in {source}) ...", flush=True)
        generate(source, state, MONTH)
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


YEAR = ("2025-11-01", "2026-10-31")


def child(args, env=None) -> dict:
    """Runs a process and returns its wall time, CPU seconds (wait4: this child only) and peak RSS. The peak is
    VmHWM from /proc, read until the process exits: wait4's ru_maxrss would count the memory of the Python
    process it was forked from."""
    started = time.monotonic()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_kb = 0
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        try:
            for line in open(f"/proc/{process.pid}/status"):
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.01)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    if status != 0:
        raise SystemExit(f"bench: {args[:2]} failed: {process.stderr.read().decode()[-500:]}")
    return {"wall_seconds": round(wall, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2), "peak_rss_mb": round(peak_kb / 1024, 1)}


def months_only(source: Path, target: Path, count: int):
    """A copy of an export whose manifest lists only its first `count` months (the raw archive is linked)."""
    shutil.rmtree(target, ignore_errors=True)
    user = target / "SANDBOX1"
    user.mkdir(parents=True)
    (user / "raw").symlink_to((source / "SANDBOX1" / "raw").resolve())
    manifest = json.loads((source / "SANDBOX1" / "manifest.json").read_text())
    months = sorted({d[:7] for d in manifest["days"]["1sec"]})[:count]
    manifest["days"] = {"1sec": {d: e for d, e in manifest["days"]["1sec"].items() if d[:7] in months}}
    (user / "manifest.json").write_text(json.dumps(manifest))


def rebuild_section() -> dict:
    source = BENCH / "year" / "export"
    state = BENCH / "year" / "state"
    raw = source / "SANDBOX1" / "raw" / "fitbit" / "1sec"
    if not (source / "complete").exists():
        shutil.rmtree(BENCH / "year", ignore_errors=True)
        print(f"generating {YEAR[0]}..{YEAR[1]} of 1sec data through the sandbox (once; cached in {source}) ...", flush=True)
        generate(source, state, YEAR)
    bodies = sorted(raw.glob("*/*.json.gz"))
    json_bytes = sum(int.from_bytes(p.read_bytes()[-4:], "little") for p in bodies)
    env = environment(source, state)
    ours = child([BIN, "rebuild", "--format", "parquet"], env=env)
    samples = sum(e["rows"] for e in json.loads((source / "SANDBOX1" / "manifest.json").read_text())["days"]["1sec"].values())
    reference_out = BENCH / "year" / "reference"
    shutil.rmtree(reference_out, ignore_errors=True)
    reference = child([sys.executable, str(ROOT / "Scripts" / "reference_rebuild.py"), str(raw), str(reference_out), "America/New_York"])
    for r in (ours, reference):
        r["samples_per_second"] = round(samples / max(r["cpu_seconds"], 1e-9))
        r["json_mb_per_cpu_second"] = round(json_bytes / 1e6 / max(r["cpu_seconds"], 1e-9), 1)
    scaling = {}
    for count in (1, 3, 12):
        target = BENCH / "year" / f"months-{count}"
        months_only(source, target, count)
        scaling[count] = child([BIN, "rebuild", "--format", "parquet"], env=environment(target, BENCH / "year" / f"state-{count}"))["peak_rss_mb"]
    return {"days": len(bodies), "samples": samples, "json_mb": round(json_bytes / 1e6, 1), "hrexport": ours, "reference": reference,
            "cpu_ratio": round(reference["cpu_seconds"] / max(ours["cpu_seconds"], 1e-9), 2), "peak_rss_mb_by_months": scaling}


def end_to_end_section() -> dict:
    """Backfills against a sandbox without a rate limit over loopback, at concurrency 1 and 4, and the
    reference script fetching and writing the same days itself."""
    import datetime
    folder = BENCH / "e2e"
    shutil.rmtree(folder, ignore_errors=True)
    sandbox = subprocess.Popen([BIN, "sandbox", "--port", "0", "--rate-limit", "1000000"], stdout=subprocess.PIPE, text=True)
    results = {}
    try:
        base = sandbox.stdout.readline().strip()
        state = folder / "state"
        env = environment(folder / "unused", state, base)
        auth = subprocess.Popen([BIN, "auth", "--port", "0", "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        urllib.request.urlopen(auth.stdout.readline().strip(), timeout=10).read()
        assert auth.wait(timeout=30) == 0
        token = json.loads((state / "credentials" / "fitbit-SANDBOX1.json").read_text())["access_token"]
        last = datetime.date.today() - datetime.timedelta(days=2)
        for detail, days in (("1min", 90), ("1sec", 30)):
            first = last - datetime.timedelta(days=days - 1)
            for concurrency in (1, 4):
                out = folder / f"{detail}-c{concurrency}"
                run_env = environment(out, state, base)
                # The samples only, as the reference fetches them (HRV and daily would add their own requests).
                r = child([BIN, "backfill", "--from", first.isoformat(), "--to", last.isoformat(), "--detail", detail, "--series", detail,
                           "--concurrency", str(concurrency), "--quiet"], env=run_env)
                r["requests_per_second"] = round((days + 2) / r["wall_seconds"], 1)
                results[f"{detail} hrexport c{concurrency}"] = r
            r = child([sys.executable, str(ROOT / "Scripts" / "reference_fetch.py"), base, token, detail, first.isoformat(), last.isoformat(),
                       str(folder / f"{detail}-reference"), "America/New_York"])
            r["requests_per_second"] = round(days / r["wall_seconds"], 1)
            results[f"{detail} reference"] = r
        # Peak RSS for 1 and 3 months of 1sec.
        for months in (1, 3):
            first = last - datetime.timedelta(days=30 * months - 1)
            results[f"1sec {months} month(s) rss"] = child([BIN, "backfill", "--from", first.isoformat(), "--to", last.isoformat(), "--detail", "1sec",
                                                             "--series", "1sec", "--quiet"], env=environment(folder / f"rss-{months}", state, base))
    finally:
        sandbox.terminate()
        sandbox.wait()
    return results


def rate_floor_section(days=100, limit=10, window=3.0) -> dict:
    import datetime
    import math
    folder = BENCH / "rate"
    shutil.rmtree(folder, ignore_errors=True)
    sandbox = subprocess.Popen([BIN, "sandbox", "--port", "0", "--rate-limit", str(limit), "--hour-seconds", str(window)],
                               stdout=subprocess.PIPE, text=True)
    try:
        base = sandbox.stdout.readline().strip()
        env = environment(folder / "export", folder / "state", base)
        auth = subprocess.Popen([BIN, "auth", "--port", "0", "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        urllib.request.urlopen(auth.stdout.readline().strip(), timeout=10).read()
        assert auth.wait(timeout=30) == 0
        last = datetime.date.today() - datetime.timedelta(days=2)
        first = last - datetime.timedelta(days=days - 1)
        started = time.time()
        run("backfill", "--from", first.isoformat(), "--to", last.isoformat(), "--detail", "1min", env=env)
        ended = time.time()
        log = json.load(urllib.request.urlopen(f"{base}/_sandbox/requests", timeout=10))
    finally:
        sandbox.terminate()
        sandbox.wait()
    counted = [r for r in log if r["path"].startswith("/1/")]
    ours = [r for r in counted if r["time"] >= started]
    window_start = math.floor(started / window) * window
    used = sum(1 for r in counted if window_start <= r["time"] < started)
    windows = math.ceil((len(ours) + used) / limit)
    floor = window_start + (windows - 1) * window - started
    last_request = max(r["time"] for r in ours)
    in_last_window = last_request - math.floor(last_request / window) * window
    heart = [r for r in ours if "/activities/heart/" in r["path"]]
    return {"days": days, "limit": limit, "window_seconds": window, "requests": len(ours), "windows": windows,
            "wall_seconds": round(ended - started, 3), "floor_seconds": round(floor, 3),
            "last_window_seconds": round(in_last_window, 3),
            "ratio_to_floor": round((ended - started - in_last_window) / floor, 3),
            "data_requests_per_day": round(len(heart) / days, 3), "status_429": sum(1 for r in ours if r["status"] == 429)}


def takeout_archive(first: str, last: str) -> tuple:
    """A Takeout .zip of every day first..last from the sandbox's truth, cached under data/bench."""
    sys.path.insert(0, str(ROOT / "Scripts"))
    import make_takeout
    path = BENCH / f"takeout-{first}-{last}.zip"
    marker = path.with_suffix(".samples")
    if not marker.exists():
        print(f"generating a Takeout archive {first}..{last} through the sandbox (once; cached in {path}) ...", flush=True)
        sandbox = subprocess.Popen([BIN, "sandbox", "--port", "0"], stdout=subprocess.PIPE, text=True)
        try:
            base = sandbox.stdout.readline().strip()
            marker.write_text(str(make_takeout.write_range(base, first, last, path)))
        finally:
            sandbox.terminate()
            sandbox.wait(timeout=10)
    return path, int(marker.read_text())


def import_section() -> dict:
    """Takeout import from .zip to monthly Parquet (with the raw copy): samples per CPU second, and peak RSS for
    one month against three (it streams: memory is set by one day file and one month, not by the archive).
    The reference reads the same entries with Python's zipfile and json and parses each dateTime, writing nothing."""
    runs = {}
    for months, (first, last) in {1: ("2026-01-01", "2026-01-31"), 3: ("2026-01-01", "2026-03-31")}.items():
        archive, samples = takeout_archive(first, last)
        target = BENCH / "import" / str(months)
        shutil.rmtree(target, ignore_errors=True)
        env = environment(target / "out", target / "state")
        runs[months] = dict(child([BIN, "import", str(archive), "--user", "BENCH", "--timezone", "America/New_York", "--quiet"], env=env),
                            samples=samples, mb=round(archive.stat().st_size / 1e6, 1))
    archive, samples = takeout_archive("2026-01-01", "2026-03-31")
    reference = child([sys.executable, "-c", "import json,sys,zipfile,datetime\n"
                       "z=zipfile.ZipFile(sys.argv[1])\n"
                       "for n in z.namelist():\n"
                       " [datetime.datetime.strptime(r['dateTime'],'%m/%d/%y %H:%M:%S') for r in json.loads(z.read(n))]\n",
                       str(archive)])
    three = runs[3]
    return {"samples": samples, "zip_mb": three["mb"], "cpu_seconds": three["cpu_seconds"], "wall_seconds": three["wall_seconds"],
            "samples_per_cpu_second": int(samples / max(three["cpu_seconds"], 0.01)),
            "peak_rss_mb": {1: runs[1]["peak_rss_mb"], 3: three["peak_rss_mb"]},
            "reference_cpu_seconds": reference["cpu_seconds"], "reference_ratio": round(reference["cpu_seconds"] / max(three["cpu_seconds"], 0.01), 2)}


def children(commands, env) -> list:
    """Runs processes side by side; for each its wall time, CPU seconds and peak RSS (as `child`)."""
    started = time.monotonic()
    running = {subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE): i for i, args in enumerate(commands)}
    results, peaks = [None] * len(commands), [0] * len(commands)
    while running:
        for process, i in list(running.items()):
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                del running[process]
                if status != 0:
                    raise SystemExit(f"bench: {commands[i][:3]} failed: {process.stderr.read().decode()[-500:]}")
                results[i] = {"wall_seconds": round(time.monotonic() - started, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2)}
                continue
            try:
                for line in open(f"/proc/{process.pid}/status"):
                    if line.startswith("VmHWM:"):
                        peaks[i] = max(peaks[i], int(line.split()[1]))
            except OSError:
                pass
        time.sleep(0.01)
    for r, peak in zip(results, peaks):
        r["peak_rss_mb"] = round(peak / 1024, 1)
    return results


def enroll(base: str, env: dict, users: list, parallel: int = 8):
    """The code flow for each user, the sandbox approving the one its login_hint names; `parallel` at a time."""
    from concurrent.futures import ThreadPoolExecutor

    def one(user):
        auth = subprocess.Popen([BIN, "auth", "--port", "0", "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        urllib.request.urlopen(auth.stdout.readline().strip() + "&login_hint=" + user, timeout=30).read()
        assert auth.wait(timeout=60) == 0, user
    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, users))


def cohort_section() -> dict:
    import datetime
    users_n = int(os.environ.get("BENCH_COHORT_USERS", "1000"))
    backfill_n = int(os.environ.get("BENCH_BACKFILL_USERS", "100"))
    folder = BENCH / "cohort"
    shutil.rmtree(folder, ignore_errors=True)
    day = datetime.date.today() - datetime.timedelta(days=10)
    results = {"users": users_n}
    sandbox = subprocess.Popen([BIN, "sandbox", "--port", "0", "--users", str(users_n), "--last-sync", f"{day}T08:00:00"],
                               stdout=subprocess.PIPE, text=True)
    try:
        base = sandbox.stdout.readline().strip()
        env = environment(folder / "export", folder / "state", base)
        users = [f"SANDBOX{i}" for i in range(1, users_n + 1)]
        started = time.monotonic()
        enroll(base, env, users)
        results["enroll_seconds"] = round(time.monotonic() - started, 1)
        child([BIN, "backfill", "--all", "--from", str(day), "--to", str(day), "--detail", "1min", "--parallel-users", "8", "--quiet"], env=env)

        def next_night(n):
            stamp = f"{day + datetime.timedelta(days=n)}T08:00:00"
            for user in users:
                urllib.request.urlopen(urllib.request.Request(f"{base}/_sandbox/last-sync?user={user}&value={stamp}", method="POST"), timeout=10).read()

        def requests_since(t):
            log = json.load(urllib.request.urlopen(f"{base}/_sandbox/requests", timeout=60))
            ours = [r for r in log if r["time"] >= t and r["path"].startswith("/1/")]
            return len(ours), sum(1 for r in ours if r["status"] == 429)

        for name, nights, commands in (
                ("sync --all, 1 process", 1, [[BIN, "sync", "--all", "--parallel-users", "16", "--quiet"]]),
                ("sync --all, 4 shards", 2, [[BIN, "sync", "--all", "--shard", f"{k}/4", "--parallel-users", "4", "--quiet"] for k in range(4)])):
            next_night(nights)
            t = time.time()
            runs = children(commands, env)
            count, throttled = requests_since(t)
            wall = max(r["wall_seconds"] for r in runs)
            cpu = sum(r["cpu_seconds"] for r in runs)
            results[name] = {"wall_seconds": wall, "requests": count, "requests_per_second": round(count / wall, 1), "status_429": throttled,
                             "cpu_seconds_per_user": round(cpu / users_n, 4), "peak_rss_mb": max(r["peak_rss_mb"] for r in runs)}
        # One user alone, the same night's work, as the per-user reference.
        stamp = f"{day + datetime.timedelta(days=3)}T08:00:00"
        urllib.request.urlopen(urllib.request.Request(f"{base}/_sandbox/last-sync?user=SANDBOX1&value={stamp}", method="POST"), timeout=10).read()
        single = child([BIN, "sync", "--user", "SANDBOX1", "--quiet"], env=env)
        results["single-user sync"] = single
    finally:
        sandbox.terminate()
        sandbox.wait()

    first = day - datetime.timedelta(days=29)
    sandbox = subprocess.Popen([BIN, "sandbox", "--port", "0", "--users", str(backfill_n), "--last-sync", f"{day + datetime.timedelta(days=1)}T08:00:00"],
                               stdout=subprocess.PIPE, text=True)
    try:
        base = sandbox.stdout.readline().strip()
        env = environment(folder / "backfill-export", folder / "backfill-state", base)
        enroll(base, env, [f"SANDBOX{i}" for i in range(1, backfill_n + 1)])
        t = time.time()
        run = child([BIN, "backfill", "--all", "--from", str(first), "--to", str(day), "--detail", "1sec", "--series", "1sec",
                     "--parallel-users", "4", "--quiet"], env=env)
        log = json.load(urllib.request.urlopen(f"{base}/_sandbox/requests", timeout=60))
        ours = [r for r in log if r["time"] >= t and r["path"].startswith("/1/")]
        run.update(users=backfill_n, days=30, requests=len(ours), status_429=sum(1 for r in ours if r["status"] == 429),
                   cpu_seconds_per_user=round(run["cpu_seconds"] / backfill_n, 3))
        results["backfill 1sec x 30 days"] = run
    finally:
        sandbox.terminate()
        sandbox.wait()
    shutil.rmtree(folder, ignore_errors=True)
    return results


def print_cohort(c: dict):
    print()
    print(f"Cohort: {c['users']} users against one sandbox at 150 requests per user per hour (enrolled in {c['enroll_seconds']} s)")
    print(f"  {'nightly sync, one new day each':<34}{'wall s':>8}{'req/s':>8}{'CPU s/user':>12}{'peak RSS MB':>13}{'429s':>6}")
    for name in ("sync --all, 1 process", "sync --all, 4 shards"):
        r = c[name]
        print(f"  {name:<34}{r['wall_seconds']:>8.2f}{r['requests_per_second']:>8.1f}{r['cpu_seconds_per_user']:>12.4f}{r['peak_rss_mb']:>13.1f}{r['status_429']:>6}")
    one, four, single = c["sync --all, 1 process"], c["sync --all, 4 shards"], c["single-user sync"]
    print(f"  4 shards vs 1 process, wall: {four['wall_seconds'] / one['wall_seconds']:.2f}x")
    print(f"  --all per user vs one single-user sync, wall: {one['wall_seconds'] / c['users'] / single['wall_seconds']:.3f}x"
          f" ({single['wall_seconds']:.2f} s alone, {single['cpu_seconds']:.2f} CPU s)")
    b = c["backfill 1sec x 30 days"]
    print(f"  backfill of {b['users']} users x {b['days']} days of 1sec: {b['wall_seconds']:.1f} s wall, {b['requests']} requests,"
          f" {b['cpu_seconds_per_user']:.2f} CPU s per user, peak RSS {b['peak_rss_mb']} MB, 429s {b['status_429']}")


def main() -> int:
    if not os.access(BIN, os.X_OK):
        print(f"bench: {BIN} is missing; `make bench` builds it", file=sys.stderr)
        return 2
    if sys.argv[1:] == ["cohort"]:
        print_cohort(cohort_section())
        return 0
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
    rebuild = rebuild_section()
    ours, ref = rebuild["hrexport"], rebuild["reference"]
    print()
    print(f"Rebuild: {rebuild['days']} days of 1sec, {rebuild['samples']:,} samples, {rebuild['json_mb']} MB of JSON, from the raw archive to monthly Parquet")
    print(f"  {'':<36}{'CPU s':>8}{'wall s':>8}{'samples/CPU s':>15}{'MB JSON/CPU s':>15}{'peak RSS MB':>13}")
    for label, r in (("hrexport rebuild", ours), ("json + pandas + pyarrow (reference)", ref)):
        print(f"  {label:<36}{r['cpu_seconds']:>8.2f}{r['wall_seconds']:>8.2f}{r['samples_per_second']:>15,}{r['json_mb_per_cpu_second']:>15.1f}{r['peak_rss_mb']:>13.1f}")
    print(f"  reference CPU / ours: {rebuild['cpu_ratio']:.2f}x (goal at least 5x)")
    rss = rebuild["peak_rss_mb_by_months"]
    print(f"  our peak RSS rebuilding 1 / 3 / 12 months: {rss[1]} / {rss[3]} / {rss[12]} MB"
          f" (12 months at {rss[12] / rss[1]:.2f}x of 1; goal within 1.2x and under 60 MB)")

    e2e = end_to_end_section()
    print()
    print("End to end against the sandbox over loopback, no rate limit (90 days of 1min, 30 days of 1sec)")
    print(f"  {'':<26}{'wall s':>8}{'req/s':>8}{'CPU s':>8}{'peak RSS MB':>13}")
    for name, r in e2e.items():
        if "rss" in name:
            continue
        print(f"  {name:<26}{r['wall_seconds']:>8.2f}{r['requests_per_second']:>8.1f}{r['cpu_seconds']:>8.2f}{r['peak_rss_mb']:>13.1f}")
    for detail in ("1min", "1sec"):
        ratio = e2e[f"{detail} reference"]["cpu_seconds"] / max(e2e[f"{detail} hrexport c4"]["cpu_seconds"], 1e-9)
        print(f"  {detail}: reference CPU / ours (concurrency 4): {ratio:.2f}x (goal at least 3x)")
    one, three = e2e["1sec 1 month(s) rss"]["peak_rss_mb"], e2e["1sec 3 month(s) rss"]["peak_rss_mb"]
    print(f"  our peak RSS backfilling 1 / 3 months of 1sec: {one} / {three} MB ({three / one:.2f}x; goal flat)")

    rate = rate_floor_section()
    print()
    print(f"Rate floor: {rate['days']} days of 1min, {rate['limit']} requests per {rate['window_seconds']:.0f} s window, concurrency 4")
    print(f"  requests {rate['requests']} in {rate['windows']} windows, 429s {rate['status_429']}")
    print(f"  wall {rate['wall_seconds']:.2f} s = floor {rate['floor_seconds']:.2f} s + last window {rate['last_window_seconds']:.2f} s"
          f" + {rate['wall_seconds'] - rate['floor_seconds'] - rate['last_window_seconds']:.2f} s")
    print(f"  ratio to the floor {rate['ratio_to_floor']:.3f} (goal 1.00, at most 1.03); data requests per day {rate['data_requests_per_day']:.2f} (goal 1.00)")
    imported = import_section()
    print()
    print(f"Takeout import: 3 months of 1sec JSON, {imported['samples']:,} samples in a {imported['zip_mb']} MB .zip, to monthly Parquet with the raw copy")
    print(f"  {imported['samples_per_cpu_second']:,} samples per CPU second ({imported['cpu_seconds']:.2f} CPU s, {imported['wall_seconds']:.2f} s wall)")
    print(f"  peak RSS importing 1 / 3 months: {imported['peak_rss_mb'][1]} / {imported['peak_rss_mb'][3]} MB (goal flat: it streams)")
    print(f"  reference (Python zipfile + json + strptime, parsing only, nothing written) CPU / ours: {imported['reference_ratio']:.2f}x")
    cohort = cohort_section()
    print_cohort(cohort)
    result = {"size": size, "rebuild": rebuild, "end_to_end": e2e, "rate_floor": rate, "import": imported, "cohort": cohort,
              "seconds": round(time.monotonic() - started, 1)}
    (BENCH / "latest.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten to {BENCH / 'latest.json'} in {result['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
