"""One Spark release everywhere: the pyspark of the tests, the connector jars of the image, the Hadoop
release that pyspark bundles, and no jar that Spark already ships."""

from __future__ import annotations

import re
from pathlib import Path

import pyspark

JARS_LOCK = Path(__file__).parent.parent / "jars.txt"


def locked() -> dict[str, str]:
    """artifact -> version of every jar in jars.txt."""
    out = {}
    for line in JARS_LOCK.read_text().splitlines():
        if line and not line.startswith("#"):
            coordinates, sha256 = line.split()
            _group, artifact, version = coordinates.split(":")
            assert re.fullmatch(r"[0-9a-f]{64}", sha256), line
            out[artifact] = version
    return out


def shipped() -> dict[str, str]:
    """artifact -> version of every jar that pyspark itself ships (scripts/setup-python.sh adds the connectors)."""
    ours = {f"{artifact}-{version}.jar" for artifact, version in locked().items()}
    out = {}
    for jar in (Path(pyspark.__file__).parent / "jars").glob("*.jar"):
        if jar.name in ours:
            continue
        m = re.fullmatch(r"(.+?)-(\d[\w.-]*)\.jar", jar.name)
        assert m, jar.name
        out[m[1]] = m[2]
    return out


def test_the_connectors_are_of_the_spark_release_the_tests_run() -> None:
    jars = locked()
    assert jars["spark-sql-kafka-0-10_2.13"] == pyspark.__version__
    assert jars["spark-token-provider-kafka-0-10_2.13"] == pyspark.__version__


def test_s3a_is_of_the_hadoop_release_pyspark_bundles() -> None:
    assert locked()["hadoop-aws"] == shipped()["hadoop-client-api"]


def test_no_connector_jar_repeats_one_that_spark_ships() -> None:
    spark_jars = shipped()
    assert {a: (v, spark_jars[a]) for a, v in locked().items() if a in spark_jars} == {}
