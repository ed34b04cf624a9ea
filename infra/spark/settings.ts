/** The Spark cluster's settings, without any SDK: the stack config parses them, the components take them. */

export interface SparkSettings {
  /** Standalone workers. @default 2 */
  workers: number;
  /** Cores each worker offers. @default 1 on `local`, 2 on `cloud` */
  workerCores: number;
  /** Memory each worker offers, in Spark's notation. @default "1g" on `local`, "4g" on `cloud` */
  workerMemory: string;
}
