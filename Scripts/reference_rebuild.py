#!/usr/bin/env python3
"""The reference for `make bench`: the script a data scientist would write to turn the raw archive's JSON
bodies into the same monthly GZIP Parquet files, with json + vectorized pandas + pyarrow.

    python3 Scripts/reference_rebuild.py RAW_DETAIL_FOLDER OUT_FOLDER TIMEZONE

RAW_DETAIL_FOLDER is <out>/<user>/raw/fitbit/<detail>; it holds <YYYY-MM>/<date>.json.gz. The files carry the
user's id in a last `user_id` column, as hrexport's do.
"""
import gzip
import json
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def day_frame(path: Path, zone: str) -> pd.DataFrame:
    return frame_from_body(json.loads(gzip.decompress(path.read_bytes())), path.name[:10], zone)


def frame_from_body(body: dict, date: str, zone: str) -> pd.DataFrame:
    points = body.get("activities-heart-intraday", {}).get("dataset", [])
    if not points:
        return pd.DataFrame(columns=["time", "local_time", "utc_offset_min", "bpm"])
    frame = pd.DataFrame(points)
    bpm = pd.to_numeric(frame["value"])
    frame = frame[(bpm >= 20) & (bpm <= 250)]
    local = pd.to_datetime(date + " " + frame["time"], format="%Y-%m-%d %H:%M:%S")
    # The fall-back hour maps to its first occurrence; a time in the spring-forward gap moves forward.
    aware = local.dt.tz_localize(zone, ambiguous=True, nonexistent="shift_forward")
    utc = aware.dt.tz_convert("UTC")
    offset = ((aware.dt.tz_localize(None) - utc.dt.tz_localize(None)) // pd.Timedelta(minutes=1)).astype("int16")
    out = pd.DataFrame({"time": utc.dt.as_unit("ms"), "local_time": (utc.dt.tz_localize(None) + pd.to_timedelta(offset, unit="min")).dt.as_unit("ms"),
                        "utc_offset_min": offset, "bpm": pd.to_numeric(frame["value"]).astype("int16").to_numpy()})
    return out.sort_values("time").drop_duplicates("time")


SCHEMA = pa.schema([("time", pa.timestamp("ms", tz="UTC"), False), ("local_time", pa.timestamp("ms"), False),
                    ("utc_offset_min", pa.int16(), False), ("bpm", pa.int16(), False), ("user_id", pa.string(), False)])


def write_month(frames, path: Path, user: str):
    frame = pd.concat([f for f in frames if len(f)], ignore_index=True)
    frame["user_id"] = user
    pq.write_table(pa.Table.from_pandas(frame, schema=SCHEMA, preserve_index=False), path, compression="gzip")


def main(argv) -> int:
    raw, out, zone = Path(argv[1]), Path(argv[2]), argv[3]
    out.mkdir(parents=True, exist_ok=True)
    for month in sorted(p for p in raw.iterdir() if p.is_dir()):
        write_month([day_frame(p, zone) for p in sorted(month.glob("*.json.gz"))], out / f"{month.name}.parquet", raw.parents[2].name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
