"""Start the web page: ``python ui.py`` (same as ``rag serve``)."""

from rag.ui.cli import app

if __name__ == "__main__":
    app(["serve"])
