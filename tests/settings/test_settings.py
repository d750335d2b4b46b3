"""Settings read from the environment: a margin that may be off is turned off with 'none'."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rag.settings import Settings


@pytest.mark.parametrize("name", ["RAG_LONE_PASSAGE_MARGIN", "RAG_REFUSAL_RETRY_MARGIN", "RAG_CONTEXT_CLEAR_MARGIN"])
def test_an_optional_margin_is_set_or_turned_off_by_name(monkeypatch, name):
    field = name.removeprefix("RAG_").lower()
    monkeypatch.setenv(name, "0.5")
    assert Settings().value(field) == 0.5
    for off in ("none", "None", "off"):
        monkeypatch.setenv(name, off)
        assert Settings().value(field) is None
    monkeypatch.setenv(name, "-1")
    with pytest.raises(ValidationError):
        Settings()


def test_none_is_still_a_word_where_a_setting_takes_words(monkeypatch):
    monkeypatch.setenv("RAG_RERANKER", "none")
    assert Settings().retrieval.reranker == "none"


def test_each_setting_is_read_by_its_own_name_or_its_group_s_and_code_wins(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("RAG_CANDIDATES=40\nRAG_ANSWER__PROMPT_BUDGET=700\n")
    monkeypatch.setenv("RAG_TOP_K", "7")
    monkeypatch.setenv("RAG_RETRIEVAL__FUSION", "rrf")
    monkeypatch.setenv("RAG_CITATION_RULES_OFF", '["lead-supported"]')
    monkeypatch.setenv("RAG_CITATIONS__MIN_OVERLAP", "0.6")
    s = Settings()
    assert (s.retrieval.top_k, s.retrieval.fusion, s.retrieval.candidates, s.answer.prompt_budget) == (7, "rrf", 40, 700)
    assert s.citations.rules_off == {"lead-supported"} and s.citations.min_overlap == 0.6
    assert Settings(top_k=3, retrieval={"candidates": 9}).retrieval.top_k == 3  # code over the environment
    assert Settings(top_k=3, retrieval={"candidates": 9}).retrieval.candidates == 9
    monkeypatch.setenv("RAG_RETRIEVAL__TOP_K", "8")  # both names given: the group's
    assert Settings().retrieval.top_k == 8


def test_a_changed_copy_is_checked_and_leaves_the_original_alone():
    s = Settings(_env_file=None)
    changed = s.changed(top_k=9, fusion="minmax", citation_rules_off=["quote-clear-match"])
    assert (changed.retrieval.top_k, changed.retrieval.fusion, changed.citations.rules_off) == (9, "minmax", {"quote-clear-match"})
    assert (s.retrieval.top_k, s.retrieval.fusion) == (5, "zscore")
    with pytest.raises(ValidationError):
        s.changed(top_k=0)
    with pytest.raises(ValidationError):
        s.changed(citation_rules_off=["no-such-rule"])


def test_an_invalid_value_is_named_by_the_variable_a_user_sets(monkeypatch):
    from rag.settings import invalid_settings

    monkeypatch.setenv("RAG_TOP_K", "0")
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None)
    assert invalid_settings(caught.value).startswith("RAG_TOP_K: ")
    monkeypatch.delenv("RAG_TOP_K")
    monkeypatch.setenv("RAG_CITATIONS__MIN_OVERLAP", "2")
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None)
    assert invalid_settings(caught.value).startswith("RAG_CITATIONS__MIN_OVERLAP: ")


def test_every_setting_has_one_own_name_and_a_description():
    from rag.settings import FLAT, GROUPS

    places = [(group, field) for group, model in GROUPS.items() for field in model.model_fields]
    assert len(set(FLAT.values())) == len(FLAT)
    thresholds = {p for p in places if p[0] == "citations"} - set(FLAT.values())
    assert set(places) - thresholds == set(FLAT.values())
    assert all(GROUPS[g].model_fields[f].description for g, f in places)


@pytest.mark.parametrize("former,current", [("lone_passage_lead", "lone_passage_margin"), ("context_clear_lead", "context_clear_margin")])
def test_a_renamed_setting_is_still_read_by_its_former_name(monkeypatch, former, current):
    monkeypatch.setenv(f"RAG_{former.upper()}", "0.4")
    assert Settings(_env_file=None).value(current) == 0.4
    monkeypatch.setenv(f"RAG_{current.upper()}", "0.3")  # the current name wins
    assert Settings(_env_file=None).value(current) == 0.3
    assert Settings(_env_file=None).changed(**{former: None}).value(current) is None


def test_the_environment_outranks_env_files_whatever_the_names_and_env_file_none_reads_none(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("RAG_RETRIEVAL__TOP_K=11\nRAG_CANDIDATES=12\n")
    (tmp_path / "other.env").write_text("RAG_CANDIDATES=13\n")
    monkeypatch.setenv("RAG_TOP_K", "7")
    assert Settings().retrieval.top_k == 7  # an exported variable by its own name beats a .env line by its group's
    assert Settings().retrieval.candidates == 12
    assert Settings(_env_file=None).retrieval.candidates == 50  # no .env read at all
    assert Settings(_env_file="other.env").retrieval.candidates == 13


def test_a_changed_copy_refuses_unknown_names_and_reads_no_environment_again(monkeypatch):
    s = Settings(_env_file=None)
    with pytest.raises(ValueError, match="top_kk"):
        s.changed(top_kk=3)
    monkeypatch.setenv("RAG_TOP_K", "not a number")  # read once, when s was made; not again
    assert s.changed(candidates=9).retrieval.candidates == 9


def test_a_collection_that_is_not_json_is_named_without_its_value(monkeypatch):
    from pydantic_settings import SettingsError

    from rag.settings import invalid_settings

    monkeypatch.setenv("RAG_CITATION_RULES_OFF", "s3cret-words")
    with pytest.raises(SettingsError) as caught:
        Settings(_env_file=None)
    message = invalid_settings(caught.value)
    assert "RAG_CITATION_RULES_OFF" in message and "s3cret" not in message
