"""The CSV.gz export as an analyst loads it: pandas, compared value for value with the sandbox's truth."""
import gzip
import json

import pandas as pd


def test_pandas_reads_a_month_equal_to_the_truth(export):
    export.authorize()
    export.run("backfill", "--from", "2026-10-27", "--to", "2026-11-04", "--detail", "1min", "--format", "csv")
    month = export.out / "SANDBOX1" / "heart_rate_1min" / "2026-11.csv.gz"
    frame = pd.read_csv(month, parse_dates=["time", "local_time"])

    assert list(frame.columns) == ["time", "local_time", "utc_offset_min", "bpm", "user_id"]
    assert set(frame["user_id"]) == {"SANDBOX1"}
    assert str(frame["time"].dt.tz) == "UTC"
    assert frame["local_time"].dt.tz is None
    assert frame["time"].is_monotonic_increasing and frame["time"].is_unique
    # local_time is always the instant plus the offset, across the fall-back on 2026-11-01.
    assert ((frame["time"].dt.tz_localize(None) + pd.to_timedelta(frame["utc_offset_min"], unit="min")) == frame["local_time"]).all()

    expected = []
    for day in range(1, 5):
        expected += export.truth(f"2026-11-{day:02d}")["rows"]
    truth = pd.DataFrame(expected)
    assert len(frame) == len(truth)
    assert frame["time"].dt.as_unit("ms").astype("int64").tolist() == truth["epoch_ms"].tolist()
    assert frame["utc_offset_min"].tolist() == truth["utc_offset_min"].tolist()
    assert frame["bpm"].tolist() == truth["bpm"].tolist()
    assert set(frame["utc_offset_min"]) == {-240, -300}


def test_daily_file_and_manifest(export):
    export.authorize()
    export.run("backfill", "--from", "2026-10-01", "--to", "2026-10-05", "--format", "csv")
    daily = pd.read_csv(export.out / "SANDBOX1" / "heart_rate_daily" / "2026-10.csv.gz", parse_dates=["date"])
    assert list(daily.columns) == ["date", "resting_bpm", "zone_out_of_range_min", "zone_fat_burn_min", "zone_cardio_min", "zone_peak_min", "samples",
                                   "hrv_rmssd_ms", "hrv_deep_rmssd_ms", "hrv_nrem_bpm", "hrv_entropy", "user_id"]
    assert daily["user_id"].tolist() == ["SANDBOX1"] * 5
    assert len(daily) == 5
    manifest = json.loads((export.out / "SANDBOX1" / "manifest.json").read_text())
    assert manifest["manifest_version"] == 1
    days = manifest["days"]["1min"]
    assert sorted(days) == [f"2026-10-0{d}" for d in range(1, 6)]
    for date, entry in days.items():
        assert entry["status"] in ("complete", "empty")
        assert entry["sha256"] == export.truth(date)["sha256"] or entry["status"] == "empty"


def test_bad_input_is_one_line_and_exit_2(export, tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for args in (["backfill", "--from", "2026-02-30"], ["backfill", "--detail", "2min"], ["backfill", "--from", "2026-10-05", "--to", "2026-10-01"],
                 ["backfill", "--api-base", "http://example.com"], ["backfill", "--format", "xls"], ["backfill", "--out", str(a_file)],
                 ["backfill", "--concurrency", "0"], ["backfill", "--request-timeout", "0"], ["sync", "--lookback", "-1"],
                 ["timezone", "set", "--from", "2026-01-01", "Mars/Olympus_Mons"], ["sandbox", "--faults", "meteor=0.5"],
                 ["sandbox", "--faults", "5xx=2"], ["schedule", "--cron", "--systemd"], ["rebuild", "--format", "json"]):
        result = export.run(*args, check=False)
        assert result.returncode == 2, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not export.out.exists()


def test_no_token_ever_reaches_output_or_files(export):
    export.authorize()
    result = export.run("backfill", "--from", "2026-10-01", "--to", "2026-10-03")
    status = export.run("status", "--json")
    log = export.state / "sync.log"
    sync = export.run("sync", "--log", str(log))
    logout_text = log.read_text() + sync.stdout + sync.stderr
    credentials = export.credentials()
    secrets = [credentials["refresh_token"], credentials["access_token"]]
    # Every file of the export, the gzip ones (raw archive, CSV months) read as what they hold.
    files = [p for p in export.out.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".json.gz") for p in files)
    exported = b"".join(gzip.decompress(p.read_bytes()) if p.name.endswith(".gz") else p.read_bytes() for p in files)
    for secret in secrets:
        assert secret not in result.stdout + result.stderr + status.stdout + logout_text
        assert secret.encode() not in exported
    assert export.credentials_path().stat().st_mode & 0o777 == 0o600


def test_load_r_reads_the_csv_export_as_utc_posixct(export):
    import shutil
    import subprocess
    from conftest import ROOT
    from conftest import require_tool
    require_tool("Rscript", "r-base-core r-cran-data.table")
    export.authorize()
    export.run("backfill", "--from", "2026-10-30", "--to", "2026-11-02", "--detail", "1min", "--format", "csv")
    result = subprocess.run(["Rscript", str(ROOT / "Scripts" / "load.R"), str(export.out / "SANDBOX1"), "1min"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    fields = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    truth = export.truth_rows("2026-10-30", "2026-11-02")
    assert fields["tz"] == "UTC" and fields["class"] == "POSIXct"
    assert int(fields["rows"]) == len(truth)
    assert int(fields["first_ms"]) == truth[0][0] and int(fields["last_ms"]) == truth[-1][0]
    assert int(fields["bpm_sum"]) == sum(r[2] for r in truth)
