import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";

// The SDK's wire markers for a secret value, as the mock monitor hands inputs to `newResource`.
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export const ACCOUNT_ID = "123456789012";
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

export interface RecordedResource {
  type: string;
  name: string;
  /** Inputs as the engine received them; secret values are still wrapped (see {@link isSecret}). */
  inputs: Record<string, unknown>;
  /** The same inputs with every secret unwrapped. */
  plain: Record<string, unknown>;
}

export function isSecret(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Deep copy with every secret unwrapped. */
export function reveal(value: unknown): unknown {
  if (isSecret(value)) return reveal((value as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(reveal);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
  }
  return value;
}

/** Every string found outside a secret wrapper, with its path, to prove a secret never leaks. */
export function plainStrings(value: unknown, at = ""): { path: string; value: string }[] {
  if (isSecret(value)) return [];
  if (typeof value === "string") return [{ path: at, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => plainStrings(v, `${at}[${i}]`));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => plainStrings(v, at ? `${at}.${k}` : k));
  }
  return [];
}

/** Attributes the providers compute, so that wiring through them can be asserted. */
function computed(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case "aws:s3/bucket:Bucket": {
      const bucket = (inputs.bucket as string | undefined) ?? `${(inputs.bucketPrefix as string | undefined) ?? `${name}-`}0123abcd`;
      return { bucket, arn: `arn:aws:s3:::${bucket}`, bucketRegionalDomainName: `${bucket}.s3.us-east-1.amazonaws.com` };
    }
    case "aws:iam/role:Role":
      return { arn: `arn:aws:iam::${ACCOUNT_ID}:role/${(inputs.name as string | undefined) ?? name}`, name: inputs.name ?? name };
    case "aws:iam/policy:Policy":
      return { arn: `arn:aws:iam::${ACCOUNT_ID}:policy/${name}` };
    case "aws:ecr/repository:Repository":
      return { repositoryUrl: `${ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com/${(inputs.name as string | undefined) ?? name}`, arn: `arn:aws:ecr:us-east-1:${ACCOUNT_ID}:repository/${name}` };
    case "docker:index/image:Image":
      return { repoDigest: `${inputs.imageName as string}@sha256:${"ab".repeat(32)}` };
    case "random:index/randomPassword:RandomPassword":
      return { result: `generated-${name}-password` };
    case "random:index/randomId:RandomId":
      return { b64Url: "MkU4RjZBQjE0Mzc2NDk5Qg", hex: "2e8f6ab14376499b2e8f6ab14376499b" };
    case "snowflake:index/storageIntegration:StorageIntegration":
      return { storageAwsIamUserArn: `arn:aws:iam::999999999999:user/snowflake-${name}`, storageAwsExternalId: `EXT_${name.toUpperCase()}` };
    case "snowflake:index/pipe:Pipe":
      return { notificationChannel: `arn:aws:sqs:us-east-1:999999999999:sf-snowpipe-${name}` };
    case "snowflake:index/database:Database":
    case "snowflake:index/warehouse:Warehouse":
    case "snowflake:index/schema:Schema":
      return { fullyQualifiedName: `"${inputs.name as string}"` };
    default:
      return {};
  }
}

export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    const inputs = args.inputs as Record<string, unknown>;
    this.resources.push({ type: args.type, name: args.name, inputs, plain: reveal(inputs) as Record<string, unknown> });
    return { id: `${args.name}-id`, state: { ...inputs, ...computed(args.type, args.name, reveal(inputs) as Record<string, unknown>) } };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    switch (args.token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return { accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:user/ci`, userId: "AIDEXAMPLE" };
      case "aws:index/getPartition:getPartition":
        return { partition: "aws", dnsSuffix: "amazonaws.com" };
      case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
        return { userName: "AWS", password: "ecr-token", proxyEndpoint: `https://${ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com` };
      default:
        return {};
    }
  }
}

/** The `config:` map of a committed stack file, values as the Pulumi runtime stores them. */
export function stackFileConfig(stack: string): { config: Record<string, string>; secure: string[] } {
  const file = path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
  const doc = yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | undefined;
  const config: Record<string, string> = {};
  const secure: string[] = [];
  for (const [key, value] of Object.entries(doc?.config ?? {})) {
    if (typeof value === "object" && value !== null && "secure" in value) secure.push(key);
    else config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return { config, secure };
}

export interface RunOptions {
  stack: string;
  project?: string;
  /** Full keys (`project:key`) to values, applied over the stack file's config. */
  config?: Record<string, string>;
  /** Secrets a user would set with `pulumi config set --secret`, by key without the project. */
  secrets?: Record<string, string>;
  /** Keys (without the project) to remove from the stack file's config. */
  without?: string[];
}

export interface Run<T> {
  resources: RecordedResource[];
  outputs: T;
}

const settingsRuntime = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

export const PROJECT = (yaml.load(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as { name: string }).name;

/**
 * Runs a program under the mock engine with a stack's committed config, waits for every resource
 * registration, and returns what was registered.
 */
export async function runProgram<T>(program: () => T, options: RunOptions): Promise<Run<T>> {
  const project = options.project ?? PROJECT;
  const { config } = stackFileConfig(options.stack);
  for (const key of options.without ?? []) delete config[`${project}:${key}`];
  Object.assign(config, options.config ?? {});
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(options.secrets ?? {})) {
    config[`${project}:${key}`] = value;
    secretKeys.push(`${project}:${key}`);
  }
  pulumi.runtime.setAllConfig(config, secretKeys);
  const mocks = new RecordingMocks();
  await pulumi.runtime.setMocks(mocks, project, options.stack, false);
  const outputs = program();
  await settingsRuntime.waitForRPCs();
  return { resources: mocks.resources, outputs };
}

/** The value of an Output, for assertions. */
export function unwrap<T>(output: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

export function isSecretOutput(output: pulumi.Output<unknown>): Promise<boolean> {
  return pulumi.isSecret(output);
}

export function ofType(resources: RecordedResource[], type: string): RecordedResource[] {
  return resources.filter((r) => r.type === type);
}

export function named(resources: RecordedResource[], name: string): RecordedResource {
  const found = resources.filter((r) => r.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one resource named ${name}, found ${found.length}; names: ${resources.map((r) => r.name).join(", ")}`);
  }
  return found[0]!;
}
