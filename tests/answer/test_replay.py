"""A replay takes the answer settings its recording was made with, by their names then."""

from __future__ import annotations

from rag.answer.replay import as_recorded
from rag.settings import Settings


def test_a_recording_s_settings_are_taken_also_under_their_former_names():
    settings = as_recorded({"answer_settings": {"lone_passage_lead": None, "prompt_budget": 300}}, Settings(_env_file=None))
    assert settings.answer.lone_passage_margin is None and settings.answer.prompt_budget == 300
    older = as_recorded({}, Settings(_env_file=None))  # before they were saved: every passage shown, paragraph keys
    assert older.answer.lone_passage_margin is None and older.answer.citation_keys == "paragraph"
    assert Settings(_env_file=None).answer.lone_passage_margin == 0.75
