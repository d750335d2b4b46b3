"""Evaluation: question sets, metrics (scoring) and ``rag eval`` (runner)."""
