"""``rag mcp``: the library as an MCP server over stdio, for assistants and editors."""

from __future__ import annotations

from rag.errors import RagError
from rag.ui.commands import CorpusOpt, IndexOpt, _fail, _rag, app


@app.command("mcp")
def mcp(corpus: CorpusOpt = None, index_dir: IndexOpt = None) -> None:
    """Serve the library over the Model Context Protocol on stdin and stdout (for Claude Desktop, Cursor, VS Code, agents).

    Tools: search, ask (answers with checked citations), list_documents, read_passage, add_document.
    The index is built or refreshed at the first question if needed; messages go to stderr.
    `rag serve` serves the same tools over HTTP at /mcp.
    """
    from rag.ui.mcp_server import run_stdio

    try:
        run_stdio(_rag(corpus, index_dir, progress=False))
    except RagError as exc:
        _fail(exc)
