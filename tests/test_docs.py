"""README.md and docs/codegen.md against the code: what a reader copies must exist and work.

Cheap checks first, no database: every ``make`` target, ``postsql`` subcommand and option,
``scripts/codegen.py`` option, environment variable, ``postsql.*`` name, repository path and
``python -m`` module the docs name exists; fenced Python compiles, its ``postsql`` imports resolve
and its calls of postsql functions and classes bind to their signatures; fenced SQL of a shipped
query is what the query file says, and a new query parses; the TOML examples load; the settings,
type and directive tables match the code. Then, on the test server: the manifest has exactly the
keys docs/codegen.md lists, and the README's repository, runtime and audit examples run verbatim
on demo data.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib
import importlib.util
import inspect
import io
import json
import re
import textwrap
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from blog.demo_data import DemoSizes
from blog.seed import seed_base, seed_demo
from postsql.cli.main import _parser as postsql_parser
from postsql.codegen.cli import _parser as codegen_parser
from postsql.codegen.cli import generate, manifest
from postsql.codegen.loader import load_file, load_queries, parse_directives
from postsql.codegen.typemap import BASE_TYPES
from postsql.errors import QueryParseError
from postsql.ops.roles import DEFAULT_NAMES
from postsql.ops.roles import main as roles_main
from postsql.project import load_config
from postsql.runtime.settings import DatabaseSettings
from postsql.testing import TestServer

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CODEGEN = ROOT / "docs" / "codegen.md"
BENCHMARKS = ROOT / "docs" / "benchmarks.md"
DOCS = (README, CODEGEN)

_FENCE = re.compile(r"^([ \t]*)```([\w-]*)[ \t]*\n(.*?)^\1```[ \t]*$", re.S | re.M)
_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int
    lang: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def blocks(doc: Path, lang: str | None = None) -> list[Block]:
    text = doc.read_text(encoding="utf-8")
    out = []
    for match in _FENCE.finditer(text):
        if lang is None or match.group(2) == lang:
            line = text.count("\n", 0, match.start()) + 2
            out.append(Block(doc, line, match.group(2), textwrap.dedent(match.group(3))))
    return out


def prose(doc: Path) -> str:
    """The document without its fenced blocks."""
    return _FENCE.sub("", doc.read_text(encoding="utf-8"))


def inline_code(doc: Path) -> list[str]:
    return [m.group(1).replace("\\|", "|") for m in _INLINE.finditer(prose(doc))]


def table_rows(doc: Path, heading: str) -> list[list[str]]:
    """The cells of the first Markdown table after ``heading`` (pipes escaped as ``\\|`` kept)."""
    text = doc.read_text(encoding="utf-8")
    start = text.index(heading)
    rows: list[list[str]] = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
            rows.append([c.strip().replace("\\|", "|") for c in cells])
        elif rows:
            break
    return [r for r in rows[1:] if not set("".join(r)) <= set("-: ")]  # drop header, rule


def ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


# -- make ---------------------------------------------------------------------------------------


def makefile_targets() -> dict[str, bool]:
    """Every rule of the Makefile, and whether it has a ``## `` help text."""
    out: dict[str, bool] = {}
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([a-z0-9-]+):(?!=)", line)
        if match:
            out[match.group(1)] = "## " in line
    return out


def make_invocations(doc: Path) -> list[str]:
    """The targets of ``make ...`` in inline code and shell blocks (variables skipped)."""
    lines = [c for c in inline_code(doc) if c.startswith("make")]
    lines += [ln for b in blocks(doc, "sh") for ln in b.text.splitlines()]
    targets = []
    for line in lines:
        for match in re.finditer(r"(?:^|&&\s*)make((?:\s+[^\s#&]+)*)", line.split("#")[0]):
            targets += [t for t in match.group(1).split() if "=" not in t and t != "..."]
    return targets


@pytest.mark.parametrize("doc", [*DOCS, BENCHMARKS], ids=lambda p: p.name)
def test_every_make_target_the_docs_name_exists(doc: Path) -> None:
    targets = makefile_targets()
    missing = sorted({t for t in make_invocations(doc) if t not in targets})
    assert not missing, f"{doc.name} names make targets the Makefile lacks: {missing}"


def test_readme_targets_table_lists_every_documented_make_target() -> None:
    listed = {ticked(row[0])[0].split()[1] for row in table_rows(README, "## Makefile targets")}
    documented = {t for t, has_help in makefile_targets().items() if has_help}
    assert documented - listed == set(), "make targets missing from README's table"
    assert listed - documented == set(), "README's table lists targets `make help` does not"


def test_two_commands_come_first_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    first_heading = re.search(r"^## (.+)$", text, re.M)
    assert first_heading is not None
    assert first_heading.group(1) == "Two commands"
    first = blocks(README)[0]
    assert [ln.split("#")[0].strip() for ln in first.text.splitlines()] == [
        "make demo",
        "make test",
    ]


# -- the postsql command --------------------------------------------------------------------------


# argparse has no public API to list a parser's options and subcommands; these read its tables.
def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return dict(parser._option_string_actions)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _roles_apply_options() -> set[str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        roles_main(["apply", "--help"], env={})
    return set(re.findall(r"(--[a-z][a-z-]*)", out.getvalue()))


_PLACEHOLDER = re.compile(r"^(\.\.\.|<.*>|[A-Z][A-Z0-9_]*(\.\w+)?|\d+|[\w.-]+\.(dump|json|sql))$")


def check_command(words: list[str], parser: argparse.ArgumentParser, where: str) -> list[str]:
    """Problems of one documented command line against ``parser`` (alternatives split by ``|``)."""
    problems: list[str] = []
    current = parent = parser
    expect_value = False
    remainder = False
    for raw in words:
        word = raw.strip("[]")
        if not word:
            continue
        if word == "|":  # an alternative at the level where the previous word was resolved
            current, expect_value = parent, False
            continue
        if remainder:  # `postsql roles apply ...`: options belong to python -m postsql.ops.roles
            if word.startswith("--") and word.split("=")[0] not in _roles_apply_options():
                problems.append(f"{where}: postsql roles apply has no option {word}")
            continue
        if word.startswith("-"):
            action = _options(current).get(word.split("=")[0])
            if action is None:
                problems.append(f"{where}: `{current.prog}` has no option {word}")
            expect_value = action is not None and action.nargs != 0 and "=" not in word
            continue
        sub = _subparsers(current)
        if word in sub:
            parent, current = current, sub[word]
            expect_value = False
            continue
        if expect_value:
            expect_value = False
            continue
        positionals = [a for a in current._actions if not a.option_strings]
        if any(a.choices is not None and word in a.choices for a in positionals):
            parent = current
            remainder = any(a.nargs == argparse.REMAINDER for a in positionals)
            continue
        free = [a for a in positionals if a.choices is None and a.nargs != argparse.REMAINDER]
        if free or _PLACEHOLDER.match(word):
            continue
        problems.append(f"{where}: `{current.prog}` has no subcommand or argument {word!r}")
    return problems


def postsql_commands(doc: Path) -> list[tuple[str, list[str]]]:
    """``(where, words after "postsql")`` for every postsql command line in the document."""
    pieces: list[tuple[str, str]] = [(f"{doc.name} `{c}`", c) for c in inline_code(doc)]
    for block in blocks(doc):
        if block.lang in ("sh", "dockerfile", ""):
            pieces += [(block.where, line) for line in block.text.splitlines()]
    out = []
    for where, piece in pieces:
        if "error:" in piece:  # an error message quoted, not a command
            continue
        for part in re.split(r"&&|\|\||;|#|>", piece):
            words = part.split()
            if "postsql" in words:
                out.append((where, words[words.index("postsql") + 1 :]))
    return out


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_postsql_subcommand_and_option_the_docs_name_exists(doc: Path) -> None:
    commands = postsql_commands(doc)
    assert commands, f"no postsql command found in {doc.name}"
    problems = [
        p for where, words in commands for p in check_command(words, postsql_parser(), where)
    ]
    assert not problems, "\n".join(problems)


def test_command_checker_catches_unknown_subcommands_and_options() -> None:
    for good in ("db start | stop | url", "roles apply --app blog_app", "migrate --create"):
        assert check_command(good.split(), postsql_parser(), "x") == [], good
    for bad in ("backup verfy", "migrate --creat", "roles apply --apps x", "db restart"):
        assert check_command(bad.split(), postsql_parser(), "x"), bad


def test_readme_operations_table_covers_every_postsql_subcommand() -> None:
    rows = table_rows(README, "## Operations")
    named = {w for row in rows for code in ticked(row[0]) for w in code.split()}
    missing = sorted(set(_subparsers(postsql_parser())) - named)
    assert not missing, f"postsql subcommands missing from README's Operations table: {missing}"


def test_codegen_command_line_and_options_table_match_the_parser() -> None:
    parser = codegen_parser()
    usage = next(b for b in blocks(CODEGEN, "") if b.text.startswith("python scripts/codegen.py"))
    words = usage.text.split()[2:]
    assert check_command(words, parser, usage.where) == []
    table = {ticked(row[0])[0].split()[0] for row in table_rows(CODEGEN, "## Command line")}
    documented = {
        s for a in parser._actions if a.help != argparse.SUPPRESS for s in a.option_strings
    } - {"-h", "--help"}
    assert table == documented


def test_postsql_codegen_options_are_those_of_scripts_codegen() -> None:
    postsql_codegen = _subparsers(postsql_parser())["codegen"]
    for option in _options(postsql_codegen):
        if option not in ("-h", "--help"):
            assert option in _options(codegen_parser()), option


def test_python_dash_m_modules_exist() -> None:
    for doc in DOCS:
        for module in re.findall(r"python -m ([\w.]+)", doc.read_text(encoding="utf-8")):
            assert importlib.util.find_spec(module) is not None, f"{doc.name}: python -m {module}"


# -- environment variables ------------------------------------------------------------------------


def _settings_env() -> dict[str, str]:
    """DatabaseSettings field -> its environment variable."""
    out = {}
    for name, field in DatabaseSettings.model_fields.items():
        alias = field.validation_alias
        out[name] = alias if isinstance(alias, str) else f"POSTSQL_{name.upper()}"
    return out


def _source_literals() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "src").rglob("*.py"))


def documented_env(doc: Path) -> set[str]:
    text = doc.read_text(encoding="utf-8")
    names: set[str] = set()
    for match in re.finditer(r"\b((?:POSTSQL|DATABASE|DIRECT|TEST)_[A-Z0-9_{},]*[A-Z0-9}])", text):
        name = match.group(1)
        brace = re.match(r"^(.*)\{([A-Z0-9_,]+)\}(.*)$", name)
        parts = brace.group(2).split(",") if brace else [""]
        for part in parts:
            names.add(f"{brace.group(1)}{part}{brace.group(3)}" if brace else name)
    return {n for n in names if n.endswith("URL") or n.startswith("POSTSQL_")}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_environment_variable_the_docs_name_is_read(doc: Path) -> None:
    source = _source_literals()
    known = set(_settings_env().values())
    known |= {f"POSTSQL_{k.upper()}_{s}" for k in DEFAULT_NAMES for s in ("ROLE", "PASSWORD")}
    unknown = sorted(
        n
        for n in documented_env(doc)
        if n not in known and not re.search(rf"[\"']{n}[\"']", source)
    )
    assert not unknown, f"{doc.name} names environment variables nothing reads: {unknown}"


def test_settings_table_matches_database_settings() -> None:
    env = _settings_env()
    seen: set[str] = set()
    for setting_cell, env_cell, default_cell, *_ in table_rows(README, "### Settings"):
        names = ticked(setting_cell)
        assert names, setting_cell
        assert all(n in env for n in names), setting_cell
        seen.update(names)
        assert ticked(env_cell)[0] == env[names[0]], (names[0], env_cell)
        default = DatabaseSettings.model_fields[names[0]].default
        shown = default_cell.split()[0].strip("`")
        if isinstance(default, bool):
            assert shown == str(default).lower(), (names[0], default_cell)
        elif isinstance(default, int | float):
            assert float(shown) == default, (names[0], default_cell)
        elif isinstance(default, str):
            assert shown == default, (names[0], default_cell)
    assert seen == set(env), f"settings missing from the table: {sorted(set(env) - seen)}"


# -- names, modules, paths -----------------------------------------------------------------------


def resolve_dotted(name: str) -> bool:
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def _quoted_anywhere(name: str) -> bool:
    """A setting or logger name rather than Python: quoted in src/ or sql/."""
    files = [*(ROOT / "src").rglob("*.py"), *(ROOT / "sql").rglob("*.sql")]
    pattern = re.compile(rf"[\"']{re.escape(name)}[\"']")
    return any(pattern.search(p.read_text(encoding="utf-8")) for p in files)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_postsql_name_the_docs_mention_exists(doc: Path) -> None:
    names = set(re.findall(r"`(postsql(?:\.\w+)+)", doc.read_text(encoding="utf-8")))
    names |= set(re.findall(r"\"(postsql(?:\.\w+)+)\"", doc.read_text(encoding="utf-8")))
    missing = sorted(n for n in names if not resolve_dotted(n) and not _quoted_anywhere(n))
    assert not missing, f"{doc.name} names what does not exist: {missing}"


_PATH = re.compile(r"^\.?[\w-]+(/[\w.-]+)+/?$|^[\w-]+\.(toml|sh|py|md)$")


@pytest.mark.parametrize("doc", [*DOCS, BENCHMARKS], ids=lambda p: p.name)
def test_every_repository_path_the_docs_name_exists(doc: Path) -> None:
    candidates = [c.split()[0] for c in inline_code(doc) if c.strip()]
    for block in blocks(doc, ""):
        candidates += [ln.split()[0] for ln in block.text.splitlines() if ln.strip()]
    missing = []
    for path in {c.rstrip(".,:") for c in candidates if _PATH.match(c.rstrip(".,:"))}:
        top = path.split("/")[0]
        if top == ".postsql" or not ((ROOT / top).exists() or top == "postsql"):
            continue  # created at run time, or prose such as `sum/avg/min/max`
        if not any((base / path).exists() for base in (ROOT, ROOT / "src")):
            missing.append(path)
    assert not missing, f"{doc.name} names paths that do not exist: {sorted(missing)}"


# -- fenced Python -------------------------------------------------------------------------------


def compiled(block: Block) -> ast.Module:
    tree = compile(
        block.text, block.where, "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    )
    assert isinstance(tree, ast.Module)
    return tree


@dataclass(frozen=True)
class Instance:
    cls: type


class CallChecker(ast.NodeVisitor):
    """Resolves names bound to postsql objects and binds every call of them to its signature."""

    def __init__(self, declared_queries: set[str]) -> None:
        self.env: dict[str, object] = {}
        self.declared = declared_queries  # new queries a document introduces itself
        self.problems: list[str] = []
        self.bound: set[int] = set()
        self.where = ""

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            bound = alias.asname or alias.name
            if not (node.module or "").startswith(("postsql", "blog")):
                self.env.pop(bound, None)
                continue
            module = importlib.import_module(node.module or "")
            if not hasattr(module, alias.name):
                try:
                    self.env[bound] = importlib.import_module(f"{node.module}.{alias.name}")
                except ImportError:
                    self.problems.append(f"{self.where}: {node.module} has no {alias.name}")
                continue
            self.env[bound] = getattr(module, alias.name)

    def resolve(self, node: ast.expr) -> object:
        if isinstance(node, ast.Name):
            return self.env.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            target = base.cls if isinstance(base, Instance) else base
            if target is None:
                return None
            if isinstance(target, types.ModuleType) and node.attr in self.declared:
                return None
            fields = getattr(target, "model_fields", None) or getattr(target, "__annotations__", {})
            if not hasattr(target, node.attr) and node.attr not in fields:
                self.problems.append(f"{self.where}: {ast.unparse(node)}: no such attribute")
                return None
            value = getattr(target, node.attr, None)
            if isinstance(base, Instance) and inspect.isfunction(value):
                return types.MethodType(value, object())
            return value
        if isinstance(node, ast.Call):
            func = self.resolve(node.func)
            if func is None:
                return None
            self.bind(node, func)
            return Instance(func) if isinstance(func, type) else None
        return None

    def bind(self, node: ast.Call, func: object) -> None:
        if id(node) in self.bound:  # an assignment resolves its call before visiting it
            return
        self.bound.add(id(node))
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords
        ):
            return
        if not callable(func):
            return
        try:
            signature = inspect.signature(func)
        except (TypeError, ValueError):
            return
        try:
            signature.bind(*node.args, **{k.arg: k.value for k in node.keywords if k.arg})
        except TypeError as exc:
            self.problems.append(f"{self.where}: {ast.unparse(node)}: {exc}")

    def visit_Call(self, node: ast.Call) -> None:
        self.resolve(node)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        value = self.resolve(node.value) if isinstance(node.value, ast.Call) else None
        for target in node.targets:
            if isinstance(target, ast.Name):
                if isinstance(value, Instance):
                    self.env[target.id] = value
                else:
                    self.env.pop(target.id, None)

    def visit_withitem(self, node: ast.withitem) -> None:
        self.generic_visit(node)
        value = self.resolve(node.context_expr) if isinstance(node.context_expr, ast.Call) else None
        if isinstance(node.optional_vars, ast.Name):
            if isinstance(value, Instance):
                self.env[node.optional_vars.id] = value
            else:
                self.env.pop(node.optional_vars.id, None)


def declared_queries(doc: Path) -> set[str]:
    return set(re.findall(r"-- name: (\w+)", doc.read_text(encoding="utf-8")))


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_python_examples_compile_import_and_call_what_exists(doc: Path) -> None:
    python = blocks(doc, "python")
    assert python, f"no python block in {doc.name}"
    checker = CallChecker(declared_queries(doc))
    for block in python:  # one namespace, in reading order, as a reader follows the document
        checker.where = block.where
        checker.visit(compiled(block))
    assert not checker.problems, "\n".join(checker.problems)


def test_call_checker_catches_a_wrong_keyword_and_a_missing_function() -> None:
    checker = CallChecker(set())
    checker.visit(
        ast.parse(
            "from blog.generated.queries import posts\n"
            "from blog.repositories import PostRepository\n"
            "repo = PostRepository(pool, max_limit=100)\n"
            "repo.find_posts(pages=1)\n"
            "posts.no_such_query(db)\n"
        )
    )
    assert len(checker.problems) == 2, checker.problems
    assert "pages" in checker.problems[0]
    assert "no_such_query" in checker.problems[1]


# -- fenced SQL and TOML -------------------------------------------------------------------------


def test_sql_examples_of_shipped_queries_quote_the_query_file_and_new_ones_parse(
    tmp_path: Path,
) -> None:
    shipped = {q.name: q for q in load_queries([ROOT / "sql" / "queries"], root=ROOT)}
    for doc in DOCS:
        for block in blocks(doc, "sql"):
            names = re.findall(r"^-- name: (\w+)", block.text, re.M)
            if not names:
                continue
            (name,) = names
            if name in shipped:
                source = (ROOT / shipped[name].file).read_text(encoding="utf-8")
                assert block.text.strip() in source, f"{block.where}: {name} differs from its file"
            else:
                path = tmp_path / "new.sql"
                path.write_text(block.text, encoding="utf-8")
                assert [q.name for q in load_file(path)] == [name], block.where


def test_toml_examples_load(tmp_path: Path) -> None:
    from postsql.ops.backup_policy import load_settings

    for doc in DOCS:
        for block in blocks(doc, "toml"):
            root = tmp_path / f"{doc.stem}-{block.line}"
            root.mkdir()
            (root / "pyproject.toml").write_text(block.text, encoding="utf-8")
            load_config(root)  # raises ConfigurationError on an unknown key or a bad value
            load_settings(root, env={})


# -- docs/codegen.md tables ----------------------------------------------------------------------

_SQL_SPELLING = {
    "bool": "boolean",
    "int2": "smallint",
    "int4": "integer",
    "int8": "bigint",
    "float4": "real",
    "float8": "double precision",
    "bpchar": "char(n)",
    "char": '"char"',
    "varbit": "bit varying",
}


def test_type_table_covers_every_base_type_with_its_annotation() -> None:
    rows = [(row[0], row[1]) for row in table_rows(CODEGEN, "## Types")]
    for internal, py in BASE_TYPES.items():
        spelling = _SQL_SPELLING.get(internal, internal)
        matching = [
            right
            for left, right in rows
            if spelling in {w.strip(" `") for w in re.split(r",|/|\(a ", left)}
            or left.startswith(spelling + " ")
        ]
        assert matching, f"type {spelling} is missing from docs/codegen.md's type table"
        assert any(f"`{py.annotation}`" in right for right in matching), (spelling, py.annotation)


def test_directive_table_lists_exactly_the_directives_the_loader_knows() -> None:
    rows = table_rows(CODEGEN, "Directives go in the comment block")
    for row in rows:
        example = ticked(row[0])[0].removeprefix("-- ")
        example = re.sub(r"\[, (\w+)\]", r", \1", example)  # `col[, col]` is notation
        doc, _ = parse_directives(example, file="docs/codegen.md", doc_lines=[1])
        assert doc == "", f"{example!r} was not taken as a directive"
    with pytest.raises(QueryParseError) as raised:
        parse_directives("@no_such_directive x", file="x.sql", doc_lines=[1])
    known = set(re.findall(r"@(\w+)", str(raised.value).split("known:")[1]))
    documented = {ticked(r[0])[0].removeprefix("-- @").split()[0] for r in rows}
    assert documented == known


# -- on the test server --------------------------------------------------------------------------


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


async def test_manifest_has_exactly_the_keys_docs_codegen_lists(test_pg: TestServer) -> None:
    generated = await generate(
        load_config(ROOT), admin_url=test_pg.admin_url, format_output=False, root=ROOT
    )
    produced = _keys(json.loads(json.dumps(manifest(generated.project))))
    shape = next(b for b in blocks(CODEGEN, "json"))
    documented = set(re.findall(r'"(\w+)"', shape.text))
    assert produced == documented


@pytest.fixture
async def demo_db_url(db_url: str) -> str:
    conn = await asyncpg.connect(db_url)
    try:
        await seed_base(conn)
        await seed_demo(conn, DemoSizes(users=10, posts=60, comments=120, categories=4, tags=8))
    finally:
        await conn.close()
    return db_url


def readme_block(containing: str) -> Block:
    found = [b for b in blocks(README, "python") if containing in b.text]
    assert len(found) == 1, f"README: expected one python block with {containing!r}"
    return found[0]


async def run_block(block: Block, namespace: dict[str, Any]) -> dict[str, Any]:
    code = compile(block.text, block.where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(code, namespace)  # noqa: S307 - the README's own example, which we test
    if inspect.iscoroutine(result):
        await result
    return namespace


async def test_readme_repository_example_runs_on_demo_data(demo_db_url: str) -> None:
    ns = await run_block(readme_block("PostRepository(pool"), {"url": demo_db_url})
    try:
        assert ns["changed"] >= 0
        assert ns["n"] == 1000
        assert ns["page"].limit == 10
        assert ns["everyone"].total >= 10
    finally:
        await ns["pool"].close()


async def test_readme_runtime_and_audit_examples_run_on_demo_data(
    demo_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", demo_db_url)
    monkeypatch.setenv("POSTSQL_LOG_QUERIES", "false")
    ns = await run_block(readme_block("Database(pool_max_size=20)"), {})
    assert ns["page"], "find_posts returned no rows on demo data"

    from postsql.runtime.executor import init_connection

    conn = await asyncpg.connect(demo_db_url)
    try:
        await init_connection(conn)
        audit = await run_block(readme_block("audit.acting_as"), {"conn": conn})
        assert audit["rows"]
        assert audit["rows"][0].actor == "alice@example.com"
    finally:
        await conn.close()


def test_readme_sections_run_in_data_flow_order() -> None:
    headings = re.findall(r"^## (.+)$", README.read_text(encoding="utf-8"), re.M)
    order = [
        "Two commands",
        "Which database",
        "The schema",
        "Seeds",
        "Code generation",
        "Queries and repositories",
        "Runtime",
    ]
    positions = [headings.index(h) for h in order]
    assert positions == sorted(positions), headings
