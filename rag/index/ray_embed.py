"""Embed chunks on a Ray cluster (``index_engine = 'ray'``) instead of in this process.

    texts ──> ray.data Dataset of (row_id, text), in blocks of SHARD_ROWS rows
          ──> map_batches on a pool of actors; each loads the Embedder once
          ──> every finished block is written as one shard:  shard-NNNNN.ids.npy
                                                              shard-NNNNN.vectors.npy
          ──> merge_shards: one float32 matrix in row order, every row exactly once

The result is the same matrix `Embedder.encode_passages` gives, so `build_index` turns it
into the same FAISS index.  Ray is an optional extra (``pip install -e '.[ray]'``), imported
only here and only when the Ray engine is chosen.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import SecretStr

from rag.errors import RagError
from rag.settings import FLAT, Settings

log = logging.getLogger("rag")

# 256 chunks per block: big enough that per-block overhead (scheduling, one shard write)
# is small next to ~10 s of embedding on one core, small enough that a few actors share
# even a corpus of a few thousand chunks evenly.
SHARD_ROWS = 256
SHARD_PREFIX = ".ray-shards-"
INSTALL_FIX = "Install the Ray extra: pip install -e '.[ray]' (or set RAG_INDEX_ENGINE=local)."


def _import_ray() -> Any:
    # Usage stats would phone home; must be off before ray is imported.
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    try:
        import ray
    except ImportError as exc:
        raise RagError("The Ray index engine needs the 'ray' package, which is not installed.", fix=INSTALL_FIX) from exc
    return ray


def start_local_cluster(num_cpus: int) -> None:
    """Start a one-machine Ray cluster whose servers listen on 127.0.0.1 only.

    Ray binds its servers to the node's IP and replaces 127.0.0.1 with the machine's
    outward address; RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 is Ray's own switch for "this is
    a single machine, use loopback". Ray reads it when imported, so it is set first and the
    result is checked: a cluster reachable from the network is shut down again.
    """
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    ray = _import_ray()
    ray.init(
        num_cpus=num_cpus,
        include_dashboard=False,  # no web dashboard: nothing to serve, one less open port
        log_to_driver=False,  # actors' model-loading chatter stays in Ray's log files
        logging_level=logging.WARNING,
    )
    node_ip = ray.util.get_node_ip_address()
    if node_ip != "127.0.0.1":
        ray.shutdown()
        raise RagError(
            f"The local Ray cluster came up on {node_ip}, not 127.0.0.1.",
            fix="Import rag.index.ray_embed before anything imports ray, or set RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0.",
        )


def _connect(settings: Settings) -> bool:
    """Connect to Ray; True when this call started a local cluster (and should stop it)."""
    if not settings.index.ray_address:
        # A local cluster may follow, and Ray reads its loopback switch only when imported.
        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    ray = _import_ray()
    if ray.is_initialized():  # a caller (a test, a notebook) already chose the cluster
        return False
    if settings.index.ray_address:
        try:
            ray.init(address=settings.index.ray_address, log_to_driver=False, logging_level=logging.WARNING)
        except Exception as exc:
            raise RagError(
                f"Cannot connect to the Ray cluster at '{settings.index.ray_address}' ({type(exc).__name__}: {exc}).",
                fix="Check RAG_RAY_ADDRESS (e.g. ray://head:10001 or 'auto'), or unset it to start a local cluster.",
            ) from exc
        return False
    start_local_cluster(num_cpus=settings.models.threads)
    return True


def _cpus_per_actor(ray: Any, workers: int) -> int:
    """An equal share of the cluster's CPUs, but no more than the largest node has (an
    actor lives on one node; asking for more would wait forever)."""
    total = int(ray.cluster_resources().get("CPU", 1))
    largest = max((int(n["Resources"].get("CPU", 0)) for n in ray.nodes() if n.get("Alive")), default=1)
    return max(1, min(total // workers, largest))


class EmbedActor:
    """One per actor: the model is loaded once, then every block it is handed is embedded.
    ``settings`` is set on a subclass by `_actor_class`."""

    settings: Settings

    def __init__(self) -> None:
        import ray

        from rag.models.embedding import get_embedder

        # Torch gets exactly the CPUs Ray reserved for this actor, so actors on one node
        # do not fight over cores; the single-question fast path is not needed for passages.
        cpus = int(ray.get_runtime_context().get_assigned_resources().get("CPU", 1))
        self.embedder = get_embedder(self.settings.changed(threads=max(1, cpus), query_engine="torch"))

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.embedder.encode_passages([str(t) for t in batch["text"]])
        return {"row_id": np.asarray(batch["row_id"], dtype=np.int64), "vector": vectors.astype(np.float32, copy=False)}


def _without_secrets(settings: Settings) -> Settings:
    """The settings the actors get: API keys and passwords have no business on the cluster."""
    return settings.changed(**{name: None for name in FLAT if isinstance(settings.value(name), SecretStr)})


def _actor_class(settings: Settings) -> type[EmbedActor]:
    # The settings travel inside the class, not as constructor arguments: Ray keeps those
    # in the object store and warns that a restarted actor might not find them there.
    return type("EmbedActor", (EmbedActor,), {"settings": settings})


def _quiet_ray_data(ray: Any) -> None:
    """Ray Data's own progress lines count blocks; ours counts chunks. Its INFO lines still go
    to Ray's session logs, only the console shows warnings and errors."""
    from ray.util.debug import log_once

    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.enable_auto_log_stats = False
    log_once("ray_data_progress_manager_disabled")  # Ray would warn once that we turned its bars off
    for handler in logging.getLogger("ray.data").handlers:
        if isinstance(handler, logging.StreamHandler):  # the console one; the session file handler is not
            handler.setLevel(logging.WARNING)


def _shard_paths(folder: Path, number: int) -> tuple[Path, Path]:
    return folder / f"shard-{number:05d}.ids.npy", folder / f"shard-{number:05d}.vectors.npy"


def write_shard(folder: Path, number: int, row_ids: np.ndarray, vectors: np.ndarray) -> None:
    """One block's result as two plain .npy files (no pickle), each written under a temporary
    name and renamed, so a shard on disk is always complete."""
    for path, array in zip(_shard_paths(folder, number), (row_ids.astype(np.int64), vectors.astype(np.float32)), strict=True):
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as f:
            np.save(f, np.ascontiguousarray(array), allow_pickle=False)
        os.replace(tmp, path)


def merge_shards(folder: Path, rows: int, dimension: int) -> np.ndarray:
    """All shards in ``folder`` as one (rows, dimension) float32 matrix in row-id order.
    Every row id in 0..rows-1 must arrive exactly once: a lost block or a block embedded
    twice means the cluster misbehaved, and an index with a hole in it would be silently wrong."""
    fix = "Run `rag index --rebuild` again; if it repeats, look at the Ray workers' logs (/tmp/ray/session_latest/logs)."
    out = np.zeros((rows, dimension), dtype=np.float32)
    seen = np.zeros(rows, dtype=np.int64)
    for ids_path in sorted(folder.glob("shard-*.ids.npy")):
        vectors_path = ids_path.with_name(ids_path.name.replace(".ids.npy", ".vectors.npy"))
        try:
            ids = np.load(ids_path, allow_pickle=False)
            vectors = np.load(vectors_path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise RagError(f"Embedding shard {ids_path.name} is unreadable or half missing ({exc}).", fix=fix) from exc
        if ids.ndim != 1 or vectors.shape != (len(ids), dimension):
            raise RagError(f"Embedding shard {ids_path.name} has {len(ids)} ids but vectors of shape {vectors.shape}.", fix=fix)
        if len(ids) and (ids.min() < 0 or ids.max() >= rows):
            raise RagError(f"Embedding shard {ids_path.name} has row ids outside 0..{rows - 1}.", fix=fix)
        out[ids] = vectors
        np.add.at(seen, ids, 1)
    missing, repeated = np.flatnonzero(seen == 0), np.flatnonzero(seen > 1)
    if len(missing):
        raise RagError(f"{len(missing)} of {rows} chunks came back from Ray without a vector (rows {missing[:5].tolist()}…).", fix=fix)
    if len(repeated):
        raise RagError(f"{len(repeated)} chunks came back from Ray more than once (rows {repeated[:5].tolist()}…).", fix=fix)
    return out


def embed_on_ray(texts: list[str], settings: Settings, dimension: int, progress: bool = False, shard_dir: Path | None = None) -> np.ndarray:
    """Embed ``texts`` with passage prompts on Ray; row i of the result is texts[i]."""
    if not texts:
        return np.zeros((0, dimension), np.float32)
    started_here = _connect(settings)
    ray = _import_ray()
    folder: Path | None = None
    try:
        # Shards live beside the builds, on the same disk; build_index holds the build lock,
        # so any shard folder already there was left by a crashed build.
        parent = shard_dir or settings.index.index_dir
        parent.mkdir(parents=True, exist_ok=True)
        if shard_dir is None:
            remove_stale_shards(parent)
        folder = Path(tempfile.mkdtemp(prefix=SHARD_PREFIX, dir=parent))
        workers = min(settings.index.ray_workers, len(texts))  # no idle actors for a handful of chunks
        cpus = _cpus_per_actor(ray, workers)
        _quiet_ray_data(ray)
        rows = [{"row_id": i, "text": t} for i, t in enumerate(texts)]
        # At least one block per actor, so a small corpus still keeps every actor busy.
        blocks = min(len(texts), max(math.ceil(len(texts) / SHARD_ROWS), workers))
        dataset = ray.data.from_items(rows, override_num_blocks=blocks)
        embedded = dataset.map_batches(
            _actor_class(_without_secrets(settings)),
            batch_size=None,  # a whole block per call: one block in, one shard out
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=workers),
            num_cpus=cpus,
        )
        log.info("Embedding %d chunks on Ray: %d actors x %d CPUs, %d blocks", len(texts), workers, cpus, blocks)
        _write_shards(embedded, folder, len(texts), progress)
        return merge_shards(folder, len(texts), dimension)
    except RagError:
        raise
    except Exception as exc:  # Ray wraps worker failures in its own exception types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise RagError(
            f"Embedding on Ray failed ({type(exc).__name__}: {first}).",
            fix="Check that rag-cjk and its model are installed on every Ray node, or set RAG_INDEX_ENGINE=local.",
        ) from exc
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        if started_here:
            ray.shutdown()


def _write_shards(embedded: Any, folder: Path, total: int, progress: bool) -> None:
    from tqdm import tqdm

    t0, done = time.perf_counter(), 0
    with tqdm(total=total, desc="Embedding on Ray", unit="chunk", disable=not progress) as bar:
        # batch_size=None hands over whole blocks as they finish, in any order.
        for number, block in enumerate(embedded.iter_batches(batch_size=None, batch_format="numpy")):
            vectors = block["vector"]
            if vectors.dtype == object:  # a column of row arrays rather than one 2-D tensor
                vectors = np.stack(list(vectors))
            write_shard(folder, number, block["row_id"], vectors)
            done += len(block["row_id"])
            bar.update(len(block["row_id"]))
            log.info("Ray shard %d: %d/%d chunks embedded (%.0f s)", number, done, total, time.perf_counter() - t0)


def ray_encoder(settings: Settings, dimension: int) -> Callable[..., np.ndarray]:
    """The Ray path in the shape of `Embedder.encode_passages`, for `build_index`."""

    def encode(texts: list[str], progress: bool = False) -> np.ndarray:
        return embed_on_ray(texts, settings, dimension, progress)

    return encode


def remove_stale_shards(index_dir: Path) -> None:
    """Shard folders left by a build that crashed (callers hold the build lock)."""
    for path in index_dir.glob(f"{SHARD_PREFIX}*"):
        shutil.rmtree(path, ignore_errors=True)
