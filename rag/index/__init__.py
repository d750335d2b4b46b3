"""Stage 2, the index: chunks embedded and stored as a folder of plain files beside a BM25
index (build, store, vectors, lexical; ray_embed embeds on a Ray cluster)."""
