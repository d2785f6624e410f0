"""Terminal output for the ``postsql`` command: rich tables and progress bars on a terminal, plain
aligned text when piped, and human-readable sizes.

Example::

    print_section(Section("Tables", ("table", "size"), [("posts", human_bytes(8192))]))
    with progress("dumping") as update:
        update(1, 9)
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TextIO

__all__ = ["Section", "human_bytes", "human_seconds", "print_section", "progress"]

_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")


def human_bytes(size: int | None) -> str:
    """``size`` as people read it, in powers of 1024 with pg_size_pretty's units.

    Example: ``human_bytes(1536) == "1.5 kB"``.
    """
    if size is None:
        return "-"
    value = float(size)
    for unit in _UNITS:
        if abs(value) < 1024 or unit == _UNITS[-1]:
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def human_seconds(seconds: float | None) -> str:
    """A duration as ``850 ms``, ``12.3 s``, ``4 min``, ``3.2 h`` or ``2.0 d``.

    Example: ``human_seconds(90) == "1.5 min"``.
    """
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


@dataclass(frozen=True, slots=True)
class Section:
    """A titled table of strings; ``note`` is printed under it (e.g. why it is empty)."""

    title: str
    columns: tuple[str, ...]
    rows: Sequence[Sequence[str]]
    note: str | None = None


def _is_terminal(stream: TextIO) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


def _rich(stream: TextIO) -> bool:
    """Draw with rich: on a terminal, when it is installed (the dev extra brings it; a runtime
    install prints the same content as plain text)."""
    return _is_terminal(stream) and importlib.util.find_spec("rich") is not None


def print_section(section: Section, *, stream: TextIO | None = None) -> None:
    """Print ``section``: a rich table on a terminal (rich installed), aligned plain text otherwise.

    Example: ``print_section(Section("Sizes", ("table", "size"), [("posts", "8.0 kB")]))``.
    """
    out = sys.stdout if stream is None else stream
    if _rich(out):
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        # Cells are data (a backup setting's "[tool.postsql.backup]", a query's text), never markup.
        table = Table(title=escape(section.title), title_justify="left", show_edge=False)
        for column in section.columns:
            table.add_column(escape(column))
        for row in section.rows:
            table.add_row(*(escape(cell) for cell in row))
        console = Console(file=out)
        if section.rows:
            console.print(table)
        else:
            console.print(f"[bold]{escape(section.title)}[/bold]")
        if section.note:
            console.print(section.note, markup=False)
        console.print()
        return
    out.write(f"{section.title}\n")
    if section.rows:
        widths = [len(c) for c in section.columns]
        for row in section.rows:
            widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
        lines = [section.columns, *section.rows]
        for line in lines:
            cells = "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True))
            out.write(f"  {cells}".rstrip() + "\n")
    if section.note:
        out.write(f"  {section.note}\n")
    out.write("\n")


@contextlib.contextmanager
def progress(description: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr when it is a terminal; yields ``update(done, total)``.

    When stderr is not a terminal nothing is drawn (logs stay clean).

    Example: ``with progress("pg_dump") as update: update(3, 9)``.
    """
    if not _rich(sys.stderr):
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} tables"),
        TimeElapsedColumn(),
        console=Console(file=sys.stderr),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)
