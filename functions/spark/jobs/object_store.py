"""One bucket's objects through the S3 client that S3A itself uses: list, server-side copy, delete.

The client is S3A's own (AWS SDK v2, from the image's connector jars), so it has the endpoint,
region, path style and credentials Spark reads and writes with. An S3 object written by a PUT or
a copy appears whole or not at all, and a copy onto an existing key replaces it the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from pyspark.sql import SparkSession

# DeleteObjects takes at most 1,000 keys a request.
DELETE_BATCH = 1000


class ObjectStore(Protocol):
    @property
    def bucket(self) -> str: ...

    def keys(self, prefix: str, start_after: str = "") -> Iterator[str]:
        """Keys under `prefix` in lexicographic order, from the first after `start_after`; pages are fetched as consumed."""
        ...

    def copy(self, source: str, target: str) -> None:
        """Server-side copy within the bucket; `target` is replaced if it exists."""
        ...

    def delete(self, keys: Sequence[str]) -> None: ...


class S3AObjectStore:
    def __init__(self, spark: SparkSession, bucket: str) -> None:
        jvm: Any = spark._jvm  # Hadoop's FileSystem and the AWS SDK have no Python binding here
        fs = jvm.org.apache.hadoop.fs.Path(f"s3a://{bucket}/").getFileSystem(spark._jsc.hadoopConfiguration())
        self._client = fs.getS3AInternals().getAmazonS3Client("daily-metrics publish")
        self._model = jvm.software.amazon.awssdk.services.s3.model
        self._jvm = jvm
        self._bucket = bucket

    @property
    def bucket(self) -> str:
        return self._bucket

    def keys(self, prefix: str, start_after: str = "") -> Iterator[str]:
        token = None
        while True:
            request = self._model.ListObjectsV2Request.builder().bucket(self._bucket).prefix(prefix)
            if token is not None:
                request = request.continuationToken(token)
            elif start_after:
                request = request.startAfter(start_after)
            page = self._client.listObjectsV2(request.build())
            for entry in page.contents():
                yield str(entry.key())
            if not page.isTruncated():
                return
            token = page.nextContinuationToken()

    def copy(self, source: str, target: str) -> None:
        request = (
            self._model.CopyObjectRequest.builder()
            .sourceBucket(self._bucket)
            .sourceKey(source)
            .destinationBucket(self._bucket)
            .destinationKey(target)
            .build()
        )
        self._client.copyObject(request)

    def delete(self, keys: Sequence[str]) -> None:
        for i in range(0, len(keys), DELETE_BATCH):
            identifiers = self._jvm.java.util.ArrayList()
            for key in keys[i : i + DELETE_BATCH]:
                identifiers.add(self._model.ObjectIdentifier.builder().key(key).build())
            batch = self._model.Delete.builder().objects(identifiers).quiet(True).build()
            response = self._client.deleteObjects(self._model.DeleteObjectsRequest.builder().bucket(self._bucket).delete(batch).build())
            errors = [f"{e.key()}: {e.code()} {e.message()}" for e in response.errors()]
            if errors:
                raise RuntimeError(f"could not delete {len(errors)} objects in {self._bucket}: {'; '.join(errors[:5])}")
