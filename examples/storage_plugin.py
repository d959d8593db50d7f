"""A storage plugin: an in-memory ``mem://bucket/prefix`` backend offered through the
``bria_tailored_storage_backends`` hook, plus a ``bria_tailored_output_saved`` hook; generated images are
then saved into it by ``client.save`` (a URI with the plugin's scheme works wherever storage is taken).

A package would not register itself by hand: it names its module in ``pyproject.toml``,
``[project.entry-points.bria_tailored] memory = "bria_memory_storage"``, and is loaded at first use.

Run it with ``python examples/storage_plugin.py``. With ``BRIA_BASE_URL`` set, it talks to that server with
``BRIA_API_TOKEN``; without, to the built-in sandbox (offline, no token). It trains a model on a few
drawings of the demo's mascot (Pillow, in a temporary folder), saves an image and its sidecar into
``mem://assets/pip/`` and lists and reads them back.
"""

import hashlib
import io
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bria_tailored import TailoredClient
from bria_tailored.cli.demo_art import draw_family
from bria_tailored.errors import NotPubliclyAddressableError, ObjectNotFoundError
from bria_tailored.plugins import get_plugin_manager, hookimpl
from bria_tailored.storage import Readable, SourceLike, StorageBackend, StoredObject, open_storage

BUCKETS: dict[str, dict[str, bytes]] = {}  # bucket -> object name -> bytes, shared by every MemoryStorage


class MemoryStorage(StorageBackend):
    """``mem://bucket/prefix``: objects kept in this process's memory."""

    schemes = ("mem",)

    def __init__(self, uri: str, /, **options: object) -> None:
        bucket, _, prefix = uri.removeprefix("mem://").partition("/")
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.objects = BUCKETS.setdefault(bucket, {})

    def _name(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, source: SourceLike, content_type: str | None = None) -> StoredObject:
        data = read_all(source)
        self.objects[self._name(key)] = data
        return StoredObject(self.uri(key), key, len(data), hashlib.sha256(data).hexdigest(), content_type)

    def open_read(self, key: str) -> io.BytesIO:
        if not self.exists(key):
            raise ObjectNotFoundError(f"no object at {self.uri(key)}")
        return io.BytesIO(self.objects[self._name(key)])

    def exists(self, key: str) -> bool:
        return self._name(key) in self.objects

    def delete(self, key: str) -> None:
        self.objects.pop(self._name(key), None)

    def list(self, prefix: str = "") -> Iterator[str]:
        root = self._name("")
        return (name[len(root) :] for name in sorted(self.objects) if name.startswith(root + prefix))

    def public_url(self, key: str, expires_in: int = 3600) -> str:
        raise NotPubliclyAddressableError(
            f"{self.uri(key)} is in this process's memory: Bria cannot fetch it"
        )

    def uri(self, key: str) -> str:
        return f"mem://{self.bucket}/{self._name(key)}"


def read_all(source: SourceLike) -> bytes:
    """The bytes of a source: bytes, a local path, a binary stream (what downloads pass) or byte chunks."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        return Path(source).read_bytes()
    if isinstance(source, Readable):
        data = bytearray()
        while chunk := source.read(1 << 20):
            data += chunk
        return bytes(data)
    return b"".join(source)


@hookimpl
def bria_tailored_storage_backends() -> list[type[StorageBackend]]:
    return [MemoryStorage]


@hookimpl
def bria_tailored_output_saved(stored: StoredObject, metadata: dict[str, object]) -> None:
    print(f"saved {stored.uri} ({stored.size} bytes) for prompt {metadata.get('prompt')!r}")


def main() -> None:
    get_plugin_manager().register(sys.modules[__name__], name="memory")  # a package: the entry point instead
    prompt = "Pip juggling three oranges"
    with TailoredClient() as client, tempfile.TemporaryDirectory() as tmp:  # $BRIA_API_TOKEN, $BRIA_BASE_URL
        images = Path(tmp, "pip")
        draw_family(images, count=6, size=256)
        trained = client.train(images, project="Pip", ip_type="icons", ip_medium="illustration")
        image = client.generate.image(trained.model.id, prompt, seed=3)
        client.save(image, "mem://assets/pip/", key="juggling.png", model_id=trained.model.id, prompt=prompt)

    store = open_storage("mem://assets/pip")
    print("objects:", list(store.list()))
    with store.open_read("juggling.png.json") as sidecar:
        print("sidecar:", json.load(sidecar)["prompt"])


if __name__ == "__main__":
    if os.environ.get("BRIA_BASE_URL"):  # a server you chose (Bria's is https://engine.prod.bria-api.com)
        main()
    else:  # the built-in sandbox on a free loopback port: offline, any token, training takes no time
        from bria_tailored.sandbox import run_sandbox

        with run_sandbox(training_seconds=0) as base_url:
            os.environ.update(BRIA_BASE_URL=base_url, BRIA_API_TOKEN="sandbox")
            main()
