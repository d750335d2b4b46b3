"""The ways in: the ``rag`` command (cli, terminal), the web page and its API (web, render,
guard)."""
