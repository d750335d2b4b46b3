"""A follow-up rewritten by the answer model itself (``RAG_FOLLOW_UP_REWRITER=model``):
the earlier questions and the last answer, then one instruction, in the question's
language. The model's line is used only if it looks like a question of sensible length;
otherwise the rewrite without a model (rag.retrieval.followups) stands."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.text.language import to_simplified
from rag.types import Turn

_ASK = {
    "zh-Hant": (
        "以下是一段對話中先前的問題與最後的回答。\n\n{context}\n\n最新的問題：{question}\n\n"
        "請把最新的問題改寫成不看對話也能懂的完整問題：把代名詞和省略的主詞換成它們所指的人、事、物。"
        "如果它本來就完整，就照原樣寫出。只輸出改寫後的一個問題，用繁體中文。"
    ),
    "en": (
        "Here are the earlier questions of a conversation and the last answer.\n\n{context}\n\nLatest question: {question}\n\n"
        "Rewrite the latest question so that it can be understood without the conversation: replace pronouns and "
        "omitted subjects with what they refer to. If it already stands alone, repeat it unchanged. "
        "Output only the one rewritten question, in English."
    ),
}
_ASK["zh-Hans"] = to_simplified(_ASK["zh-Hant"]).replace("繁体中文", "简体中文")
_LABELS = {"zh-Hant": ("問題", "回答"), "zh-Hans": ("问题", "回答"), "en": ("Question", "Answer")}
_PREFIX = re.compile(r"^\s*(?:改寫後的問題|改写后的问题|Rewritten question|Question|問題|问题)\s*[:：]\s*", re.I)
MAX_ANSWER_CHARS = 300  # of the last answer, shown for 這/this that point at it
MAX_TURNS = 4  # earlier questions shown


def rewrite_messages(question: str, history: Sequence[Turn], language: str) -> list[dict[str, str]]:
    asked, answered = _LABELS[language]
    lines = [f"{asked}：{t.content}" if language != "en" else f"{asked}: {t.content}" for t in history if t.role == "user"][-MAX_TURNS:]
    last = next((t.content for t in reversed(history) if t.role == "assistant"), "")
    if last:
        shown = last[:MAX_ANSWER_CHARS]
        lines.append(f"{answered}：{shown}" if language != "en" else f"{answered}: {shown}")
    return [{"role": "user", "content": _ASK[language].format(context="\n".join(lines), question=question)}]


def model_line(written: str, question: str) -> str | None:
    """The rewritten question from what the model wrote, or None when it is no usable question."""
    line = next((ln.strip() for ln in written.splitlines() if ln.strip()), "")
    line = _PREFIX.sub("", line).strip().strip("「」\"'“”")
    if not line or len(line) > 3 * len(question) + 80 or "[" in line:
        return None
    return line
