import * as assert from "node:assert/strict";
import * as path from "node:path";
import { KAFKA_CLIENT_FILES, kafkaClientFiles } from "./kafka-client";

describe("kafkaClientFiles", () => {
  const files = kafkaClientFiles("sink", "cluster-ca-cert");
  /** The volume and item a file path is mounted from. */
  const sourceOf = (file: string) => {
    const mount = files.mounts.find((m) => path.posix.dirname(file) === m.mountPath)!;
    const volume = files.volumes.find((v) => v.name === mount.name)!;
    const secret = volume.secret as { secretName: string; items: { key: string; path: string }[]; defaultMode?: number };
    return { mount, secret, item: secret.items.find((i) => i.path === path.posix.basename(file)) };
  };

  it("puts the cluster CA where clients look for it, from Strimzi's ca.crt", () => {
    const { mount, secret, item } = sourceOf(KAFKA_CLIENT_FILES.ca);
    assert.equal(secret.secretName, "cluster-ca-cert");
    assert.equal(item?.key, "ca.crt");
    assert.equal(mount.readOnly, true);
  });

  it("puts the user's password in a file only the pod's group reads, from its user's Secret", () => {
    const { mount, secret, item } = sourceOf(KAFKA_CLIENT_FILES.password);
    assert.equal(secret.secretName, "sink");
    assert.equal(item?.key, "password");
    assert.equal(secret.defaultMode, 0o440);
    assert.equal(mount.readOnly, true);
  });
});
