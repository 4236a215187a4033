"""The registry: migrations from blank and from the oldest schema, WAL, corruption, concurrency."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from venvy import paths, registry
from venvy.errors import AlreadyExistsError, NotFoundError, RegistryError
from venvy.registry import VenvRecord, open_registry


def test_blank_database_gets_every_migration_and_wal(venvy_home):
    with open_registry() as reg:
        assert reg.applied_migrations() == [fn.__name__ for fn in registry.MIGRATIONS]
        assert reg.all() == []
    db = sqlite3.connect(paths.registry_db())
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == registry.SCHEMA_VERSION
    columns = {row[1] for row in db.execute("PRAGMA table_info(venvs)")}
    assert set(registry.COLUMNS) <= columns


def test_oldest_schema_is_migrated_and_keeps_its_rows(venvy_home):
    path = paths.registry_db()
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    registry.MIGRATIONS[0](db)
    db.execute("INSERT INTO migrations VALUES (?, ?)", (registry.MIGRATIONS[0].__name__, "2024-01-01T00:00:00Z"))
    db.execute(
        "INSERT INTO venvs (name, path, python, kind, last_used_at, registered_at) VALUES (?, ?, ?, ?, ?, ?)",
        ("old", "/srv/old/.venv", "3.8.10", "venv", "2024-02-01T00:00:00Z", "2024-01-01T00:00:00Z"),
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with open_registry() as reg:
        assert reg.applied_migrations() == [fn.__name__ for fn in registry.MIGRATIONS]
        old = reg.require("old")
    assert old.python == "3.8.10" and old.last_used_at == "2024-02-01T00:00:00Z"
    assert old.health == "ok" and old.size_bytes is None


def test_newer_schema_is_refused(venvy_home):
    open_registry().close()
    db = sqlite3.connect(paths.registry_db())
    db.execute(f"PRAGMA user_version = {registry.SCHEMA_VERSION + 5}")
    db.commit()
    db.close()
    with pytest.raises(RegistryError, match="newer"):
        open_registry()


def test_corrupted_file_is_reported_and_left_alone(venvy_home, cli):
    path = paths.registry_db()
    path.parent.mkdir(parents=True)
    garbage = b"this is not sqlite at all\n" * 200
    path.write_bytes(garbage)
    with pytest.raises(RegistryError, match="not a readable SQLite database"):
        open_registry()
    result = cli("ls")
    assert result.exit_code == 1
    assert "not a readable SQLite database" in result.stderr
    assert "Traceback" not in result.output
    assert path.read_bytes() == garbage


def test_unopenable_path_is_a_clear_error(venvy_home, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(RegistryError, match="Cannot"):
        open_registry(target / "registry.db")


def test_add_refuses_taken_name_and_path(registry):
    registry.add(VenvRecord(name="a", path="/x/a"))
    with pytest.raises(AlreadyExistsError, match="already registered"):
        registry.add(VenvRecord(name="b", path="/x/a"))
    with pytest.raises(AlreadyExistsError, match="taken"):
        registry.add(VenvRecord(name="a", path="/x/b"))
    with pytest.raises(NotFoundError):
        registry.require("nope")


def test_save_found_dedups_names_and_keeps_last_use(registry):
    first = registry.save_found([(VenvRecord(name="", path="/p/api/.venv"), iter(["api", "p-api"]))])
    second = registry.save_found([(VenvRecord(name="", path="/q/api/.venv"), iter(["api", "q-api"]))])
    assert first[0][0] == "new" and second[0][1].name == "q-api"
    assert registry.touch("/p/api/.venv", "2025-05-05T05:05:05Z")
    assert not registry.touch("/nowhere")
    again = registry.save_found([(VenvRecord(name="", path="/p/api/.venv", size_bytes=7), iter(["zzz"]))])
    assert again[0][0] == "updated"
    stored = registry.get("api")
    assert stored.last_used_at == "2025-05-05T05:05:05Z" and stored.size_bytes == 7
    with pytest.raises(AlreadyExistsError):
        registry.save_found([(VenvRecord(name="", path="/r/x"), ["api"])])


def test_rename_and_remove(registry):
    registry.add(VenvRecord(name="a", path="/x/a"))
    registry.add(VenvRecord(name="b", path="/x/b"))
    with pytest.raises(AlreadyExistsError):
        registry.rename("a", "b")
    registry.rename("a", "c")
    assert registry.get("c").path == "/x/a"
    assert registry.remove("c") and not registry.remove("c")


def test_failed_transaction_rolls_back(registry):
    with pytest.raises(ZeroDivisionError):
        with registry.transaction() as db:
            db.execute("INSERT INTO venvs (name, path, registered_at) VALUES ('t', '/t', 'x')")
            1 / 0
    assert registry.get("t") is None


def test_busy_registry_is_a_clear_error(venvy_home, monkeypatch):
    monkeypatch.setattr(registry, "BUSY_TIMEOUT_MS", 50)
    with open_registry() as holder, open_registry() as other:
        holder.db.execute("BEGIN IMMEDIATE")
        with pytest.raises(RegistryError, match="busy"):
            other.add(VenvRecord(name="x", path="/x"))
        holder.db.execute("ROLLBACK")


def _writer(home: str, tag: str, rounds: int, count: int, queue, start) -> None:
    """Each round, a registry that does not exist yet: both processes create it at the same
    moment (SQLite refuses the switch to WAL at once while the other holds the file), then
    write `count` records into it."""
    try:
        for r in range(rounds):
            start.wait(30)
            for i in range(count):
                with open_registry(f"{home}/round{r}/registry.db") as reg:
                    reg.save_found([(VenvRecord(name="", path=f"/{tag}/{i}/.venv"), iter([f"{tag}{i}"]))])
        queue.put((tag, "ok"))
    except Exception as exc:  # pragma: no cover - reported to the test
        start.abort()  # the other process stops waiting for this one
        queue.put((tag, repr(exc)))


def test_two_processes_create_and_write_at_once(venvy_home):
    ctx = multiprocessing.get_context("spawn")
    queue, start = ctx.Queue(), ctx.Barrier(2)
    workers = [ctx.Process(target=_writer, args=(str(venvy_home), tag, 20, 5, queue, start)) for tag in ("a", "b")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    results = dict(queue.get(timeout=5) for _ in workers)
    assert results == {"a": "ok", "b": "ok"}
    for r in range(20):
        with open_registry(venvy_home / f"round{r}" / "registry.db") as reg:
            assert len(reg.all()) == 10


def test_time_helpers():
    from venvy import times

    assert times.to_iso(0) == "1970-01-01T00:00:00Z"
    assert times.to_iso(None) is None and times.from_iso("") is None
    assert times.from_iso("1970-01-01T00:00:00Z").timestamp() == 0
