"""/mcp's own checks, in process: credentials first, and the Host check that fits the
address the server listens on (loopback: only localhost names; a network: the credentials)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from rag.pipeline import RAG
from rag.ui.api_base import AnswerSlots
from rag.ui.mcp_server import McpOverHttp
from tests.conftest import make_settings

TOKEN = "an-mcp-token-of-sixteen-or-more"
INITIALIZE = [
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    },
]
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def _client(tmp_path, host: str) -> TestClient:
    rag = RAG(make_settings(tmp_path, tmp_path, api_token=SecretStr(TOKEN)))
    app = Starlette(routes=[Mount("/mcp", app=McpOverHttp(rag, host, AnswerSlots(1, 1.0)))])
    return TestClient(app, base_url="http://rag.example.lan:7860")


@pytest.mark.parametrize("host,status", [("127.0.0.1", 421), ("0.0.0.0", 200)])
def test_the_host_check_fits_where_the_server_listens(tmp_path, host, status):
    with _client(tmp_path, host) as client:
        refused = client.post("/mcp/", json=INITIALIZE[0], headers=HEADERS)
        assert refused.status_code == 401 and "credentials" in refused.json()["error"]
        answered = client.post("/mcp/", json=INITIALIZE[0], headers={**HEADERS, "Authorization": f"Bearer {TOKEN}"})
        assert answered.status_code == status, answered.text
