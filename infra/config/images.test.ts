import * as assert from "node:assert/strict";
import { DEFAULT_IMAGES, checkImagePinned } from "./images";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

describe("checkImagePinned", () => {
  it("accepts every default image", () => {
    for (const [key, image] of Object.entries(DEFAULT_IMAGES)) assert.deepEqual(checkImagePinned(image), { pinned: true }, key);
  });

  for (const image of [
    "apache/kafka:4.3.1",
    "postgres:17.11-bookworm",
    "apache/spark:4.2.0-scala2.13-java17-python3-ubuntu",
    "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z",
    "registry.example.com:5000/team/app:1.2",
    `postgres@${DIGEST}`,
    `postgres:latest@${DIGEST}`,
    "mdp/functions:src-88f3a383420ce9d1",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/mdp-prod/functions:src-88f3a383420ce9d1",
  ]) {
    it(`accepts ${image}`, () => assert.deepEqual(checkImagePinned(image), { pinned: true }));
  }

  for (const [image, reason] of [
    ["postgres", "has no tag"],
    ["apache/kafka:latest", 'floating tag "latest"'],
    ["node:lts-bookworm-slim", 'floating tag "lts-bookworm-slim"'],
    ["rustfs/rustfs:stable", 'floating tag "stable"'],
    ["postgres:17", 'the tag "17", which names no exact release'],
    ["postgres:bookworm", 'the tag "bookworm"'],
    ["Postgres:17.1", "is not an image reference"],
    ["postgres:17.1 ", "is not an image reference"],
    [`postgres@sha256:${"0".repeat(12)}`, "is not an image reference"],
  ] as const) {
    it(`refuses ${JSON.stringify(image)}: ${reason}`, () => {
      const check = checkImagePinned(image);
      assert.equal(check.pinned, false);
      assert.ok(!check.pinned && check.reason.includes(reason), !check.pinned ? check.reason : "");
    });
  }
});
