"""English versions of generated Chinese questions, written by an answer model (`rag eval
generate --model local`): rules cannot translate, and a question set in one language says
little about how English questions fare against Chinese documents.

A translation is kept only when it passes the same kind of round trip as the question it
translates (rag.eval.generate): it is English (no Han characters), it asks (ends with "?"),
it does not state the answer's number, and it still leads back to its sentence: among its
document's sentences the source is the one most similar to it in meaning (the embedding model
is multilingual), as the Chinese question led back to it by its words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from rag.answer.generative import ChatModel
from rag.models.embedding import Embedder
from rag.text.language import HAN
from rag.text.numbers import number_values

TRANSLATE_QUESTION = (
    "Translate this Chinese question into natural English. Keep names, numbers and units as they are meant. "
    "Reply with the English question only.\n\n{question}"
)
_HAN = re.compile(f"[{HAN}]")
DOCUMENTS_KEPT = 64  # documents whose sentence vectors are kept while a set is made (questions visit them in turns)
Translator = Callable[[str, str, Sequence[str]], str | None]  # (question, its sentence, the document's sentences)


def model_translator(chat: ChatModel, embedder: Embedder) -> Translator:
    """A translator that asks ``chat`` and checks each answer with ``embedder``."""

    vectors: dict[tuple[str, ...], np.ndarray] = {}  # a document's sentences, embedded once

    def translate(question: str, sentence: str, sentences: Sequence[str]) -> str | None:
        messages = [{"role": "user", "content": TRANSLATE_QUESTION.format(question=question)}]
        text = "".join(part for part in chat.stream_chat(messages) if isinstance(part, str)).strip().strip('"“”')
        english = text.splitlines()[0].strip() if text else ""
        key = tuple(sentences)
        if key not in vectors:
            if len(vectors) >= DOCUMENTS_KEPT:
                vectors.pop(next(iter(vectors)))
            vectors[key] = embedder.encode_sentences(list(sentences))
        return english if translation_holds(english, question, sentence, sentences, embedder, vectors[key]) else None

    return translate


def translation_holds(
    english: str, question: str, sentence: str, sentences: Sequence[str], embedder: Embedder, vectors: np.ndarray | None = None
) -> bool:
    """The checks of the module's docstring (``vectors``: the sentences' embeddings, if known)."""
    if not english.endswith("?") or _HAN.search(english) or len(english) > 4 * max(len(question), 20):
        return False
    stated = number_values(english) - number_values(question)
    if stated & number_values(sentence):  # the translation says a number the question asks for
        return False
    if sentence not in sentences:
        return False
    query = embedder.encode_queries([english])[0]
    similarity = (vectors if vectors is not None else embedder.encode_sentences(list(sentences))) @ query
    return int(np.argmax(similarity)) == list(sentences).index(sentence)
