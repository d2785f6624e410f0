"""Parse query files into frozen :class:`QueryDef` values, exactly as aiosql 15 parses them.

The parsing itself is aiosql's: each query block goes through ``aiosql.query_loader.QueryLoader``
with the asyncpg adapter (which also turns ``:name`` into ``$n``), with ``from_path``'s defaults
(mandatory parameter lists, ``.`` attributes as ``__``). What we add: the file and line of every
query (aiosql's line numbers drift after ``/* */`` comments), the file line of every SQL line (so a
server error can point at the right line), duplicate-name detection, and our ``@`` directives.

Example::

    queries = load_queries([Path("sql/queries")])
    print(queries[0].location, queries[0].sql)
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from pathlib import Path

from aiosql.adapters.asyncpg import AsyncPGAdapter
from aiosql.query_loader import _QUERY_DEF, _UNCOMMENT, QueryLoader
from aiosql.utils import SQLLoadException, SQLParseException

from postsql.codegen.ir import Operation
from postsql.codegen.variants import DynamicDef, expand, is_marker
from postsql.errors import QueryParseError

__all__ = [
    "Directives",
    "QueryDef",
    "load_file",
    "load_queries",
    "module_name",
    "parse_directives",
]

_DIRECTIVE = re.compile(r"^@(?P<kind>\w+)\b\s*(?P<rest>.*)$")
# ``col`` is the column itself, ``col[]`` the elements of an array column.
_IDENT_LIST = re.compile(r"^\w+(\[\])?(\s*,\s*\w+(\[\])?)*$")
_CACHE_TTL = re.compile(r"^ttl\s*=\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|m|h)?$")
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True, slots=True)
class Directives:
    """Overrides written in a query's comment block (see docs/codegen.md).

    Each entry keeps the file line it was written on, so errors can point at it.
    """

    nonnull: tuple[tuple[str, int], ...] = ()
    nullable: tuple[tuple[str, int], ...] = ()
    param_nullable: tuple[tuple[str, bool, int], ...] = ()
    json: tuple[tuple[str, str, int], ...] = ()
    cache_ttl: float | None = None


@dataclass(frozen=True, slots=True)
class QueryDef:
    """One named query as written: ``sql`` is aiosql's ``$n`` form, ``params`` name each ``$n``."""

    name: str
    operation: Operation
    sql: str
    doc: str
    raw_doc: str
    params: tuple[str, ...]
    file: str
    line: int
    sql_lines: tuple[int, ...]
    directives: Directives
    # Optional fragments and sort orders (``-- @if``, ``-- @sort``): see codegen/variants.py.
    dynamic: DynamicDef | None = None

    @property
    def location(self) -> str:
        """``file:line`` of the ``-- name:`` line."""
        return f"{self.file}:{self.line}"

    @property
    def module(self) -> str:
        """The generated module's name: the file's stem made an identifier
        (``query-building.sql`` → ``query_building``, ``2024.sql`` → ``q_2024``)."""
        return module_name(Path(self.file).stem)

    @property
    def python_params(self) -> tuple[str, ...]:
        """Parameter names usable as Python keywords (``class`` becomes ``class_``)."""
        return tuple(f"{p}_" if keyword.iskeyword(p) else p for p in self.params)

    def file_line_of(self, position: int) -> int:
        """File line of the 1-based character ``position`` in :attr:`sql` (else the name line)."""
        if position < 1 or not self.sql_lines:
            return self.line
        index = self.sql[: position - 1].count("\n")
        return self.sql_lines[min(index, len(self.sql_lines) - 1)]


def module_name(stem: str) -> str:
    """A valid, importable module name for a query file's stem: a character no identifier may
    hold becomes ``_``, a leading digit (or nothing) gets ``q_`` before it, a keyword ``_``
    after it."""
    name = "".join(c if f"a{c}".isidentifier() else "_" for c in stem)
    if not name or not name.isidentifier():
        name = f"q_{name}"
    if keyword.iskeyword(name):
        name = f"{name}_"
    return name


def _name_positions(text: str) -> list[int]:
    """Offsets of the ``-- name:`` markers aiosql would see (those inside ``/* */`` are not)."""
    hidden = [m.span() for m in _UNCOMMENT.finditer(text) if m.group("multiline")]
    out: list[int] = []
    for match in _QUERY_DEF.finditer(text):
        if not any(start <= match.start() < end for start, end in hidden):
            out.append(match.start())
    return out


def _sql_lines(block: str, first_line: int) -> tuple[int, ...]:
    # Mirrors QueryLoader._get_sql_doc: comment lines are doc, the rest (stripped) is SQL.
    lines = [line.rstrip() for line in block.strip().splitlines()]
    numbers = [first_line + i for i, line in enumerate(lines[1:], start=1) if not _is_comment(line)]
    texts = [line for line in lines[1:] if not _is_comment(line)]
    while texts and not texts[0].strip():
        texts.pop(0)
        numbers.pop(0)
    return tuple(numbers)


def _is_comment(line: str) -> bool:
    return re.match(r"\s*--\s*(.*)$", line) is not None


def parse_directives(doc: str, *, file: str, doc_lines: list[int]) -> tuple[str, Directives]:
    """Split aiosql's docstring into the human text and our ``@`` directives."""
    nonnull: list[tuple[str, int]] = []
    nullable: list[tuple[str, int]] = []
    params: list[tuple[str, bool, int]] = []
    json: list[tuple[str, str, int]] = []
    cache_ttl: float | None = None
    kept: list[str] = []
    for index, raw in enumerate(doc.splitlines()):
        line_no = doc_lines[index] if index < len(doc_lines) else 0
        text = raw.strip()
        match = _DIRECTIVE.match(text)
        if match is None:
            kept.append(raw)
            continue
        if is_marker(text):  # -- @if / @end / @sort: read by variants.expand from the block
            continue
        kind, rest = match.group("kind"), match.group("rest").strip()
        where = f"{file}:{line_no}"
        if kind in ("nonnull", "nullable"):
            if not _IDENT_LIST.match(rest):
                raise QueryParseError(
                    f"{where}: @{kind} takes column names separated by commas "
                    "(col for the column, col[] for an array column's elements)"
                )
            names = [(n.strip(), line_no) for n in rest.split(",")]
            (nonnull if kind == "nonnull" else nullable).extend(names)
        elif kind == "param":
            parts = rest.split()
            if len(parts) != 2 or parts[1] not in ("nullable", "nonnull"):
                raise QueryParseError(f"{where}: write @param NAME nullable (or nonnull)")
            params.append((parts[0], parts[1] == "nullable", line_no))
        elif kind == "json":
            column, sep, annotation = rest.partition(":")
            if not sep or not column.strip().isidentifier() or not annotation.strip():
                raise QueryParseError(f"{where}: write @json COLUMN: ANNOTATION")
            json.append((column.strip(), annotation.strip(), line_no))
        elif kind == "cache":
            ttl = _CACHE_TTL.match(rest)
            if ttl is None or float(ttl.group("number")) <= 0:
                raise QueryParseError(
                    f"{where}: write @cache ttl=DURATION with a positive duration "
                    "(60s, 500ms, 5m, 1h; a bare number is seconds)"
                )
            if cache_ttl is not None:
                raise QueryParseError(f"{where}: @cache given twice")
            cache_ttl = float(ttl.group("number")) * _SECONDS[ttl.group("unit") or "s"]
        else:
            raise QueryParseError(
                f"{where}: unknown directive @{kind} "
                "(known: @nonnull, @nullable, @param, @json, @cache, @if, @end, @sort, @after)"
            )
    text = "\n".join(kept).strip("\n")
    return text, Directives(tuple(nonnull), tuple(nullable), tuple(params), tuple(json), cache_ttl)


def load_file(path: Path, *, display: str | None = None) -> list[QueryDef]:
    """Every query of one file, in file order."""
    shown = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryParseError(f"{shown}:1: cannot read: {exc}") from exc
    positions = _name_positions(text)
    out: list[QueryDef] = []
    for index, start in enumerate(positions):
        end = positions[index + 1] if index + 1 < len(positions) else len(text)
        block = text[start:end]
        line = 1 + text[:start].count("\n")
        adapter = AsyncPGAdapter()  # type: ignore[no-untyped-call]  # aiosql leaves it unannotated
        loader = QueryLoader(adapter, None, attribute="__", mandatory_parameters=True)
        try:
            (datum,) = loader.load_query_data_from_sql(block, [], shown)
        except (SQLParseException, SQLLoadException, ValueError) as exc:
            # ValueError: inspect.Signature rejects a parameter named like a Python keyword.
            message = re.sub(r" at [^ ]+:\d+", "", str(exc))
            raise QueryParseError(f"{shown}:{line}: {message}") from exc
        operation: Operation = datum.operation_type.name.lower()  # type: ignore[assignment]
        body = block[_QUERY_DEF.match(block).end() :]  # type: ignore[union-attr]
        doc_lines = [
            line + i
            for i, raw in enumerate(body.strip().splitlines())
            if i > 0 and _is_comment(raw.rstrip())
        ]
        doc, directives = parse_directives(datum.doc_comments, file=shown, doc_lines=doc_lines)
        params = tuple(adapter.var_sorted[datum.query_name])
        dynamic = expand(
            name=datum.query_name,
            operation=operation,
            body=body,
            first_line=line,
            file=shown,
            params=params,
        )
        out.append(
            QueryDef(
                name=datum.query_name,
                operation=operation,
                sql=datum.sql,
                doc=doc,
                raw_doc=datum.doc_comments,
                params=params,
                file=shown,
                line=line,
                sql_lines=_sql_lines(body, line),
                directives=directives,
                dynamic=dynamic,
            )
        )
    return out


def load_queries(dirs: list[Path], *, root: Path | None = None) -> list[QueryDef]:
    """Every query of every ``*.sql`` file under ``dirs`` (sorted by path); names must be unique."""
    out: list[QueryDef] = []
    seen: dict[str, QueryDef] = {}
    errors: list[str] = []
    for directory in dirs:
        if not directory.is_dir():
            raise QueryParseError(f"{directory}: not a directory of query files")
        for path in sorted(directory.rglob("*.sql")):
            display = _display(path, root)
            try:
                queries = load_file(path, display=display)
            except QueryParseError as exc:
                errors.append(str(exc))
                continue
            for query in queries:
                previous = seen.get(query.name)
                if previous is not None:
                    errors.append(
                        f"{query.location}: {query.name}: defined again "
                        f"(first at {previous.location})"
                    )
                seen[query.name] = query
                out.append(query)
    if errors:
        raise QueryParseError("\n".join(errors))
    return out


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()
