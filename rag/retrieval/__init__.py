"""Stage 3, retrieval: a question's passages from the dense and lexical channels, fused
(retriever, fusion)."""
