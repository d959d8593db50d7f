"""Google Cloud Storage, ``gs://bucket/prefix``, with google-cloud-storage (extra ``gcs``).

Built-in plugin ``gcs``. google-cloud-storage is imported when a storage is opened, not when this module
is imported; without it :class:`GCSStorage` raises ``PluginNotFoundError`` naming
``pip install 'bria-tailored[gcs]'``.

* Credentials: option ``credentials`` (and ``project``), else Application Default Credentials. With
  ``STORAGE_EMULATOR_HOST`` set, data calls go to the emulator with anonymous credentials.
* ``put``: a seekable source of known size goes through ``blob.upload_from_file`` (a resumable upload in
  ``chunk_size`` pieces above ``resumable_threshold``); any other stream through ``blob.open("wb")``
  (resumable, ``chunk_size`` bytes of memory). A failing stream cancels the upload: no object appears.
* ``public_url``: a V4 signed GET (``X-Goog-Algorithm=GOOG4-RSA-SHA256``) for 1..604800 seconds, signed with
  option ``signing_credentials`` (a service account), else the client's credentials; IAM signing with
  ``service_account_email`` + ``access_token`` is passed through.

google-cloud-storage ships no type information: :class:`GCSClient`, :class:`GCSBucket` and
:class:`GCSBlob` describe the part of it this module uses, and the client is typed as one where it is made.
"""

from __future__ import annotations

import importlib
import io
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Literal, NoReturn, Protocol, Self, cast, overload

from .._storage_base import (
    BinaryReader,
    BucketStorage,
    HashingReader,
    ObjectNotFoundError,
    Readable,
    SeekableReadable,
    SourceLike,
    StorageBackend,
    StoredObject,
    check_expires_in,
    iter_chunks,
    join_key,
    parse_bucket_uri,
    validate_prefix,
)
from ..errors import PluginNotFoundError, StorageError, ValidationError
from ..hookspecs import hookimpl
from .sources import content_type_for, open_source

if TYPE_CHECKING:
    from google.auth.credentials import Credentials

__all__ = ["GCSBlob", "GCSBucket", "GCSClient", "GCSStorage"]

INSTALL_HINT = "pip install 'bria-tailored[gcs]'"
CHUNK_MULTIPLE = 256 * 1024
DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024
EMULATOR_ENV = "STORAGE_EMULATOR_HOST"
EMULATOR_PROJECT = "bria-tailored-emulator"


class BlobWriter(Protocol):
    """``blob.open("wb")``: a resumable upload written in chunks; leaving ``with`` commits (or cancels)."""

    def write(self, data: bytes, /) -> int: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> bool | None: ...


class GCSBlob(Protocol):
    """The part of ``google.cloud.storage.Blob`` this module uses."""

    @property
    def name(self) -> str: ...

    @property
    def generation(self) -> int | None: ...

    def upload_from_file(
        self,
        file_obj: Readable,
        *,
        size: int | None = ...,
        content_type: str | None = ...,
        rewind: bool = ...,
    ) -> None: ...

    @overload
    def open(self, mode: Literal["rb"], *, chunk_size: int | None = ...) -> BinaryReader: ...

    @overload
    def open(
        self,
        mode: Literal["wb"],
        *,
        chunk_size: int | None = ...,
        content_type: str | None = ...,
        ignore_flush: bool = ...,
    ) -> BlobWriter: ...

    def exists(self) -> bool: ...

    def delete(self) -> None: ...

    def generate_signed_url(
        self,
        *,
        version: Literal["v2", "v4"],
        expiration: timedelta,
        method: str,
        credentials: Credentials | None = ...,
        service_account_email: str | None = ...,
        access_token: str | None = ...,
    ) -> str: ...


class GCSBucket(Protocol):
    """The part of ``google.cloud.storage.Bucket`` this module uses."""

    def blob(
        self, blob_name: str, chunk_size: int | None = ..., *, generation: int | None = ...
    ) -> GCSBlob: ...

    def get_blob(self, blob_name: str) -> GCSBlob | None: ...


class GCSClient(Protocol):
    """The part of ``google.cloud.storage.Client`` this module uses."""

    def bucket(self, bucket_name: str) -> GCSBucket: ...

    def list_blobs(self, bucket_or_name: str, *, prefix: str | None = ...) -> Iterable[GCSBlob]: ...

    def close(self) -> None: ...


def _require_gcs() -> None:
    """Fail with the install hint when google-cloud-storage is missing (imported when a storage opens)."""
    try:
        importlib.import_module("google.cloud.storage")
    except ImportError as exc:
        raise PluginNotFoundError(
            f"gs:// storage needs google-cloud-storage, which is not installed ({exc}); run: {INSTALL_HINT}"
        ) from None


def parse_gs_uri(uri: str) -> tuple[str, str]:
    """``"gs://bucket/some/prefix/"`` → ``("bucket", "some/prefix")``."""
    return parse_bucket_uri(uri, "gs", "GCS")


class GCSStorage(BucketStorage[GCSClient]):
    """Objects under ``gs://bucket/prefix``."""

    schemes = ("gs",)
    service = "GCS"

    def __init__(
        self,
        uri: str,
        *,
        project: str | None = None,
        credentials: Credentials | None = None,
        client: GCSClient | None = None,
        signing_credentials: Credentials | None = None,
        service_account_email: str | None = None,
        access_token: str | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        resumable_threshold: int = DEFAULT_CHUNK_SIZE,
    ) -> None:
        _require_gcs()
        self._init_bucket(uri, client)
        if chunk_size <= 0 or chunk_size % CHUNK_MULTIPLE:
            rule = f"must be a positive multiple of {CHUNK_MULTIPLE}"
            raise ValidationError("chunk_size", chunk_size, rule)
        self._chunk_size = chunk_size
        self._resumable_threshold = resumable_threshold
        self._project = project
        self._credentials = credentials
        self._signing_credentials = signing_credentials
        self._service_account_email = service_account_email
        self._access_token = access_token

    # ----------------------------------------------------------------- client
    def _make_client(self) -> GCSClient:
        from google.auth.credentials import AnonymousCredentials

        emulator = os.environ.get(EMULATOR_ENV)
        credentials, project = self._credentials, self._project
        client_options: dict[str, str] | None = None
        if emulator:
            if credentials is None:
                # google-auth leaves this constructor unannotated: it takes no arguments
                credentials = cast("Callable[[], Credentials]", AnonymousCredentials)()
            project = project or EMULATOR_PROJECT
            if "://" not in emulator:
                client_options = {"api_endpoint": f"http://{emulator}"}
        storage = importlib.import_module("google.cloud.storage")
        # google-cloud-storage is untyped: its Client is what GCSClient describes
        client: GCSClient = storage.Client(
            project=project, credentials=credentials, client_options=client_options
        )
        return client

    @property
    def bucket(self) -> GCSBucket:
        return self.client.bucket(self.bucket_name)

    # ----------------------------------------------------------------- operations
    def put(self, key: str, source: SourceLike, content_type: str | None = None) -> StoredObject:
        name = self.object_key(key)
        with open_source(source) as src:
            ctype = content_type_for(key, content_type, src)
            size = src.size if src.size is not None else _remaining(src.stream)
            reader = HashingReader(src.stream, seekable=size is not None)
            try:
                if size is not None and reader.seekable():
                    chunk_size = self._chunk_size if size > self._resumable_threshold else None
                    blob = self.bucket.blob(name, chunk_size=chunk_size)
                    blob.upload_from_file(reader, size=size, content_type=ctype, rewind=False)
                else:
                    writer = self.bucket.blob(name).open(
                        "wb", chunk_size=self._chunk_size, content_type=ctype, ignore_flush=True
                    )
                    with writer:
                        for chunk in iter_chunks(reader, self._chunk_size):
                            writer.write(chunk)
            except Exception as exc:
                self._raise(exc, f"upload to {self.uri(key)}")
        return StoredObject(
            uri=self.uri(key), key=key, size=reader.size, sha256=reader.hexdigest(), content_type=ctype
        )

    def open_read(self, key: str) -> BinaryReader:
        try:
            blob = self.bucket.get_blob(self.object_key(key))
        except Exception as exc:
            self._raise(exc, f"read {self.uri(key)}")
        if blob is None:
            raise ObjectNotFoundError(f"no object at {self.uri(key)}")
        # Read that generation by name, not through the server's mediaLink: the read stays on one version
        # while an overwrite lands, and works with emulators whose mediaLink leaves ';', '?', '#' and '%'
        # in names unescaped.
        reader = self.bucket.blob(blob.name, generation=blob.generation)
        return reader.open("rb", chunk_size=self._chunk_size)

    def exists(self, key: str) -> bool:
        try:
            return self.bucket.blob(self.object_key(key)).exists()
        except Exception as exc:
            self._raise(exc, f"check {self.uri(key)}")

    def delete(self, key: str) -> None:
        from google.api_core.exceptions import NotFound

        try:
            self.bucket.blob(self.object_key(key)).delete()
        except NotFound:
            return
        except Exception as exc:
            self._raise(exc, f"delete {self.uri(key)}")

    def list(self, prefix: str = "") -> Iterator[str]:
        prefix = validate_prefix(prefix)
        full = join_key(self.prefix, prefix) if prefix else (f"{self.prefix}/" if self.prefix else "")
        if prefix.endswith("/") and not full.endswith("/"):
            full += "/"
        strip = len(self.prefix) + 1 if self.prefix else 0
        try:
            for blob in self.client.list_blobs(self.bucket_name, prefix=full or None):
                yield blob.name[strip:]
        except Exception as exc:
            self._raise(exc, f"list {self.uri('')}")

    def public_url(self, key: str, expires_in: int | timedelta = 3600) -> str:
        seconds = check_expires_in(expires_in)
        blob = self.bucket.blob(self.object_key(key))
        try:
            return blob.generate_signed_url(
                version="v4",
                expiration=timedelta(seconds=seconds),
                method="GET",
                credentials=self._signing_credentials,
                service_account_email=self._service_account_email,
                access_token=self._access_token,
            )
        except AttributeError as exc:  # google-auth: "you need a private key to sign credentials"
            raise StorageError(
                f"cannot sign a URL for {self.uri(key)}: these credentials cannot sign ({exc}); pass "
                "signing_credentials= (service-account credentials) or service_account_email= and "
                "access_token= (IAM signBlob)"
            ) from None
        except Exception as exc:
            self._raise(exc, f"sign a URL for {self.uri(key)}")

    def _raise(self, exc: Exception, action: str) -> NoReturn:
        if isinstance(exc, StorageError | ValidationError):
            raise exc
        from google.api_core.exceptions import GoogleAPIError, NotFound

        if isinstance(exc, NotFound) and action.startswith("read"):
            raise ObjectNotFoundError(f"cannot {action}: no such object") from exc
        if isinstance(exc, GoogleAPIError):
            raise StorageError(f"cannot {action}: {exc}") from exc
        raise exc


def _remaining(stream: Readable) -> int | None:
    """Bytes left in a seekable stream (None if it cannot tell)."""
    if not isinstance(stream, SeekableReadable):
        return None
    try:
        if not stream.seekable():
            return None
        here = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(here)
    except Exception:  # a stream that cannot answer has no known size
        return None
    return end - here


@hookimpl(trylast=True)
def bria_tailored_storage_backends() -> list[type[StorageBackend]]:
    return [GCSStorage]
