#!/usr/bin/env bash
# make demo: start the built-in sandbox, authorize with the real OAuth code flow (PKCE), backfill three
# months and more of 1-minute heart rate into data/export as Parquet, verify the files, print the summary
# and how to load it.
# It never touches ~/.config/hrexport: the state folder is data/demo/state.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/hrexport}
DEMO=data/demo
rm -rf "$DEMO" data/export/SANDBOX1
mkdir -p "$DEMO"
export HREXPORT_STATE_DIR="$PWD/$DEMO/state" HREXPORT_OUT="$PWD/data/export" HREXPORT_CLIENT_ID=hrexport-demo
unset HREXPORT_CLIENT_SECRET HREXPORT_AUTHORIZE_URL HREXPORT_TOKEN_URL

# Three months and more with HRV and daily values are about 200 requests, more than Fitbit's 150 an hour: the
# sandbox's hour lasts 20 s, so the demo shows the rate limit being waited out without waiting up to an hour.
"$BIN" sandbox --port 0 --hour-seconds 20 > "$DEMO/sandbox.url" 2> "$DEMO/sandbox.log" &
sandbox=$!
trap 'kill $sandbox 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$DEMO/sandbox.url" ] && break; sleep 0.1; done
export HREXPORT_API_BASE=$(head -n 1 "$DEMO/sandbox.url")
echo "sandbox listening at $HREXPORT_API_BASE"

# The browser's part of the code flow: the sandbox approves at once and redirects to our listener.
"$BIN" auth --port 0 --no-browser > "$DEMO/authorize.url" &
auth=$!
for _ in $(seq 100); do [ -s "$DEMO/authorize.url" ] && break; sleep 0.1; done
curl -fsSL -o /dev/null "$(head -n 1 "$DEMO/authorize.url")"
wait $auth

from=$(date -d "$(date +%Y-%m-01) -3 months" +%Y-%m-%d)
echo "backfilling 1-minute heart rate from $from to yesterday"
"$BIN" backfill --from "$from" --detail 1min
"$BIN" verify
echo
"$BIN" status
echo
ls -l data/export/SANDBOX1/heart_rate_1min data/export/SANDBOX1/heart_rate_variability data/export/SANDBOX1/heart_rate_daily
echo
last=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)
echo "a picture of $last (open it in any browser): $("$BIN" report --month "$last")"
cat <<'TXT'

Load it in pandas (time is tz-aware UTC, bpm int16):
  import pandas as pd; hr = pd.read_parquet("data/export/SANDBOX1/heart_rate_1min")
  # or: python3 Scripts/load.py data/export/SANDBOX1 --detail 1min
  hrv = pd.read_parquet("data/export/SANDBOX1/heart_rate_variability")   # nightly HRV windows (rmssd_ms, coverage, lf, hf)
  daily = pd.read_parquet("data/export/SANDBOX1/heart_rate_daily")       # resting_bpm, zone minutes, hrv_rmssd_ms per day
Query it with DuckDB:
  SELECT date_trunc('day', time) AS day, avg(bpm) FROM 'data/export/SANDBOX1/heart_rate_1min/*.parquet' GROUP BY 1 ORDER BY 1;
Load it in R:
  source("Scripts/load.R"); hr <- load_heart_rate("data/export/SANDBOX1", "1min")
TXT
