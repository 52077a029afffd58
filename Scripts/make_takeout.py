#!/usr/bin/env python3
"""Writes the synthetic Google Takeout fixture under data/takeout/ from the sandbox's truth.

Two .zip parts, as Takeout splits a large export: part 1 holds 2026-03-07..10 (the US spring-forward day
is the 8th) as Fitbit JSON, with the 9th also as Google's CSV and the 10th only as CSV, and the other heart
files of those days: a `resting_heart_rate-*.json` (a month file: each element names its own day, 0 is none),
`Heart Rate Variability Details - D.csv` (the night ending on D, wall-clock times) and `Daily Heart Rate
Variability Summary - YYYY-MM-(DD).csv`; part 2 holds 2026-11-01 (fall-back) and noise files that the importer
must ignore. JSON `dateTime` is UTC, as the evidence says real archives are.
Usage: make_takeout.py [hrexport binary] [output folder]
"""
import datetime
import json
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / ".build" / "debug" / "hrexport")
OUT = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "data" / "takeout"
USER = "SANDBOX1"


def truth(base, day):
    with urllib.request.urlopen(f"{base}/_sandbox/truth?user={USER}&date={day}&detail=1sec", timeout=60) as r:
        return json.load(r)["rows"]


def series_truth(base, day, series):
    with urllib.request.urlopen(f"{base}/_sandbox/truth?user={USER}&date={day}&series={series}", timeout=60) as r:
        return json.load(r)


def wall(ms, offset_min):
    return datetime.datetime.fromtimestamp(ms / 1000 + offset_min * 60, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def night(base, day):
    """The windows of the night that ends on `day`: that day's morning and the evening before."""
    previous = (datetime.date.fromisoformat(day) - datetime.timedelta(days=1)).isoformat()
    rows = [r for r in series_truth(base, previous, "hrv")["rows"] if wall(r["epoch_ms"], r["utc_offset_min"])[11:13] >= "12"]
    rows += [r for r in series_truth(base, day, "hrv")["rows"] if wall(r["epoch_ms"], r["utc_offset_min"])[11:13] < "12"]
    return rows


def hrv_details_csv(rows):
    lines = ["timestamp,rmssd,coverage,low_frequency,high_frequency"]
    lines += [f"{wall(r['epoch_ms'], r['utc_offset_min'])},{r['rmssd_ms']!r},{r['coverage']!r},{r['lf']!r},{r['hf']!r}" for r in rows]
    return "\n".join(lines) + "\n"


def utc(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)


def fitbit_json(rows):
    # Fitbit's own layout: one object per line of a JSON array, `confidence` beside the bpm.
    items = [json.dumps({"dateTime": utc(r["epoch_ms"]).strftime("%m/%d/%y %H:%M:%S"),
                         "value": {"bpm": r["bpm"], "confidence": 2 + r["bpm"] % 2}}, separators=(",", ":")) for r in rows]
    return "[" + ",\n".join(items) + "]\n"


def google_csv(rows):
    lines = ["timestamp,beats per minute,data source"]
    lines += [utc(r["epoch_ms"]).strftime("%Y-%m-%dT%H:%M:%SZ") + f",{r['bpm']},Charge 6" for r in rows]
    return "\n".join(lines) + "\n"


class Zip(zipfile.ZipFile):
    """Entries dated at the export's time, so the fixture is the same bytes on every run."""

    def writestr(self, name, data):
        info = zipfile.ZipInfo(name, date_time=(2026, 11, 20, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        super().writestr(info, data)


def write_range(base, first, last, path):
    """One .zip with a JSON day file for every day from first to last (the benchmark's larger archive)."""
    day, end, samples = datetime.date.fromisoformat(first), datetime.date.fromisoformat(last), 0
    with Zip(path, "w") as z:
        while day <= end:
            rows = truth(base, day.isoformat())
            samples += len(rows)
            z.writestr(f"Takeout/Fitbit/Global Export Data/heart_rate-{day.isoformat()}.json", fitbit_json(rows))
            day += datetime.timedelta(days=1)
    return samples


def main():
    sandbox = subprocess.Popen([BIN, "sandbox", "--port", "0"], stdout=subprocess.PIPE, text=True)
    google = subprocess.Popen([BIN, "sandbox", "--port", "0", "--api", "google"], stdout=subprocess.PIPE, text=True)
    try:
        base = sandbox.stdout.readline().strip()
        google_base = google.stdout.readline().strip()
        OUT.mkdir(parents=True, exist_ok=True)
        data = "Takeout/Fitbit/Global Export Data/"
        csvs = "Takeout/Google Health/Physical Activity_GoogleData/"
        with Zip(OUT / "takeout-20261120T000000Z-001.zip", "w", zipfile.ZIP_DEFLATED) as z:
            for day in ["2026-03-07", "2026-03-08", "2026-03-09"]:
                z.writestr(data + f"heart_rate-{day}.json", fitbit_json(truth(base, day)))
            for day in ["2026-03-09", "2026-03-10"]:
                z.writestr(csvs + f"heart_rate_{day}.csv", google_csv(truth(base, day)))
            # The other heart files: resting heart rate for the month's days (as decimals, as Fitbit exports them),
            # the nights' HRV windows, and the nights' summaries (Google's flavour has the NREM rate and entropy).
            hrv = "Takeout/Fitbit/Heart Rate Variability/"
            resting = []
            for day in ["2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"]:
                d = datetime.date.fromisoformat(day)
                value = series_truth(base, day, "daily")["values"]["resting_bpm"]
                resting.append({"dateTime": d.strftime("%m/%d/%y 00:00:00"),
                                "value": {"date": d.strftime("%m/%d/%y"), "value": value + 0.37 if value else 0, "error": 7.2}})
            z.writestr(data + "resting_heart_rate-2026-03-01.json", json.dumps(resting, separators=(",", ":")) + "\n")
            # A file per night with a measurement (the nights ending on the 8th and 9th have none, and no file).
            for day in ["2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10", "2026-03-11"]:
                windows = night(base, day)
                if windows:
                    z.writestr(hrv + f"Heart Rate Variability Details - {day}.csv", hrv_details_csv(windows))
                summary = series_truth(google_base, day, "daily")["values"]
                if summary["hrv_rmssd_ms"] is not None:
                    z.writestr(hrv + f"Daily Heart Rate Variability Summary - {day[:8]}({day[8:]}).csv",
                               f"timestamp,rmssd,nremhr,entropy\n{day}T00:00:00,{summary['hrv_rmssd_ms']!r},{summary['hrv_nrem_bpm']!r},{summary['hrv_entropy']!r}\n")
            z.writestr("Takeout/archive_browser.html", "<html><body>Archive for Sandbox</body></html>\n")
        with Zip(OUT / "takeout-20261120T000000Z-002.zip", "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(data + "heart_rate-2026-11-01.json", fitbit_json(truth(base, "2026-11-01")))
            # Noise: notification settings, another data type, and names that only look alike.
            z.writestr("Takeout/Fitbit/Heart Rate/Heart Rate Notifications Profile.csv", "threshold,enabled\n120,true\n")
            z.writestr(data + "steps-2026-11-01.json", '[{"dateTime":"11/01/26 00:00:00","value":"0"}]\n')
            z.writestr(data + "resting_heart_rate-2026-11-01.json", '[{"dateTime":"11/01/26 00:00:00","value":{"value":58.2}}]\n')
            z.writestr("Takeout/Fitbit/Global Export Data/heart_rate-2026-11-01.json.bak", "not json\n")
    finally:
        for process in (sandbox, google):
            process.terminate()
            process.wait(timeout=10)
    for part in sorted(OUT.glob("*.zip")):
        print(part, part.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
