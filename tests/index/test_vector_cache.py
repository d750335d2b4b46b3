"""The vectors a stopped build kept: read back exactly, a part cut off mid-write ignored,
another model's vectors never mixed in."""

from __future__ import annotations

import numpy as np
import pytest

from rag.index.vector_cache import VectorCache


def vectors(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, 4)).astype(np.float32)


def test_parts_are_read_back_by_key(tmp_path):
    cache = VectorCache(tmp_path, "e5", "passage: ", 4)
    first, second = vectors(3, 1), vectors(2, 2)
    cache.add(["a", "b", "c"], first)
    cache.add(["d", "e"], second)
    found = VectorCache(tmp_path, "e5", "passage: ", 4).load()  # a new process sees the same
    assert sorted(found) == ["a", "b", "c", "d", "e"]
    np.testing.assert_array_equal(found["b"], first[1])
    np.testing.assert_array_equal(found["e"], second[1])


def test_a_part_cut_off_mid_write_is_ignored(tmp_path):
    cache = VectorCache(tmp_path, "e5", "passage: ", 4)
    cache.add(["a"], vectors(1))
    (cache.folder / "part-torn.keys").write_text("x\ny\n")  # the process died before its vectors were renamed in
    (cache.folder / "part-short.keys").write_text("p\nq\n")
    np.save(cache.folder / "part-short.npy", vectors(1))  # rows do not match the keys
    (cache.folder / "part-junk.keys").write_text("z\n")
    (cache.folder / "part-junk.npy").write_bytes(b"not numpy")
    assert list(cache.load()) == ["a"]


def test_other_models_and_prompts_have_their_own_vectors(tmp_path):
    VectorCache(tmp_path, "e5", "passage: ", 4).add(["a"], vectors(1))
    assert VectorCache(tmp_path, "other", "passage: ", 4).load() == {}
    assert VectorCache(tmp_path, "e5", "", 4).load() == {}


def test_clear_forgets_everything(tmp_path):
    cache = VectorCache(tmp_path, "e5", "passage: ", 4)
    cache.add(["a"], vectors(1))
    cache.clear()
    assert cache.load() == {}


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError):
        VectorCache(tmp_path, "e5", "passage: ", 0)
    with pytest.raises(ValueError):
        VectorCache(tmp_path, "e5", "passage: ", 4).add(["a", "b"], vectors(1))


def test_an_unwritable_folder_costs_only_time(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = VectorCache(blocker, "e5", "passage: ", 4)  # its folder would be inside a file
    cache.add(["a"], vectors(1))
    assert cache.load() == {}
