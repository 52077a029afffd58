#!/usr/bin/env bash
# make demo-cohort: a study of 20 sandbox participants. Each authorizes (OAuth + PKCE, the sandbox approving
# the participant its login_hint names), 30 days are backfilled for all, then the nightly sync runs as four
# shards side by side (as four Slurm array tasks would), every participant's export is verified, and the
# cohort's status and compliance report are printed. Its state and export stay under data/demo-cohort.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/debug/hrexport}
DEMO=data/demo-cohort
USERS=20
SHARDS=4
rm -rf "$DEMO"
mkdir -p "$DEMO"
export HREXPORT_STATE_DIR="$PWD/$DEMO/state" HREXPORT_OUT="$PWD/$DEMO/export" HREXPORT_CLIENT_ID=hrexport-demo
unset HREXPORT_CLIENT_SECRET HREXPORT_AUTHORIZE_URL HREXPORT_TOKEN_URL

"$BIN" sandbox --port 0 --users "$USERS" > "$DEMO/sandbox.url" 2> "$DEMO/sandbox.log" &
sandbox=$!
trap 'kill $sandbox 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$DEMO/sandbox.url" ] && break; sleep 0.1; done
export HREXPORT_API_BASE=$(head -n 1 "$DEMO/sandbox.url")
echo "sandbox listening at $HREXPORT_API_BASE"

echo "enrolling $USERS participants"
for i in $(seq "$USERS"); do
    rm -f "$DEMO/authorize.url"
    "$BIN" auth --port 0 --no-browser > "$DEMO/authorize.url" 2>> "$DEMO/auth.log" &
    auth=$!
    for _ in $(seq 100); do [ -s "$DEMO/authorize.url" ] && break; sleep 0.1; done
    curl -fsSL -o /dev/null "$(head -n 1 "$DEMO/authorize.url")&login_hint=SANDBOX$i"
    wait $auth
done

from=$(date -d "-31 days" +%Y-%m-%d)
to=$(date -d "-2 days" +%Y-%m-%d)
echo "backfilling $from..$to of 1-minute heart rate, HRV and daily values for everyone"
"$BIN" backfill --all --from "$from" --to "$to" --detail 1min --parallel-users 4

echo "the nightly sync as $SHARDS shards at once (one process each, as $SHARDS Slurm array tasks)"
pids=()
for k in $(seq 0 $((SHARDS - 1))); do
    SLURM_ARRAY_TASK_ID=$k SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_COUNT=$SHARDS "$BIN" sync --all --json > "$DEMO/shard-$k.json" &
    pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
for k in $(seq 0 $((SHARDS - 1))); do
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(f\"  shard {r['shard']}: {len(r['users'])} participant(s), exit {r['exit_code']}\")" "$DEMO/shard-$k.json"
done

echo "verifying every participant's files"
for i in $(seq "$USERS"); do "$BIN" verify --user "SANDBOX$i" > /dev/null; done
echo "  $USERS exports verified"
echo
"$BIN" status --all
echo
echo "compliance (hours worn per day in the last 30 days; grey days in the picture have no data):"
"$BIN" cohort report --svg "$DEMO/compliance.svg"
echo "  picture: $DEMO/compliance.svg"
cat <<TXT

All participants as one table, in DuckDB (the user is the folder's name):
  SELECT regexp_extract(filename, '/([^/]+)/heart_rate_1min/', 1) AS user_id, date_trunc('day', local_time) AS day, avg(bpm)
  FROM read_parquet('$DEMO/export/*/heart_rate_1min/*.parquet', filename = true) GROUP BY ALL ORDER BY ALL;
TXT
