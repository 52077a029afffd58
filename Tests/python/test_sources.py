"""Issue 8: the Google Health API source and the Takeout import write the same files as Fitbit, with the
sandbox's values, and a Takeout history continued by a Google sync loads as one series."""
import json
import signal
import subprocess
from pathlib import Path

import duckdb
import fastparquet
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

from conftest import ROOT, Export

TAKEOUT = sorted((ROOT / "data" / "takeout").glob("*.zip"))
# The fixture's days: 2026-03-07..09 as JSON (08 is the spring-forward day), 09 also and 10 only as CSV, 11-01 (fall back).
TAKEOUT_DAYS = [("2026-03-07", "2026-03-10"), ("2026-11-01", "2026-11-01")]


def rows_of(path: Path):
    t = pq.read_table(path)
    return list(zip(t["time"].cast("int64").to_pylist(), t["utc_offset_min"].to_pylist(), t["bpm"].to_pylist()))


def bucket_means(rows, seconds=60):
    """Mean per local bucket, rounded half up, stamped at the bucket's local start: the issue's rule."""
    buckets = {}
    for ms, off, bpm in rows:
        local = ms + off * 60_000
        key = local // (seconds * 1000)
        s, n, o = buckets.get(key, (0, 0, off))
        buckets[key] = (s + bpm, n + 1, o)
    return sorted((k * seconds * 1000 - o * 60_000, o, (2 * s + n) // (2 * n)) for k, (s, n, o) in buckets.items())


@pytest.fixture
def google(tmp_path):
    e = Export(tmp_path, "--api", "google", "--rate-limit", "30", "--hour-seconds", "2")
    yield e
    e.close()


def test_google_backfill_matches_truth_in_every_reader(google):
    google.authorize("--source", "google")
    google.run("backfill", "--from", "2026-03-06", "--to", "2026-03-10", "--detail", "1min", "--pace", "30/2")
    user = google.out / "SANDBOX1"
    truth = google.truth_rows("2026-03-06", "2026-03-10", "1sec")
    path = user / "heart_rate_1sec" / "2026-03.parquet"
    assert rows_of(path) == sorted(truth)
    meta = pq.read_metadata(path).metadata
    assert meta[b"hrexport.source"] == b"google"
    # No IANA zone from Google: the history and the file name the fixed offsets seen in the samples.
    assert meta[b"hrexport.timezone"] == b"UTC-04:00"
    manifest = json.loads((user / "manifest.json").read_text())
    assert manifest["timezones"] == [{"from": "2026-03-06", "zone": "UTC-05:00"}, {"from": "2026-03-08", "zone": "UTC-04:00"}]
    assert {e["source"] for e in manifest["days"]["1sec"].values()} == {"google"}
    # The coarser series is the mean per local minute of the same samples.
    assert rows_of(user / "heart_rate_1min" / "2026-03.parquet") == bucket_means(truth)
    df = pd.read_parquet(path)
    assert str(df["time"].dtype) == "datetime64[ms, UTC]" and len(df) == len(truth)
    assert pl.read_parquet(path).height == len(truth)
    assert len(duckdb.sql(f"SELECT * FROM '{path}'").df()) == len(truth)
    assert len(fastparquet.ParquetFile(str(path)).to_pandas()) == len(truth)
    google.run("verify")
    google.run("rebuild")
    assert rows_of(path) == sorted(truth)
    # Paced under the sandbox's 30 requests per 2 s: no 429 was provoked.
    with __import__("urllib.request").request.urlopen(google.base + "/_sandbox/requests") as r:
        log = json.load(r)
    assert not [e for e in log if e["status"] == 429]
    assert any("pageToken" not in e["path"] for e in log)


def test_google_account_not_linked_and_expired_grant_exit_3(google, tmp_path):
    google.authorize("--source", "google")
    urllib = __import__("urllib.request").request
    urllib.urlopen(urllib.Request(google.base + "/_sandbox/expire-refresh?user=SANDBOX1", method="POST")).read()
    # Force a refresh: the stored access token is dropped.
    creds = google.credentials_path("google")
    data = json.loads(creds.read_text())
    data["access_token"] = None
    creds.write_text(json.dumps(data))
    result = google.run("backfill", "--from", "2026-03-06", "--to", "2026-03-06", check=False)
    assert result.returncode == 3, result.stderr
    assert "7 days" in result.stderr and "sbx-rt-" not in result.stderr


def test_google_not_linked_exits_3(tmp_path):
    e = Export(tmp_path, "--api", "google", "--user", "SANDBOX3")
    try:
        e.authorize("--source", "google")
        result = e.run("backfill", "--from", "2026-03-06", "--to", "2026-03-06", check=False)
        assert result.returncode == 3, result.stderr
        assert "not linked to a Fitbit account" in result.stderr
    finally:
        e.close()


def test_takeout_import_matches_truth(export):
    export.run("import", *map(str, TAKEOUT), "--user", "SANDBOX1", "--timezone", "America/New_York", "--detail", "1min")
    user = export.out / "SANDBOX1"
    for month, (first, last) in zip(["2026-03", "2026-11"], TAKEOUT_DAYS):
        truth = export.truth_rows(first, last, "1sec")
        assert rows_of(user / "heart_rate_1sec" / f"{month}.parquet") == sorted(truth), month
        assert rows_of(user / "heart_rate_1min" / f"{month}.parquet") == bucket_means(truth), month
    manifest = json.loads((user / "manifest.json").read_text())
    days = manifest["days"]["1sec"]
    assert sorted(days) == ["2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10", "2026-11-01"]
    # The archive ends on 11-01: that day is partial, the rest complete; the entry each came from is noted.
    assert days["2026-11-01"]["status"] == "partial"
    assert all(days[d]["status"] == "complete" for d in ["2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"])
    assert days["2026-03-10"]["origin"].endswith("Physical Activity_GoogleData/heart_rate_2026-03-10.csv")
    assert manifest["timezones"] == [{"from": "2026-03-07", "zone": "America/New_York"}]
    before = {p: p.stat().st_mtime_ns for p in user.glob("heart_rate_*/*.parquet")}
    again = export.run("import", *map(str, TAKEOUT))
    assert {p: p.stat().st_mtime_ns for p in user.glob("heart_rate_*/*.parquet")} == before, again.stderr
    export.run("verify")
    # Rebuilt from the raw copies alone, without the zips: the same rows in another format and back.
    first_rows = rows_of(user / "heart_rate_1sec" / "2026-03.parquet")
    export.run("rebuild", "--format", "csv")
    export.run("verify")
    export.run("rebuild", "--format", "parquet")
    assert rows_of(user / "heart_rate_1sec" / "2026-03.parquet") == first_rows


def test_denser_series_wins_and_the_other_is_recorded(tmp_path):
    """An API day cut by the device's last sync has fewer rows than the archive's whole day: the import wins it."""
    e = Export(tmp_path, "--api", "google", "--rate-limit", "200", "--hour-seconds", "1", "--last-sync", "2026-03-09T12:00:00")
    try:
        e.authorize("--source", "google")
        e.run("backfill", "--from", "2026-03-08", "--to", "2026-03-09", "--pace", "200/1")
        user = e.out / "SANDBOX1"
        cut = json.loads((user / "manifest.json").read_text())["days"]["1sec"]["2026-03-09"]
        e.run("import", str(TAKEOUT[0]), "--timezone", "America/New_York")
        days = json.loads((user / "manifest.json").read_text())["days"]["1sec"]
        assert days["2026-03-09"]["source"] == "takeout" and days["2026-03-09"]["other_source"] == "google"
        assert days["2026-03-09"]["other_rows"] == cut["rows"] < days["2026-03-09"]["rows"]
        assert days["2026-03-08"]["source"] == "google" and days["2026-03-08"]["other_source"] == "takeout"  # a tie
        rows = rows_of(user / "heart_rate_1sec" / "2026-03.parquet")
        assert len(rows) == len({r[0] for r in rows}) == sum(d["rows"] for d in days.values())
        e.run("verify")
    finally:
        e.close()


def test_takeout_then_google_sync_is_one_series(tmp_path):
    """History from Takeout, then the Google API continues it in the same folder without duplicates."""
    e = Export(tmp_path, "--api", "google", "--rate-limit", "200", "--hour-seconds", "1", "--last-sync", "2026-03-14T12:00:00")
    try:
        e.run("import", str(TAKEOUT[0]), "--user", "SANDBOX1", "--timezone", "America/New_York")
        e.authorize("--source", "google")
        e.run("sync", "--pace", "200/1")
        # Nothing new since: a second sync asks for the identity and the newest data point, and nothing else.
        assert "up to date: 2 requests" in e.run("sync", "--pace", "200/1").stdout
        user = e.out / "SANDBOX1"
        rows = rows_of(user / "heart_rate_1sec" / "2026-03.parquet")
        assert len(rows) == len(set(r[0] for r in rows))
        manifest = json.loads((user / "manifest.json").read_text())
        days = manifest["days"]["1sec"]
        # The archive's last day (03-10, partial) was completed by the API; new days up to the sync followed.
        assert days["2026-03-10"]["status"] == "complete"
        assert days["2026-03-07"]["source"] == "takeout" and days["2026-03-13"]["source"] == "google"
        # Both sources held 03-10 with the same rows: the series already written stays, and the other is noted.
        assert days["2026-03-10"]["source"] == "takeout" and days["2026-03-10"]["other_source"] == "google"
        # No sample after 03-14 exists, but the day ended more than 48 hours ago (the real clock is months later).
        # The days after the device's last data are empty by the same rule.
        assert days["2026-03-14"]["status"] == "complete" and days["2026-03-15"]["status"] == "empty"
        assert rows == sorted(e.truth_rows("2026-03-07", "2026-03-14", "1sec"))
        meta = pq.read_metadata(user / "heart_rate_1sec" / "2026-03.parquet").metadata
        assert set(meta[b"hrexport.source"].decode().split(",")) == {"google", "takeout"}
        e.run("verify")
    finally:
        e.close()


def test_import_refuses_bad_input(export, tmp_path):
    result = export.run("import", str(tmp_path / "missing.zip"), "--user", "U", check=False)
    assert result.returncode == 2 and "does not exist" in result.stderr
    (tmp_path / "noise").mkdir()
    (tmp_path / "noise" / "readme.txt").write_text("nothing here")
    result = export.run("import", str(tmp_path / "noise"), "--user", "U", check=False)
    assert result.returncode == 2 and "no heart-rate day files" in result.stderr
    result = export.run("import", str(TAKEOUT[0]), check=False)
    assert result.returncode == 2 and "--user is required" in result.stderr
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    result = export.run("import", str(tmp_path / "broken.zip"), "--user", "U", check=False)
    assert result.returncode == 2 and "neither a folder nor a readable .zip" in result.stderr
    for args in (["import", str(TAKEOUT[0]), "--user", "U", "--timezone", "Mars/Olympus_Mons"],
                 ["import", str(TAKEOUT[0]), "--user", "U", "--takeout-times", "martian"],
                 ["backfill", "--source", "takeout"], ["backfill", "--source", "google", "--pace", "0/60"],
                 ["sandbox", "--api", "garmin"]):
        result = export.run(*args, check=False)
        assert result.returncode == 2 and result.stderr.count("\n") == 1, (args, result.stderr)
    assert not (export.out / "U").exists()


def test_google_backfill_survives_faults(tmp_path):
    """Every data fault the sandbox knows, through Google's shapes (5xx, a truncated or reset body, an HTML page,
    429 bursts without Retry-After), also during `auth`'s identity lookup: the values still match."""
    e = Export(tmp_path, "--api", "google", "--rate-limit", "60", "--hour-seconds", "1", "--last-sync", "2026-03-09T12:00:00",
               "--faults", "5xx=0.1,truncated=0.05,reset=0.05,html=0.05,burst429=0.03", "--slow-seconds", "2")
    e.env["HREXPORT_TEST_FAST_RETRIES"] = "1"
    try:
        e.authorize("--source", "google")
        e.run("backfill", "--from", "2026-03-05", "--to", "2026-03-08", "--pace", "60/1")
        rows = rows_of(e.out / "SANDBOX1" / "heart_rate_1sec" / "2026-03.parquet")
        assert rows == sorted(e.truth_rows("2026-03-05", "2026-03-08", "1sec"))
        e.run("verify")
    finally:
        e.close()


def test_google_needs_from_on_a_new_export_and_logout_revokes(google):
    google.authorize("--source", "google")
    result = google.run("backfill", check=False)
    assert result.returncode == 2 and "--from is needed" in result.stderr
    google.run("logout")
    assert google.credentials("google") is None
    with __import__("urllib.request").request.urlopen(google.base + "/_sandbox/requests") as r:
        assert any(entry["path"] == "/revoke" for entry in json.load(r))


def test_takeout_import_killed_before_its_manifest_resumes_exactly(export):
    env = dict(export.env, HREXPORT_CRASH_AT="before-manifest")
    killed = subprocess.run([export.bin, "import", *map(str, TAKEOUT), "--user", "SANDBOX1", "--timezone", "America/New_York"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr)
    # The same command again: nothing of the killed run's manifest reached the disk, so its zone is given again.
    export.run("import", *map(str, TAKEOUT), "--user", "SANDBOX1", "--timezone", "America/New_York")
    user = export.out / "SANDBOX1"
    for month, (first, last) in zip(["2026-03", "2026-11"], TAKEOUT_DAYS):
        assert rows_of(user / "heart_rate_1sec" / f"{month}.parquet") == sorted(export.truth_rows(first, last, "1sec"))
    assert not list(user.rglob(".*.tmp-*"))
    export.run("verify")


def write_zip(path, files, zip64=False):
    import zipfile
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            with z.open(name, "w", force_zip64=zip64) as f:
                f.write(text.encode())


def local_json(rows):
    """Fitbit JSON whose dateTime is the local wall clock (the reading `--takeout-times local` is for)."""
    import datetime
    return json.dumps([{"dateTime": (datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=r["epoch_ms"] + r["utc_offset_min"] * 60_000))
                        .strftime("%m/%d/%y %H:%M:%S"), "value": {"bpm": r["bpm"], "confidence": 2}} for r in rows])


def test_takeout_folders_zip64_local_times_and_a_shifted_json(export, tmp_path):
    import sys
    sys.path.insert(0, str(ROOT / "Scripts"))
    import make_takeout
    day = "2026-03-08"
    truth = export.truth(day, "1sec")["rows"]
    expected = sorted((r["epoch_ms"], r["utc_offset_min"], r["bpm"]) for r in truth)
    data = "Takeout/Fitbit/Global Export Data/"

    # ZIP64 entries (the large parts use them), read the same as any other.
    write_zip(tmp_path / "zip64.zip", {data + f"heart_rate-{day}.json": make_takeout.fitbit_json(truth)}, zip64=True)
    export.run("import", str(tmp_path / "zip64.zip"), "--user", "A", "--timezone", "America/New_York")
    assert rows_of(export.out / "A" / "heart_rate_1sec" / "2026-03.parquet") == expected

    # An extracted folder, under another root, with the older MyFitbitData layout.
    folder = tmp_path / "extracted" / "MyFitbitData" / "Jane" / "Physical Activity"
    folder.mkdir(parents=True)
    (folder / f"heart_rate-{day}.json").write_text(make_takeout.fitbit_json(truth))
    export.run("import", str(tmp_path / "extracted"), "--user", "B", "--timezone", "America/New_York")
    assert rows_of(export.out / "B" / "heart_rate_1sec" / "2026-03.parquet") == expected

    # Local wall-clock times, read as such.
    write_zip(tmp_path / "local.zip", {data + f"heart_rate-{day}.json": local_json(truth)})
    export.run("import", str(tmp_path / "local.zip"), "--user", "C", "--timezone", "America/New_York", "--takeout-times", "local")
    assert rows_of(export.out / "C" / "heart_rate_1sec" / "2026-03.parquet") == expected

    # The same local-time JSON beside the CSV, read as UTC: it is found shifted, reported, and the CSV is used.
    write_zip(tmp_path / "both.zip", {data + f"heart_rate-{day}.json": local_json(truth),
                                      f"Takeout/Fitbit/Physical Activity_GoogleData/heart_rate_{day}.csv": make_takeout.google_csv(truth)})
    result = export.run("import", str(tmp_path / "both.zip"), "--user", "D", "--timezone", "America/New_York")
    assert "looks like local time" in result.stderr and "--takeout-times local" in result.stderr
    assert rows_of(export.out / "D" / "heart_rate_1sec" / "2026-03.parquet") == expected
    entry = json.loads((export.out / "D" / "manifest.json").read_text())["days"]["1sec"][day]
    assert entry["origin"].endswith(f"heart_rate_{day}.csv")
