import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ENV, FUNCTION_COMMANDS, INIT_ENV, ZONES, type Zone } from "../../contract";
import type { StorageSettings } from "../config";
import { createContainer, createVolume, hostAddress, requireSuccess, type ContainerSpec, type LocalPlacement } from "../docker";
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
    volumes: [{ volume, path: server.dataPath }],
    healthcheck: "healthcheck" in server ? { test: [...server.healthcheck], intervalSeconds: 5, retries: 24 } : undefined,
  };
}

/**
 * Named volumes start out owned by root; Kubernetes solves this with `fsGroup`, Docker has no
 * equivalent, so a one-shot job with only CAP_CHOWN hands the volume to the server's user.
 */
export function volumeOwnerSpec(image: pulumi.Input<string>, volume: pulumi.Input<string>, path: string): ContainerSpec {
  return {
    role: "objectstore-volume-owner",
    image,
    user: "0:0",
    entrypoint: ["chown"],
    command: ["-R", STORE_USER, path],
    volumes: [{ volume, path }],
    capabilities: ["CHOWN"],
    oneShot: true,
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
    oneShot: true,
  };
}

/** An S3-compatible server on the local Docker engine with the platform's private buckets. */
export class DockerObjectStore extends pulumi.ComponentResource {
  /** S3 endpoint for containers on the platform network. */
  readonly endpointInternal: pulumi.Output<string>;
  /** S3 endpoint for clients on the host. */
  readonly endpointHost: pulumi.Output<string>;
  readonly buckets: Record<Zone, pulumi.Output<string>>;
  readonly accessKeyId: pulumi.Output<string>;
  readonly secretAccessKey: pulumi.Output<string>;
  /** Resolves once the buckets exist. */
  readonly ready: docker.Container;

  constructor(name: string, args: DockerObjectStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("market-data:storage:DockerObjectStore", name, {}, opts);
    const child = { parent: this };
    const server = OBJECT_STORE_SERVERS[args.settings.server];
    const password = new random.RandomPassword(`${name}-root-password`, { length: 40, special: false }, child);
    const data = createVolume(name, "data", args.placement.labels, child);
    const owner = createContainer(name, volumeOwnerSpec(args.functionsImage, data.name, server.dataPath), args.placement, child);
    const store = createContainer(name, objectStoreSpec(args, password.result, data.name), args.placement, { parent: this, dependsOn: [owner] });
    this.endpointInternal = pulumi.interpolate`http://${store.hostname}:${server.apiPort}`;
    const host = hostAddress(args.placement.bindAddress);
    this.endpointHost = pulumi.output(`http://${host}:${args.ports.api}`);
    const init = createContainer(name, bucketInitSpec(args, this.endpointInternal, password.result), args.placement, {
      parent: this,
      dependsOn: [store],
    });
    this.ready = init;
    const names = bucketNames(args.settings.bucketPrefix);
    this.buckets = Object.fromEntries(ZONES.map((zone) => [zone, init.id.apply(() => names[zone])])) as Record<Zone, pulumi.Output<string>>;
    this.accessKeyId = pulumi.output(ROOT_USER);
    this.secretAccessKey = password.result;
    this.registerOutputs({
      endpointInternal: this.endpointInternal,
      endpointHost: this.endpointHost,
      buckets: this.buckets,
      volumeOwnerExit: requireSuccess(owner, "handing the object-store volume to its user"),
      bucketsExit: requireSuccess(init, "creating the buckets"),
    });
  }
}
