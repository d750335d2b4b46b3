"""The library over the Model Context Protocol, for assistants and editors (Claude Desktop,
Cursor, VS Code, agents): `rag mcp` over stdio, and streamable HTTP at /mcp of `rag serve`,
behind the same credentials as the REST API.

Its tools return structured content: an answer comes with its citations (key, document,
page, paragraph id, the quoted text and its offsets in the document) and how each sentence
was checked against the paragraph it cites, as `rag ask --json` and POST /api/ask do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from rag.errors import RagError
from rag.index.library import DocumentInfo
from rag.types import Answer, Citation, Paragraph, Passage, Scope, SentenceSupport
from rag.ui.api_base import LOOPBACK, AnswerSlots, check_credentials
from rag.ui.library_view import add_files, documents_now

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Send
    from starlette.types import Scope as AsgiScope

    from rag.pipeline import RAG

INSTRUCTIONS = (
    "Answers questions from the user's own documents (Chinese, Traditional or Simplified, and English) "
    "with citations to the exact source paragraphs. Use `ask` for an answer whose every sentence is "
    "checked against the paragraph it cites; quote its citations, never add facts it does not hold. "
    "Use `search` for the passages themselves, `read_passage` for a whole paragraph."
)
READ_ONLY = ToolAnnotations(readOnlyHint=True, openWorldHint=False)
T = TypeVar("T")


async def _off_the_loop(work: Callable[[], T]) -> T:
    """``work`` in a worker thread (it reads files and runs models); a RagError reaches the
    client as the tool's error, with its fix (any other exception stays on the server)."""
    try:
        return await anyio.to_thread.run_sync(work)
    except RagError as exc:
        raise ToolError(str(exc)) from exc


class SearchResult(BaseModel):
    question: str
    passages: list[Passage] = Field(description="Best first; `text` is the whole paragraph, `start`/`end` its offsets in the document.")


class AskResult(BaseModel):
    question: str
    answer: str = Field(description="The answer with [n] markers; each n is a citation's key.")
    abstained: bool = Field(description="True when the documents do not answer the question.")
    standalone_question: str = Field("", description="What a follow-up was answered as, when it was rewritten.")
    citations: list[Citation] = Field(description="The quoted span of each cited paragraph: text == document[start:end].")
    sentences: list[SentenceSupport] = Field(description="How each sentence a model wrote was checked (empty for quotes).")
    error: str = ""


class DocumentList(BaseModel):
    documents: list[DocumentInfo]


def mcp_server(rag: RAG, writable: bool, slots: AnswerSlots | None = None) -> MCPServer:
    """The tools, resource and prompt over ``rag``; ``add_document`` only when ``writable``;
    with ``slots``, ``ask`` waits for one as REST questions do (RAG_UI_CONCURRENCY)."""
    server = MCPServer("rag-cjk", instructions=INSTRUCTIONS)

    @server.tool(
        description="The paragraphs that best match a question, best first, with document, page and offsets.", annotations=READ_ONLY
    )
    async def search(question: str, k: int = 5, documents: list[str] | None = None) -> SearchResult:
        scope = Scope(documents=tuple(documents or ()))
        passages = await _off_the_loop(lambda: rag.retrieve(question, k, scope=scope))
        return SearchResult(question=question, passages=passages)

    @server.tool(
        description="Answer a question from the documents; every sentence cites the paragraph that backs it, "
        "with the quoted text and its offsets. Abstains when the documents do not answer.",
        annotations=READ_ONLY,
    )
    async def ask(question: str, documents: list[str] | None = None, model: str | None = None) -> AskResult:
        scope = Scope(documents=tuple(documents or ()))

        def answered() -> Answer:
            if slots is None:
                return rag.ask(question, model=model, scope=scope)
            with slots:
                return rag.ask(question, model=model, scope=scope)

        answer = await _off_the_loop(answered)
        return AskResult(
            question=answer.question,
            answer=answer.text,
            abstained=answer.abstained,
            standalone_question=answer.standalone_question if answer.standalone_question != answer.question else "",
            citations=answer.citations,
            sentences=answer.sentences,
            error=answer.error,
        )

    @server.tool(description="Every document of the library: type, pages, paragraphs and whether it is indexed.", annotations=READ_ONLY)
    async def list_documents() -> DocumentList:
        return DocumentList(documents=await _off_the_loop(lambda: documents_now(rag)))

    @server.tool(
        description="One whole paragraph by its id ('<document>#p<number>', as search and citations give it).", annotations=READ_ONLY
    )
    async def read_passage(paragraph_id: str) -> Paragraph:
        return await _off_the_loop(lambda: _paragraph(rag, paragraph_id))

    if writable:

        @server.tool(
            description="Add a text or Markdown document to the library (checked like an upload); it is indexed in the background."
        )
        async def add_document(name: str, text: str) -> DocumentList:
            added, refused = await _off_the_loop(lambda: add_files(rag, [(name, text.encode("utf-8"))]))
            if refused:
                raise ToolError(str(refused[0]))
            listed = await _off_the_loop(lambda: documents_now(rag))
            return DocumentList(documents=[d for d in listed if d.doc_id in added])

    @server.resource("document://{doc_id}", description="A document's text as the index holds it, paragraph by paragraph.")
    async def document(doc_id: str) -> str:
        return await _off_the_loop(lambda: _document_text(rag, doc_id))

    @server.prompt(description="Answer a question from the library, citing the exact source paragraphs.")
    def answer_with_citations(question: str) -> str:
        return (
            f"Use the `ask` tool of rag-cjk for: {question}\n"
            "Give its answer with the [n] citations it returned and, under it, each citation's document, "
            "page and quoted text. If it abstained, say the documents do not answer; add nothing they do not say."
        )

    return server


def _paragraph(rag: RAG, paragraph_id: str) -> Paragraph:
    paragraph = rag.ensure_index().stored.paragraphs.get(paragraph_id)
    if paragraph is None:
        raise RagError(f"No paragraph {paragraph_id!r} in the index.", fix="Use an id that search or a citation gave.")
    return paragraph


def _document_text(rag: RAG, doc_id: str) -> str:
    retriever = rag.ensure_index()
    ids = retriever.document_paragraphs(doc_id)
    if not ids:
        raise RagError(f"No document {doc_id!r} in the index.", fix="list_documents gives the documents' ids.")
    return "\n\n".join(retriever.stored.paragraphs[pid].text for pid in ids)


class McpOverHttp:
    """The server's streamable HTTP app as a route of another server (the page's): the
    credentials check first, and the MCP session manager's tasks started on that server's
    event loop at the first request (a mounted app's own start-up is never run)."""

    def __init__(self, rag: RAG, host: str, slots: AnswerSlots) -> None:
        self.settings = rag.settings
        writable = self.settings.serve.ui_auth is not None or self.settings.serve.api_token is not None
        server = mcp_server(rag, writable=writable, slots=slots)
        # On loopback the SDK's DNS-rebinding check (Host must be localhost) keeps web pages
        # from reaching /mcp; served to a network, the names it is reached by are not known
        # here, and the credentials (a warning says to set them) guard it instead.
        security = None if host in LOOPBACK else TransportSecuritySettings(enable_dns_rebinding_protection=False)
        self.app: ASGIApp = server.streamable_http_app(
            streamable_http_path="/", stateless_http=True, json_response=True, transport_security=security
        )
        self.manager = server.session_manager
        self.ready: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def _run(self, ready: asyncio.Event) -> None:
        try:
            async with self.manager.run():
                ready.set()
                await asyncio.Event().wait()  # for as long as the server runs
        finally:
            ready.set()  # a manager that failed to start leaves no request waiting (they fail instead)

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                check_credentials(self.settings, Request(scope))
            except RagError as exc:
                await JSONResponse({"error": exc.message, "fix": exc.fix}, status_code=exc.status)(scope, receive, send)
                return
            if self.ready is None:
                self.ready = asyncio.Event()
                self._task = asyncio.get_running_loop().create_task(self._run(self.ready))
            await self.ready.wait()
        await self.app(scope, receive, send)


def run_stdio(rag: RAG) -> None:
    """`rag mcp`: serve over stdin/stdout until the client closes them."""
    mcp_server(rag, writable=True).run("stdio")
