"""Stage 4, the answer: which model writes it, what it is shown (budgets, passages, citation
keys) and when it is asked again; the local (llama.cpp) and remote (OpenAI-compatible) models."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from rag.settings.retrieval import Margin
from rag.types import CitationKeys


class AnswerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Similarities across languages run lower than within one, hence the lower bar for other questions.
    min_answer_score_zh: float = Field(0.92, description="Extractive: best sentence score needed to answer a Chinese question.")
    min_answer_score_en: float = Field(0.80, description="Extractive: best sentence score needed to answer a non-Chinese question.")
    answer_model: str = Field("extractive", description="Answer backend name.")
    open_answers: bool = Field(
        True,
        description="Questions that need explaining (overview, why, how, list, compare, timeline, summary; rag.text.kinds) "
        "are answered from evidence gathered for their kind (the document's map, neighbours, several paragraphs) with "
        "several cited sentences; off: every question is answered as a lookup.",
    )
    note_disagreement: bool = Field(
        True,
        description="After a lookup's answer, quote and cite another source that states a different amount for the same "
        "thing, introduced as a disagreement (rag.answer.disagreement), in every answer model.",
    )
    instant_answer: bool = Field(
        True, description="With a generative model: show the extractive quote as soon as retrieval is done, until its answer replaces it."
    )
    prompt_budget: int = Field(
        600,
        ge=0,
        le=100_000,
        description="About how many tokens of evidence a generative model reads: the sentences of the shown passages that "
        "best match the question, with their neighbours (0: whole paragraphs).",
    )
    open_prompt_budget: int = Field(
        900,
        ge=0,
        le=100_000,
        description="The same budget for questions that need explaining (overview, why, list…), which read several paragraphs.",
    )
    answer_passages: int = Field(5, ge=1, le=20, description="Passages shown to a generative answer model.")
    citation_keys: CitationKeys = Field(
        "sentence",
        description="What a generative model is asked to cite: paragraphs ([2]) or their numbered sentences ([2.3], shown as "
        "the paragraph's citation quoting that sentence).",
    )
    # Passages shown beside a clear first one are where a small model copies true but uncited-for sentences from.
    lone_passage_margin: Margin = Field(
        0.75,
        ge=0.0,
        description="Generative models: when the top passage's fused score is this far above the second's, the model is shown "
        "that passage alone, with the whole prompt budget, and if it refuses, all of them (hybrid mode with zscore fusion; "
        "none: always answer_passages).",
    )
    refusal_retry_margin: Margin = Field(
        0.6,
        ge=0.0,
        description="Generative models: when the model refuses although the top passage's fused score is this far above the second's "
        "(fused score), ask once more with that passage alone, or with the others too when it was shown alone (none: never).",
    )
    relevance_floor_zh: float = Field(
        0.80, description="Generative models: below this top dense score, refuse without asking the model (Chinese)."
    )
    relevance_floor_en: float = Field(0.74, description="The same floor for non-Chinese questions (cross-lingual scores run lower).")
    local_model: str = Field(
        "qwen2.5-coder-1.5b-instruct-q4_k_m",
        description="'local' backend: 'qwen2.5-coder-1.5b-instruct-q4_k_m', 'qwen-0.5b-q4' (from PyPI parts) or a .gguf path.",
    )
    llm_threads: int = Field(2, ge=1, description="CPU threads for llama.cpp.")
    llm_context: int = Field(4096, ge=512, description="llama.cpp context window, in tokens.")
    llm_cache_ram_mb: int = Field(
        2048,
        ge=0,
        description="llama.cpp's cache of earlier prompts in memory (a question asked again answers at once; 0: off).",
    )
    llm_read_ahead: int = Field(
        16,
        ge=0,
        le=10_000,
        description="'local' backend: paragraphs whose prompt (each shown alone, in each question language) the model reads at "
        "start-up of the web page and API, giving way to questions, so a question one of them answers clearly reads only itself (0: none).",
    )
    llm_saved_reading: bool = Field(
        True,
        description="'local' backend: the web page and API have the model read every paragraph (as a question shown it alone "
        "sees it) and every short document whole, in the background, and save each reading to disk (cache_dir/reading); a "
        "question whose prompt begins with a saved reading then reads only itself and the instruction (off: llm_read_ahead's "
        "in-memory reading of the first paragraphs instead).",
    )
    llm_reading_dir: Path | None = Field(
        None,
        description="Where saved readings are kept, a folder per model (default: cache_dir/reading). With the default model "
        "they take about 29 KB per token read: about 10 MB per paragraph of 350 tokens.",
    )
    llm_max_tokens: int = Field(256, ge=8, description="Longest answer a generative model may write, in tokens.")
    llm_temperature: float = Field(0.0, ge=0.0, description="Sampling temperature (0 = deterministic).")
    llm_repeat_penalty: float = Field(1.1, ge=1.0, description="llama.cpp repeat penalty.")
    llm_timeout: float = Field(180.0, gt=0, description="Seconds an answer model may take before the request fails.")
    llm_connect_timeout: float = Field(5.0, gt=0, description="Seconds to wait for a remote answer model to accept the connection.")
    openai_base_url: str = Field("http://127.0.0.1:8080/v1", description="'openai' backend: base URL of the chat-completions API.")
    openai_model: str = Field("local", description="'openai' backend: model name sent with each request.")
    openai_api_key: SecretStr | None = Field(None, description="'openai' backend: API key (else OPENAI_API_KEY); never printed.")
    openai_retries: int = Field(2, ge=0, le=10, description="'openai' backend: retries (with backoff) before the first token.")
