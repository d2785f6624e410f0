"""``postsql seed``: a project's seed data, as its config names it.

First the SQL files of ``[tool.postsql] seeds``, in order, each in its own transaction; then the
``seeder``, ``MODULE:FUNCTION``: an ``async def run(db: postsql.Database) -> object`` given a
connected :class:`~postsql.Database` (the generated functions take it). Seeds should be
idempotent (upserts), so running them twice changes nothing.

Example ``pyproject.toml``::

    [tool.postsql]
    seeds = ["sql/seeds/roles.sql"]
    seeder = "myapp.seed:run"
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
from collections.abc import Callable
from typing import cast

import asyncpg

from postsql.errors import ConfigurationError, SeedError
from postsql.project import ProjectConfig, project_imports
from postsql.runtime.urls import redact

__all__ = ["check_seeds", "load_seeder", "run_seeds"]


def load_seeder(config: ProjectConfig) -> Callable[..., object] | None:
    """The configured seeder function, imported from the project; ``None`` when none is set."""
    if config.seeder is None:
        return None
    module_name, _, name = config.seeder.partition(":")
    with project_imports(config):
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ConfigurationError(
                f"{config.where}: seeder = {config.seeder!r}: cannot import {module_name} ({exc})"
            ) from None
    function: object = getattr(module, name, None)
    if not callable(function):
        raise ConfigurationError(
            f"{config.where}: seeder = {config.seeder!r}: {module_name} has no function {name}"
        )
    return cast("Callable[..., object]", function)


def check_seeds(config: ProjectConfig) -> None:
    """Raise :class:`ConfigurationError` saying what to configure when there is nothing to seed
    or a seed file is missing (before any connection)."""
    if not config.seeds and config.seeder is None:
        raise ConfigurationError(
            f"nothing to seed: set seeds (SQL files) and/or seeder (MODULE:FUNCTION) in "
            f"{config.where}"
        )
    missing = [str(path) for path in config.seeds if not path.is_file()]
    if missing:
        raise ConfigurationError(f"{config.where}: seed files not found: {', '.join(missing)}")


def run_seeds(config: ProjectConfig, url: str) -> list[str]:
    """Run the seed files, then the seeder; returns one line per step for the command to print."""
    check_seeds(config)
    seeder = load_seeder(config)
    return asyncio.run(_run(config, url, seeder))


async def _run(config: ProjectConfig, url: str, seeder: Callable[..., object] | None) -> list[str]:
    done: list[str] = []
    if config.seeds:
        try:
            conn = await asyncpg.connect(url, timeout=10)
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            raise SeedError(f"cannot connect to {redact(url)}: {exc}") from None
        try:
            for path in config.seeds:
                try:
                    async with conn.transaction():
                        await conn.execute(path.read_text(encoding="utf-8"))
                except asyncpg.PostgresError as exc:
                    raise SeedError(f"{path}: {exc}") from None
                done.append(f"seeded {path.relative_to(config.root)}")
        finally:
            await conn.close()
    if seeder is not None:
        from postsql.runtime.database import Database

        async with Database(
            url=url, generated_package=config.generated_package, pool_min_size=0
        ) as db:
            result = seeder(db)
            if inspect.isawaitable(result):
                await result
        done.append(f"seeded by {config.seeder}")
    return done
