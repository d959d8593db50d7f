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
"""

from __future__ import annotations

import importlib
import io
import os
from collections.abc import Iterator
from datetime import timedelta
from typing import IO, Any

from ..errors import PluginNotFoundError, StorageError, ValidationError
from ..hookspecs import hookimpl
from .base import (
    BucketStorage,
    HashingReader,
    ObjectNotFoundError,
    StorageBackend,
    StoredObject,
    check_expires_in,
    iter_chunks,
    join_key,
    parse_bucket_uri,
    validate_prefix,
)
from .sources import content_type_for, open_source

__all__ = ["GCSStorage"]

INSTALL_HINT = "pip install 'bria-tailored[gcs]'"
CHUNK_MULTIPLE = 256 * 1024
DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024
EMULATOR_ENV = "STORAGE_EMULATOR_HOST"
EMULATOR_PROJECT = "bria-tailored-emulator"


def _require_gcs() -> Any:
    try:
        storage = importlib.import_module("google.cloud.storage")
    except ImportError as exc:
        raise PluginNotFoundError(
            f"gs:// storage needs google-cloud-storage, which is not installed ({exc}); run: {INSTALL_HINT}"
        ) from None
    return storage


def parse_gs_uri(uri: str) -> tuple[str, str]:
    """``"gs://bucket/some/prefix/"`` → ``("bucket", "some/prefix")``."""
    return parse_bucket_uri(uri, "gs", "GCS")


class GCSStorage(BucketStorage):
    """Objects under ``gs://bucket/prefix``."""

    schemes = ("gs",)
    service = "GCS"

    def __init__(
        self,
        uri: str,
        *,
        project: str | None = None,
        credentials: Any = None,
        client: Any = None,
        signing_credentials: Any = None,
        service_account_email: str | None = None,
        access_token: str | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        resumable_threshold: int = DEFAULT_CHUNK_SIZE,
    ) -> None:
        self._storage = _require_gcs()
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
    def _make_client(self) -> Any:
        emulator = os.environ.get(EMULATOR_ENV)
        credentials, project = self._credentials, self._project
        kwargs: dict[str, Any] = {}
        if emulator:
            if credentials is None:
                from google.auth.credentials import AnonymousCredentials

                credentials = AnonymousCredentials()
            project = project or EMULATOR_PROJECT
            if "://" not in emulator:
                kwargs["client_options"] = {"api_endpoint": f"http://{emulator}"}
        return self._storage.Client(project=project, credentials=credentials, **kwargs)

    @property
    def bucket(self) -> Any:
        return self.client.bucket(self.bucket_name)

    # ----------------------------------------------------------------- operations
    def put(self, key: str, source: Any, content_type: str | None = None) -> StoredObject:
        name = self.object_key(key)
        with open_source(source) as src:
            ctype = content_type_for(key, content_type, src)
            size = src.size if src.size is not None else _remaining(src.stream)
            try:
                if size is not None and _seekable(src.stream):
                    reader = HashingReader(src.stream, seekable=True)
                    blob = self.bucket.blob(
                        name, chunk_size=self._chunk_size if size > self._resumable_threshold else None
                    )
                    blob.upload_from_file(reader, size=size, content_type=ctype, rewind=False)
                else:
                    reader = HashingReader(src.stream)
                    blob = self.bucket.blob(name)
                    writer = blob.open(
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

    def open_read(self, key: str) -> IO[bytes]:
        try:
            blob = self.bucket.get_blob(self.object_key(key))
        except Exception as exc:
            self._raise(exc, f"read {self.uri(key)}")
        if blob is None:
            raise ObjectNotFoundError(f"no object at {self.uri(key)}")
        reader: IO[bytes] = blob.open("rb", chunk_size=self._chunk_size)
        return reader

    def exists(self, key: str) -> bool:
        try:
            return bool(self.bucket.blob(self.object_key(key)).exists())
        except Exception as exc:
            self._raise(exc, f"check {self.uri(key)}")
            raise

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

    def public_url(self, key: str, expires_in: int = 3600) -> str:
        seconds = check_expires_in(expires_in)
        blob = self.bucket.blob(self.object_key(key))
        try:
            url: str = blob.generate_signed_url(
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
        return url

    def _raise(self, exc: Exception, action: str) -> Any:
        if isinstance(exc, StorageError | ValidationError):
            raise exc
        from google.api_core.exceptions import GoogleAPIError, NotFound

        if isinstance(exc, NotFound) and action.startswith("read"):
            raise ObjectNotFoundError(f"cannot {action}: no such object") from exc
        if isinstance(exc, GoogleAPIError):
            raise StorageError(f"cannot {action}: {exc}") from exc
        raise exc


def _seekable(stream: Any) -> bool:
    try:
        return bool(stream.seekable())
    except Exception:
        return False


def _remaining(stream: Any) -> int | None:
    """Bytes left in a seekable stream (None if it cannot tell)."""
    if not _seekable(stream):
        return None
    try:
        here = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(here)
        return int(end - here)
    except Exception:
        return None


@hookimpl(trylast=True)
def bria_tailored_storage_backends() -> list[type[StorageBackend]]:
    return [GCSStorage]
