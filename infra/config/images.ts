/**
 * Container images of the platform. Every one is pinned: a version tag (`4.1.1`, `17.6-bookworm`,
 * `RELEASE.2025-09-07T16-13-09Z`), a content hash (`src-88f3a383420ce9d1`) or a digest. Floating
 * tags (`latest`, `17`, `stable`) are refused because they change what a stack runs without a diff.
 */
export interface ImageSettings {
  /** @default "apache/kafka:4.3.1" (the project's official image; KRaft, no ZooKeeper) */
  kafka: string;
  /** @default "apache/spark:4.2.0-scala2.13-java17-python3-ubuntu" */
  spark: string;
  /** @default "apache/airflow:3.3.2-python3.11" */
  airflow: string;
  /** @default "postgres:17.11-bookworm" */
  postgres: string;
  /**
   * The S3-compatible server of the `local` target, of the kind `storage.server` names. MinIO's
   * community edition is unmaintained since early 2026 and no longer published on Docker Hub; its
   * last release stays the default because the seed used it. Switch with `storage.server: rustfs`
   * and `images.objectStore: rustfs/rustfs:1.0.0` (or versitygw) to run a maintained server.
   * @default "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z"
   */
  objectStore: string;
  /** Base image of our functions (Node.js). @default "node:22.23.3-bookworm-slim" */
  node: string;
  /**
   * The proxy of the local engine's API that Airflow's tasks start their containers through (the
   * `local` target only): a from-scratch Go binary with per-method allowlists, client and bind-mount
   * restrictions. @default "wollomatic/socket-proxy:1.12.2"
   */
  dockerApiProxy: string;
}

export const DEFAULT_IMAGES: ImageSettings = {
  kafka: "apache/kafka:4.3.1",
  spark: "apache/spark:4.2.0-scala2.13-java17-python3-ubuntu",
  airflow: "apache/airflow:3.3.2-python3.11",
  postgres: "postgres:17.11-bookworm",
  objectStore: "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z",
  node: "node:22.23.3-bookworm-slim",
  dockerApiProxy: "wollomatic/socket-proxy:1.12.2",
};

const REFERENCE = /^(?<name>(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9._-]+(?:\/[a-z0-9._-]+)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

export type PinCheck = { pinned: true } | { pinned: false; reason: string };

export function checkImagePinned(reference: string): PinCheck {
  const m = REFERENCE.exec(reference);
  if (!m?.groups) return { pinned: false, reason: "is not an image reference" };
  const { tag, digest } = m.groups;
  if (digest) return { pinned: true };
  if (!tag) return { pinned: false, reason: "has no tag (that means `latest`)" };
  if (/(^|[-_.])(latest|stable|edge|nightly|main|master|current|lts)($|[-_.])/i.test(tag)) {
    return { pinned: false, reason: `uses the floating tag "${tag}"` };
  }
  // A release (4.1.1), a dated release, or a content hash (our builds' `src-<hash>`, a git sha).
  if (!/\d+\.\d+/.test(tag) && !/\d{4}-\d{2}-\d{2}/.test(tag) && !/(^|[-_.])[0-9a-f]{12,}($|[-_.])/.test(tag)) {
    return { pinned: false, reason: `has the tag "${tag}", which names no exact release (use e.g. 1.2.3 or a digest)` };
  }
  return { pinned: true };
}
