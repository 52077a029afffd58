"""Issue 15: resting heart rate and heart-rate variability from every source (Fitbit, Google, Takeout), as
analysts open them: pyarrow, pandas, polars, DuckDB and fastparquet on the Parquet files, R on the CSV.gz
form, each value for value against the sandbox's truth. Digests are computed here from the design's
definition of canonical rows, never with the exporter's code."""
import datetime
import hashlib
import io
import json
import math
import subprocess
import sys
import urllib.request
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import duckdb
import fastparquet
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import ROOT, Export, require_tool

HRV_NAMES = ["rmssd_ms", "coverage", "lf", "hf", "sdnn_ms"]
DAILY_DOUBLES = ["hrv_rmssd_ms", "hrv_deep_rmssd_ms", "hrv_nrem_bpm", "hrv_entropy"]
ZONES = ["zone_out_of_range_min", "zone_fat_burn_min", "zone_cardio_min", "zone_peak_min"]
HRV_SCHEMA = pa.schema([pa.field("time", pa.timestamp("ms", tz="UTC"), nullable=False),
                        pa.field("local_time", pa.timestamp("ms"), nullable=False),
                        pa.field("utc_offset_min", pa.int16(), nullable=False)]
                       + [pa.field(name, pa.float64()) for name in HRV_NAMES]
                       + [pa.field("user_id", pa.string(), nullable=False)])
DAILY_SCHEMA = pa.schema([pa.field("date", pa.date32(), nullable=False), pa.field("resting_bpm", pa.int16())]
                         + [pa.field(z, pa.int16()) for z in ZONES]
                         + [pa.field("samples", pa.int32(), nullable=False)]
                         + [pa.field(name, pa.float64()) for name in DAILY_DOUBLES]
                         + [pa.field("user_id", pa.string(), nullable=False)])
TAKEOUT = sorted((ROOT / "data" / "takeout").glob("*.zip"))


def days(first, last):
    day = datetime.date.fromisoformat(first)
    while day <= datetime.date.fromisoformat(last):
        yield day.isoformat()
        day += datetime.timedelta(days=1)


def series_truth(export, date, series):
    with urllib.request.urlopen(f"{export.base}/_sandbox/truth?user=SANDBOX1&date={date}&series={series}", timeout=30) as r:
        return json.load(r)


def number(value):
    """The design's canonical number: the shortest decimal that round-trips a double (Python's repr); null is empty."""
    if value is None:
        return ""
    return repr(float(value)) if isinstance(value, float) else str(value)


def digest(lines):
    return hashlib.sha256("".join(line + "\n" for line in sorted(lines)).encode()).hexdigest()


def double(value):
    """JSON writes 120.0 as 120: the truth's measured values are doubles all the same."""
    return None if value is None else float(value)


def hrv_tuple(row):
    return (row["epoch_ms"], row["utc_offset_min"], *[double(row[n]) for n in HRV_NAMES])


def hrv_line(t):
    return ",".join(number(v) for v in t)


def daily_tuple(date, values, samples):
    zones = values["zone_minutes"] or [None] * 4
    return (date, values["resting_bpm"], *zones, samples, *[double(values[n]) for n in DAILY_DOUBLES])


def daily_line(t):
    return ",".join(number(v) for v in t)


class Truth:
    """The sandbox's HRV windows and daily rows of a range of days, and what each day's digest must be."""

    def __init__(self, export, first, last, finest="1min", keep=None):
        keep = keep or (lambda date, row: True)
        self.hrv, self.daily, self.hrv_digest, self.daily_digest = {}, {}, {}, {}
        for date in days(first, last):
            rows = [hrv_tuple(r) for r in series_truth(export, date, "hrv")["rows"] if keep(date, r)]
            self.hrv[date] = rows
            self.hrv_digest[date] = digest(hrv_line(t) for t in rows)
            samples = len(export.truth(date, finest)["rows"])
            self.daily[date] = daily_tuple(date, series_truth(export, date, "daily")["values"], samples)
            self.daily_digest[date] = digest([daily_line(self.daily[date])])

    def hrv_rows(self):
        return [t for date in sorted(self.hrv) for t in self.hrv[date]]


def arrow_hrv(path):
    table = pq.read_table(path)
    assert table.schema.remove_metadata() == HRV_SCHEMA
    return list(zip(table["time"].cast("int64").to_pylist(), table["utc_offset_min"].to_pylist(),
                    *[table[n].to_pylist() for n in HRV_NAMES]))


def arrow_daily(path):
    table = pq.read_table(path)
    assert table.schema.remove_metadata() == DAILY_SCHEMA
    names = ["resting_bpm", *ZONES, "samples", *DAILY_DOUBLES]
    return [(d.isoformat(), *rest) for d, *rest in zip(table["date"].to_pylist(), *[table[n].to_pylist() for n in names])]


def same_with_nan_as_none(frame_values, expected):
    """A float column from a NaN-for-null reader (pandas, fastparquet) against values with None."""
    got = [None if isinstance(v, float) and math.isnan(v) else v for v in frame_values]
    return got == expected


def check_hrv_readers(paths, expected):
    """pandas, polars, DuckDB and fastparquet read the same windows, nulls where the truth has none."""
    columns = list(zip(*expected)) if expected else [[]] * 7
    for reader in ("pandas", "polars", "duckdb", "fastparquet"):
        if reader == "pandas":
            frame = pd.concat([pd.read_parquet(p) for p in paths])
            assert str(frame["time"].dtype) == "datetime64[ms, UTC]" and str(frame["rmssd_ms"].dtype) == "float64"
            times = frame["time"].astype("int64").tolist()
        elif reader == "polars":
            frame = pl.concat([pl.read_parquet(p) for p in paths])
            assert frame.schema["time"] == pl.Datetime("ms", "UTC") and frame.schema["rmssd_ms"] == pl.Float64
            times = frame["time"].dt.epoch("ms").to_list()
            frame = {n: frame[n].to_list() for n in frame.columns}
        elif reader == "duckdb":
            names = ", ".join(f"'{p}'" for p in paths)
            result = duckdb.sql(f"SELECT epoch_ms(time) AS t, * FROM read_parquet([{names}]) ORDER BY time")
            assert [str(t) for t in result.types[1:]] == ["TIMESTAMP WITH TIME ZONE", "TIMESTAMP", "SMALLINT"] + ["DOUBLE"] * 5 + ["VARCHAR"]
            rows = result.fetchall()
            times = [r[0] for r in rows]
            frame = {n: [r[4 + i] for r in rows] for i, n in enumerate(HRV_NAMES)} | {"utc_offset_min": [r[3] for r in rows]}
        else:
            frame = pd.concat([fastparquet.ParquetFile(str(p)).to_pandas() for p in paths])
            times = (frame["time"].astype("int64") // (1 if str(frame["time"].dtype).startswith("datetime64[ms") else 1_000_000)).tolist()
        assert times == list(columns[0]), reader
        assert list(frame["utc_offset_min"]) == list(columns[1]), reader
        for i, name in enumerate(HRV_NAMES):
            assert same_with_nan_as_none(list(frame[name]), list(columns[2 + i])), (reader, name)


def check_daily_readers(paths, expected):
    for reader in ("pandas", "polars", "duckdb", "fastparquet"):
        if reader == "pandas":
            frame = pd.concat([pd.read_parquet(p) for p in paths])
            assert str(frame["resting_bpm"].dtype) == "Int16" and str(frame["zone_peak_min"].dtype) == "Int16"
            rows = [tuple(None if pd.isna(v) else v for v in r) for r in frame.itertuples(index=False)]
        elif reader == "polars":
            frame = pl.concat([pl.read_parquet(p) for p in paths])
            assert frame.schema["resting_bpm"] == pl.Int16 and frame.schema["hrv_rmssd_ms"] == pl.Float64
            rows = frame.rows()
        elif reader == "duckdb":
            names = ", ".join(f"'{p}'" for p in paths)
            rows = duckdb.sql(f"SELECT * FROM read_parquet([{names}]) ORDER BY date").fetchall()
        else:
            frame = pd.concat([fastparquet.ParquetFile(str(p)).to_pandas() for p in paths])
            rows = [tuple(None if pd.isna(v) else v for v in r) for r in frame.itertuples(index=False)]
        # The last column is user_id: the name of the user's folder (<out>/<user>/heart_rate_daily/<month>).
        assert {r[-1] for r in rows} == {Path(paths[0]).parent.parent.name}, reader
        got = [(pd.Timestamp(r[0]).date().isoformat(), *[None if v is None else (float(v) if isinstance(v, float) else int(v)) for v in r[1:-1]])
               for r in rows]
        assert got == expected, reader


def check_manifest(user, truth):
    manifest = json.loads((user / "manifest.json").read_text())
    for date, rows in truth.hrv.items():
        entry = manifest["days"]["hrv"][date]
        assert entry["rows"] == len(rows) and entry["sha256"] == truth.hrv_digest[date], date
        assert entry["status"] == ("complete" if rows else "empty"), date
    for date, row in truth.daily.items():
        entry = manifest["days"]["daily"][date]
        assert entry["status"] == "complete" and entry["sha256"] == truth.daily_digest[date], (date, row)
    return manifest


def check_status_counts(export, manifest):
    """`status --json` counts per series equal the manifest's, each series named as in --series."""
    report = json.loads(export.run("status", "--json").stdout)
    for series, entries in manifest["days"].items():
        months = [m for m in report["months"] if m["detail"] == series]
        assert months, series
        for status in ("complete", "partial", "empty", "failed", "no_access"):
            assert sum(m[status] for m in months) == sum(e["status"] == status for e in entries.values()), (series, status)


# MARK: Fitbit


@pytest.fixture(scope="module")
def fitbit(tmp_path_factory):
    e = Export(tmp_path_factory.mktemp("fitbit-series"), "--off-wrist", "2026-10-12..2026-10-13")
    e.authorize()
    # Across the fall-back night of 2026-11-01, and two days off the wrist (no night, no resting rate).
    e.run("backfill", "--from", "2026-10-08", "--to", "2026-11-03")
    e.truth_cache = Truth(e, "2026-10-08", "2026-11-03")
    yield e
    e.close()


def test_fitbit_hrv_and_daily_equal_the_truth_in_every_reader(fitbit):
    user = fitbit.out / "SANDBOX1"
    truth = fitbit.truth_cache
    hrv_paths = [user / "heart_rate_variability" / f"{m}.parquet" for m in ("2026-10", "2026-11")]
    assert sum((arrow_hrv(p) for p in hrv_paths), []) == truth.hrv_rows()
    check_hrv_readers(hrv_paths, truth.hrv_rows())
    # Fitbit measures no SDNN: a column of nulls, with its null count in the statistics and no min or max.
    stats = pq.ParquetFile(hrv_paths[0]).metadata.row_group(0).column(7).statistics
    assert stats.null_count == pq.ParquetFile(hrv_paths[0]).metadata.num_rows and not stats.has_min_max
    rmssd = [t[2] for t in truth.hrv_rows() if t[0] < 1_793_505_600_000]  # October's windows (local), min and max
    column = pq.ParquetFile(hrv_paths[0]).metadata.row_group(0).column(3).statistics
    assert column.null_count == 0 and (column.min, column.max) == (min(rmssd), max(rmssd))

    daily_paths = [user / "heart_rate_daily" / f"{m}.parquet" for m in ("2026-10", "2026-11")]
    expected = [truth.daily[d] for d in sorted(truth.daily)]
    assert sum((arrow_daily(p) for p in daily_paths), []) == expected
    check_daily_readers(daily_paths, expected)
    # The source has them: zone minutes and resting rate filled, nights off the wrist null.
    assert truth.daily["2026-10-12"][1] is None and truth.daily["2026-10-12"][7] is None
    assert sum(row[1] is not None for row in expected) >= 20 and sum(row[7] is not None for row in expected) >= 15
    manifest = check_manifest(user, truth)
    check_status_counts(fitbit, manifest)
    assert "ok:" in fitbit.run("verify").stdout
    meta = pq.read_metadata(hrv_paths[0]).metadata
    assert meta[b"hrexport.detail"] == b"hrv" and pq.read_metadata(daily_paths[0]).metadata[b"hrexport.detail"] == b"daily"


def test_fitbit_requests_per_day_with_and_without_the_new_series(fitbit):
    """The budget counts every request: one HRV night a day, the summaries 30 days a request."""
    with urllib.request.urlopen(fitbit.base + "/_sandbox/requests", timeout=30) as r:
        paths = [e["path"] for e in json.load(r) if e["status"] == 200]
    heart = [p for p in paths if "/activities/heart/" in p]
    nights = [p for p in paths if p.endswith("/all.json")]
    summaries = [p for p in paths if "/hrv/date/" in p and not p.endswith("/all.json")]
    assert len(heart) == 27  # 2026-10-08..11-03
    assert len(nights) == 28  # and the night ending on 11-04, which holds 11-03's evening
    assert len(summaries) == 2  # one per month of days
    print(f"fitbit: {len(heart) / 27:.2f} requests/day for the samples, {(len(heart) + len(nights) + len(summaries)) / 27:.2f} with hrv and daily")


def test_the_month_report_has_one_hrv_point_per_night_with_a_value(fitbit, tmp_path):
    path = fitbit.run("report", "--month", "2026-10").stdout.strip()
    root = ET.parse(path).getroot()
    points = [c for c in root.iter("{http://www.w3.org/2000/svg}circle") if c.get("class") == "hrv"]
    nights = [d for d in sorted(fitbit.truth_cache.daily) if d.startswith("2026-10") and fitbit.truth_cache.daily[d][7] is not None]
    assert len(points) == len(nights) > 0
    titles = [c.find("{http://www.w3.org/2000/svg}title").text for c in points]

    def shown(value):
        return str(int(value)) if value == round(value) else "%.1f" % value
    assert titles == [f"{n}: {shown(fitbit.truth_cache.daily[n][7])} ms" for n in nights]


def test_csv_form_reads_in_pandas_and_r_equal_to_the_truth(fitbit, tmp_path):
    require_tool("Rscript", "r-base-core r-cran-data.table")
    user = fitbit.out / "SANDBOX1"
    truth = fitbit.truth_cache
    sys.path.insert(0, str(ROOT / "Scripts"))
    import load
    from_parquet = {series: load.load(user, detail=series) for series in ("hrv", "daily")}
    fitbit.run("rebuild", "--format", "csv")
    try:
        for series, expected in from_parquet.items():
            pd.testing.assert_frame_equal(load.load(user, detail=series), expected)
        frame = pd.concat([pd.read_csv(p) for p in sorted((user / "heart_rate_variability").glob("*.csv.gz"))])
        assert list(frame.columns) == ["time", "local_time", "utc_offset_min", *HRV_NAMES, "user_id"]
        for i, name in enumerate(HRV_NAMES):
            assert same_with_nan_as_none(frame[name].tolist(), [t[2 + i] for t in truth.hrv_rows()]), name
        daily = pd.read_csv(user / "heart_rate_daily" / "2026-10.csv.gz")
        assert list(daily.columns) == ["date", "resting_bpm", *ZONES, "samples", *DAILY_DOUBLES, "user_id"]

        for series in ("hrv", "daily"):
            copy = tmp_path / f"{series}.csv"
            result = subprocess.run(["Rscript", str(ROOT / "Scripts" / "load.R"), str(user), series, str(copy)],
                                    capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, result.stderr
            fields = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
            read = pd.read_csv(copy, na_values=["NA"], keep_default_na=False)
            assert read["user_id"].unique().tolist() == ["SANDBOX1"] and list(read.columns)[-1] == "user_id"
            read = read.drop(columns="user_id")
            if series == "hrv":
                assert fields["tz"] == "UTC" and int(fields["rows"]) == len(truth.hrv_rows())
                assert read["time"].tolist() == [t[0] for t in truth.hrv_rows()]
                assert (read["local_time"] - read["time"]).tolist() == [t[1] * 60_000 for t in truth.hrv_rows()]
                for i, name in enumerate(HRV_NAMES):
                    assert same_with_nan_as_none(read[name].tolist(), [t[2 + i] for t in truth.hrv_rows()]), name
            else:
                assert fields["class"] == "Date" and int(fields["rows"]) == len(truth.daily)
                expected = [truth.daily[d] for d in sorted(truth.daily)]
                got = [tuple(None if pd.isna(v) else v for v in r) for r in read.itertuples(index=False)]
                assert [(r[0], *[None if v is None else (float(v) if isinstance(v, float) and not float(v).is_integer() or i >= 7 else int(v))
                                 for i, v in enumerate(r[1:], start=1)]) for r in got] == expected
        assert "ok:" in fitbit.run("verify").stdout
    finally:
        fitbit.run("rebuild", "--format", "parquet")


def test_series_flag_picks_what_is_fetched_and_refuses_nonsense(tmp_path):
    e = Export(tmp_path)
    try:
        e.authorize()
        e.run("backfill", "--from", "2026-10-01", "--to", "2026-10-03", "--series", "hrv")
        user = e.out / "SANDBOX1"
        assert sorted(p.name for p in user.iterdir() if p.is_dir()) == ["heart_rate_variability", "raw"]
        with urllib.request.urlopen(e.base + "/_sandbox/requests", timeout=30) as r:
            paths = [x["path"] for x in json.load(r)]
        assert not any("/activities/heart/" in p for p in paths)
        for args in (["--series", "hrv,2min"], ["--series", "hrv,hrv"], ["--series", "1min,hrv", "--detail", "1sec"], ["--series", ""]):
            result = e.run("backfill", "--from", "2026-10-01", "--to", "2026-10-03", *args, check=False)
            assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)
        # A sync keeps what the export holds: only HRV again.
        e.run("sync")
        assert sorted(p.name for p in user.iterdir() if p.is_dir()) == ["heart_rate_variability", "raw"]
    finally:
        e.close()


@pytest.mark.parametrize("api", ["fitbit", "google"])
def test_a_403_from_the_hrv_or_daily_endpoint_exits_3_naming_the_scope(tmp_path, api):
    args = ["--api", "google", "--rate-limit", "200", "--hour-seconds", "1"] if api == "google" else []
    for part in (["/hrv/"] if api == "fitbit" else ["heart-rate-variability", "daily-resting-heart-rate"]):
        e = Export(tmp_path / part.strip("/"), *args)
        try:
            e.authorize(*(["--source", "google"] if api == "google" else []))
            urllib.request.urlopen(urllib.request.Request(f"{e.base}/_sandbox/forbid?path={part}", method="POST"), timeout=10).read()
            pace = ["--pace", "200/1"] if api == "google" else []
            result = e.run("backfill", "--from", "2026-03-06", "--to", "2026-03-08", *pace, check=False)
            assert result.returncode == 3, result.stderr
            last = result.stderr.strip().splitlines()[-1]
            assert "403" in last and ("heartrate" in last if api == "fitbit" else "googlehealth" in last), last
            assert "hrexport auth" in last
            # The samples fetched before are kept, complete.
            manifest = json.loads((e.out / "SANDBOX1" / "manifest.json").read_text())
            samples = manifest["days"]["1min" if api == "fitbit" else "1sec"]
            assert all(samples[d]["status"] == "complete" for d in ("2026-03-06", "2026-03-07", "2026-03-08"))
        finally:
            e.close()


# MARK: Google


def test_google_hrv_and_daily_equal_the_truth_in_every_reader(tmp_path):
    e = Export(tmp_path, "--api", "google", "--rate-limit", "200", "--hour-seconds", "1")
    try:
        e.authorize("--source", "google")
        e.run("backfill", "--from", "2026-03-04", "--to", "2026-03-12", "--pace", "200/1")
        user = e.out / "SANDBOX1"
        truth = Truth(e, "2026-03-04", "2026-03-12", finest="1sec")
        path = user / "heart_rate_variability" / "2026-03.parquet"
        assert arrow_hrv(path) == truth.hrv_rows()
        check_hrv_readers([path], truth.hrv_rows())
        # Google gives RMSSD and SDNN, not coverage or the frequency bands.
        assert all(t[3] is None and t[4] is None and t[5] is None and t[6] is not None for t in truth.hrv_rows())
        expected = [truth.daily[d] for d in sorted(truth.daily)]
        assert arrow_daily(user / "heart_rate_daily" / "2026-03.parquet") == expected
        check_daily_readers([user / "heart_rate_daily" / "2026-03.parquet"], expected)
        # Zone minutes are null (Google has none), resting and nightly HRV filled where the sandbox has them.
        assert all(row[2:6] == (None,) * 4 for row in expected)
        assert sum(row[1] is not None for row in expected) >= 6 and sum(row[7] is not None for row in expected) >= 5
        manifest = check_manifest(user, truth)
        check_status_counts(e, manifest)
        assert "ok:" in e.run("verify").stdout
        with urllib.request.urlopen(e.base + "/_sandbox/requests", timeout=30) as r:
            paths = [x["path"] for x in json.load(r) if x["status"] == 200]
        # One request per month of days for each daily type, not one per day.
        assert sum("/daily-resting-heart-rate/" in p for p in paths) == 1
        assert sum("/daily-heart-rate-variability/" in p for p in paths) == 1
        samples = sum("/dataTypes/heart-rate/" in p for p in paths)
        intraday_hrv = sum("/dataTypes/heart-rate-variability/" in p for p in paths)
        print(f"google: {samples / 9:.2f} requests/day for the samples, {(samples + intraday_hrv + 2) / 9:.2f} with hrv and daily")
    finally:
        e.close()


# MARK: Takeout


def takeout_truth(export):
    """The fixture's nights are the Fitbit sandbox's, ending 03-07..03-11; its summaries Google's; its resting rates Fitbit's."""
    def local_hour(row):
        return (row["epoch_ms"] // 1000 + row["utc_offset_min"] * 60) // 3600 % 24

    # 03-06 holds only the evening of the night ending 03-07, 03-11 only the morning of the night ending on it.
    keep = {"2026-03-06": lambda r: local_hour(r) >= 12, "2026-03-11": lambda r: local_hour(r) < 12}
    return keep, lambda date, row: keep.get(date, lambda r: True)(row)


def test_takeout_import_fills_hrv_and_daily_equal_to_the_truth(tmp_path):
    fitbit = Export(tmp_path / "f")
    google = Export(tmp_path / "g", "--api", "google")
    try:
        _, keep = takeout_truth(fitbit)
        hrv = Truth(fitbit, "2026-03-06", "2026-03-11", finest="1sec", keep=keep)
        fitbit.run("import", *map(str, TAKEOUT), "--user", "SANDBOX1", "--timezone", "America/New_York")
        user = fitbit.out / "SANDBOX1"
        path = user / "heart_rate_variability" / "2026-03.parquet"
        # The archive has no SDNN; the rest is the Fitbit night as served.
        assert arrow_hrv(path) == hrv.hrv_rows()
        check_hrv_readers([path], hrv.hrv_rows())
        manifest = json.loads((user / "manifest.json").read_text())
        for date, rows in hrv.hrv.items():
            assert manifest["days"]["hrv"][date]["sha256"] == digest(hrv_line(t) for t in rows), date
        assert manifest["days"]["hrv"]["2026-03-08"]["status"] == "empty"  # no night in the archive touches it

        daily = {r[0]: r for r in arrow_daily(user / "heart_rate_daily" / "2026-03.parquet")}
        for date in days("2026-03-07", "2026-03-10"):
            fitbit_values = series_truth(fitbit, date, "daily")["values"]
            google_values = series_truth(google, date, "daily")["values"]
            samples = len(fitbit.truth(date, "1sec")["rows"])
            expected = (date, fitbit_values["resting_bpm"], None, None, None, None, samples,
                        double(google_values["hrv_rmssd_ms"]), None, double(google_values["hrv_nrem_bpm"]), double(google_values["hrv_entropy"]))
            assert daily[date] == expected
            assert manifest["days"]["daily"][date]["sha256"] == digest([daily_line(expected)])
        check_daily_readers([user / "heart_rate_daily" / "2026-03.parquet"], sorted(daily.values()))
        check_status_counts(fitbit, manifest)
        assert "ok:" in fitbit.run("verify").stdout
    finally:
        fitbit.close()
        google.close()


def test_a_malformed_hrv_or_resting_file_is_named_skipped_and_fails_only_its_days(tmp_path):
    e = Export(tmp_path)
    try:
        broken = tmp_path / "takeout-20261120T000000Z-001.zip"
        with zipfile.ZipFile(TAKEOUT[0]) as source, zipfile.ZipFile(broken, "w") as target:
            for item in source.infolist():
                data = source.read(item)
                if item.filename.endswith("Heart Rate Variability Details - 2026-03-10.csv"):
                    data = b"timestamp,rmssd,coverage,low_frequency,high_frequency\n2026-03-10T01:00:00,abc,1,2,3\n"
                if "resting_heart_rate-" in item.filename:
                    data = b'[{"dateTime": "03/01/26 00:00:00", "value": {'
                target.writestr(item, data)
        result = e.run("import", str(broken), "--user", "SANDBOX1", "--timezone", "America/New_York", check=False)
        assert result.returncode == 1, result.stderr
        assert "Heart Rate Variability Details - 2026-03-10.csv" in result.stderr and "resting_heart_rate-2026-03-01.json" in result.stderr
        manifest = json.loads((e.out / "SANDBOX1" / "manifest.json").read_text())
        hrv = manifest["days"]["hrv"]
        # The night ending on the 10th touches the 9th and the 10th; the other nights are all there.
        assert hrv["2026-03-09"]["status"] == "failed" and hrv["2026-03-10"]["status"] == "failed"
        assert "Heart Rate Variability Details - 2026-03-10.csv" in hrv["2026-03-10"]["error"]
        assert hrv["2026-03-07"]["status"] == "complete" and hrv["2026-03-11"]["rows"] > 60
        assert manifest["days"]["daily"]["2026-03-01"]["status"] == "failed"
        # The samples and the other daily values are untouched.
        assert all(manifest["days"]["1sec"][d]["status"] == "complete" for d in days("2026-03-07", "2026-03-09"))
        daily = pq.read_table(e.out / "SANDBOX1" / "heart_rate_daily" / "2026-03.parquet").to_pylist()
        assert all(r["resting_bpm"] is None for r in daily) and sum(r["hrv_rmssd_ms"] is not None for r in daily) >= 3
    finally:
        e.close()
