import * as pulumi from "@pulumi/pulumi";
import { ENV, FUNCTION_COMMANDS, PORTS } from "../../contract";
import type { FunctionsSettings } from "./settings";
import { createContainer, createJob, hostAddress, isJob, type ContainerSpec, type LocalPlacement } from "../docker";
import { dashboardContainerSpec, dashboardEnv, dockerDashboardTargets } from "./dashboard";
import { FUNCTION_HEALTHCHECK, FUNCTION_UID, batchProducerEnv, realtimeProducerEnv, sinkEnv, type FunctionEnv, type FunctionWiring } from "./spec";

export interface DockerFunctionsArgs {
  /** The functions image. */
  image: pulumi.Input<string>;
  settings: FunctionsSettings;
  placement: LocalPlacement;
  wiring: FunctionWiring;
  /** Object-store credentials of the sink. */
  s3Credentials: { accessKeyId: pulumi.Input<string>; secretAccessKey: pulumi.Input<string> };
  /** API key of the live quote source, when `quoteSource` is `live`. */
  quoteApiKey?: pulumi.Input<string>;
  /** First host port of the functions' metrics (the producer; sinks follow). */
  metricsPort: number;
  /** Host port of the dashboard's page. */
  dashboardPort: number;
  /** What must exist before the functions start: the jobs that created the topics and buckets. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

const user = `${FUNCTION_UID}:${FUNCTION_UID}`;

function service(args: DockerFunctionsArgs, role: string, command: string, env: FunctionEnv, secretEnv: FunctionEnv, hostPort: number): ContainerSpec {
  return {
    role,
    image: args.image,
    user,
    command: [command],
    env,
    secretEnv,
    ports: [{ internal: PORTS.functionsMetrics, external: hostPort }],
    healthcheck: { test: FUNCTION_HEALTHCHECK, intervalSeconds: 10, retries: 6, startPeriodSeconds: 10 },
  };
}

export function functionSpecs(args: DockerFunctionsArgs): ContainerSpec[] {
  const { settings: f, wiring: w } = args;
  const quoteSecret: FunctionEnv = args.quoteApiKey ? { [ENV.quoteApiKey]: args.quoteApiKey } : {};
  const specs = [service(args, "realtime-producer", FUNCTION_COMMANDS.realtimeProducer, realtimeProducerEnv(f, w), quoteSecret, args.metricsPort)];
  for (let i = 1; i <= f.sink.replicas; i++) {
    specs.push(
      service(
        args,
        `sink-${i}`,
        FUNCTION_COMMANDS.sink,
        { ...sinkEnv(f, w), [ENV.awsAccessKeyId]: args.s3Credentials.accessKeyId },
        { [ENV.awsSecretAccessKey]: args.s3Credentials.secretAccessKey },
        args.metricsPort + i,
      ),
    );
  }
  specs.push(dashboardContainerSpec({ image: args.image, env: dashboardEnv(f, w, dockerDashboardTargets(f.sink.replicas)), hostPort: args.dashboardPort }));
  // The backfill runs to completion during the update, so that a failure (Yahoo unreachable) fails
  // it with the producer's own message; Airflow runs the daily batch.
  specs.push({ role: "batch-producer", image: args.image, user, command: [FUNCTION_COMMANDS.batchProducer], env: batchProducerEnv(f, w), lifecycle: "job" });
  return specs;
}

/** Our producers and sink as containers on the local Docker engine. */
export class DockerFunctions extends pulumi.ComponentResource {
  readonly metricsUrls: pulumi.Output<string>[];
  /** The dashboard's page on the host. */
  readonly dashboardUrl: pulumi.Output<string>;

  constructor(name: string, args: DockerFunctionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("market-data:functions:DockerFunctions", name, {}, opts);
    const specs = functionSpecs(args);
    for (const spec of specs) {
      const opts = { parent: this, dependsOn: args.dependsOn };
      if (isJob(spec)) createJob(name, spec, args.placement, "the batch backfill", opts);
      else createContainer(name, spec, args.placement, opts);
    }
    const host = hostAddress(args.placement.bindAddress);
    this.metricsUrls = specs.flatMap((s) => (s.ports ?? []).filter((p) => p.internal === PORTS.functionsMetrics).map((p) => pulumi.output(`http://${host}:${p.external}/metrics`)));
    this.dashboardUrl = pulumi.output(`http://${host}:${args.dashboardPort}`);
    this.registerOutputs({ metricsUrls: this.metricsUrls, dashboardUrl: this.dashboardUrl });
  }
}
