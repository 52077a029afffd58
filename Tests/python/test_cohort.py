"""Many participants: --all, shards (by flag, Slurm's and Kubernetes' variables), the deploy/ examples run as a
scheduler would run them, one participant's failure or lock not stopping the others, and withdrawal."""
import fcntl
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import time
import urllib.request

import pytest
import yaml
from conftest import ROOT, Export

USERS = [f"SANDBOX{i}" for i in range(1, 8)]
DAYS = ("2026-10-01", "2026-10-03")
DEPLOY = ROOT / "deploy"


def shard_of(user: str, count: int) -> int:
    """The README's rule, computed here independently: the first 8 bytes of SHA-256 of the id, big-endian, mod N."""
    return int.from_bytes(hashlib.sha256(user.encode()).digest()[:8], "big") % count


def enroll(export: Export, users):
    for user in users:
        auth = subprocess.Popen([export.bin, "auth", "--port", "0", "--no-browser"], stdout=subprocess.PIPE, text=True, env=export.env)
        url = auth.stdout.readline().strip()
        urllib.request.urlopen(url + "&login_hint=" + user, timeout=10).read()
        assert auth.wait(timeout=20) == 0


def days_of(out, user, detail="1min"):
    manifest = json.loads((out / user / "manifest.json").read_text())
    return {d: (e["status"], e["rows"], e["sha256"]) for d, e in manifest["days"].get(detail, {}).items()}


def requests(export):
    with urllib.request.urlopen(export.base + "/_sandbox/requests", timeout=30) as r:
        return json.load(r)


@pytest.fixture()
def cohort(tmp_path):
    e = Export(tmp_path, "--users", str(len(USERS)), "--last-sync", "2026-10-04T08:00:00")
    try:
        enroll(e, USERS)
        yield e
    finally:
        e.close()


def test_shards_export_every_user_once_and_their_union_equals_one_unsharded_run(cohort):
    sharded = cohort.tmp / "sharded"
    for k in range(3):
        result = cohort.run("backfill", "--all", "--shard", f"{k}/3", "--from", DAYS[0], "--to", DAYS[1], "--series", "1min",
                            "--out", str(sharded), "--json")
        report = json.loads(result.stdout)
        assert report["shard"] == f"{k}/3" and report["exit_code"] == 0
        assert [u["user"] for u in report["users"]] == sorted(u for u in USERS if shard_of(u, 3) == k)
    heart = [r for r in requests(cohort) if "/activities/heart/" in r["path"]]
    per_user = {u: sum(1 for r in heart if r["user"] == u) for u in USERS}
    assert per_user == {u: 3 for u in USERS}, per_user   # every user's three days fetched once, by one shard
    whole = cohort.tmp / "whole"
    result = cohort.run("backfill", "--all", "--from", DAYS[0], "--to", DAYS[1], "--series", "1min", "--out", str(whole))
    assert f"{len(USERS)} user(s), {len(USERS)} fine, 0 need attention" in result.stdout
    for user in USERS:
        assert days_of(sharded, user) == days_of(whole, user), user
        for day, (status, rows, sha) in days_of(whole, user).items():
            with urllib.request.urlopen(f"{cohort.base}/_sandbox/truth?user={user}&date={day}&detail=1min", timeout=30) as r:
                truth = json.load(r)
            assert (rows, sha) == (len(truth["rows"]), truth["sha256"]), (user, day)


def test_the_slurm_script_runs_each_array_task_as_its_shard(cohort):
    cohort.run("backfill", "--all", "--from", DAYS[0], "--to", DAYS[1], "--series", "1min")
    seen = []
    for task in (10, 11, 12, 13):   # sbatch --array=10-13: four shards
        env = dict(cohort.env, HREXPORT=cohort.bin, SLURM_ARRAY_TASK_ID=str(task), SLURM_ARRAY_TASK_MIN="10",
                   SLURM_ARRAY_TASK_COUNT="4", SLURM_ARRAY_JOB_ID="77")
        result = subprocess.run(["bash", str(DEPLOY / "slurm" / "hrexport-sync.sbatch")], capture_output=True, text=True, env=env, timeout=300)
        assert result.returncode == 0, result.stderr
        report = json.loads((cohort.state / f"cohort-shard-{task}.json").read_text())
        assert report["shard"] == f"{task - 10}/4"
        users = [u["user"] for u in report["users"]]
        assert users == sorted(u for u in USERS if shard_of(u, 4) == task - 10)
        seen += users
    assert sorted(seen) == sorted(USERS)
    for user in USERS:   # the sync went past the backfill: the device's last sync day is in
        assert "2026-10-04" in days_of(cohort.out, user)
    stepped = dict(cohort.env, HREXPORT=cohort.bin, SLURM_ARRAY_TASK_ID="0", SLURM_ARRAY_TASK_MIN="0", SLURM_ARRAY_TASK_COUNT="8",
                   SLURM_ARRAY_TASK_STEP="2")
    result = subprocess.run(["bash", str(DEPLOY / "slurm" / "hrexport-sync.sbatch")], capture_output=True, text=True, env=stepped, timeout=60)
    assert result.returncode == 2 and "stepped Slurm array" in result.stderr


def test_a_revoked_participant_and_a_locked_one_do_not_stop_the_others(cohort):
    broken, locked = "SANDBOX2", "SANDBOX5"
    path = cohort.credentials_path(user=broken)
    entry = json.loads(path.read_text())
    entry.update(refresh_token="revoked-by-the-participant", access_token="expired", expires_at=0)
    path.write_text(json.dumps(entry))
    os.chmod(path, 0o600)
    with open(cohort.state / f"fitbit-{locked}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = cohort.run("backfill", "--all", "--from", DAYS[0], "--to", DAYS[1], "--series", "1min", "--json", check=False)
    assert result.returncode == 1, result.stderr
    codes = {u["user"]: u["exit_code"] for u in json.loads(result.stdout)["users"]}
    assert codes == {u: 3 if u == broken else 4 if u == locked else 0 for u in USERS}
    attention = [line for line in result.stderr.splitlines() if line.startswith("hrexport: fitbit ")]
    assert len(attention) == 2
    assert f"fitbit {broken}: exit 3: run `hrexport auth --source fitbit` for this participant" in result.stderr
    assert f"fitbit {locked}: exit 4: another run holds this user's lock" in result.stderr
    assert "revoked-by-the-participant" not in result.stderr + result.stdout
    for user in USERS:
        assert (cohort.out / user / "manifest.json").exists() == (user not in (broken, locked)), user
    # The Slurm script keeps a scheduler from rerunning the shard for exit 1: it ends 0, the JSON keeps the codes.
    # (The locked participant gets its export first: a first sync would go back to the account's first day.)
    cohort.run("backfill", "--user", locked, "--from", DAYS[0], "--to", DAYS[1], "--series", "1min")
    env = dict(cohort.env, HREXPORT=cohort.bin, SLURM_ARRAY_TASK_ID="0", SLURM_ARRAY_TASK_MIN="0", SLURM_ARRAY_TASK_COUNT="1")
    result = subprocess.run(["bash", str(DEPLOY / "slurm" / "hrexport-sync.sbatch")], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert {u["user"]: u["exit_code"] for u in json.loads((cohort.state / "cohort-shard-0.json").read_text())["users"]}[broken] == 3


def test_the_kubernetes_cronjob_names_what_it_needs_and_its_command_runs_every_index(cohort):
    job = yaml.safe_load((DEPLOY / "kubernetes" / "hrexport-sync-cronjob.yaml").read_text())
    assert job["apiVersion"] == "batch/v1" and job["kind"] == "CronJob"
    spec = job["spec"]["jobTemplate"]["spec"]
    assert spec["completionMode"] == "Indexed"
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    container = pod["containers"][0]
    assert container["image"].startswith("debian:")
    script = container["command"][-1]
    assert f"--shard-count {spec['completions']}" in script and "--all" in script
    env = {e["name"]: e.get("value") for e in container["env"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert env["HREXPORT_STATE_DIR"].startswith("/data/") and env["HREXPORT_OUT"].startswith("/data/") and mounts["/data"] == "data"
    assert mounts["/opt/hrexport"] == "release" and script.lstrip().startswith("/opt/hrexport/bin/hrexport ")
    assert {v["name"] for v in pod["volumes"]} == {"data", "release"}
    # The command itself, as the pod's shell runs it, for every completion index.
    cohort.run("backfill", "--all", "--from", DAYS[0], "--to", DAYS[1], "--series", "1min")
    seen = []
    for index in range(spec["completions"]):
        env = dict(cohort.env, JOB_COMPLETION_INDEX=str(index), HREXPORT_STATE_DIR=str(cohort.state))
        result = subprocess.run(["/bin/sh", "-c", script.replace("/opt/hrexport/bin/hrexport", cohort.bin)],
                                capture_output=True, text=True, env=env, timeout=300)
        assert result.returncode == 0, result.stderr
        report = json.loads((cohort.state / f"cohort-shard-{index}.json").read_text())
        assert report["shard"] == f"{index}/{spec['completions']}"
        seen += [u["user"] for u in report["users"]]
    assert sorted(seen) == sorted(USERS)


def test_the_systemd_template_passes_systemd_analyze(tmp_path):
    service = (DEPLOY / "systemd" / "hrexport-sync@.service").read_text()
    assert "SuccessExitStatus=1" in service and "--all --shard %i/" in service
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not on this machine")
    for suffix in ("service", "timer"):
        shutil.copy(DEPLOY / "systemd" / f"hrexport-sync@.{suffix}", tmp_path / f"hrexport-sync@3.{suffix}")
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "hrexport-sync@3.service"), str(tmp_path / "hrexport-sync@3.timer")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "hrexport" not in result.stderr, result.stderr


def test_flags_of_many_users_refuse_nonsense_with_exit_2(cohort):
    for args, words in ((["sync", "--shard", "1/3"], "choose part of --all or --users"), (["sync", "--all", "--shard", "3/3"], "is not K/N"),
                        (["sync", "--all", "--shard", "0/2", "--shard-count", "2"], "--shard-count is for Kubernetes"),
                        (["sync", "--all", "--user", "SANDBOX1"], "leave out --user"), (["sync", "--json"], "users of --all or --users"),
                        (["status", "--all", "--user", "SANDBOX1"], "leave out --user"), (["sync", "--all", "--parallel-users", "0"], "between 1 and 64"),
                        (["sync", "--all", "--project-pace", "0/60"], "--project-pace must be N/SECONDS"),
                        (["sandbox", "--project-limit", "0"], "--project-limit must be positive")):
        result = cohort.run(*args, check=False)
        assert result.returncode == 2 and words in result.stderr and len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)
    env = dict(cohort.env, JOB_COMPLETION_INDEX="1")
    result = subprocess.run([cohort.bin, "sync", "--all"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2 and "--shard-count" in result.stderr


def test_status_all_and_a_withdrawal_that_takes_the_data_with_it(cohort):
    cohort.run("backfill", "--all", "--from", DAYS[0], "--to", DAYS[1], "--series", "1min")
    status = json.loads(cohort.run("status", "--all", "--json").stdout)
    assert [u["user"] for u in status["users"]] == USERS
    for u in status["users"]:
        assert u["complete"] + u["empty"] == 3 and u["failed"] == 0 and u["last_exit_code"] == 0
    assert len(cohort.run("status", "--all", "--shard", "1/2").stdout.strip().splitlines()) == 1 + sum(shard_of(u, 2) == 1 for u in USERS)
    # A folder that is not an export is never deleted: refused before the token is revoked.
    (cohort.out / "SANDBOX4" / "manifest.json").rename(cohort.out / "SANDBOX4" / "kept.json")
    result = cohort.run("logout", "--user", "SANDBOX4", "--delete-data", check=False)
    assert result.returncode == 2 and "not an hrexport export" in result.stderr
    assert cohort.credentials(user="SANDBOX4") is not None and (cohort.out / "SANDBOX4" / "kept.json").exists()
    # A link inside the export is removed, never followed.
    outside = cohort.tmp / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("not the participant's")
    os.symlink(outside, cohort.out / "SANDBOX3" / "link")
    result = cohort.run("logout", "--user", "SANDBOX3", "--delete-data")
    assert "Deleted" in result.stdout and not (cohort.out / "SANDBOX3").exists()
    assert (outside / "keep.txt").read_text() == "not the participant's"
    assert cohort.credentials(user="SANDBOX3") is None and not (cohort.state / "fitbit-SANDBOX3.budget.json").exists()
    assert "revoke" in " ".join(r["path"] for r in requests(cohort))
    assert [u["user"] for u in json.loads(cohort.run("status", "--all", "--json").stdout)["users"]] == [u for u in USERS if u != "SANDBOX3"]


def test_the_compliance_report_matches_the_sandboxs_truth_for_hours_worn(tmp_path):
    users = USERS[:4]
    e = Export(tmp_path, "--users", "4", "--last-sync", "2026-10-16T08:00:00", "--off-wrist", "2026-10-10..2026-10-12")
    try:
        enroll(e, users)
        e.run("backfill", "--all", "--from", "2026-09-15", "--to", "2026-10-14", "--series", "1min")
        report = json.loads(e.run("cohort", "report", "--until", "2026-10-14", "--json", "--svg", str(tmp_path / "cohort.svg")).stdout)
        assert [p["user"] for p in report["participants"]] == users
        for p in report["participants"]:
            expected = []
            for day in [d["date"] for d in p["wear_hours"]]:
                with urllib.request.urlopen(f"{e.base}/_sandbox/truth?user={p['user']}&date={day}&detail=1min", timeout=30) as r:
                    rows = json.load(r)["rows"]
                # Hours of the local day with at least one sample, from the truth's instants and offsets.
                expected.append(len({(row["epoch_ms"] // 1000 + row["utc_offset_min"] * 60) // 3600 % 24 for row in rows}))
            got = [d["hours"] for d in p["wear_hours"]]
            assert p["wear_hours"][0]["date"] == "2026-09-15" and p["wear_hours"][-1]["date"] == "2026-10-14"
            assert got == expected, p["user"]
            assert got[-5:-2] == [0, 0, 0]   # the days off the wrist
            assert p["days_with_data_7"] == sum(h > 0 for h in expected[-7:])
            assert p["days_with_data_30"] == sum(h > 0 for h in expected)
            ordered = sorted(expected)
            assert p["median_wear_hours"] == (ordered[14] + ordered[15]) / 2
            assert p["last_exit_code"] == 0 and p["token_age_days"] < 1
        csv_lines = e.run("cohort", "report", "--until", "2026-10-14", "--csv").stdout.splitlines()
        assert csv_lines[0].startswith("source,user,yesterday,days_with_data_7,days_with_data_30,median_wear_hours")
        assert len(csv_lines) == 1 + len(users) and csv_lines[1].split(",")[:5] == ["fitbit", "SANDBOX1", "2026-10-14",
                                                                                  str(report["participants"][0]["days_with_data_7"]),
                                                                                  str(report["participants"][0]["days_with_data_30"])]
        svg = (tmp_path / "cohort.svg").read_text()
        assert svg.count("<rect x=") == 30 * len(users) and "SANDBOX3 2026-10-11: 0 h" in svg
        result = e.run("cohort", "report", "--json", "--csv", check=False)
        assert result.returncode == 2
    finally:
        e.close()


def test_twenty_participants_read_as_one_table_in_duckdb_and_polars(tmp_path):
    """The issue's query over every participant's folder at once: each row carries its user_id, value for value the
    sandbox's truth, across the fall-back night of 2026-11-01 (a 25-hour local day)."""
    import duckdb
    import polars as pl
    users = [f"SANDBOX{i}" for i in range(1, 21)]
    days = ("2026-10-31", "2026-11-01")
    e = Export(tmp_path, "--users", "20", "--last-sync", "2026-11-03T08:00:00")
    try:
        enroll(e, users)
        e.run("backfill", "--all", "--from", days[0], "--to", days[1], "--series", "1min,daily")
        truth = {}
        for user in users:
            for day in days:
                with urllib.request.urlopen(f"{e.base}/_sandbox/truth?user={user}&date={day}&detail=1min", timeout=30) as r:
                    truth[(user, day)] = json.load(r)["rows"]
        expected = sorted((u, r["epoch_ms"], r["utc_offset_min"], r["bpm"]) for (u, _), rows in truth.items() for r in rows)
        assert len({row[0] for row in expected}) == 20

        samples = e.out / "*" / "heart_rate_1min" / "*.parquet"
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        rows = con.execute(f"SELECT user_id, epoch_ms(time), utc_offset_min, bpm FROM '{samples}' ORDER BY user_id, time").fetchall()
        assert rows == expected
        # The README's query: mean bpm per participant and local day, the day taken from the wall clock.
        by_day = {}
        for user, epoch_ms, offset, bpm in expected:
            day = (epoch_ms + offset * 60_000) // 86_400_000
            total, count = by_day.get((user, day), (0, 0))
            by_day[(user, day)] = (total + bpm, count + 1)
        query = f"SELECT user_id, date_trunc('day', local_time), avg(bpm) FROM '{samples}' GROUP BY ALL ORDER BY ALL"
        got = [(u, int(d.timestamp()) // 86_400, mean) for u, d, mean in con.execute(query).fetchall()]
        assert got == [(u, d, total / count) for (u, d), (total, count) in sorted(by_day.items())]

        frame = pl.read_parquet(str(samples)).sort("user_id", "time")
        assert frame.schema["user_id"] == pl.String
        assert list(zip(frame["user_id"].to_list(), frame["time"].dt.epoch("ms").to_list(), frame["utc_offset_min"].to_list(),
                        frame["bpm"].to_list())) == expected

        daily = pl.read_parquet(str(e.out / "*" / "heart_rate_daily" / "*.parquet")).sort("user_id", "date")
        assert list(zip(daily["user_id"].to_list(), [d.isoformat() for d in daily["date"].to_list()], daily["samples"].to_list())) == \
            sorted((u, day, len(rows)) for (u, day), rows in truth.items())
    finally:
        e.close()


def test_a_roster_names_folders_and_user_id_by_study_id_and_leaves_provider_ids_out(cohort):
    import duckdb
    roster = cohort.tmp / "roster.csv"
    # SANDBOX9 never authorized: it is the participant who needs `auth`, the others go on.
    roster.write_text("# pilot\nstudy_id,source,user\nP-001,fitbit,SANDBOX2\nP-002,fitbit,SANDBOX5\nP-003,fitbit,SANDBOX9\n")
    os.chmod(cohort.state, 0o755)   # a state folder others can list: said once for the run, not once per participant
    result = cohort.run("backfill", "--users", str(roster), "--from", DAYS[0], "--to", DAYS[1], "--series", "1min,daily", "--json", check=False)
    os.chmod(cohort.state, 0o700)
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("chmod 700") == 1, result.stderr
    assert {u["user"]: u["exit_code"] for u in json.loads(result.stdout)["users"]} == {"P-001": 0, "P-002": 0, "P-003": 3}
    assert "fitbit P-003: exit 3: run `hrexport auth --source fitbit` for this participant" in result.stderr
    assert sorted(p.name for p in cohort.out.iterdir()) == ["P-001", "P-002"]
    for study_id, account in (("P-001", "SANDBOX2"), ("P-002", "SANDBOX5")):
        folder = cohort.out / study_id
        assert json.loads((folder / "manifest.json").read_text())["user"] == study_id
        assert days_of(cohort.out, study_id) == {d: (s, r, h) for d, (s, r, h) in days_of_truth(cohort, account).items()}
        # Nothing in the participant's folder names the provider's account: the dataset can leave the team.
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                text = gzip.decompress(data) if path.suffix == ".gz" else data
                assert account.encode() not in data and account.encode() not in text, path
    users = duckdb.sql(f"SELECT DISTINCT user_id FROM '{cohort.out}/*/heart_rate_1min/*.parquet' ORDER BY 1").fetchall()
    assert users == [("P-001",), ("P-002",)]
    assert "ok:" in cohort.run("verify", "--user", "P-001").stdout
    status = json.loads(cohort.run("status", "--users", str(roster), "--json").stdout)
    assert [(u["user"], u["complete"] + u["empty"]) for u in status["users"]] == [("P-001", 3), ("P-002", 3), ("P-003", 0)]
    report = json.loads(cohort.run("cohort", "report", "--users", str(roster), "--until", DAYS[1], "--json").stdout)
    assert [p["user"] for p in report["participants"]] == ["P-001", "P-002", "P-003"]
    # A roster's shard is its account's, as with --all: the same token always has the same writer.
    for k in range(2):
        shard = json.loads(cohort.run("sync", "--users", str(roster), "--shard", f"{k}/2", "--json", check=False).stdout)
        accounts = {"P-001": "SANDBOX2", "P-002": "SANDBOX5", "P-003": "SANDBOX9"}
        assert [u["user"] for u in shard["users"]] == [s for s, a in accounts.items() if shard_of(a, 2) == k]
    # Withdrawal by study id: an id the roster lacks, or no id at all, changes nothing (exit 2); the roster finds the
    # account of one it has; its token is revoked and <out>/P-002 goes.
    for args, words in ((["--user", "P-404"], "has no study_id \"P-404\"; nothing was changed"), ([], "--users needs --user STUDY_ID")):
        result = cohort.run("logout", "--users", str(roster), *args, "--delete-data", check=False)
        assert result.returncode == 2 and words in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert (cohort.out / "P-002").exists() and cohort.credentials(user="SANDBOX5") is not None
    result = cohort.run("logout", "--users", str(roster), "--user", "P-002", "--delete-data")
    assert "Deleted" in result.stdout and not (cohort.out / "P-002").exists() and cohort.credentials(user="SANDBOX5") is None
    assert (cohort.out / "P-001" / "manifest.json").exists()


def test_a_bad_roster_is_one_line_and_exit_2_before_anything_is_written(cohort):
    for text, words in (("user,study_id,source\nP1,fitbit,SANDBOX1\n", "must be the header"),
                        ("study_id,source,user\n../up,fitbit,SANDBOX1\n", "line 2: study_id"),
                        ("study_id,source,user\nP1,fitbit,SANDBOX1\np1,fitbit,SANDBOX2\n", "listed twice"),
                        ("study_id,source,user\nP1,fitbit,SANDBOX1\nP2,fitbit,SANDBOX1\n", "one account is one participant"),
                        ("study_id,source,user\nP1,takeout,SANDBOX1\n", "hrexport import")):
        roster = cohort.tmp / "bad.csv"
        roster.write_text(text)
        result = cohort.run("sync", "--users", str(roster), check=False)
        assert result.returncode == 2 and words in result.stderr and len(result.stderr.strip().splitlines()) == 1, (text, result.stderr)
    result = cohort.run("sync", "--users", str(cohort.tmp / "missing.csv"), check=False)
    assert result.returncode == 2 and "no such file" in result.stderr
    assert not cohort.out.exists()


def days_of_truth(export, user, detail="1min"):
    """Per day of DAYS: the sandbox's status, row count and digest (status `empty` for a day without rows)."""
    days = {}
    for day in ("2026-10-01", "2026-10-02", "2026-10-03"):
        with urllib.request.urlopen(f"{export.base}/_sandbox/truth?user={user}&date={day}&detail={detail}", timeout=30) as r:
            truth = json.load(r)
        days[day] = ("complete" if truth["rows"] else "empty", len(truth["rows"]), truth["sha256"])
    return days


# The sandbox's SANDBOX3 stands for a Google account not linked to Fitbit data: left out.
GOOGLE_USERS = [f"SANDBOX{i}" for i in (1, 2, 4, 5, 6, 7)]


def run_google_shards(tmp_path, name, project_limit, *flags, stop_at_429=False):
    """Two shards of six Google users as two processes at once, against a sandbox whose project allows
    `project_limit` requests per 2-second window and each user 20; returns (exit codes, the sandbox's request log,
    the export, stderrs). `stop_at_429`: kill both once the sandbox has answered a 429."""
    users = GOOGLE_USERS
    e = Export(tmp_path / name, "--api", "google", "--users", "7", "--rate-limit", "20", "--hour-seconds", "2", "--project-limit", str(project_limit))
    for user in users:
        auth = subprocess.Popen([e.bin, "auth", "--source", "google", "--port", "0", "--no-browser"], stdout=subprocess.PIPE, text=True, env=e.env)
        urllib.request.urlopen(auth.stdout.readline().strip() + "&login_hint=" + user, timeout=10).read()
        assert auth.wait(timeout=20) == 0
    # Enrollment asked the identity endpoint, which counts against the project too: start on a fresh window.
    time.sleep(2.1)
    before = len(requests(e))
    shards = [subprocess.Popen([e.bin, "backfill", "--all", "--shard", f"{k}/2", "--from", "2026-03-04", "--to", "2026-03-05", "--series", "1min",
                                "--pace", "20/2", "--parallel-users", "6", *flags], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e.env)
              for k in range(2)]
    if stop_at_429:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and any(p.poll() is None for p in shards):
            if any(r["status"] == 429 for r in requests(e)[before:]):
                break
            time.sleep(0.2)
        for p in shards:
            p.kill()
    outputs = [p.communicate(timeout=300) for p in shards]
    codes = [p.returncode for p in shards]
    return codes, requests(e)[before:], e, [err for _, err in outputs]


def test_google_shards_share_the_projects_quota_with_zero_429s(tmp_path):
    codes, log, e, errors = run_google_shards(tmp_path, "shared", 12, "--project-pace", "12/2")
    try:
        assert codes == [0, 0], errors
        assert [r for r in log if r["status"] == 429] == []
        assert len(log) > 2 * 12   # more than two windows of the project's quota: the pacing was needed
        for user in GOOGLE_USERS:
            assert {s for s, _, _ in days_of(e.out, user).values()} <= {"complete", "empty"}, user
    finally:
        e.close()
    # The control: shards that think the project is theirs alone (a share of 500 per window) meet its quota; a
    # quota of 3 makes that certain whatever the machine's load (six participants start at once).
    codes, log, e, _ = run_google_shards(tmp_path, "unshared", 3, "--project-pace", "1000/2", stop_at_429=True)
    try:
        assert any(r["status"] == 429 for r in log), "the sandbox's project quota never bit: the test above proves nothing"
    finally:
        e.close()
