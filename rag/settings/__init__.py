"""Every setting, grouped by the stage that reads it: ``settings.corpus``, ``.models``,
``.index``, ``.retrieval``, ``.answer``, ``.citations`` and ``.serve``, each a model in the file
of that name beside this one, below every stage.

Each can be set by an environment variable or a ``.env`` file in the working folder, by its
own name (``RAG_TOP_K=3``) or by its group's (``RAG_RETRIEVAL__TOP_K=3``), and in Python by
either (``Settings(top_k=3)``, ``Settings(retrieval={"top_k": 3})``); ``settings.changed(top_k=3)``
is a checked copy. ``rag settings`` lists them all.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

from rag.settings.answer import AnswerSettings
from rag.settings.citations import RULE_NAMES, CitationSettings, CitationThresholds, RuleName
from rag.settings.corpus import CorpusSettings, OcrEngine, ReadOptions
from rag.settings.index import IndexSettings
from rag.settings.models import DEFAULT_EMBEDDING_MODEL, ModelSettings
from rag.settings.retrieval import RetrievalSettings
from rag.settings.serve import ServeSettings

GROUPS: dict[str, type[BaseModel]] = {
    "corpus": CorpusSettings,
    "models": ModelSettings,
    "index": IndexSettings,
    "retrieval": RetrievalSettings,
    "answer": AnswerSettings,
    "citations": CitationSettings,
    "serve": ServeSettings,
}
# A setting's own name -> (group, field): the field's name, but for the one whose field name
# only makes sense inside its group.
_RENAMED = {"citation_rules_off": ("citations", "rules_off")}
FLAT: dict[str, tuple[str, str]] = {
    **{field: (group, field) for group, model in GROUPS.items() if group != "citations" for field in model.model_fields},
    **_RENAMED,
}
OWN_NAME = {place: name for name, place in FLAT.items()}
# Earlier own names, still read (environment, .env, code, recorded reports).
FORMER: dict[str, tuple[str, str]] = {
    "lone_passage_lead": ("answer", "lone_passage_margin"),
    "context_clear_lead": ("retrieval", "context_clear_margin"),
}
_READ = {**FORMER, **FLAT}


def _nest(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with each setting given by its own name moved into its group; there it wins
    over the group's own value (the own names come from code: environment variables are
    nested by their source)."""
    nested = {k: (dict(v) if isinstance(v, dict) else v) for k, v in values.items() if k not in _READ}
    for name, value in values.items():
        if name in _READ:
            group, field = _READ[name]
            into = nested.setdefault(group, {})
            if isinstance(into, BaseModel):
                into = nested[group] = into.model_dump()
            into[field] = value
    return nested


class _OwnNames(PydanticBaseSettingsSource):
    """RAG_<NAME> by each setting's own name (RAG_TOP_K): from the environment, or from the
    .env files given (each its own source, so the environment keeps its rank above .env)."""

    def __init__(self, settings_cls: type[BaseSettings], env_files: Any = None, environment: bool = False) -> None:
        super().__init__(settings_cls)
        files = env_files if isinstance(env_files, list | tuple) else [env_files] if env_files else []
        self.env_files = [Path(f) for f in files]
        self.environment = environment

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        from dotenv import dotenv_values

        found: dict[str, str | None] = {}
        for path in self.env_files:  # later files win, as in pydantic-settings
            if path.is_file():
                found.update({k.upper(): v for k, v in dotenv_values(path).items()})
        if self.environment:
            found.update({k.upper(): v for k, v in os.environ.items()})
        values: dict[str, Any] = {}
        for name, (group, field) in _READ.items():  # the current names last: they win
            raw = found.get(f"RAG_{name.upper()}")
            if raw is not None:
                values.setdefault(group, {})[field] = _decoded(raw, name, GROUPS[group].model_fields[field])
        return values


class _GroupsOnly(PydanticBaseSettingsSource):
    """A source with what it found for the groups only: pydantic's .env source also hands on
    lines by their own names (RAG_TOP_K), which _OwnNames reads, below the environment."""

    def __init__(self, settings_cls: type[BaseSettings], source: PydanticBaseSettingsSource) -> None:
        super().__init__(settings_cls)
        self.source = source

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self.source().items() if k in GROUPS}


def _decoded(raw: str, name: str, field: FieldInfo) -> Any:
    """A collection setting's value is JSON ('["a", "b"]'), as for any pydantic setting; the
    error names the variable, never the value (it may be a secret)."""
    origin = getattr(field.annotation, "__origin__", None) or field.annotation
    if origin in (frozenset, set, list, tuple, dict) or str(field.annotation).startswith(("frozenset", "set[", "list[", "dict[")):
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise SettingsError(f'RAG_{name.upper()} must be a JSON list, e.g. \'["a", "b"]\'') from exc
    return raw


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", env_file=".env", extra="ignore", env_nested_delimiter="__")

    corpus: CorpusSettings = Field(default_factory=CorpusSettings, description="Stage 1: the corpus folder, chunks and readers.")
    models: ModelSettings = Field(default_factory=ModelSettings, description="The embedding model and how questions are encoded.")
    index: IndexSettings = Field(default_factory=IndexSettings, description="Stage 2: the index folder, embedding and vector search.")
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings, description="Stage 3: passages, fusion, conversations.")
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="Stage 4: the answer model and what it is shown.")
    citations: CitationSettings = Field(
        default_factory=CitationSettings, description="Stage 5: the citation checks' thresholds (RAG_CITATIONS__MIN_OVERLAP=0.6, ...)."
    )
    serve: ServeSettings = Field(default_factory=ServeSettings, description="The web page and API: address, access, concurrency.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        env_files = getattr(dotenv_settings, "env_file", None)  # Settings(_env_file=...) as given, else model_config's
        return (
            init_settings,
            env_settings,
            _OwnNames(settings_cls, environment=True),
            _GroupsOnly(settings_cls, dotenv_settings),
            _OwnNames(settings_cls, env_files=env_files),
            file_secret_settings,
        )

    @model_validator(mode="before")
    @classmethod
    def _own_names(cls, values: Any) -> Any:
        return _nest(values) if isinstance(values, dict) else values

    def changed(self, **updates: Any) -> Settings:
        """A copy with ``updates`` (by each setting's own name, or whole groups), each group
        checked again; the environment and .env are not read again. An unknown name is an error."""
        unknown = sorted(set(updates) - set(_READ) - set(GROUPS))
        if unknown:
            raise ValueError(f"unknown setting(s) {unknown}; `rag settings` lists them")
        current = {group: getattr(self, group).model_dump() for group in GROUPS}
        for name, value in _nest(updates).items():
            current[name] = {**current[name], **value} if isinstance(value, dict) else value
        groups = {name: GROUPS[name].model_validate(current[name]) for name in GROUPS}
        return self.model_copy(update=groups)

    def value(self, name: str) -> Any:
        """A setting by its own name (``settings.value("top_k")``), for lists of names."""
        group, field = FLAT[name]
        return getattr(getattr(self, group), field)

    def margin_in_force(self, value: float | None) -> float | None:
        """A margin (lone_passage_margin, refusal_retry_margin, context_clear_margin) as it
        applies: they were measured on z-score fusion, so with another fusion they are off."""
        return value if self.retrieval.fusion == "zscore" else None


def invalid_settings(exc: ValidationError | SettingsError) -> str:
    """What is wrong with the settings, by environment variable, without the values given:
    a rejected value may be a token or a password."""
    if isinstance(exc, SettingsError):  # a value that could not be parsed at all (JSON of a nested setting)
        return str(exc).split(" from source", 1)[0]
    parts = []
    for error in exc.errors(include_input=False, include_url=False, include_context=False):
        loc = tuple(str(part) for part in error["loc"])
        own = OWN_NAME.get((loc[0], loc[1])) if len(loc) >= 2 else None
        field = (own.upper() if own else "__".join(loc).upper()) if loc else ""
        parts.append(f"{'RAG_' + field if field else 'settings'}: {error['msg']}")
    return "; ".join(parts)


__all__ = [
    "DEFAULT_EMBEDDING_MODEL",
    "FLAT",
    "FORMER",
    "GROUPS",
    "OWN_NAME",
    "RULE_NAMES",
    "CitationSettings",
    "CitationThresholds",
    "OcrEngine",
    "ReadOptions",
    "RuleName",
    "Settings",
    "invalid_settings",
]
