"""What the tool protects: loopback by default, no file reads through the page,
secrets kept out of output, no pickle anywhere."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from pydantic import SecretStr

from rag.settings import Settings
from tests.conftest import ROOT, SEEDS


def test_web_page_binds_loopback_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("RAG_UI_HOST", raising=False)
    assert Settings(_env_file=None).serve.ui_host == "127.0.0.1"


def test_ui_password_is_secret_in_settings_output(monkeypatch):
    monkeypatch.setenv("RAG_UI_AUTH", "alice:hunter2-very-secret")
    settings = Settings(_env_file=None)
    assert settings.serve.ui_auth is not None and settings.serve.ui_auth.get_secret_value().endswith("secret")
    assert "hunter2" not in repr(settings) and "hunter2" not in settings.model_dump_json()


def test_no_pickle_or_dangerous_deserialisation_in_the_code():
    pattern = re.compile(r"\bimport pickle\b|\bpickle\.loads?\b|allow_dangerous_deserialization|torch\.load\(|joblib\.load")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("rag", "bench")
        for path in (ROOT / folder).rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not offenders


@pytest.mark.slow
def test_page_binds_loopback_and_serves_no_files_outside_its_own(served):
    assert served.server_name == "127.0.0.1"
    corpus_file = next(SEEDS.glob("*.txt")).resolve()
    for target in ("/etc/passwd", str(corpus_file), str(ROOT / "pyproject.toml"), "../../../../etc/passwd"):
        for route in ("gradio_api/file=", "file="):
            response = httpx.get(served.local_url + route + target, timeout=10)
            assert response.status_code in (403, 404, 405), (route, target, response.status_code)
            assert "root:" not in response.text and "西伯利亞" not in response.text


@pytest.mark.slow
def test_password_protected_page_refuses_anonymous_api_calls(seed_rag, monkeypatch):
    from rag.pipeline import RAG
    from rag.ui.web import launch

    protected = RAG(seed_rag.settings.changed(**{"ui_auth": SecretStr("alice:s3cret-pass")}))
    protected._retriever = seed_rag.ensure_index()
    demo = launch(protected, host="127.0.0.1", port=0, block=False)
    try:
        anonymous = httpx.get(demo.local_url + "config", timeout=10)
        assert anonymous.status_code in (401, 403) or "auth_required" in anonymous.text
        upload = httpx.post(demo.local_url + "gradio_api/upload", files={"files": ("x.md", b"# parked")}, timeout=10)
        assert upload.status_code in (401, 403)
        assert httpx.get(demo.local_url + "api/documents", timeout=10).status_code == 401
        login = httpx.post(demo.local_url + "login", data={"username": "alice", "password": "s3cret-pass"}, timeout=10)
        assert login.status_code == 200
        wrong = httpx.post(demo.local_url + "login", data={"username": "alice", "password": "nope"}, timeout=10)
        assert wrong.status_code in (400, 401)
    finally:
        demo.close()


@pytest.mark.slow
def test_with_a_password_every_gradio_route_but_the_login_page_needs_it_and_streams_are_capped(seed_rag):
    """Gradio checks only some of its own routes: its schema, heartbeat (held open for ever),
    reset and cancel answered anyone. Now only the login page and what it loads do."""
    from rag.pipeline import RAG
    from rag.ui.guard import STREAMS_PER_CLIENT
    from rag.ui.web import launch

    protected = RAG(seed_rag.settings.changed(**{"ui_auth": SecretStr("alice:s3cret-pass")}))
    protected._retriever = seed_rag.ensure_index()
    demo = launch(protected, host="127.0.0.1", port=0, block=False)
    url = demo.local_url.rstrip("/")
    try:
        closed = [
            ("GET", "/openapi.json"),
            ("GET", "/gradio_api/heartbeat/anyone"),
            ("POST", "/gradio_api/reset"),
            ("POST", "/gradio_api/cancel"),
            ("GET", "/gradio_api/info"),
            ("GET", "/gradio_api/queue/data?session_hash=anyone"),
            ("GET", "/config"),
        ]
        for method, path in closed:
            response = httpx.request(method, url + path, timeout=10)  # a held-open stream would time out here
            assert response.status_code == 401, (path, response.status_code)
        assert httpx.get(url + "/", timeout=10).status_code == 200  # the login page
        assert httpx.get(url + "/theme.css", timeout=10).status_code == 200
        with httpx.Client(base_url=url, timeout=10) as signed:
            assert signed.post("/login", data={"username": "alice", "password": "s3cret-pass"}).status_code == 200
            assert signed.get("/config").status_code == 200
            tabs = [signed.build_request("GET", f"/gradio_api/heartbeat/tab{i}") for i in range(STREAMS_PER_CLIENT)]
            streams = [signed.send(tab, stream=True) for tab in tabs]
            assert all(s.status_code == 200 for s in streams)
            one_more = signed.get("/gradio_api/heartbeat/one-more")
            assert one_more.status_code == 429 and "streams" in one_more.json()["error"]
            for s in streams:
                s.close()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:  # the server sees the closed streams end
                again = signed.send(signed.build_request("GET", "/gradio_api/heartbeat/again"), stream=True)
                status = again.status_code
                again.close()
                if status == 200:
                    break
                time.sleep(0.2)
            assert status == 200
    finally:
        demo.close()
