"""Read a markdown runbook into sections and blocks with markdown-it-py.

The result is a small tree that the recogniser walks: a :class:`Section` per
heading (with its level, its title as written and its line), holding the
blocks that follow it before the next heading: list items (nested, with the
text of each item as written, inline code included), paragraphs, tables
(a header and rows of cells) and fenced code.  Lines are 1-based lines of the
markdown file.  Nothing here interprets the content.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Item:
    """A list item: its first paragraph, any later paragraphs, and its sub-items."""

    text: str
    line: int
    ordered: bool = False
    children: list[Item] = field(default_factory=list)
    extra: list[tuple[str, int]] = field(default_factory=list)
    fences: list[Fence] = field(default_factory=list)


@dataclass
class Para:
    text: str
    line: int


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[list[str], int]]
    line: int


@dataclass
class Fence:
    info: str
    content: str
    line: int


Block = Item | Para | Table | Fence


@dataclass
class Section:
    level: int
    title: str
    line: int
    blocks: list[Block] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)
    parent: Section | None = field(default=None, repr=False)

    def walk(self) -> Iterator[Section]:
        yield self
        for s in self.subsections:
            yield from s.walk()


def _flat(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def code_spans(text: str) -> list[str]:
    """The inline code spans of one inline markdown text."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    out: list[str] = []
    for tok in md.parseInline(text):
        for child in tok.children or []:
            if child.type == "code_inline":
                out.append(child.content)
    return out


def all_code_spans(text: str) -> list[str]:
    """Every inline code span of a whole markdown document (tables included)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    out: list[str] = []
    for tok in md.parse(text):
        if tok.type == "inline":
            for child in tok.children or []:
                if child.type == "code_inline":
                    out.append(child.content)
    return out


def parse_markdown(text: str) -> Section:
    """The document as a root section (level 0) holding the heading tree."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(text)
    root = Section(level=0, title="", line=1)
    current = root
    # stack of open list containers: each entry is the list of items being filled
    item_stack: list[Item] = []
    list_ordered: list[bool] = []
    i = 0
    n = len(tokens)

    def add_block(block: Block) -> None:
        current.blocks.append(block)

    while i < n:
        tok = tokens[i]
        t = tok.type
        line = (tok.map[0] + 1) if tok.map else 0
        if t == "heading_open":
            level = int(tok.tag[1])
            title = _flat(tokens[i + 1].content)
            sec = Section(level=level, title=title, line=line)
            parent = current
            while parent.level >= level and parent.parent is not None:
                parent = parent.parent
            if parent.level >= level:
                parent = root
            sec.parent = parent
            parent.subsections.append(sec)
            current = sec
            i += 3
            continue
        if t in ("bullet_list_open", "ordered_list_open"):
            list_ordered.append(t == "ordered_list_open")
            i += 1
            continue
        if t in ("bullet_list_close", "ordered_list_close"):
            list_ordered.pop()
            i += 1
            continue
        if t == "list_item_open":
            item = Item(text="", line=line, ordered=list_ordered[-1] if list_ordered else False)
            if item_stack:
                item_stack[-1].children.append(item)
            else:
                add_block(item)
            item_stack.append(item)
            i += 1
            continue
        if t == "list_item_close":
            item_stack.pop()
            i += 1
            continue
        if t == "paragraph_open":
            inline = tokens[i + 1]
            ptext = _flat(inline.content)
            if item_stack:
                it = item_stack[-1]
                if not it.text and not it.children:
                    it.text = ptext
                else:
                    it.extra.append((ptext, line))
            else:
                add_block(Para(text=ptext, line=line))
            i += 3
            continue
        if t in ("fence", "code_block"):
            fence = Fence(info=(tok.info or "").strip(), content=tok.content, line=line)
            if item_stack:
                item_stack[-1].fences.append(fence)
            else:
                add_block(fence)
            i += 1
            continue
        if t == "table_open":
            header: list[str] = []
            rows: list[tuple[list[str], int]] = []
            row: list[str] = []
            row_line = line
            j = i + 1
            in_head = False
            while j < n and tokens[j].type != "table_close":
                tj = tokens[j]
                if tj.type == "thead_open":
                    in_head = True
                elif tj.type == "thead_close":
                    in_head = False
                elif tj.type == "tr_open":
                    row = []
                    row_line = (tj.map[0] + 1) if tj.map else row_line
                elif tj.type == "inline":
                    row.append(_flat(tj.content))
                elif tj.type == "tr_close":
                    if in_head:
                        header = row
                    else:
                        rows.append((row, row_line))
                j += 1
            add_block(Table(header=header, rows=rows, line=line))
            i = j + 1
            continue
        if t == "html_block":
            add_block(Para(text=_flat(tok.content), line=line))
        i += 1
    return root
