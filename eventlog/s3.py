"""An S3 client for S3-compatible object stores (AWS, MinIO, Ceph, a local test server). Credentials
come from boto3's usual chain (environment, shared config, instance role); none are handled here."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse


def parse_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` -> ("bucket", "some/prefix/")."""
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValueError(f"not an S3 URL (s3://bucket/prefix): {url!r}")
    prefix = parsed.path.lstrip("/")
    return parsed.netloc, prefix + "/" if prefix and not prefix.endswith("/") else prefix


def s3_client(endpoint_url: str | None, region: str) -> Any:
    # boto3 is imported here: only archive and witness configurations use it, and it is slow to import.
    import boto3

    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region)


def s3_get(client: Any, bucket: str, key: str) -> bytes | None:
    """The object's bytes, or None if there is no such object."""
    try:
        body: bytes = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except client.exceptions.NoSuchKey:
        return None
    return body
