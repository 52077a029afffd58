#!/usr/bin/env python3
"""The end-to-end reference for `make bench`: fetch each day with urllib (one request at a time, as a
script would), then write monthly GZIP Parquet files with pandas + pyarrow like reference_rebuild.py.

    python3 Scripts/reference_fetch.py BASE_URL ACCESS_TOKEN DETAIL FROM TO OUT_FOLDER TIMEZONE
"""
import datetime
import json
import sys
import urllib.request
from collections import defaultdict
from pathlib import Path

from reference_rebuild import frame_from_body, write_month


def main(argv) -> int:
    base, token, detail, first, last, out, zone = argv[1:8]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    months = defaultdict(list)
    day, end = datetime.date.fromisoformat(first), datetime.date.fromisoformat(last)
    while day <= end:
        request = urllib.request.Request(f"{base}/1/user/-/activities/heart/date/{day}/1d/{detail}.json",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            body = json.load(response)
        months[day.isoformat()[:7]].append(frame_from_body(body, day.isoformat(), zone))
        day += datetime.timedelta(days=1)
    for month, frames in months.items():
        write_month(frames, out / f"{month}.parquet", "SANDBOX1")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
