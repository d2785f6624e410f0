"""The backup manifest: ``manifest.json`` in the backup directory, one entry per archive.

Example::

    manifest = Manifest.load(Path(".postsql/backups"))
    print(manifest.latest())
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from postsql.errors import BackupError
from postsql.ops.console import human_bytes

__all__ = ["MANIFEST", "BackupEntry", "Manifest", "Verification", "file_sha256"]

MANIFEST = "manifest.json"


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of :func:`verify`; ``problems`` is empty when it passed."""

    verified_at: datetime
    ok: bool
    problems: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """JSON-ready data."""
        return {
            "verified_at": self.verified_at.isoformat(),
            "ok": self.ok,
            "problems": list(self.problems),
        }


@dataclass(frozen=True, slots=True)
class BackupEntry:
    """One archive in the manifest. ``file`` is relative to the backup directory."""

    file: str
    database: str
    created_at: datetime
    size_bytes: int
    sha256: str
    server_version: str
    server_version_num: int
    pg_dump_version: int
    last_migration: str | None
    table_counts: Mapping[str, int] = field(default_factory=dict)
    verification: Verification | None = None

    def to_json(self) -> dict[str, object]:
        """JSON-ready data (the manifest's format)."""
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["table_counts"] = dict(self.table_counts)
        data["verification"] = self.verification.to_json() if self.verification else None
        return data

    def summary(self) -> str:
        """One line for people: size, tables, rows, migration, checksum prefix."""
        return (
            f"{human_bytes(self.size_bytes)}, {len(self.table_counts)} tables, "
            f"{sum(self.table_counts.values()):,} rows, migration {self.last_migration or '-'}, "
            f"sha256 {self.sha256[:16]}"
        )

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> BackupEntry:
        """Read an entry written by :meth:`to_json`."""
        ver = data.get("verification")
        verification = None
        if isinstance(ver, Mapping):
            verification = Verification(
                verified_at=datetime.fromisoformat(str(ver["verified_at"])),
                ok=bool(ver["ok"]),
                problems=tuple(str(p) for p in _list(ver.get("problems"))),
            )
        counts = data.get("table_counts") or {}
        if not isinstance(counts, Mapping):
            raise ValueError("table_counts is not an object")
        last = data.get("last_migration")
        return cls(
            file=str(data["file"]),
            database=str(data["database"]),
            created_at=datetime.fromisoformat(str(data["created_at"])),
            size_bytes=_int(data["size_bytes"]),
            sha256=str(data["sha256"]),
            server_version=str(data["server_version"]),
            server_version_num=_int(data["server_version_num"]),
            pg_dump_version=_int(data["pg_dump_version"]),
            last_migration=None if last is None else str(last),
            table_counts={str(k): _int(v) for k, v in counts.items()},
            verification=verification,
        )


def _int(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError(f"expected an integer, got {value!r}")


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


@dataclass
class Manifest:
    """``manifest.json`` in the backup directory: every archive postsql made there, oldest first.

    Example::

        manifest = Manifest.load(settings.directory)
        print(manifest.latest())
    """

    directory: Path
    entries: list[BackupEntry] = field(default_factory=list)

    @property
    def path(self) -> Path:
        """Where the manifest lives."""
        return self.directory / MANIFEST

    @classmethod
    def load(cls, directory: Path) -> Manifest:
        """Read the manifest (an empty one when the directory has none yet)."""
        path = directory / MANIFEST
        if not path.exists():
            return cls(directory)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            entries = [BackupEntry.from_json(e) for e in raw["backups"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BackupError(
                f"{path}: unreadable backup manifest ({exc}); fix or move it away"
            ) from exc
        return cls(directory, sorted(entries, key=lambda e: e.created_at))

    @classmethod
    @contextlib.contextmanager
    def editing(cls, directory: Path) -> Iterator[Manifest]:
        """Load, let the caller change, and save the manifest under an exclusive file lock, so
        concurrent ``postsql backup`` / ``verify`` / ``prune`` runs do not lose each other's
        entries.

        Example::

            with Manifest.editing(directory) as manifest:
                manifest.update(entry)
        """
        directory.mkdir(parents=True, exist_ok=True)
        with (directory / "manifest.lock").open("a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                manifest = cls.load(directory)
                yield manifest
                manifest.save()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def save(self) -> None:
        """Write atomically (a temporary file renamed over the old one)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        data = {"version": 1, "backups": [e.to_json() for e in self.entries]}
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        tmp.replace(self.path)

    def latest(self, database: str | None = None) -> BackupEntry | None:
        """The newest entry (of ``database`` when given)."""
        matching = [e for e in self.entries if database is None or e.database == database]
        return matching[-1] if matching else None

    def find(self, file: str | Path) -> BackupEntry | None:
        """The entry for an archive path or file name."""
        name = Path(file).name
        return next((e for e in self.entries if e.file == name), None)

    def update(self, entry: BackupEntry) -> None:
        """Replace the entry with the same file name (or add it)."""
        self.entries = [e for e in self.entries if e.file != entry.file] + [entry]
        self.entries.sort(key=lambda e: e.created_at)


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks.

    Example: ``file_sha256(Path("backups/app.dump")) == entry.sha256``.
    """
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
