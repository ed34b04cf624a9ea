import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PORTS } from "../../contract";
import { createContainer, createJob, createVolume, hostAddress, type ContainerSpec, type LocalPlacement } from "../docker";
import { localKafkaProblems, type KafkaClusterSettings } from "./settings";
import { BROKER_DATA_DIR, brokerEnv, topicInitScript, topicSpecs, type TopicSpec } from "./spec";

export interface DockerKafkaArgs {
  /** Pinned apache/kafka image. */
  image: string;
  settings: KafkaClusterSettings;
  placement: LocalPlacement;
  /** Host port of the HOST listener, published on the placement's bind address. */
  hostPort: number;
}

/** Apache Kafka's own image uses uid 1000 (appuser), which owns its data directory. */
const KAFKA_USER = "1000:1000";
export const BROKER_ALIAS = "kafka";

/** The address host clients reach the broker at: the bind address, or localhost when bound to all. */
export function hostAdvertisedAddress(bindAddress: string, port: number): string {
  return `${hostAddress(bindAddress)}:${port}`;
}

export function brokerContainerSpec(args: DockerKafkaArgs, clusterId: pulumi.Input<string>, volume: pulumi.Input<string>): ContainerSpec {
  const hostAdvertised = hostAdvertisedAddress(args.placement.bindAddress, args.hostPort);
  const env = brokerEnv({ settings: args.settings, alias: BROKER_ALIAS, hostAdvertised, clusterId: "" });
  return {
    role: BROKER_ALIAS,
    image: args.image,
    user: KAFKA_USER,
    env: { ...env, CLUSTER_ID: clusterId },
    ports: [{ internal: PORTS.kafkaHost, external: args.hostPort }],
    volumes: [{ volume, path: BROKER_DATA_DIR }],
    healthcheck: {
      test: ["CMD-SHELL", `/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:${PORTS.kafkaInternal} > /dev/null 2>&1`],
      intervalSeconds: 10,
      timeoutSeconds: 10,
      retries: 12,
      startPeriodSeconds: 20,
    },
  };
}

export function topicInitSpec(image: string, topics: TopicSpec[]): ContainerSpec {
  return {
    role: "kafka-topics",
    image,
    user: KAFKA_USER,
    entrypoint: ["/bin/bash", "-c"],
    command: [topicInitScript(`${BROKER_ALIAS}:${PORTS.kafkaInternal}`, topics)],
    lifecycle: "job",
  };
}

/**
 * One Kafka node in KRaft mode (broker and controller) on the local Docker engine, with the
 * platform's topics created and kept in line with the stack's settings.
 */
export class DockerKafka extends pulumi.ComponentResource {
  /** Bootstrap for containers on the platform network. */
  readonly bootstrapInternal: pulumi.Output<string>;
  /** Bootstrap for clients on the host. */
  readonly bootstrapHost: pulumi.Output<string>;
  readonly topics: TopicSpec[];
  /** Resolves once the topics exist (the topics job exited 0); functions depend on it. */
  readonly ready: pulumi.Output<pulumi.Resource>;

  constructor(name: string, args: DockerKafkaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("market-data:kafka:DockerKafka", name, {}, opts);
    const problems = localKafkaProblems(args.settings);
    if (problems.length > 0) throw new pulumi.ResourceError(problems.join("; "), this);
    const child = { parent: this };
    this.topics = topicSpecs(args.settings);

    const clusterId = new random.RandomId(`${name}-cluster-id`, { byteLength: 16 }, child);
    const data = createVolume(name, "data", args.placement.labels, child);
    const broker = createContainer(name, brokerContainerSpec(args, clusterId.b64Url, data.name), args.placement, child);
    this.ready = createJob(name, topicInitSpec(args.image, this.topics), args.placement, "creating the topics", { parent: this, dependsOn: [broker] }).done;

    // Known before anything runs (the broker's network alias), so that a failed job cannot poison the
    // inputs of what uses it: order comes from `ready`.
    this.bootstrapInternal = pulumi.output(`${BROKER_ALIAS}:${PORTS.kafkaInternal}`);
    this.bootstrapHost = pulumi.output(hostAdvertisedAddress(args.placement.bindAddress, args.hostPort));
    this.registerOutputs({ bootstrapInternal: this.bootstrapInternal, bootstrapHost: this.bootstrapHost });
  }
}
