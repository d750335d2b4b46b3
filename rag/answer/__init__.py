"""Stage 4, the answer: backends behind the ``rag.backends`` entry points (backends) write
an answer from the passages: extractive quotes them, generative ones (local, openai,
replay) prompt a model (prompts) and have its citations checked (rag.citations)."""
