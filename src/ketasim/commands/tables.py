"""Tables on the terminal, readable at 80 columns: names whole, empty columns left out.

A name or id in a table is something the user copies (an observable into an experiment
file, an experiment id into `--id`), so it is never cut: the name columns are as wide as
their longest entry and never wrap. The other columns give way, the widest first: their
headers wrap, then their values wrap down to the longest word (at most `WORD_CAP`
characters, beyond which a word folds onto the next line; never an ellipsis). A column empty in every row (None, '', '-' or '—') says
nothing and is left out. When the names and the narrowest other columns still do not fit
the terminal, each row is printed as a block instead: its names on one line, then its
other values as `column: value` pairs. Every command's tables go through `print_table`
(or `print_rows` for rows as dicts).
"""

from __future__ import annotations

from typing import Any, Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from .common import console as stdout_console

EMPTY = ("", "-", "—")    # texts of cells that carry no value
NONE_SHOWN = "—"          # how a missing value reads in a column that has others
WORD_CAP = 12             # a word longer than this may fold inside a narrowed column
DETAIL_INDENT = 2         # the indent of a row's values in the block layout


def cell(value: Any) -> Text:
    """One table cell as plain text (never markup): floats to 4 significant digits, None as —,
    a list as 'a, b, c'. A `rich.text.Text` (e.g. a coloured 'pass') is kept as it is."""
    if isinstance(value, Text):
        return value
    if value is None:
        return Text(NONE_SHOWN)
    if isinstance(value, float):
        return Text(f"{value:.4g}")
    if isinstance(value, (list, tuple)):
        return Text(", ".join(str(v) for v in value))
    return Text(str(value))


def is_empty(value: Any) -> bool:
    """Whether a cell carries no value (None, an empty list, '', '-' or '—')."""
    return value is None or cell(value).plain.strip() in EMPTY


def kept_columns(columns: Sequence[str], rows: Sequence[Sequence[Any]], names: int = 1) -> list[int]:
    """Indices of the columns to show: the first `names` columns, and every other column with a
    value in at least one row."""
    return [j for j in range(len(columns)) if j < names or any(not is_empty(r[j]) for r in rows)]


def text_width(text: str) -> int:
    """The width of a (possibly multi-line) text: its longest line."""
    return max((cell_len(line) for line in text.splitlines()), default=0)


def word_width(text: str) -> int:
    """The width of the longest word of `text` (the narrowest it can wrap to without folding)."""
    return max((cell_len(w) for w in text.split()), default=0)


def wrapped_lines(text: str, width: int) -> int:
    """Lines `text` takes in a column `width` characters wide, wrapped at spaces (a longer word folds)."""
    width = max(width, 1)
    count = 0
    for line in text.splitlines() or [""]:
        count += 1
        used = 0
        for word in line.split():
            n = cell_len(word)
            if used and used + 1 + n <= width:
                used += 1 + n
                continue
            if used:            # the word starts a new line
                count += 1
            folds = (n - 1) // width if n else 0
            count += folds
            used = n - folds * width
    return count


def table_height(widths: Sequence[int], rows: Sequence[Sequence[str]]) -> int:
    """Lines the rows (header included) take at these column widths."""
    return sum(max(wrapped_lines(t, w) for t, w in zip(row, widths)) for row in rows)


def folded_words(widths: Sequence[int], rows: Sequence[Sequence[str]]) -> int:
    """Words (header included) longer than their column at these widths, which must fold."""
    return sum(word_width(word) > w for row in rows for t, w in zip(row, widths) for word in t.split())


def column_widths(natural: Sequence[int], floors: Sequence[Sequence[int]], names: int, room: int,
                  rows: Sequence[Sequence[str]]) -> list[int] | None:
    """Widths of the columns' content within `room` characters, or None when they cannot fit.

    The name columns (the first `names`) keep their natural width. The others narrow one
    character at a time, in stages (`floors`: first down to where only headers wrap, then to
    the longest word), each time the column whose narrowing folds the fewest words, then adds
    the fewest lines to the table (`rows`: the header and cell texts), then the widest."""
    widths = list(natural)
    excess = sum(widths) - room
    for floor in floors:
        while excess > 0:
            shrinkable = [j for j in range(names, len(widths)) if widths[j] > floor[j]]
            if not shrinkable:
                break

            def cost(k: int) -> tuple[int, int, int]:
                """(folded words, table lines, -width) after narrowing column k by one."""
                trial = list(widths)
                trial[k] -= 1
                return folded_words(trial, rows), table_height(trial, rows), -widths[k]

            j = min(shrinkable, key=cost)
            widths[j] -= 1
            excess -= 1
    return widths if excess <= 0 else None


def name_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], names: int = 1,
               width: int | None = None) -> Table | None:
    """A Rich table of `rows` under `columns`, the first `names` columns never cut, empty columns
    left out, fitted to `width` characters (None: unbounded); None when it cannot fit."""
    keep = kept_columns(columns, rows, names)
    cells = [[cell(r[j]) for j in keep] for r in rows]
    heads = [columns[j] for j in keep]
    body = [max([0] + [text_width(c[k].plain) for c in cells]) for k in range(len(heads))]
    natural = [max(text_width(h), body[k]) for k, h in enumerate(heads)]
    words = [max([word_width(h)] + [word_width(c[k].plain) for c in cells]) for k, h in enumerate(heads)]
    header_wraps = [max(body[k], word_width(h)) if k >= names else natural[k] for k, h in enumerate(heads)]
    narrowest = [max(1, min(WORD_CAP, words[k])) if k >= names else natural[k] for k in range(len(heads))]
    room = None if width is None else width - 3 * len(heads) - 1  # a column's padding and border: 3
    texts = [heads] + [[c.plain for c in row] for row in cells]
    widths = natural if room is None else column_widths(natural, (header_wraps, narrowest), names, room, texts)
    if widths is None:
        return None
    table = Table(title=Text(title))
    for k, head in enumerate(heads):
        table.add_column(Text(head), width=widths[k], no_wrap=k < names, overflow="fold")
    for c in cells:
        table.add_row(*c)
    return table


def blocks(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], names: int = 1) -> list:
    """The rows as blocks for a narrow terminal: a row's names on one line, then its other
    non-empty values as `column: value` pairs on an indented line (which may wrap)."""
    keep = kept_columns(columns, rows, names)
    out: list = [Text(title, style="italic")]
    for r in rows:
        out.append(Text(" ".join(cell(r[j]).plain for j in keep if j < names), style="bold"))
        details = Text()
        for j in (j for j in keep if j >= names and not is_empty(r[j])):
            if details:
                details.append(" · ")
            details.append(f"{columns[j]}: ")
            details.append(cell(r[j]))
        if details:
            out.append(Padding(details, (0, 0, 0, DETAIL_INDENT)))
    return out


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], names: int = 1,
                console: Console | None = None) -> None:
    """Print `rows` as a `name_table` fitted to the console, or as `blocks` when the table
    cannot fit without cutting a name."""
    out = console if console is not None else stdout_console
    table = name_table(title, columns, rows, names, out.width)
    if table is not None:
        out.print(table)
        return
    for part in blocks(title, columns, rows, names):
        out.print(part, soft_wrap=isinstance(part, Text))  # a name line is never wrapped by us


def print_rows(title: str, rows: list[dict], names: int = 1, console: Console | None = None) -> None:
    """Print rows (dicts with the same keys, the name first) with `print_table`; nothing for no rows."""
    if not rows:
        return
    columns = list(rows[0].keys())
    print_table(title, columns, [[r.get(c) for c in columns] for r in rows], names, console)
