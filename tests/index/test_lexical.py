from __future__ import annotations

import numpy as np

from rag.index.lexical import LexicalIndex, lexical_tokens

DOCS = [
    "西伯利亞力量2號管道每年最多可向中國輸送500億立方公尺天然氣。",
    "蒙古國每年可以獲得10億美元的能源過境費收入。",
    "Mongolia follows a Third Neighbor Policy with the United States and Japan.",
]


def test_traditional_and_simplified_give_the_same_tokens():
    assert lexical_tokens("西伯利亞力量2號管道輸送天然氣") == lexical_tokens("西伯利亚力量2号管道输送天然气")


def test_tokens_are_bigrams_words_and_whole_numbers():
    tokens = lexical_tokens("耗資4,000億美元 The Power of Siberia")
    assert "耗资" in tokens and "亿美" in tokens
    assert "4,000" in tokens
    assert "power" in tokens and "siberia" in tokens
    assert "the" not in tokens and "of" not in tokens  # English stop words


def test_single_han_character_is_kept():
    assert lexical_tokens("火") == ["火"]


def test_search_finds_the_document_in_either_script():
    index = LexicalIndex.build(DOCS)
    for question in ["管道每年輸送多少天然氣？", "管道每年输送多少天然气？"]:
        assert index.search(question, 3)[0][0] == 0
    assert index.search("third neighbor policy", 3)[0][0] == 2
    assert index.search("完全無關", 3) == []


def test_known_share_measures_overlap_with_the_corpus():
    index = LexicalIndex.build(DOCS)
    assert index.known_share(lexical_tokens("天然氣")) == 1.0
    assert index.known_share(lexical_tokens("How much natural gas")) == 0.0


def test_save_and_load_use_plain_files(tmp_path):
    index = LexicalIndex.build(DOCS)
    files = index.save(tmp_path)
    assert files and all(p.suffix in {".npy", ".json", ".jsonl"} for p in files)
    loaded = LexicalIndex.load(tmp_path)
    assert loaded.search("過境費", 2) == index.search("過境費", 2)


def test_best_finds_the_highest_scores_as_a_full_sort_does():
    words = ["管道", "天然氣", "過境費", "蒙古國", "中國", "輸送", "能源", "政策"]
    rng = np.random.default_rng(7)
    docs = ["".join(rng.choice(words, size=rng.integers(1, 6))) + "。" for _ in range(400)]  # many equal scores
    index = LexicalIndex.build(docs)
    in_scope = rng.random(len(docs)) < 0.3
    for question in ["管道輸送天然氣", "蒙古國的過境費", "政策", "完全無關"]:
        scores = index.score_all(question)
        for masked in (scores, np.where(in_scope, scores, 0.0)):
            positive = np.flatnonzero(masked > 0)
            for n in (1, 5, 30, 1000):
                want = positive[np.argsort(-masked[positive], kind="stable")][:n]
                got = index.best(question, masked, n)
                assert got == [int(i) for i in want]  # same documents, equal scores in document order
    assert index.best("管道", index.score_all("管道"), 0) == []
