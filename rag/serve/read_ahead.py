"""Reading ahead: the local model reads the prompts it is most likely to be given before
anyone asks.

Saved readings (RAG_LLM_SAVED_READING, the default): in the background, the model reads
every paragraph as a lookup shown it alone sees it, and every short document whole as a
question that needs explaining sees it, and llama.cpp saves each reading to disk
(rag.models.llama.SavedStates). A question whose prompt begins with a saved reading has it
restored (milliseconds) and reads only itself and the instruction (about 100 tokens: its
first word in about 3 s on 2 cores), not the whole prompt. Resumable: a reading
already on disk is not read again, and a new build's documents are read when it is loaded.

Without saved readings, the older way below: the first paragraphs' prompts in memory only.

Most of a local answer's wait is the model reading its prompt (about 70 tokens/s on 2
cores). A question that one passage answers clearly is shown that passage alone
(RAG_LONE_PASSAGE_MARGIN), and its prompt begins the same way every time that passage is
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

from rag.answer.excerpts import excerpts, fits
from rag.answer.generative import GenerativeBackend
from rag.errors import RagError
from rag.models.llama import LibraryReading
from rag.retrieval.gather import whole_document
from rag.text.language import detect_language
from rag.types import Passage

if TYPE_CHECKING:
    from rag.pipeline import RAG
    from rag.retrieval.retriever import Retriever

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


def library_readings(backend: GenerativeBackend, retriever: Retriever, whole_within: int) -> Iterator[tuple[list[dict[str, str]], str]]:
    """Each prompt beginning worth saving, with its key: document by document, each paragraph
    that the prompt budget keeps whole, shown alone (a lookup it answers clearly), then the
    document whole when it has at most ``whole_within`` paragraphs and fits the open budget
    (rag.retrieval.gather.whole_document); each as Chinese and English questions read it.
    Keys already given are not given again."""
    given: set[str] = set()
    for doc_id in dict.fromkeys(retriever.stored.paragraphs[pid].doc_id for pid in retriever.paragraph_ids):
        ids = retriever.document_paragraphs(doc_id)
        groups = [[retriever.paragraph_passage(pid, 1, "document")] for pid in ids]
        whole_doc = whole_document(groups[0], retriever, whole_within) if len(ids) > 1 else None  # as a question is shown it
        if whole_doc is not None:
            groups.append(whole_doc)
        for read in groups:
            whole = len(read) > 1
            if not fits(read, backend.open_budget if whole else backend.budget):
                continue
            # English questions read amounts glossed (500億 -> 50 billion): a second reading
            # where the gloss changes the text.
            for language in dict.fromkeys([detect_language(read[0].text), "en"]):
                reading = backend.reading(read, language, "overview" if whole else "lookup")
                if reading is not None and reading[1] not in given:
                    given.add(reading[1])
                    yield reading


def read_library(
    rag: RAG, backend: GenerativeBackend, progress: LibraryReading, should_stop: Callable[[], bool], follow_builds: bool = False
) -> None:
    """Reads and saves what is not saved yet, giving way to questions and to index builds;
    with ``follow_builds``, starts over whenever a new build is loaded, until ``should_stop``."""
    chat, states = backend.saving, backend.states
    if chat is None or states is None:
        return
    read_for = None
    while not should_stop():
        retriever = rag.retriever
        if retriever is None and not follow_builds:
            return
        if retriever is None or retriever is read_for or rag.indexer.state.running:
            time.sleep(1.0)
            continue
        whole_within = rag.settings.answer.answer_passages
        keys = [key for _, key in library_readings(backend, retriever, whole_within)]  # keys only: a large library's prompts are not kept
        progress.total = len(keys)
        progress.done = sum(states.has(key) for key in keys)
        progress.running = True
        started, read = time.monotonic(), 0
        for messages, key in library_readings(backend, retriever, whole_within):
            if states.has(key):
                continue
            while (backend.answering() or rag.indexer.state.running) and not should_stop():
                time.sleep(_WAIT)
            if should_stop() or rag.retriever is not retriever:
                break
            try:
                progress.bytes += chat.read_and_save(messages, key)
            except RagError as exc:  # that one is read at question time instead
                log.warning("warning: a reading could not be saved (%s)", exc)
                continue
            progress.done += 1
            read += 1
        else:
            read_for = retriever
        progress.running = False
        if read:
            log.info("The answer model read %d passages and documents ahead in %.0f s.", read, time.monotonic() - started)
        if not follow_builds and read_for is retriever:
            return


def prepare(rag: RAG, model: str | None = None, should_stop: Callable[[], bool] = lambda: False, follow_builds: bool = False) -> int:
    """What the web page and API do before the first question: load the answer model
    (default: the answer_model setting), let it read a first prompt, then read ahead for a
    local model that shows clear matches alone. Returns the prompts read ahead."""
    name = model or rag.settings.answer.answer_model
    rag.warm_up(name)
    log.info("Answer model %r loaded and warm.", name)
    backend = rag.backend(name)
    if isinstance(backend, GenerativeBackend) and backend.states is not None:
        try:
            read_library(rag, backend, rag.library_reading, should_stop, follow_builds)
        except Exception as exc:  # questions are still answered, only not sooner
            log.warning("warning: reading ahead stopped (%s); questions are answered as usual.", exc)
        return rag.library_reading.done
    n = rag.settings.answer.llm_read_ahead
    if name != "local" or not isinstance(backend, GenerativeBackend) or backend.lone_margin is None or n == 0:
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
