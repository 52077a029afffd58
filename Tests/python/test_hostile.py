"""Issue 18: a hostile world. Hostile API servers, hand-made Takeout archives, damaged state and odd flags, each
asserting the promised outcome: the exit code, one line on stderr, nothing written outside, nothing lost.
Figures (wall time, peak RSS) are printed for the closing note; only outcomes are asserted."""
import datetime
import json
import os
import resource
import stat
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from conftest import binary
from hostile_server import USER, Hostile

DAY = "2026-06-01"


def run(args, env, stdin=None, timeout=120):
    """Runs hrexport; returns (returncode, stdout, stderr, wall seconds, peak RSS in MB) of that one child."""
    started = time.monotonic()
    proc = subprocess.Popen([binary(), *args], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError(f"hrexport {' '.join(args)} still running after {timeout} s")
    wall = time.monotonic() - started
    # ru_maxrss of every child waited for so far: the largest is ours when the tests run one child at a time.
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{' '.join(args[:2])}: exit {proc.returncode}, {wall:.1f} s, peak RSS {rss:.0f} MB")
    return proc.returncode, out, err, wall, rss


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def files_under(folder: Path):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


class Setup:
    def __init__(self, tmp: Path, mode: str = "normal"):
        self.tmp = tmp
        self.state = tmp / "state"
        self.out = tmp / "out"
        self.hostile = Hostile(mode, stall_seconds=120)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HREXPORT_")}
        self.env.update(HREXPORT_API_BASE=self.hostile.base, HREXPORT_CLIENT_ID="hostile-test", HREXPORT_STATE_DIR=str(self.state),
                        HREXPORT_OUT=str(self.out), HREXPORT_TEST_FAST_RETRIES="1")

    def auth(self, *extra):
        return run(["auth", "--refresh-token", "-", "--request-timeout", "1", *extra], self.env, stdin="seed-refresh-token\n")

    def backfill(self, *extra):
        return run(["backfill", "--from", DAY, "--to", DAY, "--request-timeout", "1", "--concurrency", "1", *extra], self.env)

    def manifest(self):
        return json.loads((self.out / USER / "manifest.json").read_text())

    def stored_credentials(self):
        return files_under(self.state / "credentials") if (self.state / "credentials").exists() else []

    def close(self):
        self.hostile.close()


@pytest.fixture
def world(tmp_path, request):
    s = Setup(tmp_path, getattr(request, "param", "normal"))
    yield s
    s.close()


# Finding 4: a stalled or trickling body has a deadline for the whole answer.

@pytest.mark.parametrize("world", ["stall", "trickle"], indirect=True)
def test_stalled_or_trickling_body_is_cut_retried_and_the_day_fails(world):
    assert world.auth()[0] == 0
    code, out, err, wall, _ = world.backfill()
    assert code == 1, err
    assert "no whole answer within 1 s" in err
    assert world.manifest()["days"]["1min"][DAY]["status"] == "failed"
    # Retried with the backoff (8 attempts under HREXPORT_TEST_FAST_RETRIES), each cut at the timeout.
    assert len(world.hostile.requests("/activities/heart/date/")) == 8


@pytest.mark.parametrize("world", ["endless", "huge"], indirect=True)
def test_endless_and_huge_bodies_are_refused_with_bounded_memory(world):
    assert world.auth()[0] == 0
    code, out, err, wall, rss = world.backfill("--request-timeout", "5")
    assert code == 1, err
    entry = world.manifest()["days"]["1min"][DAY]
    assert entry["status"] == "failed"
    assert "larger than 64 MB" in entry["error"] or "no whole answer within 5 s" in entry["error"]
    assert rss < 400, f"peak RSS {rss:.0f} MB"


@pytest.mark.parametrize("world", ["deep-nesting", "invalid-utf8"], indirect=True)
def test_deep_nesting_and_invalid_utf8_fail_the_day_only(world):
    assert world.auth()[0] == 0
    code, out, err, _, _ = world.backfill()
    assert code == 1, err
    entry = world.manifest()["days"]["1min"][DAY]
    assert entry["status"] == "failed"
    assert ("nested too deeply" in entry["error"]) if world.hostile.mode == "deep-nesting" else ("sample time" in entry["error"])


@pytest.mark.parametrize("world", ["redirect-off-loopback"], indirect=True)
def test_a_redirect_is_not_followed(world):
    assert world.auth()[0] == 0
    code, out, err, _, _ = world.backfill()
    assert code == 1, err
    entry = world.manifest()["days"]["1min"][DAY]
    assert entry["status"] == "failed" and entry["http_status"] == 302


# Finding 8 (token endpoint) and 7: what a token endpoint answers is checked before anything is stored.

@pytest.mark.parametrize("world,message", [
    ("token-hang", "no answer after 8 attempts (no whole answer within 1 s)"),
    ("token-html", "answer is not a token response"),
    ("token-no-refresh", "no refresh token in the answer"),
    ("token-empty-refresh", "the refresh token in the answer is empty or holds spaces or control characters"),
    ("token-crlf-access", "the access token in the answer is empty or holds spaces or control characters"),
    ("token-user-dotdot", 'names the user "..", which is not a user id hrexport accepts'),
    ("token-user-newline", 'names the user "A\\nB", which is not a user id hrexport accepts'),
], indirect=["world"])
def test_a_hostile_token_endpoint_stores_nothing_and_says_why_in_one_line(world, message):
    code, out, err, _, _ = world.auth()
    assert code == 1, err
    line = one_line(err)
    assert message in line, line
    assert "stolen" not in err and "\r" not in err
    assert world.stored_credentials() == []
    assert not world.out.exists()


@pytest.mark.parametrize("world", ["profile-dotdot"], indirect=True)
def test_a_profile_naming_a_path_writes_nothing(world):
    assert world.auth()[0] == 0
    code, out, err, _, _ = world.backfill()
    assert code == 1
    assert 'profile.json answered HTTP 200: the answer names the user ".."' in one_line(err)
    assert not world.out.exists()
    assert all(name.startswith("state") for name in files_under(world.tmp))


# Finding 2: path-like user ids on the command line.

@pytest.mark.parametrize("user", ["..", ".", "", "a/b", "../x", "A\nB", "x" * 129, "-lead"])
def test_a_path_like_user_flag_exits_2_and_creates_nothing(tmp_path, user):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HREXPORT_")}
    folder = tmp_path / "takeout" / "Takeout" / "Fitbit" / "Global Export Data"
    folder.mkdir(parents=True)
    (folder / "heart_rate-2026-03-01.json").write_text('[{"dateTime":"03/01/26 12:00:00","value":{"bpm":70,"confidence":2}}]')
    out = tmp_path / "a" / "b" / "out"
    flag = ["--user", user] if user == "" else [f"--user={user}"]
    code, _, err, _, _ = run(["import", str(tmp_path / "takeout"), *flag, "--out", str(out), "--state-dir", str(tmp_path / "state"),
                              "--timezone", "UTC"], env)
    assert code == 2
    assert "is not a user id" in one_line(err)
    assert files_under(tmp_path) == sorted(["takeout", "takeout/Takeout", "takeout/Takeout/Fitbit", "takeout/Takeout/Fitbit/Global Export Data",
                                            "takeout/Takeout/Fitbit/Global Export Data/heart_rate-2026-03-01.json"])


def test_ids_that_differ_only_in_case_are_refused_in_one_output_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HREXPORT_")}
    folder = tmp_path / "takeout" / "Global Export Data"
    folder.mkdir(parents=True)
    (folder / "heart_rate-2026-03-01.json").write_text('[{"dateTime":"03/01/26 12:00:00","value":{"bpm":70,"confidence":2}}]')
    common = ["--out", str(tmp_path / "out"), "--state-dir", str(tmp_path / "state"), "--timezone", "UTC"]
    assert run(["import", str(tmp_path / "takeout"), "--user", "ABC1", *common], env)[0] == 0
    code, _, err, _, _ = run(["import", str(tmp_path / "takeout"), "--user", "abc1", *common], env)
    assert code == 2 and "differs from abc1 only in case" in one_line(err)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["ABC1"]


# Findings 3, 5 and 8: hand-made Takeout archives.

def takeout_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HREXPORT_")}
    env.update(HREXPORT_STATE_DIR=str(tmp_path / "state"), HREXPORT_OUT=str(tmp_path / "out"), **extra)
    return env


def json_day(date: datetime.date, bpms, start_hour=12):
    return json.dumps([{"dateTime": f"{date:%m/%d/%y} {start_hour:02d}:{i // 60:02d}:{i % 60:02d}", "value": {"bpm": b, "confidence": 2}}
                       for i, b in enumerate(bpms)])


def test_non_finite_bpm_are_dropped_and_counted_and_never_stop_an_import(tmp_path):
    root = tmp_path / "Takeout"
    (root / "Global Export Data").mkdir(parents=True)
    (root / "Physical Activity_GoogleData").mkdir(parents=True)
    day1, day2, day3 = datetime.date(2026, 3, 1), datetime.date(2026, 3, 2), datetime.date(2026, 3, 3)
    # Day 1: a JSON with a 1e309 bpm, and its CSV twin (the cross-check) with inf and nan rows.
    (root / "Global Export Data" / f"heart_rate-{day1}.json").write_text(json_day(day1, [70, 71, 72]).replace('"bpm": 71', '"bpm": 1e309'))
    (root / "Physical Activity_GoogleData" / f"heart_rate_{day1}.csv").write_text(
        "timestamp,beats per minute,data source\n2026-03-01T12:00:00Z,70,x\n2026-03-01T12:00:01Z,inf,x\n2026-03-01T12:00:02Z,nan,x\n")
    # Day 2: only a CSV, with every non-finite spelling.
    (root / "Physical Activity_GoogleData" / f"heart_rate_{day2}.csv").write_text(
        "timestamp,beats per minute\n" + "".join(f"2026-03-02T12:00:{i:02d}Z,{v}\n" for i, v in enumerate(["61", "inf", "-inf", "nan", "1e309", "1e20", "62"])))
    (root / "Global Export Data" / f"heart_rate-{day3}.json").write_text(json_day(day3, [80, 81]))
    code, out, err, _, _ = run(["import", str(tmp_path / "Takeout"), "--user", "U1", "--timezone", "UTC"], takeout_env(tmp_path))
    assert code == 0, err
    assert "2026-03-01: 1 sample(s) dropped" in err
    assert "2026-03-02: 5 sample(s) dropped" in err
    days = json.loads((tmp_path / "out" / "U1" / "manifest.json").read_text())["days"]["1sec"]
    assert {d: (e["status"], e["rows"]) for d, e in days.items()} == {
        "2026-03-01": ("complete", 2), "2026-03-02": ("complete", 2), "2026-03-03": ("partial", 2)}


def lying_zip(path: Path, entries, liar: str, declared: int):
    """A zip whose entry `liar` declares `declared` uncompressed bytes in both headers, whatever it inflates to."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(liar)
    local = info.header_offset
    raw[local + 22:local + 26] = declared.to_bytes(4, "little")
    name = liar.encode()
    central = raw.find(b"PK\x01\x02")
    while central >= 0:
        name_len = int.from_bytes(raw[central + 28:central + 30], "little")
        if raw[central + 46:central + 46 + name_len] == name:
            raw[central + 24:central + 28] = declared.to_bytes(4, "little")
            break
        central = raw.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(raw))


def test_a_zip_entry_that_lies_about_its_size_fails_its_day_only(tmp_path):
    day1, day2 = datetime.date(2026, 3, 1), datetime.date(2026, 3, 2)
    bomb = "[" + ",".join([f'{{"dateTime":"03/02/26 12:00:00","value":{{"bpm":70,"confidence":2}}}}'] * 100_000) + "]"  # ~5.7 MB, compresses to little
    archive = tmp_path / "takeout-20261120T000000Z-001.zip"
    lying_zip(archive, [(f"Takeout/Fitbit/Global Export Data/heart_rate-{day1}.json", json_day(day1, [70, 71])),
                        (f"Takeout/Fitbit/Global Export Data/heart_rate-{day2}.json", bomb)],
              f"Takeout/Fitbit/Global Export Data/heart_rate-{day2}.json", declared=1000)
    env = takeout_env(tmp_path, HREXPORT_TEST_TAKEOUT_ENTRY_LIMIT=str(1 << 20))
    code, out, err, _, rss = run(["import", str(archive), "--user", "U1", "--timezone", "UTC"], env)
    assert code == 1, err
    days = json.loads((tmp_path / "out" / "U1" / "manifest.json").read_text())["days"]["1sec"]
    assert days["2026-03-01"]["status"] == "complete"
    assert days["2026-03-02"]["status"] == "failed" and f"inflates beyond {1 << 20} bytes" in days["2026-03-02"]["error"]
    assert not (tmp_path / "out" / "U1" / "raw" / "takeout" / "1sec" / "2026-03" / "2026-03-02.json.gz").exists()
    assert run(["rebuild"], env)[0] == 0
    assert run(["verify"], env)[0] == 0


def test_a_fifo_or_a_link_named_like_a_day_file_is_skipped(tmp_path):
    folder = tmp_path / "Takeout" / "Global Export Data"
    folder.mkdir(parents=True)
    (folder / "heart_rate-2026-03-01.json").write_text(json_day(datetime.date(2026, 3, 1), [70]))
    os.mkfifo(folder / "heart_rate-2026-03-02.json")
    (folder / "heart_rate-2026-03-03.json").symlink_to("/dev/zero")
    code, out, err, _, _ = run(["import", str(tmp_path / "Takeout"), "--user", "U1", "--timezone", "UTC"], takeout_env(tmp_path), timeout=60)
    assert code == 0, err
    assert err.count("not a regular file") == 2
    days = json.loads((tmp_path / "out" / "U1" / "manifest.json").read_text())["days"]["1sec"]
    assert sorted(days) == ["2026-03-01"]


def test_takeout_days_after_the_export_or_after_today_are_partial(tmp_path):
    today = datetime.datetime.now(datetime.timezone.utc).date()
    days = [datetime.date(2026, 3, 1), datetime.date(2026, 3, 2), datetime.date(2026, 3, 3)]
    archive = tmp_path / "takeout-20260302T000000Z-001.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for d in days:
            z.writestr(f"Takeout/Fitbit/Global Export Data/heart_rate-{d}.json", json_day(d, [70, 71]))
    folder = tmp_path / "later" / "Global Export Data"
    folder.mkdir(parents=True)
    tomorrow = today + datetime.timedelta(days=1)
    (folder / f"heart_rate-{today - datetime.timedelta(days=1)}.json").write_text(json_day(today - datetime.timedelta(days=1), [70]))
    (folder / f"heart_rate-{tomorrow}.json").write_text(json_day(tomorrow, [70]))
    (folder / f"heart_rate-{tomorrow + datetime.timedelta(days=1)}.json").write_text(json_day(tomorrow + datetime.timedelta(days=1), [70]))
    env = takeout_env(tmp_path)
    assert run(["import", str(archive), "--user", "U1", "--timezone", "UTC"], env)[0] == 0
    assert run(["import", str(tmp_path / "later"), "--user", "U1", "--timezone", "UTC"], env)[0] == 0
    status = {d: e["status"] for d, e in json.loads((tmp_path / "out" / "U1" / "manifest.json").read_text())["days"]["1sec"].items()}
    # Exported at 03-02 00:00 UTC: 03-01 had ended (complete), 03-02 and 03-03 had not (partial).
    assert [status[str(d)] for d in days] == ["complete", "partial", "partial"]
    assert status[str(today - datetime.timedelta(days=1))] == "complete"
    assert status[str(tomorrow)] == "partial" and status[str(tomorrow + datetime.timedelta(days=1))] == "partial"


def test_ten_thousand_tiny_entries_import_in_seconds(tmp_path):
    """5,000 days, each as a JSON and its CSV twin: 10,000 entries, one directory read (the Swift test counts it)."""
    archive = tmp_path / "takeout-20261120T000000Z-001.zip"
    first = datetime.date(2000, 1, 1)
    with zipfile.ZipFile(archive, "w") as z:
        for i in range(5_000):
            d = first + datetime.timedelta(days=i)
            z.writestr(f"Takeout/Fitbit/Global Export Data/heart_rate-{d}.json", json_day(d, [60 + i % 40]))
            z.writestr(f"Takeout/Fitbit/Physical Activity_GoogleData/heart_rate_{d}.csv",
                       f"timestamp,beats per minute,data source\n{d}T12:00:00Z,{60 + i % 40},x\n")
    code, out, err, wall, rss = run(["import", str(archive), "--user", "U1", "--timezone", "UTC", "--quiet"], takeout_env(tmp_path), timeout=600)
    assert code == 0, err
    manifest = json.loads((tmp_path / "out" / "U1" / "manifest.json").read_text())
    assert len(manifest["days"]["1sec"]) == 5_000
    print(f"10,000 entries: {wall:.1f} s, peak RSS {rss:.0f} MB")


# Findings 6 and 8: flags and the log file.

@pytest.mark.parametrize("flags", [
    ["--request-timeout", "1e20"], ["--request-timeout", "1e309"], ["--request-timeout", "inf"], ["--request-timeout", "nan"],
    ["--request-timeout", "0"], ["--lock-timeout", "-1"], ["--lock-timeout", "1e300"], ["--pace", "1/1e309"], ["--pace", "0/60"],
    ["--from", "9999-12-30"],
])
def test_absurd_flags_exit_2_before_anything_is_touched(tmp_path, flags):
    env = takeout_env(tmp_path, HREXPORT_API_BASE="http://127.0.0.1:9", HREXPORT_CLIENT_ID="x")
    code, out, err, _, _ = run(["backfill", *flags], env)
    assert code == 2, err
    assert flags[0] in one_line(err)
    assert files_under(tmp_path) == []


def test_a_range_reaching_past_today_is_clamped_with_a_warning(export):
    export.authorize()
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    result = export.run("backfill", "--from", (datetime.date.today() - datetime.timedelta(days=1)).isoformat(), "--to", tomorrow)
    assert "is after today" in result.stderr


def test_an_unwritable_log_warns_once_and_the_run_goes_on(export):
    export.authorize()
    export.run("backfill", "--from", "2026-10-01", "--to", "2026-10-01")
    result = export.run("sync", "--log", "/proc/nonexistent/dir/x.log")
    assert result.stderr.count("cannot write the log file /proc/nonexistent/dir/x.log") == 1


# Finding 7: versioned, private credentials.

def test_an_unknown_credentials_version_is_refused_and_never_rewritten(export):
    export.authorize()
    path = export.credentials_path()
    data = export.credentials()
    data["credentials_version"] = 3
    data["from_the_future"] = True
    path.write_text(json.dumps(data))
    before = path.read_bytes()
    result = export.run("backfill", "--from", "2026-10-01", "--to", "2026-10-01", check=False)
    assert result.returncode == 1
    assert "credentials_version 3 is not one hrexport" in one_line(result.stderr)
    assert path.read_bytes() == before


def test_a_loose_credentials_file_is_refused_and_a_loose_state_folder_warned(export):
    export.authorize()
    path = export.credentials_path()
    path.chmod(0o644)
    result = export.run("backfill", "--from", "2026-10-01", "--to", "2026-10-01", check=False)
    assert result.returncode == 2 and f"run `chmod 600 {path}`" in one_line(result.stderr)
    path.chmod(0o600)
    export.state.chmod(0o777)
    result = export.run("backfill", "--from", "2026-10-01", "--to", "2026-10-01")
    assert f"`chmod 700 {export.state}`" in result.stderr


def test_the_single_credentials_file_of_0_1_is_migrated_once(export):
    export.authorize()
    entry = export.credentials()
    del entry["credentials_version"]
    export.credentials_path().unlink()
    legacy = export.state / "credentials.json"
    legacy.write_text(json.dumps({"credentials_version": 1, "entries": [entry]}))
    legacy.chmod(0o600)
    export.run("backfill", "--from", "2026-10-01", "--to", "2026-10-01")
    assert not legacy.exists()
    assert export.credentials()["refresh_token"] != "" and export.credentials()["credentials_version"] == 2
    assert stat.S_IMODE(export.credentials_path().stat().st_mode) == 0o600
