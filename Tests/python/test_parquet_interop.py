"""The Parquet export as analysts open it: pyarrow, pandas, polars, DuckDB and fastparquet, each compared value
for value with the sandbox's truth. The months cover a DST change in each direction, empty days and a week
without the watch (2026-03-10..16, a 30-bit gap between two samples), and a 1sec month of about half a
million rows."""
import datetime
import subprocess
import sys
from collections import defaultdict

import duckdb
import fastparquet
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import ROOT, Export

RANGES = {"1min": [("2026-02-25", "2026-04-03"), ("2026-10-30", "2026-11-02")], "1sec": [("2026-01-01", "2026-01-31")]}
INTRADAY = pa.schema([pa.field("time", pa.timestamp("ms", tz="UTC"), nullable=False),
                      pa.field("local_time", pa.timestamp("ms"), nullable=False),
                      pa.field("utc_offset_min", pa.int16(), nullable=False),
                      pa.field("bpm", pa.int16(), nullable=False),
                      pa.field("user_id", pa.string(), nullable=False)])


class Truth:
    """Per (detail, month): the sandbox's rows as three numpy arrays."""

    def __init__(self, export):
        self.months = {}
        for detail, ranges in RANGES.items():
            by_month = defaultdict(list)
            for first, last in ranges:
                day = datetime.date.fromisoformat(first)
                while day <= datetime.date.fromisoformat(last):
                    by_month[day.isoformat()[:7]] += export.truth_rows(day.isoformat(), day.isoformat(), detail)
                    day += datetime.timedelta(days=1)
            for month, rows in by_month.items():
                a = np.array(rows, dtype=np.int64).reshape(-1, 3)
                self.months[(detail, month)] = (a[:, 0], a[:, 1], a[:, 2])

    def files(self, export):
        for (detail, month), expected in sorted(self.months.items()):
            yield export.out / "SANDBOX1" / f"heart_rate_{detail}" / f"{month}.parquet", expected


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    # 73 days with HRV and daily take about 160 requests: more than Fitbit's 150 an hour, and this fixture tests
    # the files, not the budget (the budget has its own tests), so the sandbox allows more.
    e = Export(tmp_path_factory.mktemp("parquet"), "--off-wrist", "2026-03-10..2026-03-16", "--rate-limit", "1000")
    e.authorize()
    for detail, ranges in RANGES.items():
        for first, last in ranges:
            e.run("backfill", "--from", first, "--to", last, "--detail", detail)
    e.truth_cache = Truth(e)
    yield e
    e.close()


def epoch_ms(series: pd.Series) -> np.ndarray:
    zero = pd.Timestamp(0, tz="UTC") if series.dt.tz is not None else pd.Timestamp(0)
    return ((series - zero) // pd.Timedelta(milliseconds=1)).to_numpy(dtype=np.int64)


def check_frame(frame: pd.DataFrame, expected):
    times, offsets, bpm = expected
    assert len(frame) == len(times)
    assert np.array_equal(epoch_ms(frame["time"]), times)
    assert np.array_equal(epoch_ms(frame["local_time"]), times + offsets * 60_000)
    assert np.array_equal(frame["utc_offset_min"].to_numpy(), offsets)
    assert np.array_equal(frame["bpm"].to_numpy(), bpm)
    assert frame["user_id"].tolist() == ["SANDBOX1"] * len(times)


def test_the_months_cover_what_the_issue_asks(export):
    months = export.truth_cache.months
    assert len(months[("1sec", "2026-01")][0]) >= 450_000
    march = months[("1min", "2026-03")]
    assert set(march[1].tolist()) == {-300, -240}
    assert np.diff(march[0]).max() >= 7 * 86_400_000
    assert set(months[("1min", "2026-11")][1].tolist()) == {-300, -240}


def test_pyarrow_schema_statistics_and_values(export):
    for path, expected in export.truth_cache.files(export):
        table = pq.read_table(path)
        assert table.schema.remove_metadata() == INTRADAY, path
        check_frame(table.to_pandas(), expected)
        meta = pq.ParquetFile(path).metadata
        assert meta.num_row_groups == 1
        assert meta.created_by.startswith("hrexport version ")
        kv = {k.decode(): v.decode() for k, v in meta.metadata.items()}
        assert kv["hrexport.user"] == "SANDBOX1" and kv["hrexport.timezone"] == "America/New_York"
        assert kv["hrexport.detail"] == path.parent.name.removeprefix("heart_rate_")
        time_stats, bpm_stats = meta.row_group(0).column(0).statistics, meta.row_group(0).column(3).statistics
        assert time_stats.has_min_max and time_stats.null_count == 0
        assert time_stats.min == pd.Timestamp(int(expected[0].min()), unit="ms", tz="UTC")
        assert (bpm_stats.min, bpm_stats.max) == (expected[2].min(), expected[2].max())
        user_stats = meta.row_group(0).column(4).statistics
        assert (user_stats.min, user_stats.max, user_stats.null_count) == ("SANDBOX1", "SANDBOX1", 0)
        for i in range(5):
            assert meta.row_group(0).column(i).compression == "GZIP"


def test_pandas_reads_tz_aware_utc_without_arguments(export):
    for path, expected in export.truth_cache.files(export):
        frame = pd.read_parquet(path)
        assert str(frame["time"].dtype) == "datetime64[ms, UTC]"
        assert str(frame["local_time"].dtype) == "datetime64[ms]"
        assert frame["bpm"].dtype == np.int16 and frame["utc_offset_min"].dtype == np.int16
        check_frame(frame, expected)


def test_fastparquet_reads_every_value_including_the_week_long_gap(export):
    for path, expected in export.truth_cache.files(export):
        frame = fastparquet.ParquetFile(str(path)).to_pandas()
        assert str(frame["time"].dt.tz) == "UTC", path
        check_frame(frame, expected)


def test_polars_types_and_values(export):
    for path, (times, offsets, bpm) in export.truth_cache.files(export):
        frame = pl.read_parquet(path)
        assert frame.schema == pl.Schema({"time": pl.Datetime("ms", "UTC"), "local_time": pl.Datetime("ms"),
                                          "utc_offset_min": pl.Int16, "bpm": pl.Int16, "user_id": pl.String})
        assert np.array_equal(frame["time"].dt.epoch("ms").to_numpy(), times)
        assert np.array_equal(frame["local_time"].dt.epoch("ms").to_numpy(), times + offsets * 60_000)
        assert np.array_equal(frame["bpm"].to_numpy(), bpm)
        assert frame["user_id"].unique().to_list() == ["SANDBOX1"]


def test_duckdb_reads_all_months_at_once(export):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for detail in RANGES:
        months = [v for (d, _), v in export.truth_cache.months.items() if d == detail]
        times = np.concatenate([m[0] for m in months])
        glob = export.out / "SANDBOX1" / f"heart_rate_{detail}" / "*.parquet"
        count, first, last = con.execute(f"SELECT count(*), min(time), max(time) FROM read_parquet('{glob}')").fetchone()
        assert count == len(times)
        assert first == datetime.datetime.fromtimestamp(times.min() / 1000, datetime.timezone.utc)
        assert last == datetime.datetime.fromtimestamp(times.max() / 1000, datetime.timezone.utc)
        types = [row[1] for row in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{glob}')").fetchall()]
        assert types == ["TIMESTAMP WITH TIME ZONE", "TIMESTAMP", "SMALLINT", "SMALLINT", "VARCHAR"]
        sums = con.execute(f"SELECT sum(epoch_ms(time)), sum(bpm), sum(utc_offset_min), "
                           f"count(*) FILTER (WHERE epoch_ms(local_time) <> epoch_ms(time) + utc_offset_min * 60000) "
                           f"FROM read_parquet('{glob}')").fetchone()
        assert sums == (int(times.sum()), int(sum(m[2].sum() for m in months)), int(sum(m[1].sum() for m in months)), 0)


def test_daily_files_are_typed_with_nulls_on_empty_days(export):
    path = export.out / "SANDBOX1" / "heart_rate_daily" / "2026-03.parquet"
    table = pq.read_table(path)
    assert table.schema.remove_metadata() == pa.schema(
        [pa.field("date", pa.date32(), nullable=False), pa.field("resting_bpm", pa.int16())]
        + [pa.field(f"zone_{z}_min", pa.int16()) for z in ("out_of_range", "fat_burn", "cardio", "peak")]
        + [pa.field("samples", pa.int32(), nullable=False)]
        + [pa.field(name, pa.float64()) for name in ("hrv_rmssd_ms", "hrv_deep_rmssd_ms", "hrv_nrem_bpm", "hrv_entropy")]
        + [pa.field("user_id", pa.string(), nullable=False)])
    frame = pd.read_parquet(path)
    assert len(frame) == 31
    assert str(frame["resting_bpm"].dtype) == "Int16"
    gap = frame[(frame["date"] >= datetime.date(2026, 3, 10)) & (frame["date"] <= datetime.date(2026, 3, 16))]
    assert gap["resting_bpm"].isna().all() and (gap["samples"] == 0).all() and gap["hrv_rmssd_ms"].isna().all()
    assert frame["samples"].sum() == len(export.truth_cache.months[("1min", "2026-03")][0])
    for reader in (lambda p: pl.read_parquet(p).to_pandas(), lambda p: fastparquet.ParquetFile(str(p)).to_pandas(),
                   lambda p: duckdb.sql(f"SELECT * FROM '{p}'").df()):
        other = reader(path)
        assert other["samples"].tolist() == frame["samples"].tolist()
        assert other["resting_bpm"].isna().tolist() == frame["resting_bpm"].isna().tolist()


def test_verify_passes_and_rebuild_to_csv_gives_the_same_frame(export):
    assert "ok:" in export.run("verify").stdout
    month = export.out / "SANDBOX1" / "heart_rate_1min" / "2026-03"
    before = pd.read_parquet(f"{month}.parquet")
    export.run("rebuild", "--format", "csv")
    try:
        assert not month.with_suffix(".parquet").exists()
        after = pd.read_csv(f"{month}.csv.gz", parse_dates=["time", "local_time"])
        assert np.array_equal(epoch_ms(after["time"]), epoch_ms(before["time"]))
        assert np.array_equal(after["bpm"].to_numpy(), before["bpm"].to_numpy())
        assert "ok:" in export.run("verify").stdout
    finally:
        export.run("rebuild", "--format", "parquet")
    assert month.with_name("2026-03.parquet").exists() and not month.with_name("2026-03.csv.gz").exists()


def test_load_py_returns_all_months_of_a_user(export):
    sys.path.insert(0, str(ROOT / "Scripts"))
    import load
    frame = load.load(export.out / "SANDBOX1", detail="1min")
    expected = [v for (d, _), v in sorted(export.truth_cache.months.items()) if d == "1min"]
    check_frame(frame, tuple(np.concatenate([m[i] for m in expected]) for i in range(3)))
    assert str(frame["time"].dtype) == "datetime64[ms, UTC]"
    cli = subprocess.run([sys.executable, str(ROOT / "Scripts" / "load.py"), str(export.out), "--detail", "1sec"],
                         capture_output=True, text=True, check=True)
    assert f"{len(export.truth_cache.months[('1sec', '2026-01')][0])} rows" in cli.stdout
