"""Amazon S3 (and S3-compatible) storage, ``s3://bucket/prefix``, with boto3 (extra ``s3``).

Built-in plugin ``s3``. boto3 is imported when a storage is opened, not when this module is imported;
without it :class:`S3Storage` raises ``PluginNotFoundError`` naming ``pip install 'bria-tailored[s3]'``.

* Configuration is boto3's standard chain (environment, ``AWS_PROFILE``/``profile_name``, config files,
  instance roles); the region is explicit: option ``region_name``, else ``AWS_REGION``,
  ``AWS_DEFAULT_REGION``, the profile's region, else ``us-east-1``. The endpoint is option
  ``endpoint_url``, else ``AWS_ENDPOINT_URL_S3``, else ``AWS_ENDPOINT_URL`` (MinIO, moto, R2...).
* The client always signs with SigV4 and path-style addressing (boto3 may otherwise presign with SigV2).
* ``put`` streams through ``upload_fileobj`` with a ``TransferConfig``: multipart, memory bounded by
  ``part_size × max_in_memory_parts`` whatever the source (non-seekable streams too); a failed upload is
  aborted, so no partial object or pending multipart upload remains. sha256 is computed while streaming.
* ``public_url`` is a SigV4 presigned GET; ``expires_in`` must be 1..604800 seconds (SigV4's maximum).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from datetime import timedelta
from typing import IO, TYPE_CHECKING, Literal, NoReturn, TypedDict, cast

from ..errors import PluginNotFoundError, StorageError, ValidationError
from ..hookspecs import hookimpl
from .base import (
    MAX_PRESIGN_SECONDS,
    BucketStorage,
    HashingReader,
    ObjectNotFoundError,
    SourceLike,
    StorageBackend,
    StoredObject,
    check_expires_in,
    join_key,
    parse_bucket_uri,
    validate_prefix,
)
from .sources import content_type_for, open_source

if TYPE_CHECKING:  # types-boto3-lite[s3] (the dev extra) describes boto3; nothing is imported at run time
    from boto3.s3.transfer import TransferConfig
    from boto3.session import Session
    from botocore.response import StreamingBody
    from types_boto3_s3.client import S3Client

__all__ = ["MAX_PRESIGN_SECONDS", "S3Storage"]

MIN_PART_SIZE = 5 * 1024 * 1024
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
        max_concurrency: int = 4,
        max_in_memory_parts: int = 4,
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
        from boto3.session import Session
        from botocore.config import Config

        session = Session(**self._session_options)
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

    def _transfer_config(self) -> TransferConfig:
        from boto3.s3.transfer import TransferConfig

        config = TransferConfig(
            multipart_threshold=self._part_size,
            multipart_chunksize=self._part_size,
            max_concurrency=self._max_concurrency,
            use_threads=True,
            preferred_transfer_client="classic",
        )
        config.max_in_memory_upload_chunks = self._max_in_memory_parts
        return config

    # ----------------------------------------------------------------- operations
    def put(self, key: str, source: SourceLike, content_type: str | None = None) -> StoredObject:
        object_key = self.object_key(key)
        with open_source(source) as src:
            ctype = content_type_for(key, content_type, src)
            reader = HashingReader(src.stream)  # non-seekable: read once, in order
            try:
                self.client.upload_fileobj(
                    cast("IO[bytes]", reader),  # s3transfer only calls read(n) (the stub asks for IO)
                    self.bucket_name,
                    object_key,
                    ExtraArgs={"ContentType": ctype},
                    Config=self._transfer_config(),
                )
            except Exception as exc:
                self._raise(exc, f"upload to {self.uri(key)}")
        return StoredObject(
            uri=self.uri(key), key=key, size=reader.size, sha256=reader.hexdigest(), content_type=ctype
        )

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


def _error_code(exc: BaseException) -> str | None:
    """The S3 error code of a botocore ``ClientError`` (``"NoSuchKey"``, ``"404"``...), else None."""
    from botocore.exceptions import ClientError

    if not isinstance(exc, ClientError):
        return None
    return exc.response.get("Error", {}).get("Code")


@hookimpl(trylast=True)
def bria_tailored_storage_backends() -> list[type[StorageBackend]]:
    return [S3Storage]
