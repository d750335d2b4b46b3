"""The MCP server, driven by the official SDK's own client: over stdio (`rag mcp`, a real
process) and over streamable HTTP at /mcp of a real `rag serve` server."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import anyio
import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from pydantic import SecretStr

from rag.pipeline import RAG
from rag.ui.web import launch
from tests.conftest import KEY_QUESTION, SEED_DOC, SEEDS, make_settings

pytestmark = pytest.mark.slow
PIPELINE = f"{SEED_DOC}#p8"
TOKEN = "an-mcp-token-of-sixteen-or-more"


def _checks_out(ask: dict, corpus: Path) -> None:
    """A seed answer cites the pipeline paragraph, quoting the document's own text at its offsets."""
    assert not ask["abstained"] and "500億立方公尺" in ask["answer"], ask
    cited = [c for c in ask["citations"] if c["paragraph_id"] == PIPELINE]
    assert any("500億立方公尺" in c["text"] for c in cited), ask["citations"]
    source = (corpus / SEED_DOC).read_text(encoding="utf-8")
    for c in ask["citations"]:
        # Bracketed numbers are full-width in quotes (rag.text.markers.defuse): compare around them.
        assert source[c["start"] : c["end"]].replace("[", "［").replace("]", "］") == c["text"], c


async def _session_calls(session: ClientSession, corpus: Path) -> dict:
    await session.initialize()
    tools = {t.name: t for t in (await session.list_tools()).tools}
    assert {"search", "ask", "list_documents", "read_passage"} <= set(tools)
    assert all(t.description and t.output_schema for t in tools.values())
    found = (await session.call_tool("search", {"question": KEY_QUESTION, "k": 3})).structured_content
    assert found["passages"][0]["paragraph_id"] == PIPELINE
    asked = (await session.call_tool("ask", {"question": KEY_QUESTION})).structured_content
    _checks_out(asked, corpus)
    listed = (await session.call_tool("list_documents", {})).structured_content
    assert [d["doc_id"] for d in listed["documents"]] == [SEED_DOC]
    passage = (await session.call_tool("read_passage", {"paragraph_id": PIPELINE})).structured_content
    assert passage["text"] == found["passages"][0]["text"]
    missing = await session.call_tool("read_passage", {"paragraph_id": "nowhere.txt#p1"})
    assert missing.is_error and "nowhere.txt#p1" in missing.content[0].text
    document = await session.read_resource(f"document://{SEED_DOC}")
    assert "500億立方公尺" in document.contents[0].text
    prompt = await session.get_prompt("answer_with_citations", {"question": KEY_QUESTION})
    assert KEY_QUESTION in prompt.messages[0].content.text
    return {"tools": set(tools), "search": found}


def test_stdio_server_answers_with_checked_citations(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    env = {**os.environ, "RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(tmp_path / "index")}
    params = StdioServerParameters(command=sys.executable, args=["-m", "rag.ui.cli", "mcp"], env=env)

    async def drive() -> dict:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            seen = await _session_calls(session, corpus)
            added = await session.call_tool("add_document", {"name": "note.md", "text": "# 霧嵐島\n\n霧嵐島的燈塔建於1873年。\n"})
            assert not added.is_error and added.structured_content["documents"][0]["doc_id"] == "note.md"
            return seen

    seen = anyio.run(drive)
    assert "add_document" in seen["tools"]  # a local user may write to the library
    assert (corpus / "note.md").is_file()


def test_http_server_at_mcp_answers_the_same_and_refuses_without_credentials(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    rag = RAG(make_settings(tmp_path, corpus, api_token=SecretStr(TOKEN)))
    rag.ensure_index()
    demo = launch(rag, host="127.0.0.1", port=0, block=False)
    url = demo.local_url.rstrip("/") + "/mcp/"

    async def drive(headers: dict[str, str]) -> dict:
        async with (
            httpx2.AsyncClient(headers=headers, timeout=300, trust_env=False) as http,
            streamable_http_client(url, http_client=http) as streams,
            ClientSession(streams[0], streams[1]) as session,
        ):
            return await _session_calls(session, corpus)

    try:
        seen = anyio.run(drive, {"Authorization": f"Bearer {TOKEN}"})
        rest = httpx2.post(
            demo.local_url.rstrip("/") + "/api/retrieve",
            json={"question": KEY_QUESTION, "k": 3},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert [p["paragraph_id"] for p in rest.json()["passages"]] == [p["paragraph_id"] for p in seen["search"]["passages"]]
        refused = httpx2.post(
            url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers={"Accept": "application/json, text/event-stream"}
        )
        assert refused.status_code == 401 and "credentials" in refused.json()["error"]
    finally:
        demo.close()
