import type { ObjectStoreServerName } from "./servers";

/** The object store's settings, without any SDK: the stack config parses them, the components take them. */

export interface StorageSettings {
  /**
   * S3-compatible server of the `local` target; `images.objectStore` must be an image of it.
   * @default "minio"
   */
  server: ObjectStoreServerName;
  /** Bucket names start with this (at most 24 characters). @default "<namePrefix>-<stack>" */
  bucketPrefix: string;
  /** Keep every version of every object. @default false on `local`, true on `cloud` */
  versioning: boolean;
  /** Days after which raw objects move to infrequent access (0 = never). @default 30 on `cloud` */
  rawInfrequentAccessDays: number;
  /** Days after which old object versions are deleted (0 = never). @default 30 */
  noncurrentVersionExpirationDays: number;
  /** Let `pulumi destroy` delete buckets that still hold objects. @default true on `local`, false on `cloud` */
  forceDestroy: boolean;
  /** Days the S3 server access logs of every zone are kept (`cloud`). @default 365 */
  accessLogExpirationDays: number;
}
