"""Amazon S3 (and S3-compatible) storage, ``s3://bucket/prefix``, with boto3 (extra ``s3``).

Built-in plugin ``s3``. boto3 is imported when a storage is opened, not when this module is imported;
without it :class:`S3Storage` raises ``PluginNotFoundError`` naming ``pip install 'bria-tailored[s3]'``.

* Configuration is boto3's standard chain (environment, ``AWS_PROFILE``/``profile_name``, config files,
  instance roles); the region is explicit: option ``region_name``, else ``AWS_REGION``,
  ``AWS_DEFAULT_REGION``, the profile's region, else ``us-east-1``. The endpoint is option
  ``endpoint_url``, else ``AWS_ENDPOINT_URL_S3``, else ``AWS_ENDPOINT_URL`` (MinIO, moto, R2...).
* The client always signs with SigV4 and path-style addressing (boto3 may otherwise presign with SigV2).
* ``put`` reads the source once, in order, into ``part_size`` buffers and runs the multipart upload
  itself, with the calls and checksums boto3's transfer manager makes (``create_multipart_upload``,
  ``upload_part`` × n, ``complete_multipart_upload``; CRC32 part checksums when botocore computes them by
  default; one ``put_object`` below ``part_size``). Memory is ``max_in_memory_parts`` buffers, allocated
  once and reused, whatever the source (non-seekable streams too); file data is read straight into them
  and sent from them, so nothing between the source and the socket copies a part. Up to
  ``max_concurrency`` parts are sent at once. A failed upload is aborted, so no partial object or
  pending multipart upload remains. sha256 is computed while streaming, unless the caller says nobody
  will read it (``put(..., sha256=False)``: staging does, for objects Bria fetches once and that are
  deleted after; ``StoredObject.sha256`` is then None).
* Defaults: boto3's 8 MiB part size; 2 parts in memory, 2 sent at once, so staging a folder of any
  size stays under 100 MiB of peak RSS, interpreter and boto3 included (boto3's transfer manager holds
  up to 10 parts of a stream, 80 MiB). Raise ``max_in_memory_parts``/``max_concurrency`` for more
  parallel parts on a long-distance link.
* ``public_url`` is a SigV4 presigned GET; ``expires_in`` must be 1..604800 seconds (SigV4's maximum).
"""

from __future__ import annotations

import hashlib
import importlib
import io
import os
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import IO, TYPE_CHECKING, Any, Literal, NoReturn, TypedDict, cast

from .._storage_base import (
    MAX_PRESIGN_SECONDS,
    BucketStorage,
    ObjectNotFoundError,
    Readable,
    SourceLike,
    StorageBackend,
    StoredObject,
    check_expires_in,
    join_key,
    parse_bucket_uri,
    validate_prefix,
)
from ..errors import PluginNotFoundError, StorageError, ValidationError
from ..hookspecs import hookimpl
from .sources import content_type_for, open_source

if TYPE_CHECKING:  # types-boto3-lite[s3] (the dev extra) describes boto3; nothing is imported at run time
    from _typeshed import WriteableBuffer
    from boto3.session import Session
    from botocore.response import StreamingBody
    from types_boto3_s3.client import S3Client

__all__ = ["MAX_PRESIGN_SECONDS", "S3Storage"]

MIN_PART_SIZE = 5 * 1024 * 1024
_FIRST_READ = 256 * 1024  # the first buffer of a source of unknown size (it grows as needed)
DEFAULT_PART_SIZE = 8 * 1024 * 1024
INSTALL_HINT = "pip install 'bria-tailored[s3]'"
_MISSING = ("404", "NoSuchKey", "NotFound", "NoSuchBucket")

#: How object URLs name the bucket: ``path`` (``host/bucket/key``: MinIO, moto), ``virtual``
#: (``bucket.host/key``) or ``auto`` (botocore decides).
AddressingStyle = Literal["path", "virtual", "auto"]


class SessionOptions(TypedDict, total=False):
    """The credentials options of :class:`S3Storage`, as boto3's ``Session`` takes them."""

    profile_name: str  # a profile of ~/.aws/config and ~/.aws/credentials
    aws_access_key_id: str
    aws_secret_access_key: str
    aws_session_token: str  # temporary credentials (STS)


def _require_boto3() -> None:
    """Fail with the install hint when boto3 is missing (it is imported only when a storage is opened)."""
    try:
        importlib.import_module("boto3")
        importlib.import_module("botocore.config")
    except ImportError as exc:
        raise PluginNotFoundError(
            f"s3:// storage needs boto3, which is not installed ({exc}); run: {INSTALL_HINT}"
        ) from None


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``"s3://bucket/some/prefix/"`` → ``("bucket", "some/prefix")``."""
    return parse_bucket_uri(uri, "s3", "S3")


def resolve_region(region_name: str | None, session: Session | None = None) -> str:
    """Option, else AWS_REGION, AWS_DEFAULT_REGION, the session's (profile's) region, else us-east-1."""
    return (
        region_name
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or (session.region_name if session is not None else None)
        or "us-east-1"
    )


def resolve_endpoint(endpoint_url: str | None) -> str | None:
    return endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


_loader_lock = threading.Lock()
_shared_loader: Any = None


def _new_session(options: SessionOptions) -> Session:
    """A boto3 ``Session`` of its own (credentials, profile and region resolved afresh, as before), which
    shares botocore's data loader with the other S3 storages of this process: the loader only reads the
    service models shipped with botocore, and loading the S3 model again costs ~50 ms of CPU per storage."""
    import botocore.session
    from boto3.session import Session

    global _shared_loader
    core = botocore.session.Session()
    with _loader_lock:
        if _shared_loader is None:
            _shared_loader = core.get_component("data_loader")
        else:
            core.register_component("data_loader", _shared_loader)
        session = Session(botocore_session=core, **options)
        paths = _shared_loader.search_paths  # boto3 appends its own data folder once per Session
        paths[:] = list(dict.fromkeys(paths))
    return session


class S3Storage(BucketStorage["S3Client"]):
    """Objects under ``s3://bucket/prefix``."""

    schemes = ("s3",)
    service = "S3"

    def __init__(
        self,
        uri: str,
        *,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        profile_name: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        client: S3Client | None = None,
        part_size: int = DEFAULT_PART_SIZE,
        max_concurrency: int = 2,
        max_in_memory_parts: int = 2,
        addressing_style: AddressingStyle = "path",
    ) -> None:
        _require_boto3()
        self._init_bucket(uri, client)
        if part_size < MIN_PART_SIZE:
            rule = f"must be at least {MIN_PART_SIZE} bytes (S3's minimum part size)"
            raise ValidationError("part_size", part_size, rule)
        self._part_size = part_size
        self._max_concurrency = max(1, int(max_concurrency))
        self._max_in_memory_parts = max(1, int(max_in_memory_parts))
        self._session_options = SessionOptions()
        if profile_name:
            self._session_options["profile_name"] = profile_name
        if aws_access_key_id:
            self._session_options["aws_access_key_id"] = aws_access_key_id
        if aws_secret_access_key:
            self._session_options["aws_secret_access_key"] = aws_secret_access_key
        if aws_session_token:
            self._session_options["aws_session_token"] = aws_session_token
        self._region_option = region_name
        self._endpoint_option = endpoint_url
        self._addressing_style: AddressingStyle = addressing_style

    # ----------------------------------------------------------------- client
    def _make_client(self) -> S3Client:
        from botocore.config import Config

        session = _new_session(self._session_options)
        region = resolve_region(self._region_option, session)
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": self._addressing_style},
            region_name=region,
        )
        client: S3Client = session.client(
            "s3", region_name=region, endpoint_url=resolve_endpoint(self._endpoint_option), config=config
        )
        return client

    @property
    def region_name(self) -> str:
        return self.client.meta.region_name

    # ----------------------------------------------------------------- operations
    def put(
        self, key: str, source: SourceLike, content_type: str | None = None, *, sha256: bool = True
    ) -> StoredObject:
        """Stream ``source`` to ``key``; ``sha256=False`` skips the digest (``StoredObject.sha256`` None)."""
        object_key = self.object_key(key)
        with open_source(source) as src:
            ctype = content_type_for(key, content_type, src)
            digest = hashlib.sha256() if sha256 else None
            fill = _chunk_filler(source) if _is_chunk_iterable(source) else _stream_filler(src.stream)
            try:
                size = self._upload(object_key, ctype, fill, digest, src.size)
            except Exception as exc:
                self._raise(exc, f"upload to {self.uri(key)}")
        sha = digest.hexdigest() if digest is not None else None
        return StoredObject(uri=self.uri(key), key=key, size=size, sha256=sha, content_type=ctype)

    def _upload(
        self,
        object_key: str,
        content_type: str,
        fill: Callable[[memoryview], int],
        digest: Any,
        size_hint: int | None,
    ) -> int:
        """One ``put_object`` below ``part_size``, else a multipart upload (aborted if anything fails)."""
        client, part_size = self.client, self._part_size
        where: dict[str, Any] = {"Bucket": self.bucket_name, "Key": object_key}
        extra: dict[str, Any] = {}
        if getattr(client.meta.config, "request_checksum_calculation", None) == "when_supported":
            extra["ChecksumAlgorithm"] = "CRC32"  # what boto3's transfer manager asks for by default
        # The first buffer grows to a part only if the source is that long (sidecars, single images and
        # other small objects never allocate a whole part).
        if size_hint is not None:
            first = bytearray(min(part_size, size_hint + 1))
        else:
            first = bytearray(min(part_size, _FIRST_READ))
        n = fill(memoryview(first))
        while n == len(first) < part_size:
            # Grow into a new buffer rather than resizing: a reader may still hold a view of the old one
            # (resizing a bytearray with live exports raises BufferError).
            grown = bytearray(min(part_size, 4 * len(first)))
            grown[:n] = first
            first = grown
            n += fill(memoryview(first)[n:])
        if n < part_size:
            view = memoryview(first)[:n]
            if digest is not None:
                digest.update(view)
            client.put_object(
                **where, Body=cast("IO[bytes]", _PartBody(view)), ContentType=content_type, **extra
            )
            return n
        upload_id = client.create_multipart_upload(**where, ContentType=content_type, **extra)["UploadId"]
        try:
            parts = self._upload_parts(where, upload_id, first, fill, digest, extra)
            client.complete_multipart_upload(
                **where, UploadId=upload_id, MultipartUpload={"Parts": cast(Any, [p for _, p in parts])}
            )
        except BaseException:
            try:
                client.abort_multipart_upload(**where, UploadId=upload_id)
            except Exception:  # the original failure is what the caller needs to see
                pass
            raise
        return sum(size for size, _ in parts)

    def _upload_parts(
        self,
        where: dict[str, Any],
        upload_id: str,
        first: bytearray,
        fill: Callable[[memoryview], int],
        digest: Any,
        extra: dict[str, Any],
    ) -> list[tuple[int, dict[str, Any]]]:
        """Send the parts (``first`` is full) from reused buffers; (size, part) of each, in order."""
        client, part_size = self.client, self._part_size
        buffers = max(1, self._max_in_memory_parts)
        free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        futures: list[Future[tuple[int, dict[str, Any]]]] = []

        def send(number: int, buffer: bytearray, size: int) -> tuple[int, dict[str, Any]]:
            try:
                response = client.upload_part(
                    **where,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=cast("IO[bytes]", _PartBody(memoryview(buffer)[:size])),
                    **extra,
                )
            finally:
                free.put(buffer)  # sent (or failed): the buffer takes the next part
            part: dict[str, Any] = {"ETag": response["ETag"], "PartNumber": number}
            if "ChecksumAlgorithm" in extra and "ChecksumCRC32" in response:
                part["ChecksumCRC32"] = response["ChecksumCRC32"]
            return size, part

        def raise_failure() -> None:
            for future in futures:
                if future.done() and future.exception() is not None:
                    future.result()

        workers = max(1, min(self._max_concurrency, buffers))
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bria-s3")
        allocated, buffer, size, number = 1, first, part_size, 1
        try:
            while True:
                if digest is not None:
                    digest.update(memoryview(buffer)[:size])
                futures.append(pool.submit(send, number, buffer, size))
                if size < part_size:
                    break
                try:
                    buffer = free.get_nowait()
                except queue.Empty:
                    if allocated < buffers:
                        allocated, buffer = allocated + 1, bytearray(part_size)
                    else:
                        buffer = free.get()  # memory stays at ``buffers`` parts
                raise_failure()
                size = fill(memoryview(buffer))
                if size == 0:
                    break
                number += 1
            parts = [future.result() for future in futures]
        except BaseException as exc:
            pool.shutdown(wait=isinstance(exc, Exception), cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return parts

    def open_read(self, key: str) -> StreamingBody:
        try:
            response = self.client.get_object(Bucket=self.bucket_name, Key=self.object_key(key))
        except Exception as exc:
            self._raise(exc, f"read {self.uri(key)}")
        return response["Body"]

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket_name, Key=self.object_key(key))
        except Exception as exc:
            if _error_code(exc) in _MISSING:
                return False
            self._raise(exc, f"check {self.uri(key)}")
        return True

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket_name, Key=self.object_key(key))
        except Exception as exc:
            if _error_code(exc) not in _MISSING:
                self._raise(exc, f"delete {self.uri(key)}")

    def list(self, prefix: str = "") -> Iterator[str]:
        prefix = validate_prefix(prefix)
        full = join_key(self.prefix, prefix) if prefix else (f"{self.prefix}/" if self.prefix else "")
        if prefix.endswith("/") and not full.endswith("/"):
            full += "/"
        strip = len(self.prefix) + 1 if self.prefix else 0
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket_name, Prefix=full):
                for item in page.get("Contents", []):
                    if "Key" in item:
                        yield item["Key"][strip:]
        except Exception as exc:
            self._raise(exc, f"list {self.uri('')}")

    def public_url(self, key: str, expires_in: int | timedelta = 3600) -> str:
        seconds = check_expires_in(expires_in)
        try:
            url = self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket_name, "Key": self.object_key(key)},
                ExpiresIn=seconds,
                HttpMethod="GET",
            )
        except Exception as exc:
            self._raise(exc, f"presign {self.uri(key)}")
        return url

    def _raise(self, exc: Exception, action: str) -> NoReturn:
        if isinstance(exc, StorageError | ValidationError):
            raise exc
        code = _error_code(exc)
        if code in _MISSING and action.startswith("read"):
            raise ObjectNotFoundError(f"cannot {action}: no such object") from exc
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, BotoCoreError | ClientError):
            raise StorageError(f"cannot {action}: {exc}") from exc
        raise exc


def _is_chunk_iterable(source: object) -> bool:
    """Whether ``open_source`` reads ``source`` as an iterable of byte chunks (then we iterate it)."""
    if isinstance(source, str | bytes | bytearray | memoryview | os.PathLike) or isinstance(source, Readable):
        return False
    try:
        iter(cast(Any, source))
    except TypeError:
        return False
    return True


def _chunk_filler(source: object) -> Callable[[memoryview], int]:
    """``fill(view)`` for an iterable of chunks: copies them into ``view``; the count (short at the end)."""
    chunks = iter(cast(Any, source))
    rest = memoryview(b"")

    def fill(view: memoryview) -> int:
        nonlocal rest
        filled, wanted = 0, len(view)
        while filled < wanted:
            if not rest:
                try:
                    rest = memoryview(next(chunks)).cast("B")
                except StopIteration:
                    break
                continue
            take = min(wanted - filled, len(rest))
            view[filled : filled + take] = rest[:take]
            rest = rest[take:]
            filled += take
        return filled

    return fill


def _stream_filler(stream: Readable) -> Callable[[memoryview], int]:
    """``fill(view)`` for a binary stream: ``readinto`` when it has one, else ``read``."""
    readinto = getattr(stream, "readinto", None)

    def fill(view: memoryview) -> int:
        nonlocal readinto
        filled, wanted = 0, len(view)
        while filled < wanted:
            if readinto is not None:
                try:
                    got = readinto(view[filled:])
                except (NotImplementedError, io.UnsupportedOperation):
                    readinto = None
                    continue
                if not got:
                    break
            else:
                data = stream.read(wanted - filled)
                if not data:
                    break
                got = len(data)
                view[filled : filled + got] = data
            filled += got
        return filled

    return fill


class _PartBody(io.RawIOBase):
    """A part as botocore sends it: a seekable, read-only file over a slice of a reused buffer (reads
    hand out small copies, as reading a file would; botocore rewinds it for checksums and retries)."""

    def __init__(self, view: memoryview) -> None:
        super().__init__()
        self._view = view
        self._pos = 0

    def __len__(self) -> int:
        return len(self._view)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(len(self._view), self._pos + size)
        data = self._view[self._pos : end].tobytes()
        self._pos = max(self._pos, end)
        return data

    def readinto(self, buffer: WriteableBuffer) -> int:
        target = memoryview(buffer).cast("B")
        end = min(len(self._view), self._pos + len(target))
        count = max(0, end - self._pos)
        target[:count] = self._view[self._pos : end]
        self._pos += count
        return count

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._view)}[whence]
        self._pos = max(0, base + offset)
        return self._pos


def _error_code(exc: BaseException) -> str | None:
    """The S3 error code of a botocore ``ClientError`` (``"NoSuchKey"``, ``"404"``...), else None."""
    from botocore.exceptions import ClientError

    if not isinstance(exc, ClientError):
        return None
    return exc.response.get("Error", {}).get("Code")


@hookimpl(trylast=True)
def bria_tailored_storage_backends() -> list[type[StorageBackend]]:
    return [S3Storage]
