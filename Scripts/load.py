#!/usr/bin/env python3
"""Load an hrexport export into one pandas DataFrame.

In Python:   import load; hr = load.load("data/export/SANDBOX1", detail="1min")   # or detail="hrv", "daily"
From a shell: python3 Scripts/load.py data/export [--detail 1sec|1min|5min|15min|hrv|daily] [--user SANDBOX1]

DIR is a user's folder (it holds manifest.json) or the export folder above it when it holds one user.
Parquet and CSV.gz months load alike: `time` is tz-aware UTC, `local_time` the naive wall clock,
`utc_offset_min` and `bpm` int16, sorted by time; in the daily file `date` is a date and the nullable
integers are pandas `Int16`; HRV values are float64 with NaN for null; `user_id` (the last column, absent from
files written before 0.3) is text, so a study id such as `007` keeps its zeros.
"""
import argparse
import sys
from pathlib import Path

import pandas as pd


def user_folder(path, user=None) -> Path:
    path = Path(path)
    if (path / "manifest.json").exists():
        return path
    users = sorted(p.parent for p in path.glob("*/manifest.json"))
    if user is not None:
        users = [p for p in users if p.name == user]
    if len(users) != 1:
        found = ", ".join(p.name for p in users) or "none"
        raise SystemExit(f"load.py: {path} must be a user's export folder or hold exactly one (found: {found}); use --user")
    return users[0]


FOLDERS = {"hrv": "heart_rate_variability", "daily": "heart_rate_daily"}
DAILY_INTEGERS = ["resting_bpm", "zone_out_of_range_min", "zone_fat_burn_min", "zone_cardio_min", "zone_peak_min"]


def _read_csv(path: Path, series: str) -> pd.DataFrame:
    if series == "daily":
        frame = pd.read_csv(path, dtype={**{c: "Int16" for c in DAILY_INTEGERS}, "samples": "int32", "user_id": str})
        frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d").dt.date
        return frame
    frame = pd.read_csv(path, dtype={"utc_offset_min": "int16", "user_id": str} | ({} if series == "hrv" else {"bpm": "int16"}))
    frame["time"] = pd.to_datetime(frame["time"], format="ISO8601", utc=True).dt.as_unit("ms")
    frame["local_time"] = pd.to_datetime(frame["local_time"], format="ISO8601").dt.as_unit("ms")
    return frame


def load(path, detail: str = "1min", daily: bool = False, user=None) -> pd.DataFrame:
    """All months of one series (a sample detail, `hrv` or `daily`; `daily=True` is `detail="daily"`)."""
    series = "daily" if daily else detail
    folder = user_folder(path, user) / FOLDERS.get(series, f"heart_rate_{series}")
    files = sorted(folder.glob("*.parquet")) + sorted(folder.glob("*.csv.gz"))
    if not files:
        raise SystemExit(f"load.py: no month files in {folder}")
    frames = [pd.read_parquet(f) if f.suffix == ".parquet" else _read_csv(f, series) for f in files]
    frame = pd.concat(frames, ignore_index=True)
    return frame.sort_values("date" if series == "daily" else "time", ignore_index=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", help="a user's export folder, or the export folder holding one user")
    parser.add_argument("--detail", default="1min", choices=["1sec", "1min", "5min", "15min", "hrv", "daily"],
                        help="the series: a sample detail, hrv (intraday HRV) or daily")
    parser.add_argument("--daily", action="store_true", help="the same as --detail daily")
    parser.add_argument("--user", help="the user, when the export folder holds several")
    args = parser.parse_args(argv)
    frame = load(args.dir, args.detail, args.daily, args.user)
    key = "date" if args.daily or args.detail == "daily" else "time"
    print(f"{len(frame)} rows from {frame[key].iloc[0]} to {frame[key].iloc[-1]}")
    print(frame.dtypes.to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
