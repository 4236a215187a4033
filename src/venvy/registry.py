"""The registry: one SQLite file ($VENVY_HOME/registry.db). The only module that speaks SQL.

- WAL mode and a busy timeout, so two venvy processes can write at once.
- Migrations are an appended list of named functions, applied in order inside
  one write transaction and recorded in `migrations` (never edit an old one;
  append a new one). `PRAGMA user_version` holds how many are applied: the
  schema version.
- A file that is not a readable SQLite database is reported and left untouched.
- Times are ISO 8601 UTC strings (venvy.times), sizes are bytes.
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from venvy import paths
from venvy.errors import AlreadyExistsError, NotFoundError, RegistryError
from venvy.times import now_iso

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

BUSY_TIMEOUT_MS = 15_000


# --------------------------------------------------------------------------
# The record
# --------------------------------------------------------------------------


@dataclass
class VenvRecord:
    name: str
    path: str
    project: str | None = None
    python: str | None = None
    kind: str = "venv"
    health: str = "ok"
    created_at: str | None = None
    last_used_at: str | None = None
    registered_at: str | None = None
    size_bytes: int | None = None
    size_measured_at: str | None = None
    packages: int | None = None
    # the folder's identity when registered: deletion refuses a path that is another folder now
    device: int | None = None
    inode: int | None = None
    deleting_since: str | None = None  # set when a deletion starts; a failed one leaves it (partial)


# Kept by a rescan when set: the identity is what the user registered, not what is there now.
IDENTITY = ("device", "inode")

COLUMNS = tuple(f.name for f in fields(VenvRecord))


# --------------------------------------------------------------------------
# Migrations: append only
# --------------------------------------------------------------------------

MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = []


def migration(fn: Callable[[sqlite3.Connection], None]):
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_create_venvs(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE venvs (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            path TEXT NOT NULL UNIQUE,
            project TEXT,
            python TEXT,
            kind TEXT NOT NULL DEFAULT 'venv',
            created_at TEXT,
            last_used_at TEXT,
            registered_at TEXT NOT NULL
        )
        """
    )


@migration
def m002_add_measurements(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE venvs ADD COLUMN size_bytes INTEGER")
    db.execute("ALTER TABLE venvs ADD COLUMN size_measured_at TEXT")
    db.execute("ALTER TABLE venvs ADD COLUMN packages INTEGER")
    db.execute("ALTER TABLE venvs ADD COLUMN health TEXT NOT NULL DEFAULT 'ok'")


@migration
def m003_add_identity_and_deletion(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE venvs ADD COLUMN device INTEGER")
    db.execute("ALTER TABLE venvs ADD COLUMN inode INTEGER")
    db.execute("ALTER TABLE venvs ADD COLUMN deleting_since TEXT")


SCHEMA_VERSION = len(MIGRATIONS)


# --------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------


class Registry:
    """An open registry. Use `open_registry()`; close it (or use `with`)."""

    def __init__(self, path: str | Path, readonly: bool = False):
        """`readonly`: the caller only reads, so a registry that cannot be written (a read-only
        $VENVY_HOME) is opened read-only instead of failing; `self.readonly` tells which."""
        self.path = path
        self.readonly = False
        try:
            self._open()
        except RegistryError as exc:
            # only a registry venvy cannot write is read instead (not a busy or a corrupted one)
            cannot_write = isinstance(exc.__cause__, OSError) or (
                isinstance(exc.__cause__, sqlite3.OperationalError)
                and any(w in str(exc.__cause__) for w in ("readonly", "read-only", "unable to open"))
            )
            if not (readonly and cannot_write):
                raise
            self._open_readonly()

    def _open(self) -> None:
        with self._errors():
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            self.db = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            try:
                self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                self.db.execute("PRAGMA synchronous = NORMAL")  # WAL: safe from corruption, fewer fsyncs
                version = self.db.execute("PRAGMA user_version").fetchone()[0]
                if version != SCHEMA_VERSION:
                    self._migrate(version)
            except BaseException:
                self.db.close()
                raise

    def _open_readonly(self) -> None:
        """Read a registry venvy may not write: as it is (mode=ro), or, when SQLite cannot even
        create its WAL index beside it, as an immutable file. No file at all: an empty registry."""
        self.readonly = True
        if not os.path.exists(self.path):
            self.db = sqlite3.connect(":memory:", isolation_level=None)
            self._migrate(0)
            return
        import urllib.parse  # only here: `venvy ls` stays light

        uri = "file:" + urllib.parse.quote(os.path.abspath(self.path))
        for query in ("?mode=ro", "?mode=ro&immutable=1"):
            try:
                self.db = sqlite3.connect(uri + query, uri=True, isolation_level=None)
                version = self.db.execute("PRAGMA user_version").fetchone()[0]
                break
            except sqlite3.Error:
                self.db.close()
        else:
            with self._errors():
                raise sqlite3.OperationalError("it can be neither written nor read")
        if version != SCHEMA_VERSION:
            self.db.close()
            raise RegistryError(
                f"The registry {self.path} is read-only and has schema version {version}; this venvy needs "
                f"{SCHEMA_VERSION}. Run venvy once where it can write the registry, to upgrade it."
            )

    # -- plumbing ----------------------------------------------------------

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """sqlite3 errors become one clear RegistryError; the file is never touched."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise RegistryError(
                    f"The registry {self.path} is busy (another venvy is writing to it); try again."
                ) from exc
            raise RegistryError(f"Cannot use the registry {self.path}: {exc}.") from exc
        except sqlite3.DatabaseError as exc:
            raise RegistryError(
                f"The registry {self.path} is not a readable SQLite database ({exc}). venvy left it "
                f"untouched: move it aside (mv {self.path} {self.path}.bak) and run `venvy scan` to start a new one."
            ) from exc
        except OSError as exc:
            raise RegistryError(f"Cannot open the registry {self.path}: {exc.strerror or exc}.") from exc

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front so concurrent writers queue instead of failing."""
        with self._errors():
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def _migrate(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise RegistryError(
                f"The registry {self.path} has schema version {version}, newer than this venvy "
                f"understands ({SCHEMA_VERSION}); upgrade venvy."
            )
        self._use_wal()
        with self.transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            done = {row[0] for row in db.execute("SELECT name FROM migrations")}
            for fn in MIGRATIONS:
                if fn.__name__ not in done:
                    fn(db)
                    db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (fn.__name__, now_iso()))
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _use_wal(self) -> None:
        """Switch the file to WAL. While another connection has it open (two venvys creating the
        registry together) SQLite refuses at once, without its busy handler, so wait here for up to
        the busy timeout. A file system without WAL keeps its mode: that is not an error."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while self.db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            try:
                self.db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if not ("locked" in str(exc) or "busy" in str(exc)) or time.monotonic() > deadline:
                    raise
                time.sleep(0.005)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Registry":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def applied_migrations(self) -> list[str]:
        with self._errors():
            return [row[0] for row in self.db.execute("SELECT name FROM migrations ORDER BY rowid")]

    # -- reads -------------------------------------------------------------

    def _select(self, where: str = "", args: Iterable = ()) -> list[VenvRecord]:
        sql = f"SELECT {', '.join(COLUMNS)} FROM venvs {where}"
        with self._errors():
            return [VenvRecord(*row) for row in self.db.execute(sql, tuple(args))]

    def all(self) -> list[VenvRecord]:
        return self._select("ORDER BY name")

    def get(self, name: str) -> VenvRecord | None:
        found = self._select("WHERE name = ?", (name,))
        return found[0] if found else None

    def require(self, name: str) -> VenvRecord:
        record = self.get(name)
        if record is None:
            raise NotFoundError(f"No venv named {name!r} in the registry; `venvy ls` lists them.")
        return record

    def get_by_path(self, path: str | Path) -> VenvRecord | None:
        found = self._select("WHERE path = ?", (str(path),))
        return found[0] if found else None

    # -- writes ------------------------------------------------------------

    def _names(self, db: sqlite3.Connection) -> set[str]:
        return {row[0] for row in db.execute("SELECT name FROM venvs")}

    def add(self, record: VenvRecord) -> VenvRecord:
        """Insert a new record under exactly its name (refuses a taken name or path)."""
        with self.transaction() as db:
            self._refuse_taken(db, record)
            self._insert(db, record)
        return record

    def _refuse_taken(self, db: sqlite3.Connection, record: VenvRecord) -> None:
        row = db.execute("SELECT name FROM venvs WHERE path = ?", (record.path,)).fetchone()
        if row:
            raise AlreadyExistsError(f"{record.path} is already registered as {row[0]!r}.")
        if db.execute("SELECT 1 FROM venvs WHERE name = ?", (record.name,)).fetchone():
            raise AlreadyExistsError.name_taken(record.name)

    def _insert(self, db: sqlite3.Connection, record: VenvRecord) -> None:
        record.registered_at = record.registered_at or now_iso()
        placeholders = ", ".join("?" for _ in COLUMNS)
        values = [getattr(record, c) for c in COLUMNS]
        db.execute(f"INSERT INTO venvs ({', '.join(COLUMNS)}) VALUES ({placeholders})", values)

    def save_found(
        self,
        found: Iterable[tuple[VenvRecord, Iterable[str]]],
        keep: tuple[str, ...] = ("name", "project", "last_used_at", "registered_at", *IDENTITY),
    ) -> list[tuple[str, VenvRecord]]:
        """Register or refresh venvs found on disk, in one transaction.

        Each item is (record, name candidates). A path already registered is
        updated but keeps the fields in `keep` (its name, project, last use, and
        the identity recorded at registration, unless none was); a new path gets
        the first free candidate name. A deletion in progress stays recorded.
        Returns ("new" | "updated", stored record) for each item, in order.
        """
        results = []
        with self.transaction() as db:
            names = self._names(db)
            for record, candidates in found:
                row = db.execute(f"SELECT {', '.join(COLUMNS)} FROM venvs WHERE path = ?", (record.path,)).fetchone()
                if row:
                    old = VenvRecord(*row)
                    for column in keep:
                        if column not in IDENTITY or old.device is not None:
                            setattr(record, column, getattr(old, column))
                    record.deleting_since = old.deleting_since
                    record.created_at = record.created_at or old.created_at
                    record.project = record.project or old.project
                    self._update(db, record)
                    results.append(("updated", record))
                    continue
                tried = []
                for name in candidates:
                    tried.append(name)
                    if name not in names:
                        record.name = name
                        break
                else:
                    raise AlreadyExistsError.name_taken(tried[0])
                self._insert(db, record)
                names.add(record.name)
                results.append(("new", record))
        return results

    def _update(self, db: sqlite3.Connection, record: VenvRecord) -> None:
        columns = [c for c in COLUMNS if c != "path"]
        assignments = ", ".join(f"{c} = ?" for c in columns)
        db.execute(
            f"UPDATE venvs SET {assignments} WHERE path = ?",
            [getattr(record, c) for c in columns] + [record.path],
        )

    def update(self, record: VenvRecord) -> None:
        """Store every field of a record already registered (found by its path)."""
        with self.transaction() as db:
            self._update(db, record)

    def update_many(self, records: Iterable[VenvRecord]) -> None:
        with self.transaction() as db:
            for record in records:
                self._update(db, record)

    def rename(self, old: str, new: str) -> None:
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM venvs WHERE name = ?", (new,)).fetchone():
                raise AlreadyExistsError.name_taken(new)
            db.execute("UPDATE venvs SET name = ? WHERE name = ?", (new, old))

    def mark_deleting(self, name: str, when: str | None) -> None:
        """Record that deleting the venv's files started (None: it is over, or was refused)."""
        with self.transaction() as db:
            db.execute("UPDATE venvs SET deleting_since = ? WHERE name = ?", (when, name))

    def remove(self, name: str) -> bool:
        with self.transaction() as db:
            return db.execute("DELETE FROM venvs WHERE name = ?", (name,)).rowcount > 0

    def touch(self, path: str | Path, when: str | None = None) -> bool:
        """Record a use of the venv at `path`; False when it is not registered."""
        with self.transaction() as db:
            cursor = db.execute("UPDATE venvs SET last_used_at = ? WHERE path = ?", (when or now_iso(), str(path)))
            return cursor.rowcount > 0


def open_registry(path: str | Path | None = None, readonly: bool = False) -> Registry:
    """Open (and create or migrate) the registry; default $VENVY_HOME/registry.db.
    `readonly`: for commands that only read; they then work from a read-only $VENVY_HOME."""
    return Registry(path or paths.registry_db_text(), readonly=readonly)
