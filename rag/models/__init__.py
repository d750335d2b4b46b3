"""The models every stage loads from disk, offline: e5 embeddings (embedding, converted by
e5_offline), the GGUF answer model (gguf_parts, llama) and llama.cpp's HTTP server."""
