import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type { Zone } from "../contract";

/** The repository, where the images are built from. */
export const REPO_ROOT = path.resolve(__dirname, "..");

/**
 * The working directory Pulumi gives the program and its providers: the folder of `main` in
 * Pulumi.yaml (this one). Relative paths handed to a provider (build contexts, Dockerfiles)
 * resolve from here, not from the project root.
 */
export const PROGRAM_DIR = __dirname;

/** What a stack gives its users: endpoints, UIs, bucket names, credentials (secret). */
export interface PlatformOutputs {
  target: string;
  kafka: {
    /** Bootstrap for workloads inside the platform. */
    bootstrapInternal: pulumi.Output<string>;
    /** Bootstrap for clients on the host (local) — absent on cloud, where clients run in the cluster. */
    bootstrapHost?: pulumi.Output<string>;
    topics: string[];
  };
  spark: { masterUrl: pulumi.Output<string>; uiUrl: pulumi.Output<string> };
  airflow: { uiUrl: pulumi.Output<string>; adminUser: pulumi.Output<string>; adminPassword: pulumi.Output<string> };
  objectStore: {
    /** S3 endpoint inside the platform; on AWS, the regional endpoint. */
    endpoint: pulumi.Output<string>;
    /** S3 endpoint for clients on the host (local only). */
    endpointHost?: pulumi.Output<string>;
    buckets: Record<Zone, pulumi.Output<string>>;
    accessKeyId?: pulumi.Output<string>;
    secretAccessKey?: pulumi.Output<string>;
  };
  dashboard: {
    /** The page: on the host (local), or inside the cluster (cloud). */
    url: pulumi.Output<string>;
    /** How to open a cloud stack's dashboard on the local machine (cloud only). */
    portForward?: string;
  };
  snowflake?: { database: pulumi.Output<string>; pipes: Record<string, pulumi.Output<string>>; storageIntegration?: pulumi.Output<string> };
  images: Record<string, pulumi.Output<string>>;
}
