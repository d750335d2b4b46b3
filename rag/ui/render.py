"""HTML for the web page: conversation turns with clickable citation markers, and
source cards with the supporting sentence marked. Pure functions of the ``Answer``,
so they are tested without a browser. Every corpus or model string is escaped."""

from __future__ import annotations

import html

from rag.text.markers import WRITTEN, marker_keys
from rag.types import Answer, Passage

# Words on the page that follow the language of the question being answered.
WORDS = {
    "zh-Hant": {
        "sources": "資料來源",
        "earlier": "第 {n} 題的資料來源",
        "score": "分數",
        "chars": "字元",
        "document": "文件",
        "page": "第 {n} 頁",
        "ocr": "以 OCR 從頁面影像辨識的文字，請對照原頁",
        "picture": "引用所在的頁面，引文已標示",
        "unsupported": "沒有資料支持這句話",
        "draft": "模型寫了以下內容，但沒有資料支持，所以不採用：",
        "withheld": "模型寫了以下內容，但沒有通過檢查，所以不採用：",
        "strays": "模型寫了以下與問題無關的內容，所以不採用：",
        "error": "答案模型出錯，以下只列出檢索到的資料。",
        "working": "正在回答…",
        "none": "還沒有問題。",
        "standalone": "↳ 依對話改寫為：",
        "instant": "模型撰寫中，先看資料原文：",
    },
    "zh-Hans": {
        "sources": "资料来源",
        "earlier": "第 {n} 题的资料来源",
        "score": "分数",
        "chars": "字符",
        "document": "文件",
        "page": "第 {n} 页",
        "ocr": "以 OCR 从页面图像识别的文字，请对照原页",
        "picture": "引用所在的页面，引文已标示",
        "unsupported": "没有资料支持这句话",
        "draft": "模型写了以下内容，但没有资料支持，所以不采用：",
        "withheld": "模型写了以下内容，但没有通过检查，所以不采用：",
        "strays": "模型写了以下与问题无关的内容，所以不采用：",
        "error": "答案模型出错，以下只列出检索到的资料。",
        "working": "正在回答…",
        "none": "还没有问题。",
        "standalone": "↳ 依对话改写为：",
        "instant": "模型撰写中，先看资料原文：",
    },
    "en": {
        "sources": "Sources",
        "earlier": "Sources of question {n}",
        "score": "score",
        "chars": "characters",
        "document": "document",
        "page": "page {n}",
        "ocr": "text recognised from the page image by OCR: check it against the page",
        "picture": "The cited page, with the quote highlighted",
        "unsupported": "No source supports this sentence",
        "draft": "The model wrote this, but no source supports it, so it is not used:",
        "withheld": "The model wrote this, but it did not pass the checks, so it is not used:",
        "strays": "The model wrote this, which strays from the question, so it is not used:",
        "error": "The answer model failed; here is what retrieval found.",
        "working": "Answering…",
        "none": "No questions yet.",
        "standalone": "↳ Answered as:",
        "instant": "While the model writes, the sources say:",
    },
}
CHANNELS = {("dense", "lexical"): "lexical + dense", ("dense",): "dense", ("lexical",): "lexical"}


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def cite_button(turn: int, key: int, passages: dict[int, Passage]) -> str:
    p = passages.get(key)
    title = f' title="{esc(p.paragraph_id)}"' if p else ""
    return f'<button class="cite" data-turn="{turn}" data-key="{key}"{title}>[{key}]</button>'


def answer_html(turn: int, answer: Answer, language: str) -> str:
    """The answer with each [n] as a button; unsupported sentences visibly marked."""
    words = WORDS[language]
    by_rank = {p.rank: p for p in answer.passages}
    if answer.error:
        return f'<div class="error">⚠️ {esc(words["error"])}<br><small>{esc(answer.error)}</small></div>'
    if answer.sentences and not answer.abstained and not answer.quoted_instead:
        parts = []
        for s in answer.sentences:
            if not s.about_question:
                continue
            body = esc(s.text)
            if s.supported is False:
                reason = esc(f"{words['unsupported']}: {s.why}" if s.reason else words["unsupported"])
                body = f'<span class="unsupported" title="{reason}">{body}</span>'
            parts.append(body + "".join(cite_button(turn, k, by_rank) for k in s.keys))
        joiner = " " if language == "en" else ""
        body = _list_html(parts) if "\n- " in f"\n{answer.text}" and len(parts) > 1 else joiner.join(parts)
        return f'<div class="answer-text">{body}</div>' + _strays_html(answer, language)
    # Extractive answers and refusals: the text carries the builder's own [n] markers, and
    # only a key the answer cites becomes a button (source text is defused: rag.text.markers).
    body = _with_lists(_linked(turn, answer, by_rank))
    cls = "answer-text abstained" if answer.abstained else "answer-text"
    out = f'<div class="{cls}">{body}</div>'
    # A quote given instead (rag.citations.clear_match; its text says so): all the model wrote.
    dropped = answer.sentences if answer.quoted_instead else [s for s in answer.sentences if s.supported is False]
    if (answer.abstained or answer.quoted_instead) and dropped:
        items = "".join(f'<li class="unsupported" title="{esc(s.why)}">{esc(s.text)}</li>' for s in dropped)
        summary = words["withheld" if answer.quoted_instead else "draft"]
        out += f'<details class="draft"><summary>{esc(summary)}</summary><ul>{items}</ul></details>'
    return out + _strays_html(answer, language)


def _linked(turn: int, answer: Answer, by_rank: dict[int, Passage]) -> str:
    cited = {c.key for c in answer.citations}
    parts, cursor = [], 0
    for m in WRITTEN.finditer(answer.text):
        keys = marker_keys(m.group(1))
        if not set(keys) <= cited:
            continue
        parts.append(esc(answer.text[cursor : m.start()]))
        parts.append("".join(cite_button(turn, k, by_rank) for k in keys))
        cursor = m.end()
    parts.append(esc(answer.text[cursor:]))
    return "".join(parts)


def _list_html(items: list[str]) -> str:
    return '<ul class="answer-list">' + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def _with_lists(body: str) -> str:
    """An answer's lines that begin with '- ' (a list answer: rag.answer.open_extractive) as a
    list, one cited item a line; other lines stay as they are."""
    if "\n- " not in f"\n{body}":
        return body
    out: list[str] = []
    items: list[str] = []
    for line in body.split("\n"):
        if line.startswith("- "):
            items.append(line[2:])
            continue
        if items:
            out.append(_list_html(items))
            items = []
        if line.strip():
            out.append(f"<div>{line}</div>")
    if items:
        out.append(_list_html(items))
    return "".join(out)


def _strays_html(answer: Answer, language: str) -> str:
    """Sentences left out of the answer, folded under it: those a source backs but that stray
    from the question, and (an open answer keeps the rest) those no source backs."""
    out = ""
    for label, left_out in (
        ("strays", [s for s in answer.sentences if not s.about_question and s.supported]),
        ("draft", [] if answer.abstained else [s for s in answer.sentences if not s.about_question and not s.supported]),
    ):
        if left_out:
            items = "".join(f'<li class="stray" title="{esc(s.why)}">{esc(s.text)}</li>' for s in left_out)
            out += f'<details class="draft"><summary>{esc(WORDS[language][label])}</summary><ul>{items}</ul></details>'
    return out


def turn_html(turn: int, question: str, language: str, body: str, standalone: str = "") -> str:
    """A question and its answer; a follow-up shows the standalone question it was answered as."""
    rewrite = f'<div class="standalone">{esc(WORDS[language]["standalone"])} {esc(standalone)}</div>' if standalone else ""
    return (
        f'<div class="turn" id="turn-{turn}" lang="{language}">'
        f'<div class="question">{esc(question)}</div>{rewrite}<div class="answer" id="answer-{turn}">{body}</div></div>'
    )


def quote_html(answer: Answer, language: str) -> str:
    """The extractive quote shown while a model writes (rag.answer.backends.Draft), as plain
    quoted text: its markers are not links, the sources panel comes with the final answer."""
    return (
        f'<div class="instant"><div class="instant-label">{esc(WORDS[language]["instant"])}</div>'
        f"<blockquote>{esc(answer.text)}</blockquote></div>"
    )


def streaming_html(text: str, language: str) -> str:
    shown = esc(text) if text else esc(WORDS[language]["working"])
    return f'<div class="answer-text streaming">{shown}<span class="cursor">▍</span></div>'


def _marked_paragraph(passage: Passage, answer: Answer) -> str:
    """The paragraph with the spans its citations quote wrapped in <mark>."""
    spans = sorted({(c.start - passage.start, c.end - passage.start) for c in answer.citations if c.key == passage.rank})
    text, cursor, out = passage.text, 0, []
    for a, b in spans:
        if a < cursor or b > len(text):
            continue  # overlapping or out of range: never mark the wrong characters
        out.append(esc(text[cursor:a]))
        out.append(f'<mark class="support">{esc(text[a:b])}</mark>')
        cursor = b
    out.append(esc(text[cursor:]))
    return "".join(out)


def _channel_scores(p: Passage) -> str:
    """The fused score is relative; the channels' own scores say how close the match is."""
    parts = []
    if p.dense_score is not None:
        parts.append(f"cosine {p.dense_score:.2f}")
    if p.lexical_score is not None:
        parts.append(f"BM25 {p.lexical_score:.1f}")
    return f" ({', '.join(parts)})" if parts else ""


def _page_meta(p: Passage, words: dict[str, str]) -> str:
    page = f'<span class="page">{esc(words["page"].format(n=p.page))}</span> · ' if p.page is not None else ""
    ocr = f'<span class="ocr" title="{esc(words["ocr"])}">OCR</span> · ' if p.ocr else ""
    return page + ocr


def _picture(p: Passage, pictures: dict[int, str], words: dict[str, str]) -> str:
    url = pictures.get(p.rank)
    if not url:
        return ""
    return f'<figure class="page-picture"><img src="{esc(url)}" alt="{esc(words["picture"])}" loading="lazy"></figure>'


def source_cards(turn: int, answer: Answer, language: str, pictures: dict[int, str] | None = None) -> str:
    """A card per passage; ``pictures`` (rank -> image URL) shows the cited PDF page."""
    words = WORDS[language]
    pictures = pictures or {}
    cited = {c.key for c in answer.citations}
    cards = []
    for p in answer.passages:
        channel = CHANNELS.get(tuple(sorted(p.found_by)), "")
        badge = f'<span class="channel {"both" if "+" in channel else channel}">{esc(channel)}</span>' if channel else ""
        heading = f'<div class="heading">{esc(p.heading)}</div>' if p.heading else ""
        cls = "source cited" if p.rank in cited else "source"
        cards.append(
            f'<details class="{cls}" id="src-{turn}-{p.rank}" data-key="{p.rank}"{" open" if p.rank in cited else ""}>'
            f'<summary><b class="key">[{p.rank}]</b> <code class="pid">{esc(p.paragraph_id)}</code> '
            f'<span class="score">{esc(words["score"])} {p.score:.3f}{_channel_scores(p)}</span> {badge}</summary>'
            f"{heading}<p>{_marked_paragraph(p, answer)}</p>"
            f'<div class="meta"><span class="doc">{esc(words["document"])} {esc(p.doc_id)}</span> · '
            f"{_page_meta(p, words)}{esc(words['chars'])} {p.start}–{p.end}</div>{_picture(p, pictures, words)}</details>"
        )
    return "".join(cards)


def sources_panel(turns: list[dict]) -> str:
    """Sources of the newest turn open; earlier turns' folded below, so old markers still work."""
    if not turns:
        return f'<div class="sources empty">{esc(WORDS["en"]["none"])}</div>'
    blocks = []
    for i, t in enumerate(reversed(turns)):
        words = WORDS[t["language"]]
        if i == 0:
            blocks.append(f'<div class="turn-sources" data-turn="{t["n"]}"><h3>{esc(words["sources"])}</h3>{t["cards"]}</div>')
        else:
            title = esc(words["earlier"].format(n=t["n"]))
            blocks.append(f'<details class="turn-sources" data-turn="{t["n"]}"><summary>{title}</summary>{t["cards"]}</details>')
    return f'<div class="sources">{"".join(blocks)}</div>'


def conversation(turns: list[dict], pending: str = "") -> str:
    return '<div class="conversation">' + "".join(t["html"] for t in turns) + pending + "</div>"


# Clicking a marker opens its source card (and the folded group it is in), marks it
# active and scrolls to it. One delegated listener survives every re-render.
CLICK_JS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('button.cite');
  if (!button) return;
  const card = document.getElementById(`src-${button.dataset.turn}-${button.dataset.key}`);
  if (!card) return;
  const group = card.closest('details.turn-sources');
  if (group) group.open = true;
  document.querySelectorAll('details.source.active').forEach((d) => d.classList.remove('active'));
  card.open = true;
  card.classList.add('active');
  card.scrollIntoView({behavior: 'smooth', block: 'center'});
});
"""

CSS = """
.conversation .turn { margin: 0 0 1.2em; }
.conversation .question { font-weight: 600; background: var(--background-fill-secondary); padding: .5em .8em; border-radius: 8px; }
.conversation .instant blockquote { margin: .3em 0; padding: .3em .8em; border-left: 3px solid #93c5fd; }
.conversation .instant-label { font-size: .85em; color: var(--body-text-color-subdued); }
.conversation .standalone { font-size: .85em; color: var(--body-text-color-subdued); padding: .2em .8em 0; }
.conversation .answer { padding: .6em .8em; line-height: 1.7; }
.conversation .answer-list { margin: .3em 0; padding-left: 1.3em; }
.conversation .answer-list li { margin: .15em 0; overflow-wrap: anywhere; }
.conversation .abstained { color: var(--body-text-color-subdued); font-style: italic; }
.conversation .unsupported { text-decoration: underline wavy #d33; text-underline-offset: 3px; }
.conversation .error { color: #b42318; }
button.cite { border: none; background: none; color: var(--link-text-color, #2563eb); cursor: pointer; padding: 0 1px; font: inherit; }
button.cite:hover { text-decoration: underline; }
.sources details.source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .4em .7em; margin: .4em 0; }
.sources details.source.cited { border-left: 4px solid #2563eb; }
.sources details.source.active { box-shadow: 0 0 0 3px #93c5fd; }
.sources mark.support { background: #fde68a; padding: 0 1px; }
.sources .channel { font-size: .8em; padding: 0 .4em; border-radius: 4px; background: #e5e7eb; color: #111827; }
.sources .channel.both { background: #bbf7d0; }
.sources .meta, .sources .score { font-size: .85em; color: var(--body-text-color-subdued); }
.sources code.pid { word-break: break-all; }
.sources .ocr { background: #fef3c7; color: #92400e; padding: 0 .3em; border-radius: 4px; }
.sources figure.page-picture { margin: .5em 0 0; }
.sources figure.page-picture img { max-width: 100%; height: auto; border: 1px solid var(--border-color-primary); }
.streaming .cursor { animation: blink 1s step-start infinite; }
@keyframes blink { 50% { opacity: 0; } }
@media (max-width: 640px) { .sources details.source { padding: .3em .4em; } .conversation .answer { padding: .4em .2em; } }
"""
