"""Issue 16: the sandbox's OAuth server, driven by an unmodified third-party client (requests-oauthlib). Only the
base URLs and OAUTHLIB_INSECURE_TRANSPORT=1 (plain http to loopback) are set; never OAUTHLIB_RELAX_TOKEN_SCOPE,
so a scope echoed back wrongly (a `+` not decoded as a space) fails the exchange as it would against a real server."""
import os
import urllib.parse

import requests
from requests_oauthlib import OAuth2Session

SCOPE = ["heartrate", "profile", "settings"]
REDIRECT = "http://127.0.0.1:9/callback"  # never opened: the redirect's Location is read instead


def test_requests_oauthlib_authorizes_with_pkce_fetches_a_day_and_refreshes_with_rotation(export, monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    monkeypatch.delenv("OAUTHLIB_RELAX_TOKEN_SCOPE", raising=False)
    session = OAuth2Session("third-party-client", scope=SCOPE, redirect_uri=REDIRECT, pkce="S256")
    url, state = session.authorization_url(export.base + "/oauth2/authorize")
    # The client library form-encodes the scope with `+` for each space.
    assert "scope=heartrate+profile+settings" in url
    landed = requests.get(url, allow_redirects=False, timeout=10)
    assert landed.status_code == 302
    location = landed.headers["Location"]
    assert urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["state"] == [state]

    token = session.fetch_token(export.base + "/oauth2/token", authorization_response=location, include_client_id=True)
    assert token["scope"] == SCOPE  # oauthlib compares it with what it asked for, and raises if it changed
    assert token["user_id"] == "SANDBOX1"

    day = session.get(export.base + "/1/user/-/activities/heart/date/2026-10-01/1d/1min.json", timeout=10)
    assert day.status_code == 200
    assert day.json()["activities-heart"][0]["dateTime"] == "2026-10-01"
    assert len(day.json()["activities-heart-intraday"]["dataset"]) > 0

    first_refresh = token["refresh_token"]
    refreshed = session.refresh_token(export.base + "/oauth2/token", client_id="third-party-client")
    assert refreshed["refresh_token"] != first_refresh
    assert refreshed["scope"] == SCOPE
    # Single-use: the spent token's replay window gives the same answer, the new one rotates again.
    with requests.get(f"{export.base}/_sandbox/token?user=SANDBOX1", timeout=10) as current:
        from hashlib import sha256
        assert current.json()["fingerprint"] == sha256(refreshed["refresh_token"].encode()).hexdigest()[:12]
    assert session.get(export.base + "/1/user/-/profile.json", timeout=10).json()["user"]["encodedId"] == "SANDBOX1"
    assert "OAUTHLIB_RELAX_TOKEN_SCOPE" not in os.environ
