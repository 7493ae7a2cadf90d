"""Sign-in for real: a real OpenID Connect provider (oidc-provider-mock), Streamlit's st.login, Chromium.

An editor (on the editors list) and a viewer sign in through the provider's own login form; the
viewer sees every page but no widget that writes.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from lib.demo.loader import load_demo
from lib.infra.db import make_engine, transaction, upgrade
from tests.browser.pages import settled
from tests.servers import free_port as _free_port
from tests.servers import start_streamlit
from tests.warm_start import Forked

pytestmark = pytest.mark.browser

EDITOR = {"sub": "eda", "email": "eda@example.com", "name": "Eda Editor"}
VIEWER = {"sub": "vic", "email": "vic@elsewhere.example", "name": "Vic Viewer"}


def _wait(url: str, proc: subprocess.Popen | Forked, what: str, expect_body: bytes | None = None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited early")
        try:
            body = urllib.request.urlopen(url, timeout=2).read()
            if expect_body is None or body == expect_body:
                return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{what} did not answer in 60 s")


@pytest.fixture(scope="module")
def signin_app(tmp_path_factory) -> Iterator[str]:
    """A provider on one free port, the app (demo workspace, sign-in configured) on another."""
    tmp = tmp_path_factory.mktemp("signin")
    idp_port, app_port = _free_port(), _free_port()
    idp = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "oidc_provider_mock",
            "--port",
            str(idp_port),
            "--user-claims",
            json.dumps(EDITOR),
            "--user-claims",
            json.dumps(VIEWER),
        ],
        stdout=open(tmp / "idp.log", "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    _wait(f"http://127.0.0.1:{idp_port}/.well-known/openid-configuration", idp, "The OpenID provider")
    db = tmp / "greenlight.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    with transaction(engine) as s:
        load_demo(s)
    engine.dispose()
    secrets_file = tmp / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "greenlight-test"\n'
        'client_secret = "not-a-secret"\n'
        f'server_metadata_url = "http://127.0.0.1:{idp_port}/.well-known/openid-configuration"\n'
        "\n[greenlight]\n"
        'editors = ["eda@example.com"]\n'
    )
    env = {**os.environ, "GREENLIGHT_DATABASE_URL": f"sqlite:///{db}"}
    args = ["run", "app.py", "--server.headless", "true", "--server.address", "127.0.0.1"]
    args += ["--server.port", str(app_port), "--browser.gatherUsageStats", "false"]
    app = start_streamlit([*args, "--secrets.files", str(secrets_file)], env=env, log=tmp / "app.log")
    url = f"http://127.0.0.1:{app_port}"
    _wait(f"{url}/_stcore/health", app, "Streamlit", b"ok")
    yield url
    for proc in (app, idp):
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def sign_in(browser: Browser, url: str, sub: str) -> Page:
    page = browser.new_context().new_page()
    page.goto(url)
    expect(page.locator('[data-testid="stApp"]')).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Sign in").click()
    page.locator('input[name="sub"]').fill(sub)  # the provider's own login form
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_text("Signed in as")).to_be_visible(timeout=30_000)
    return page


def goto(page: Page, url: str, path: str, heading: str) -> None:
    page.goto(f"{url}/{path}")
    expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=30_000)
    settled(page)  # let the page finish its run


def go_by_the_sidebar(page: Page, heading: str) -> None:
    """The next page as a signed-in person goes there, by its link in the sidebar (the page's title)."""
    settled(page)
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name=heading, exact=True).click()
    expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=30_000)
    settled(page)


def test_nobody_gets_in_without_signing_in(browser: Browser, signin_app):
    page = browser.new_context().new_page()
    page.goto(signin_app)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=30_000)
    assert page.get_by_text("Question-style subject lines").count() == 0


def test_an_editor_signs_in_and_may_write(browser: Browser, signin_app):
    page = sign_in(browser, signin_app, "eda")
    expect(page.get_by_text("Editor", exact=False).first).to_be_visible()
    goto(page, signin_app, "review", "Review")
    expect(page.get_by_role("button", name="Record decision")).to_be_visible(timeout=30_000)
    assert page.get_by_label("Decided by").count() == 0  # the name comes from the sign-in, not a text box


def test_a_viewer_sees_every_page_but_no_widget_that_writes(browser: Browser, signin_app):
    page = sign_in(browser, signin_app, "vic")
    expect(page.get_by_text("Viewer", exact=False).first).to_be_visible()
    for path, heading, write_button in [
        ("review", "Review", "Record decision"),
        ("pilots", "Pilots", "Create pilot"),
        ("goals", "Goals", "Create goal"),
        ("log_results", "Log results", "Save"),
    ]:
        if path == "review":  # by its address: the sign-in holds across a reload
            goto(page, signin_app, path, heading)
        else:
            go_by_the_sidebar(page, heading)
        assert page.get_by_role("button", name=write_button, exact=True).count() == 0, path
        assert page.locator('[data-testid="stException"]').count() == 0, path
        expect(page.get_by_text("read only", exact=False).first).to_be_visible()
