"""Stage 1, the corpus: which files of the folder are read, as what text, and how each
paragraph is cut into chunks (files, chunking)."""
