"""`hrexport sync` and `hrexport schedule` as cron would run them: no flags, a log file, unit texts."""
import re

import pytest

from conftest import Export


@pytest.fixture
def pinned(tmp_path):
    """A sandbox whose device last synced at a fixed time, so that a second sync has nothing new."""
    e = Export(tmp_path, "--last-sync", "2026-10-23T06:00:00")
    yield e
    e.close()


def test_sync_needs_no_flags_and_logs_its_result(pinned):
    export = pinned
    export.authorize()
    export.run("backfill", "--from", "2026-10-20", "--to", "2026-10-22")
    # cron knows only the state folder: the export folder comes from the credentials.
    del export.env["HREXPORT_OUT"]
    log = export.state / "sync.log"
    first = export.run("sync", "--log", str(log))
    assert "days fetched" in first.stdout
    idle = export.run("sync", "--log", str(log))
    assert idle.stdout.startswith("up to date: 2 requests")
    text = log.read_text()
    assert text.count("exit 0") == 2
    assert re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ up to date", text, re.M)
    assert log.stat().st_mode & 0o777 == 0o600
    status = export.run("status", "--json").stdout
    assert '"device_last_sync"' in status and '"budget"' in status


def test_sync_without_credentials_exits_3(export):
    result = export.run("sync", check=False)
    assert result.returncode == 3 and "hrexport auth" in result.stderr


def test_schedules_name_absolute_paths_and_no_secret(export, tmp_path):
    export.env["HREXPORT_CLIENT_SECRET"] = "do-not-embed-me"
    cron = export.run("schedule", "--cron").stdout.strip()
    minute = int(cron.split()[0])
    assert 0 <= minute < 60 and cron.split()[1] == "3"
    assert f"--state-dir {export.state}" in cron and f"--out {export.out}" in cron and "sync.log" in cron
    units = tmp_path / "units"
    export.run("schedule", "--systemd", "--write-to", str(units))
    service = (units / "hrexport-sync.service").read_text()
    timer = (units / "hrexport-sync.timer").read_text()
    assert re.search(r"^ExecStart=/\S+ sync ", service, re.M)
    assert f"EnvironmentFile=-{export.state}/environment" in service
    assert f"OnCalendar=*-*-* 03:{minute:02d}:00" in timer
    plist = export.run("schedule", "--launchd").stdout
    assert "<integer>3</integer>" in plist and "<string>sync</string>" in plist
    for text in (cron, service, timer, plist):
        assert "do-not-embed-me" not in text
    assert export.run("schedule", "--cron", "--launchd", check=False).returncode == 2


def test_logout_revokes_at_the_provider_and_forgets_locally(export):
    export.authorize()
    result = export.run("logout")
    assert result.stdout.startswith("Logged out SANDBOX1: token ")
    import json
    import urllib.request
    log = json.load(urllib.request.urlopen(export.base + "/_sandbox/requests"))
    assert any(r["path"] == "/oauth2/revoke" for r in log)
    token = json.load(urllib.request.urlopen(export.base + "/_sandbox/token?user=SANDBOX1"))
    assert token["fingerprint"] is None
    assert export.credentials() is None
    again = export.run("backfill", "--from", "2026-10-01", check=False)
    assert again.returncode == 3 and "hrexport auth" in again.stderr
    assert export.run("logout", check=False).returncode == 2


def test_an_out_folder_under_a_regular_file_fails_cleanly(export, tmp_path):
    export.authorize()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    result = export.run("backfill", "--from", "2026-10-01", "--to", "2026-10-02", "--out", str(blocker / "export"), check=False)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "Not a directory" in result.stderr
    assert blocker.read_text() == "x"


def _redirect_of(url):
    """Approves in the sandbox and returns the address the browser would land on, without following it."""
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(url, timeout=10)
    except urllib.error.HTTPError as redirect:
        return redirect.headers["Location"]
    raise AssertionError("the sandbox did not redirect")


def test_headless_authorization_with_no_listen_and_code(export):
    import json
    import subprocess
    start = export.run("auth", "--no-listen")
    url = start.stdout.strip()
    assert url.startswith(export.base + "/oauth2/authorize?") and "code_challenge_method=S256" in url
    pending = export.state / "auth-pending.json"
    assert pending.stat().st_mode & 0o777 == 0o600
    landed = _redirect_of(url)
    assert landed.startswith("http://127.0.0.1:8189/callback?")

    def finish(text):
        return subprocess.run([export.bin, "auth", "--code", "-"], input=text + "\n", capture_output=True, text=True, env=export.env, timeout=60)

    wrong = finish(landed.replace("state=", "state=x"))
    assert wrong.returncode == 2 and "state differs" in wrong.stderr
    done = finish(landed)
    assert done.returncode == 0, done.stderr
    assert "Authorized SANDBOX1" in done.stderr and not pending.exists()
    assert export.credentials()["user"] == "SANDBOX1"
    again = finish(landed)
    assert again.returncode == 2 and "no authorization in progress" in again.stderr
    export.run("backfill", "--from", "2026-10-01", "--to", "2026-10-01")

    # Ten minutes later the verifier is gone.
    export.run("auth", "--no-listen")
    stale = json.loads(pending.read_text())
    stale["created_at"] -= 601
    pending.write_text(json.dumps(stale))
    old = finish("somecode")
    assert old.returncode == 2 and "older than ten minutes" in old.stderr
    assert export.run("auth", "--no-listen", "--code", "-", check=False).returncode == 2


def test_logout_local_only_forgets_without_the_provider_and_a_damaged_pending_authorization_is_named(export):
    import json
    import subprocess
    export.authorize()
    export.env["HREXPORT_API_BASE"] = "http://127.0.0.1:9"  # nothing listens: a revocation would fail
    local = export.run("logout", "--local-only")
    assert "forgotten (not revoked)" in local.stdout
    assert export.credentials() is None
    (export.state / "auth-pending.json").write_text("{not json")
    damaged = subprocess.run([export.bin, "auth", "--code", "-"], input="abc\n", capture_output=True, text=True, env=export.env, timeout=60)
    assert damaged.returncode == 1 and "auth-pending.json" in damaged.stderr
    assert len(damaged.stderr.strip().splitlines()) == 1


def test_logout_keeps_the_token_when_the_provider_cannot_be_reached(export):
    import json
    export.authorize()
    export.env["HREXPORT_API_BASE"] = "http://127.0.0.1:9"
    export.env["HREXPORT_TEST_FAST_RETRIES"] = "1"
    failed = export.run("logout", "--request-timeout", "1", check=False)
    assert failed.returncode == 1 and len(failed.stderr.strip().splitlines()) == 1
    assert export.credentials() is not None
