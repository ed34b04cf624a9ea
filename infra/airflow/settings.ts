/** Airflow's settings and the rules they obey, without any SDK: the stack config imports them from here. */

export const AIRFLOW_EXECUTORS = ["LocalExecutor", "KubernetesExecutor", "CeleryExecutor"] as const;

export interface AirflowSettings {
  /** Login of the admin user created once, before the other services start. @default "admin" */
  adminUser: string;
  /** Executor of the scheduler. @default "LocalExecutor" */
  executor: (typeof AIRFLOW_EXECUTORS)[number];
}

/** `apache/airflow:3.3.2-python3.11` → `3.3.2`; the Helm chart needs it to match the image. */
export function airflowVersionOf(image: string): string {
  const name = image.split("@")[0]!;
  const tag = name.slice(name.lastIndexOf(":") + 1);
  const m = /^(\d+\.\d+\.\d+)/.exec(tag);
  if (!m) throw new Error(`\`images.airflow\` must be tagged with an Airflow version such as 3.3.2-python3.11 (got "${image}")`);
  return m[1]!;
}
