import * as crypto from "node:crypto";
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
  /** The id the mock gave the resource: `<name>-id`. */
  id: string;
  /** Inputs as the engine received them; secret values are still wrapped (see {@link isSecret}). */
  inputs: Record<string, unknown>;
  /** The same inputs with every secret unwrapped. */
  plain: Record<string, unknown>;
  /** What the provider returned: the inputs plus computed attributes, secrets unwrapped. */
  state: Record<string, unknown>;
  /** Resources it waits for: `dependsOn` and those its inputs come from. */
  dependencies: { type: string; name: string }[];
  /** Its parent component, which it waits for too. */
  parent?: { type: string; name: string };
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

/** Random bytes of a RandomId, derived from its name so that each one is distinct and stable. */
export function mockRandomId(name: string, byteLength: number): { b64Url: string; b64Std: string; hex: string } {
  const bytes = Buffer.alloc(byteLength);
  for (let block = 0; block * 32 < byteLength; block++) crypto.createHash("sha256").update(`${name}#${block}`).digest().copy(bytes, block * 32);
  return { b64Url: bytes.toString("base64url"), b64Std: bytes.toString("base64"), hex: bytes.toString("hex") };
}

/** What a job container reports when it has run; by default it succeeded. */
export interface JobExit {
  exitCode: number;
  logs: string;
}

/** Attributes the providers compute, so that wiring through them can be asserted. */
function computed(type: string, name: string, inputs: Record<string, unknown>, jobExits: Record<string, JobExit>): Record<string, unknown> {
  switch (type) {
    case "docker:index/container:Container": {
      if (inputs.attach !== true) return {};
      const exit = jobExits[inputs.hostname as string] ?? { exitCode: 0, logs: "" };
      return { exitCode: exit.exitCode, containerLogs: exit.logs };
    }
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
      return mockRandomId(name, (inputs.byteLength as number | undefined) ?? 8);
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

/** `urn:pulumi:<stack>::<project>::<parent types $>...$<type>::<name>` → type and name. */
function parseUrn(urn: string): { type: string; name: string } {
  const [, , qualifiedType, name] = urn.split("::");
  return { type: qualifiedType!.slice(qualifiedType!.lastIndexOf("$") + 1), name: name! };
}

function secretValue(value: unknown): unknown {
  return isSecret(value) ? value : { [SIG_KEY]: SECRET_SIG, value };
}

/** What the mock monitor does not pass to `newResource`, read off the registration request. */
interface Registration {
  /** Outputs the engine marks secret (e.g. RandomPassword's `result`). */
  secretOutputs: readonly string[];
  dependencies: readonly string[];
  parent?: string;
}

/** How the mock engine answers, beyond a fresh `pulumi up` in which everything succeeds. */
export interface EngineBehaviour {
  /**
   * A preview of a stack that does not exist yet: every id and computed attribute is unknown, so
   * the program's applies on them never run.
   */
  preview?: boolean;
  /**
   * Resources an update leaves out (`pulumi up --target` of others): registered, but with no id
   * and no outputs at all, as the engine hands them to the program.
   */
  leaveOut?: (type: string, name: string) => boolean;
  /** Exit code and log of job containers, by role; the others exit 0. */
  jobExits?: Record<string, JobExit>;
}

const runtimeRpc = require("@pulumi/pulumi/runtime/rpc") as { unknownValue: string };

export class RecordingMocks implements pulumi.runtime.Mocks {
  /** The registration in flight (see {@link readRegistrations}). */
  registration: Registration = { secretOutputs: [], dependencies: [] };

  constructor(
    readonly resources: RecordedResource[] = [],
    private readonly behaviour: EngineBehaviour = {},
  ) {}

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    const inputs = args.inputs as Record<string, unknown>;
    const plain = reveal(inputs) as Record<string, unknown>;
    const leftOut = this.behaviour.leaveOut?.(args.type, args.name) ?? false;
    const attributes = computed(args.type, args.name, plain, this.behaviour.jobExits ?? {});
    if (this.behaviour.preview) for (const key of Object.keys(attributes)) attributes[key] = runtimeRpc.unknownValue;
    const id = leftOut || this.behaviour.preview ? "" : `${args.name}-id`;
    const state: Record<string, unknown> = leftOut ? {} : { ...inputs, ...attributes };
    const dependencies = this.registration.dependencies.map(parseUrn);
    const parent = this.registration.parent ? parseUrn(this.registration.parent) : undefined;
    this.resources.push({ type: args.type, name: args.name, id, inputs, plain, state: reveal(state) as Record<string, unknown>, dependencies, ...(parent ? { parent } : {}) });
    for (const key of this.registration.secretOutputs) if (key in state) state[key] = secretValue(state[key]);
    return { id, state };
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
export function stackFileConfig(stack: string, root = REPO_ROOT): { config: Record<string, string>; secure: string[] } {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  const doc = yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | undefined;
  const config: Record<string, string> = {};
  const secure: string[] = [];
  for (const [key, value] of Object.entries(doc?.config ?? {})) {
    if (typeof value === "object" && value !== null && "secure" in value) secure.push(key);
    else config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return { config, secure };
}

export interface RunOptions extends EngineBehaviour {
  stack: string;
  project?: string;
  /** Full keys (`project:key`) to values, applied over the stack file's config. */
  config?: Record<string, string>;
  /** Secrets a user would set with `pulumi config set --secret`, by key without the project. */
  secrets?: Record<string, string>;
  /** Keys (without the project) to remove from the stack file's config. */
  without?: string[];
  /** Checkout whose stack files to read. @default this repository */
  root?: string;
}

export interface Run<T> {
  resources: RecordedResource[];
  outputs: T;
}

interface MonitorRequest {
  getAdditionalsecretoutputsList?(): string[];
  getDependenciesList?(): string[];
  getParent?(): string;
}
type RegisterResource = (req: MonitorRequest, callback: (...args: unknown[]) => void) => unknown;

const settingsRuntime = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void>; getMonitor(): { registerResource: RegisterResource } };

/**
 * The engine marks a resource's `additionalSecretOutputs` as secrets and orders it after its
 * dependencies; the SDK's mock monitor passes neither to the mocks, so they are read off the request.
 */
function readRegistrations(mocks: RecordingMocks): void {
  const monitor = settingsRuntime.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    // The mock monitor calls `newResource` synchronously, before its first await.
    mocks.registration = { secretOutputs: req.getAdditionalsecretoutputsList?.() ?? [], dependencies: req.getDependenciesList?.() ?? [], parent: req.getParent?.() || undefined };
    try {
      return register(req, callback);
    } finally {
      mocks.registration = { secretOutputs: [], dependencies: [] };
    }
  };
}

export const PROJECT = (yaml.load(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as { name: string }).name;

/**
 * Runs a program under the mock engine with a stack's committed config, waits for every resource
 * registration, and returns what was registered. A rejection nobody handles (a resource whose
 * inputs or `dependsOn` failed) fails the run, as Pulumi's Node runtime fails the update on one.
 */
export async function runProgram<T>(program: () => T, options: RunOptions, recorded: RecordedResource[] = []): Promise<Run<T>> {
  let onUnhandled: (reason: unknown) => void = () => undefined;
  // A failed registration leaves its dependants waiting for ever: the first rejection ends the run.
  const failed = new Promise<never>((_, reject) => {
    onUnhandled = reject;
  });
  process.on("unhandledRejection", onUnhandled);
  // The SDK records a stack trace for every promise it makes, for leak reports; under ts-node's
  // source maps that is four fifths of a run's time. The program's own errors keep their messages.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const run = await Promise.race([registerProgram(program, options, recorded), failed]);
    // Rejections of promises that nothing awaits are reported after the microtasks that made them.
    await Promise.race([new Promise((resolve) => setImmediate(resolve)), failed]);
    return run;
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    process.off("unhandledRejection", onUnhandled);
  }
}

async function registerProgram<T>(program: () => T, options: RunOptions, recorded: RecordedResource[]): Promise<Run<T>> {
  const project = options.project ?? PROJECT;
  const { config } = stackFileConfig(options.stack, options.root);
  for (const key of options.without ?? []) delete config[`${project}:${key}`];
  Object.assign(config, options.config ?? {});
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(options.secrets ?? {})) {
    config[`${project}:${key}`] = value;
    secretKeys.push(`${project}:${key}`);
  }
  pulumi.runtime.setAllConfig(config, secretKeys);
  const mocks = new RecordingMocks(recorded, options);
  await pulumi.runtime.setMocks(mocks, project, options.stack, options.preview ?? false);
  readRegistrations(mocks);
  const outputs = program();
  await settingsRuntime.waitForRPCs();
  return { resources: mocks.resources, outputs };
}

/**
 * Runs a program that must fail, and returns its error with whatever it registered before failing
 * (a config error must leave that empty).
 */
export async function runFailingProgram(program: () => unknown, options: RunOptions): Promise<{ error: Error; resources: RecordedResource[] }> {
  const recorded: RecordedResource[] = [];
  try {
    await runProgram(program, options, recorded);
  } catch (error) {
    // What depends on a failed registration waits for ever (a real program then exits with the
    // error); let the rest of the program register what it still can.
    for (let quiet = 0, seen = recorded.length; quiet < 5; ) {
      await new Promise((resolve) => setImmediate(resolve));
      quiet = recorded.length === seen ? quiet + 1 : 0;
      seen = recorded.length;
    }
    return { error: error as Error, resources: recorded };
  }
  throw new Error(`the program succeeded on stack ${options.stack}, registering ${recorded.length} resources`);
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

/** Whether `resource` waits for `dependency`, directly or through its parents (which it waits for). */
export function dependsOn(resource: RecordedResource, dependency: RecordedResource, all: RecordedResource[]): boolean {
  if (resource.dependencies.some((d) => d.type === dependency.type && d.name === dependency.name)) return true;
  const parent = resource.parent && all.find((r) => r.type === resource.parent!.type && r.name === resource.parent!.name);
  return parent ? dependsOn(parent, dependency, all) : false;
}

export function named(resources: RecordedResource[], name: string): RecordedResource {
  const found = resources.filter((r) => r.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one resource named ${name}, found ${found.length}; names: ${resources.map((r) => r.name).join(", ")}`);
  }
  return found[0]!;
}
