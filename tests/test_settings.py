"""Settings read from the environment: a margin that may be off is turned off with 'none'."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rag.settings import Settings


@pytest.mark.parametrize("name", ["RAG_LONE_PASSAGE_LEAD", "RAG_REFUSAL_RETRY_MARGIN", "RAG_CONTEXT_CLEAR_LEAD"])
def test_an_optional_margin_is_set_or_turned_off_by_name(monkeypatch, name):
    field = name.removeprefix("RAG_").lower()
    monkeypatch.setenv(name, "0.5")
    assert getattr(Settings(), field) == 0.5
    for off in ("none", "None", "off"):
        monkeypatch.setenv(name, off)
        assert getattr(Settings(), field) is None
    monkeypatch.setenv(name, "-1")
    with pytest.raises(ValidationError):
        Settings()


def test_none_is_still_a_word_where_a_setting_takes_words(monkeypatch):
    monkeypatch.setenv("RAG_RERANKER", "none")
    assert Settings().reranker == "none"
