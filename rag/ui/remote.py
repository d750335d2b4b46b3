"""The command line as a client of a running `rag serve` (RAG_SERVER_URL): a question is
asked over the REST API, in the time of a request, instead of loading the index and models
in a new process. The answer and passages are the same objects either way."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from rag.answer.backends import Event, Final
from rag.errors import RagError
from rag.settings import Settings
from rag.types import Answer, Citation, Passage, Scope, SentenceSupport, Timings, Turn


class RemoteRAG:
    """``retrieve`` and ``ask_stream`` of the server at ``settings.serve.server_url``."""

    def __init__(self, settings: Settings) -> None:
        url = settings.serve.server_url
        if not url:
            raise ValueError("settings.serve.server_url is not set")
        self.settings = settings
        self.url = url.rstrip("/")
        headers = {}
        auth = None
        if settings.serve.api_token is not None:
            headers["Authorization"] = f"Bearer {settings.serve.api_token.get_secret_value()}"
        elif settings.serve.ui_auth is not None:
            user, _, password = settings.serve.ui_auth.get_secret_value().partition(":")
            auth = (user, password)
        timeout = httpx.Timeout(settings.answer.llm_timeout + 30, connect=5.0)
        self.client = httpx.Client(base_url=self.url, headers=headers, auth=auth, timeout=timeout, trust_env=False)

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self.client.post(path, json=body)
        except httpx.HTTPError as exc:
            raise RagError(
                f"No answer from the server at {self.url} ({type(exc).__name__}).",
                fix="Start it with `rag serve`, or unset RAG_SERVER_URL to answer in this process.",
            ) from exc
        data = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        if response.status_code != 200:
            raise RagError(data.get("error") or f"The server answered {response.status_code}.", fix=data.get("fix", ""))
        return data

    def retrieve(
        self, question: str, k: int | None = None, mode: str | None = None, scope: Scope | None = None, history: Sequence[Turn] = ()
    ) -> list[Passage]:
        if history:  # /api/retrieve takes no conversation: a follow-up is made to stand alone by /api/ask
            raise RagError(
                "--after needs the question asked in this process.", fix="Unset RAG_SERVER_URL for follow-ups with rag retrieve."
            )
        body = {"question": question, "k": k, "mode": mode, **_scope_fields(scope)}
        return [Passage.model_validate(p) for p in self._post("/api/retrieve", body)["passages"]]

    def ask_stream(
        self,
        question: str,
        k: int | None = None,
        model: str | None = None,
        mode: str | None = None,
        scope: Scope | None = None,
        history: Sequence[Turn] = (),
    ) -> Iterator[Event]:
        body = {
            "question": question,
            "k": k,
            "model": model,
            "mode": mode,
            "history": [t.model_dump() for t in history],
            **_scope_fields(scope),
        }
        yield Final(answer_from_json(self._post("/api/ask", body)))


def _scope_fields(scope: Scope | None) -> dict[str, Any]:
    if scope is None:
        return {}
    return {
        "documents": list(scope.documents) or None,
        "since": scope.since.isoformat() if scope.since else None,
        "until": scope.until.isoformat() if scope.until else None,
    }


def answer_from_json(data: dict[str, Any]) -> Answer:
    """The Answer that ``Answer.as_json()`` gave."""
    return Answer(
        question=data["question"],
        standalone_question=data.get("standalone_question") or "",
        text=data["answer"],
        abstained=data["abstained"],
        model=data["model"],
        quoted_instead=data.get("quoted_instead", False),
        error=data.get("error", ""),
        citations=[Citation.model_validate(c) for c in data["citations"]],
        sentences=[SentenceSupport.model_validate(s) for s in data["sentences"]],
        passages=[Passage.model_validate(p) for p in data["passages"]],
        timings=Timings.model_validate(data["timings"]),
    )
