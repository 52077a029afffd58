#!/usr/bin/env bash
# make demo-cohort: a study of 20 sandbox participants. Each authorizes (OAuth + PKCE, the sandbox approving
# the participant its login_hint names) and is listed in a roster under a pseudonymous study id; 30 days are
# backfilled for all, then the nightly sync runs as four shards side by side (as four Slurm array tasks
# would), every participant's export is verified, the cohort's status and compliance report are printed, and
# all participants are read as one table. Its state and export stay under data/demo-cohort.
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
ROSTER=$DEMO/roster.csv
echo "study_id,source,user" > "$ROSTER"
for i in $(seq "$USERS"); do
    printf 'P-%02d,fitbit,SANDBOX%d\n' "$i" "$i" >> "$ROSTER"
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
"$BIN" backfill --users "$ROSTER" --from "$from" --to "$to" --detail 1min --parallel-users 4

echo "the nightly sync as $SHARDS shards at once (one process each, as $SHARDS Slurm array tasks)"
pids=()
for k in $(seq 0 $((SHARDS - 1))); do
    SLURM_ARRAY_TASK_ID=$k SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_COUNT=$SHARDS "$BIN" sync --users "$ROSTER" --json > "$DEMO/shard-$k.json" &
    pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
for k in $(seq 0 $((SHARDS - 1))); do
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(f\"  shard {r['shard']}: {len(r['users'])} participant(s), exit {r['exit_code']}\")" "$DEMO/shard-$k.json"
done

echo "verifying every participant's files"
for i in $(seq "$USERS"); do "$BIN" verify --user "$(printf 'P-%02d' "$i")" > /dev/null; done
echo "  $USERS exports verified"
echo
"$BIN" status --users "$ROSTER"
echo
echo "compliance (hours worn per day in the last 30 days; grey days in the picture have no data):"
"$BIN" cohort report --users "$ROSTER" --svg "$DEMO/compliance.svg"
echo "  picture: $DEMO/compliance.svg"
QUERY="SELECT user_id, date_trunc('day', local_time) AS day, round(avg(bpm), 1) AS mean_bpm FROM '$DEMO/export/*/heart_rate_1min/*.parquet' GROUP BY ALL ORDER BY ALL"
echo
echo "All participants as one table, in DuckDB (user_id is the study id; no provider id is in the export):"
echo "  $QUERY;"
if [ -x .venv/bin/python ] && .venv/bin/python -c "import duckdb" 2> /dev/null; then
    .venv/bin/python -c "import duckdb, sys; r = duckdb.sql(sys.argv[1]); print(r.limit(6)); print(f'  {r.shape[0]} rows: {len(set(x[0] for x in r.fetchall()))} participants')" "$QUERY"
else
    echo "  (make test creates .venv with DuckDB to run it here)"
fi
