"""`rag COMMAND --help` shows each paragraph of a command's text a sentence to a line: the
terminal may wrap a long sentence, but no line ends inside one where the source did."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from rag.ui.cli import app
from rag.ui.commands import one_sentence_a_line


def _commands(typer_app, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command's words, those of command groups (``eval generate``) included."""
    found = [(*prefix, c.name or c.callback.__name__.replace("_", "-")) for c in typer_app.registered_commands if c.callback]
    for group in typer_app.registered_groups:
        found += _commands(group.typer_instance, (*prefix, group.name))
    return sorted(found)


COMMANDS = _commands(app)


def test_sentences_are_joined_across_source_lines_and_split_at_their_ends():
    text = """Score the answers (exact match,
    contains). The report records what the model
    wrote; e.g. the first. Then more.

        rag eval FILE   an example, kept as written
    """
    assert one_sentence_a_line(text) == (
        "Score the answers (exact match, contains).\nThe report records what the model wrote; e.g. the first.\nThen more."
        "\n\n    rag eval FILE   an example, kept as written"
    )


def test_command_groups_are_listed():
    assert ("eval", "generate") in COMMANDS and ("eval", "run") in COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_no_help_line_ends_inside_a_sentence(command):
    out = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "400", "NO_COLOR": "1"}, terminal_width=400)
    assert out.exit_code == 0, out.output
    text = out.output.split("Usage:", 1)[1].split("╭", 1)[0]
    lines = [line.strip() for line in text.splitlines()[1:] if line.strip()]
    assert lines, out.output
    ragged = [line for line in lines if not re.search(r"[.。!?！？:…)\]]$", line)]
    assert not ragged, out.output
