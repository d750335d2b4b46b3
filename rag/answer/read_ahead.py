"""Reading ahead: the local model reads the prompts it is most likely to be given before
anyone asks.

Most of a local answer's wait is the model reading its prompt (about 70 tokens/s on 2
cores). A question that one passage answers clearly is shown that passage alone
(RAG_LONE_PASSAGE_LEAD), and its prompt begins the same way every time that passage is
shown: the opening line, then the passage; only the question and the instruction after it
differ. llama.cpp keeps the state of earlier prompts in memory (RAG_LLM_CACHE_RAM_MB) and
starts a new prompt from the one it shares most with. So when the web page and API start,
the model reads each of the first RAG_LLM_READ_AHEAD paragraphs' prompt once per question
language, and a later question that one of them answers clearly reads only itself and the
instruction. Reading ahead gives way: it waits while a question is being answered (one that
arrives mid-prompt waits for that prompt, a few seconds at most) and while the index is
being built, whose embedding needs the same cores.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from rag.answer.excerpts import excerpts
from rag.answer.generative import GenerativeBackend
from rag.types import Passage

if TYPE_CHECKING:
    from rag.pipeline import RAG

log = logging.getLogger("rag")
LANGUAGES = ("zh-Hant", "zh-Hans", "en")  # each opens its prompt in its own words
_WAIT = 0.1  # seconds between looks at whether a question is still being answered


def lone_prompts(backend: GenerativeBackend, paragraphs: Sequence[Passage]) -> Iterator[list[dict[str, str]]]:
    """The prompt of each paragraph shown alone, with no question yet, language by language;
    paragraphs the prompt budget would cut differ by question and are left out."""
    for language in LANGUAGES:
        for paragraph in paragraphs:
            read = excerpts("", [paragraph], backend.budget)
            if read and read[0].text == paragraph.text:
                yield backend.messages("", read, language)


def read_ahead(
    backend: GenerativeBackend,
    paragraphs: Sequence[Passage],
    should_stop: Callable[[], bool] = lambda: False,
    busy: Callable[[], bool] | None = None,
) -> int:
    """Has the model read each lone-passage prompt (stopping at its first word), waiting while
    ``busy`` (default: while a question is being answered); returns how many it read."""
    busy = busy or backend.answering
    done = 0
    for messages in lone_prompts(backend, paragraphs):
        while busy() and not should_stop():
            time.sleep(_WAIT)
        if should_stop():
            break
        for _ in backend.chat.stream_chat(messages):
            break  # the prompt is read once the first word comes
        done += 1
    return done


def prepare(rag: RAG, model: str | None = None, should_stop: Callable[[], bool] = lambda: False) -> int:
    """What the web page and API do before the first question: load the answer model
    (default: the answer_model setting), let it read a first prompt, then read ahead for a
    local model that shows clear matches alone. Returns the prompts read ahead."""
    name = model or rag.settings.answer_model
    rag.warm_up(name)
    log.info("Answer model %r loaded and warm.", name)
    backend = rag.backend(name)
    n = rag.settings.llm_read_ahead
    if name != "local" or not isinstance(backend, GenerativeBackend) or backend.lone_lead is None or n == 0:
        return 0
    # An index being built needs the cores first (its embedding), and the paragraphs to read
    # are those of the index it makes.
    while rag.indexer.state.running and not should_stop():
        time.sleep(_WAIT)
    retriever = rag.retriever
    if retriever is None:
        log.info("No index yet: the answer model reads nothing ahead.")
        return 0
    started = time.monotonic()
    try:
        done = read_ahead(backend, retriever.first_paragraphs(n), should_stop, lambda: backend.answering() or rag.indexer.state.running)
    except Exception as exc:  # questions are still answered, only not sooner
        log.warning("warning: reading ahead stopped (%s); questions are answered as usual.", exc)
        return 0
    log.info("The answer model read %d prompts ahead in %.0f s.", done, time.monotonic() - started)
    return done
