"""A page's table of contents: headings with anchors, and the list of links to them.

The run report and the scorecard are tens of thousands of pixels tall; a reader needs to
jump to the parameters or to the misses. A page is built as a list of `Heading`s (title,
anchor, optional sub-headings); `heading_html` writes each heading with its `id` and
`toc_html` the nested list of links, so every link of the contents has its target by
construction. Pure functions returning HTML text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .markup import esc


@dataclass(frozen=True)
class Heading:
    """A heading of the page: its text, the `id` it carries, and the headings under it (shown nested)."""

    title: str
    anchor: str
    children: tuple["Heading", ...] = ()


def anchor_of(title: str, prefix: str = "s-") -> str:
    """An `id` made from a title: lower case letters, digits and hyphens, after `prefix` ('s-summary')."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return f"{prefix}{slug or 'section'}"


def heading_html(h: Heading, level: int = 2, extra: str = "") -> str:
    """The heading element with its anchor (`extra`: HTML appended inside it, e.g. a count)."""
    return f'<h{level} id="{esc(h.anchor)}">{esc(h.title)}{extra}</h{level}>'


def toc_html(headings: tuple[Heading, ...] | list[Heading], title: str = "Contents") -> str:
    """The table of contents: a <nav> with a nested list of links to every heading's anchor."""
    def items(hs) -> str:
        out = []
        for h in hs:
            sub = f"<ul>{items(h.children)}</ul>" if h.children else ""
            out.append(f'<li><a href="#{esc(h.anchor)}">{esc(h.title)}</a>{sub}</li>')
        return "".join(out)

    return (f'<nav class="toc" aria-label="{esc(title)}"><h2 class="toc-title">{esc(title)}</h2>'
            f"<ul>{items(headings)}</ul></nav>")
