"""The Ray index engine: the same index as the single-process path, built by actors on a
local Ray cluster (127.0.0.1 only), and shard merging that refuses a hole."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.errors import RagError

# Before anything imports ray: rag.index.ray_embed sets Ray's loopback switch first.
from rag.index import ray_embed
from rag.index.store import current_build, load_build
from rag.pipeline import RAG
from rag.settings import Settings
from tests.conftest import KEY_QUESTION, SEED_DOC, SEEDS, make_settings

EXTRA_MD = """# 蒙古國概況

蒙古國的首都是烏蘭巴托，人口約一百七十萬，是全國政治、經濟與文化的中心。

蒙古國位於亞洲內陸，北鄰俄羅斯，南接中國，國土面積約一百五十六萬平方公里，是世界上人口密度最低的主權國家之一。
"""
# One long paragraph, so the chunker splits it and chunk order inside a paragraph matters.
EXTRA_TXT = "".join(
    f"第{i}項：戈壁沙漠的年降雨量不足二百毫米，冬季氣溫可低至零下四十度，牧民隨季節遷徙以照顧羊群與駱駝。" for i in range(1, 13)
)
QUESTIONS = [
    (KEY_QUESTION, f"{SEED_DOC}#p8"),
    ("蒙古国每年能获得多少能源过境费？", None),
    ("What is Mongolia's Third Neighbor Policy?", None),
    ("蒙古國的首都是哪裡？", "extra.md#p1"),
    ("戈壁沙漠冬季最低氣溫是多少？", "gobi.txt#p1"),
]


# -- merging shards (no Ray, no model) ----------------------------------------------------


def _shards(folder: Path, rows: int, dim: int, per_shard: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    full = rng.standard_normal((rows, dim)).astype(np.float32)
    order = rng.permutation(rows)  # blocks arrive in any order, rows inside them too
    for number, start in enumerate(range(0, rows, per_shard)):
        ids = order[start : start + per_shard]
        ray_embed.write_shard(folder, number, ids, full[ids])
    return full


def test_merge_puts_every_row_in_its_place(tmp_path):
    full = _shards(tmp_path, rows=50, dim=8, per_shard=7)
    merged = ray_embed.merge_shards(tmp_path, 50, 8)
    assert merged.dtype == np.float32
    np.testing.assert_array_equal(merged, full)
    # Plain .npy files, loadable without pickle.
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".npy"] * 16
    for path in tmp_path.iterdir():
        np.load(path, allow_pickle=False)


def test_merge_detects_a_missing_shard(tmp_path):
    _shards(tmp_path, rows=50, dim=8, per_shard=7)
    for path in tmp_path.glob("shard-00003.*"):
        path.unlink()
    with pytest.raises(RagError) as info:
        ray_embed.merge_shards(tmp_path, 50, 8)
    assert "7 of 50 chunks came back from Ray without a vector" in info.value.message
    assert "rag index --rebuild" in info.value.fix


def test_merge_detects_a_missing_row_and_a_half_shard(tmp_path):
    full = np.ones((10, 4), np.float32)
    ray_embed.write_shard(tmp_path, 0, np.arange(9), full[:9])  # row 9 never arrives
    with pytest.raises(RagError, match=r"1 of 10 chunks .* \(rows \[9\]"):
        ray_embed.merge_shards(tmp_path, 10, 4)
    ray_embed.write_shard(tmp_path, 1, np.array([9]), full[9:])
    assert ray_embed.merge_shards(tmp_path, 10, 4).shape == (10, 4)
    (tmp_path / "shard-00001.vectors.npy").unlink()
    with pytest.raises(RagError, match="unreadable or half missing"):
        ray_embed.merge_shards(tmp_path, 10, 4)


def test_merge_detects_a_row_embedded_twice(tmp_path):
    vectors = np.ones((3, 4), np.float32)
    ray_embed.write_shard(tmp_path, 0, np.array([0, 1, 2]), vectors)
    ray_embed.write_shard(tmp_path, 1, np.array([2]), vectors[:1])
    with pytest.raises(RagError, match="more than once"):
        ray_embed.merge_shards(tmp_path, 3, 4)


def test_merge_rejects_wrong_shapes_and_ids(tmp_path):
    ray_embed.write_shard(tmp_path, 0, np.array([0, 1]), np.ones((2, 5), np.float32))
    with pytest.raises(RagError, match="vectors of shape"):
        ray_embed.merge_shards(tmp_path, 2, 4)
    shutil.rmtree(tmp_path)
    tmp_path.mkdir()
    ray_embed.write_shard(tmp_path, 0, np.array([0, 7]), np.ones((2, 4), np.float32))
    with pytest.raises(RagError, match="outside"):
        ray_embed.merge_shards(tmp_path, 2, 4)


def test_engine_setting_is_checked():
    assert Settings().index.index_engine == "local"
    assert Settings(index_engine="ray").index.ray_address is None
    with pytest.raises(ValueError, match="'local' or 'ray'"):
        Settings(index_engine="spark")


# -- on a local Ray cluster (real model) --------------------------------------------------


@pytest.fixture(scope="module")
def ray_cluster():
    ray_embed.start_local_cluster(num_cpus=2)
    import ray

    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ray-corpus") / "corpus"
    shutil.copytree(SEEDS, folder)
    (folder / "extra.md").write_text(EXTRA_MD, encoding="utf-8")
    (folder / "gobi.txt").write_text(EXTRA_TXT + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def builds(ray_cluster, corpus, tmp_path_factory):
    local = RAG(make_settings(tmp_path_factory.mktemp("local"), corpus))
    local_report = local.build()
    on_ray = RAG(make_settings(tmp_path_factory.mktemp("ray"), corpus, index_engine="ray", ray_workers=2))
    ray_report = on_ray.build()
    return local, on_ray, local_report, ray_report


def _stored(rag: RAG):
    folder = current_build(rag.settings.index.index_dir)
    assert folder is not None
    return load_build(folder)


@pytest.mark.slow
def test_local_cluster_listens_on_loopback_only(ray_cluster):
    pids = _descendants(os.getpid())
    addresses = _listening_addresses(pids)
    assert len(addresses) >= 3, addresses  # gcs, raylet, this driver's core worker at least
    assert all(a in ("127.0.0.1", "::ffff:127.0.0.1", "::1") for a in addresses), addresses
    assert ray_cluster.util.get_node_ip_address() == "127.0.0.1"


@pytest.mark.slow
def test_ray_index_has_the_same_chunks_and_vectors(builds):
    local, on_ray, local_report, ray_report = builds
    a, b = _stored(local), _stored(on_ray)
    assert ray_report.chunks == local_report.chunks == len(a.chunks) > 15
    assert [c.model_dump() for c in b.chunks] == [c.model_dump() for c in a.chunks]
    assert sum(c.paragraph_id == "gobi.txt#p1" for c in a.chunks) >= 3  # the long paragraph was split
    va = a.vectors.reconstruct_n(0, a.vectors.ntotal)
    vb = b.vectors.reconstruct_n(0, b.vectors.ntotal)
    assert va.shape == vb.shape
    cosine = (va * vb).sum(axis=1) / (np.linalg.norm(va, axis=1) * np.linalg.norm(vb, axis=1))
    assert cosine.min() >= 0.9999, (cosine.argmin(), cosine.min())
    for key in ("embedding_model", "passage_prompt", "chunker", "corpus_hash", "dimension", "counts"):
        assert b.manifest[key] == a.manifest[key]
    # The shard folder is gone once merged.
    assert not list(on_ray.settings.index.index_dir.glob(f"{ray_embed.SHARD_PREFIX}*"))


@pytest.mark.slow
@pytest.mark.parametrize(("question", "expected"), QUESTIONS)
def test_ray_index_retrieves_the_same_paragraphs(builds, question, expected):
    local, on_ray, *_ = builds
    for mode in ("dense", "hybrid"):
        top_local = [p.paragraph_id for p in local.retrieve(question, 3, mode=mode)]
        top_ray = [p.paragraph_id for p in on_ray.retrieve(question, 3, mode=mode)]
        assert top_ray[0] == top_local[0], (mode, top_local, top_ray)
        if expected:
            assert top_ray[0] == expected, (mode, top_ray)


@pytest.mark.slow
def test_ray_rebuild_embeds_only_new_chunks(builds, corpus, tmp_path_factory):
    _, on_ray, _, first = builds
    index_dir = tmp_path_factory.mktemp("ray-rebuild") / "index"
    shutil.copytree(on_ray.settings.index.index_dir, index_dir)
    grown = tmp_path_factory.mktemp("ray-grown") / "corpus"
    shutil.copytree(corpus, grown)
    (grown / "new.md").write_text("烏蘭巴托的那達慕大會每年七月舉行，有摔跤、賽馬與射箭三項比賽。\n", encoding="utf-8")
    settings = Settings(corpus_dir=grown, index_dir=index_dir, index_engine="ray", ray_workers=2)
    rag = RAG(settings)
    report = rag.build()
    assert report.chunks == first.chunks + 1
    assert report.reused_chunks == first.chunks  # only the new chunk went to Ray
    assert rag.retrieve("那達慕大會在幾月舉行？", 1)[0].paragraph_id == "new.md#p1"


@pytest.mark.slow
def test_cli_index_engine_ray_starts_and_stops_its_own_cluster(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "extra.md").write_text(EXTRA_MD, encoding="utf-8")
    env = {**os.environ, "RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(tmp_path / "index"), "RAG_THREADS": "2"}
    # This session's own cluster set Ray's loopback switch; the command must set it itself
    # (else its cluster comes up on the outward address and the build stops with an error).
    env.pop("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", None)
    out = subprocess.run(
        [sys.executable, "-m", "rag.ui.cli", "index", "--engine", "ray"], env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr
    assert "Building index on Ray" in out.stderr
    assert "Built 1 documents, 2 paragraphs, 2 chunks" in out.stdout
    stored = load_build(current_build(tmp_path / "index"))  # type: ignore[arg-type]
    assert stored.vectors.ntotal == len(stored.chunks) > 0


# -- helpers: which sockets do Ray's processes listen on? ----------------------------------


def _descendants(root: int) -> set[int]:
    """``root`` and every process under it: a local cluster's gcs_server, raylet, agents and
    workers all descend from the driver that started it (and no one else's Ray does)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        found.add(pid)
        todo.extend(children.get(pid, []))
    return found


def _listening_addresses(pids: set[int]) -> list[str]:
    inodes = set()
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A = LISTEN
                found.append(_decode_address(fields[1].split(":")[0], width))
    return found


def _decode_address(hex_address: str, width: int) -> str:
    raw = bytes.fromhex(hex_address)
    if width == 8:
        return ".".join(str(b) for b in raw[::-1])
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))  # four little-endian words
    import ipaddress

    address = ipaddress.IPv6Address(words)
    return f"::ffff:{address.ipv4_mapped}" if address.ipv4_mapped else str(address)
