import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ENV, FUNCTION_COMMANDS, INIT_ENV, ZONES, type Zone } from "../../contract";
import type { StorageSettings } from "./settings";
import { createContainer, createJob, createVolume, hostAddress, type ContainerSpec, type LocalPlacement } from "../docker";
import { OBJECT_STORE_SERVERS } from "./servers";
import { bucketNames } from "./spec";

export interface DockerObjectStoreArgs {
  /** Pinned image of the server `settings.server` names. */
  image: string;
  settings: StorageSettings;
  placement: LocalPlacement;
  /** Host ports of the S3 API and of the console. */
  ports: { api: number; console: number };
  /** The functions image, whose `ensure-buckets` command creates the buckets. */
  functionsImage: pulumi.Input<string>;
}

/** The server runs as this user; a one-shot job hands it the data volume first. */
const STORE_USER = "1000:1000";
export const OBJECT_STORE_ALIAS = "objectstore";
const ROOT_USER = "platform-root";

export function objectStoreSpec(args: DockerObjectStoreArgs, secretKey: pulumi.Input<string>, volume: pulumi.Input<string>): ContainerSpec {
  const server = OBJECT_STORE_SERVERS[args.settings.server];
  const ports: { internal: number; external: number }[] = [{ internal: server.apiPort, external: args.ports.api }];
  if ("consolePort" in server) ports.push({ internal: server.consolePort, external: args.ports.console });
  return {
    role: OBJECT_STORE_ALIAS,
    image: args.image,
    user: STORE_USER,
    command: "command" in server ? [...server.command] : undefined,
    env: server.env(ROOT_USER),
    secretEnv: server.secretEnv(secretKey),
    ports,
    // The server's image may ship its data folder owned by root; copied onto the empty volume at its
    // first mount, that folder's owner would replace the one the volume-owner job gave it.
    volumes: [{ volume, path: server.dataPath, noCopy: true }],
    healthcheck: "healthcheck" in server ? { test: [...server.healthcheck], intervalSeconds: 5, retries: 24 } : undefined,
  };
}

/**
 * Named volumes start out owned by root; Kubernetes solves this with `fsGroup`, Docker has no
 * equivalent, so a job with only CAP_CHOWN hands the volume's root folder to the server's user.
 * Not recursive: what lies below is the server's own (created as its user, with modes such as
 * 0751 that root without CAP_DAC_READ_SEARCH could not even list), so running it again on a volume
 * in use changes nothing and succeeds.
 */
export function volumeOwnerSpec(image: pulumi.Input<string>, volume: pulumi.Input<string>, path: string): ContainerSpec {
  return {
    role: "objectstore-volume-owner",
    image,
    user: "0:0",
    entrypoint: ["chown"],
    command: [STORE_USER, path],
    volumes: [{ volume, path, noCopy: true }],
    capabilities: ["CAP_CHOWN"],
    lifecycle: "job",
  };
}

export function bucketInitSpec(args: DockerObjectStoreArgs, endpoint: pulumi.Input<string>, secretKey: pulumi.Input<string>): ContainerSpec {
  return {
    role: "objectstore-buckets",
    image: args.functionsImage,
    user: "1000:1000",
    command: [FUNCTION_COMMANDS.ensureBuckets],
    env: {
      [ENV.s3Endpoint]: endpoint,
      [ENV.s3ForcePathStyle]: "true",
      [ENV.awsAccessKeyId]: ROOT_USER,
      [INIT_ENV.buckets]: JSON.stringify(Object.values(bucketNames(args.settings.bucketPrefix))),
      [INIT_ENV.versioning]: String(args.settings.versioning),
    },
    secretEnv: { [ENV.awsSecretAccessKey]: secretKey },
    lifecycle: "job",
  };
}

/** An S3-compatible server on the local Docker engine with the platform's private buckets. */
export class DockerObjectStore extends pulumi.ComponentResource {
  /** S3 endpoint for containers on the platform network. */
  readonly endpointInternal: pulumi.Output<string>;
  /** S3 endpoint for clients on the host. */
  readonly endpointHost: pulumi.Output<string>;
  readonly bucketNames: Record<Zone, pulumi.Output<string>>;
  readonly accessKeyId: pulumi.Output<string>;
  readonly secretAccessKey: pulumi.Output<string>;
  /** Resolves once the buckets exist (the bucket job exited 0). */
  readonly ready: pulumi.Output<pulumi.Resource>;

  constructor(name: string, args: DockerObjectStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("market-data:storage:DockerObjectStore", name, {}, opts);
    const child = { parent: this };
    const server = OBJECT_STORE_SERVERS[args.settings.server];
    const password = new random.RandomPassword(`${name}-root-password`, { length: 40, special: false }, child);
    const data = createVolume(name, "data", args.placement.labels, child);
    const owner = createJob(name, volumeOwnerSpec(args.functionsImage, data.name, server.dataPath), args.placement, "handing the object-store volume to its user", child);
    const store = createContainer(name, objectStoreSpec(args, password.result, data.name), args.placement, { parent: this, dependsOn: [owner.done] });
    // Known before anything runs (the server's network alias), so that a failed job cannot poison the
    // inputs of what uses it: order comes from `ready`.
    this.endpointInternal = pulumi.output(`http://${OBJECT_STORE_ALIAS}:${server.apiPort}`);
    const host = hostAddress(args.placement.bindAddress);
    this.endpointHost = pulumi.output(`http://${host}:${args.ports.api}`);
    const init = createJob(name, bucketInitSpec(args, this.endpointInternal, password.result), args.placement, "creating the buckets", { parent: this, dependsOn: [store] });
    this.ready = init.done;
    const names = bucketNames(args.settings.bucketPrefix);
    this.bucketNames = Object.fromEntries(ZONES.map((zone) => [zone, pulumi.output(names[zone])])) as Record<Zone, pulumi.Output<string>>;
    this.accessKeyId = pulumi.output(ROOT_USER);
    this.secretAccessKey = password.result;
    this.registerOutputs({ endpointInternal: this.endpointInternal, endpointHost: this.endpointHost, bucketNames: this.bucketNames });
  }
}
