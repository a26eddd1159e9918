"""The paragraph around a statement, for reading it in context (pure)."""

from __future__ import annotations

from typing import Final

#: at most this many characters of context on each side of the sentence
CONTEXT_CHARS: Final = 700


def paragraph_around(text: str, start: int, end: int, max_context: int = CONTEXT_CHARS) -> tuple[str, str, str]:
    """(before, sentence, after): the sentence ``text[start:end]`` with the rest of its paragraph
    (paragraphs end at line breaks), each side cut to ``max_context`` characters at a word."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    if end < start:
        start, end = end, start
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    para_end = len(text) if para_end < 0 else para_end
    before, after = text[para_start:start], text[end:para_end]
    if len(before) > max_context:
        cut = before[-max_context:]
        before = "… " + cut[cut.find(" ") + 1:] if " " in cut else "… " + cut
    if len(after) > max_context:
        cut = after[:max_context]
        after = (cut[: cut.rfind(" ")] if " " in cut else cut) + " …"
    return before.strip(), text[start:end], after.strip()
