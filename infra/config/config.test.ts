import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { definePlatform } from "../../stacks/platform";
import type { Json } from "../testing/inspect";
import { PROJECT, REPO_ROOT, runFailingProgram } from "../testing/mocks";
import { ConfigError, parseSettings, type ConfigContext, type PlatformSettings, type SecretKey } from ".";
import { TEST_LOADER_KEY, rsaPrivateKeyPem } from "../testing/keys";

type Raw = Record<string, Json>;

/** A committed stack file's config, keys without the project, as `pulumi config` hands it over. */
function committed(stack: "dev" | "prod"): Raw {
  const doc = yaml.load(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Raw };
  return Object.fromEntries(Object.entries(doc.config).map(([key, value]) => [key.slice(PROJECT.length + 1), value]));
}

const PROD_SECRETS: SecretKey[] = ["kubeconfig", "snowflakePrivateKey", "snowflakeLoaderPrivateKey"];

function ctx(stack: "dev" | "prod", options: { secrets?: string[]; plaintext?: string[] } = {}): ConfigContext {
  return { project: PROJECT, stack, secrets: new Set(options.secrets ?? (stack === "prod" ? PROD_SECRETS : [])), plaintext: new Set(options.plaintext ?? []) };
}

/** The committed config of a stack with changes by path: `changed("dev", { "kafka.brokers": 3 })`; undefined removes a key. */
function changed(stack: "dev" | "prod", changes: Record<string, unknown>): Raw {
  const raw = structuredClone(committed(stack));
  for (const [key, value] of Object.entries(changes)) {
    const parts = key.split(".");
    let at = raw;
    for (const part of parts.slice(0, -1)) at = at[part] ??= {};
    if (value === undefined) delete at[parts.at(-1)!];
    else at[parts.at(-1)!] = value;
  }
  return raw;
}

function problemsOf(raw: Raw, context: ConfigContext): string[] {
  try {
    parseSettings(raw, context);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.match(error.message, new RegExp(`^stack "${context.stack}" has ${error.problems.length} config problems?:`));
    assert.equal(error.stackName, context.stack);
    assert.match(error.stack ?? "", /^ConfigError: stack /, "the error's own trace, which tools print, is not replaced by the stack's name");
    return [...error.problems];
  }
  assert.fail("the config was accepted");
}

/** Exactly one problem, which names the key in backticks and quotes the value. */
function assertOneProblem(problems: string[], key: string, value: string): string {
  assert.equal(problems.length, 1, `expected one problem, got:\n${problems.join("\n")}`);
  const [problem] = problems;
  assert.ok(problem!.includes(`\`${key}\``), `"${problem}" does not name \`${key}\``);
  assert.ok(problem!.includes(value), `"${problem}" does not quote ${value}`);
  return problem!;
}

describe("stack config", () => {
  describe("the committed stack files", () => {
    it("dev parses cleanly into a local stack with one broker", () => {
      const s: PlatformSettings = parseSettings(committed("dev"), ctx("dev"));
      assert.equal(s.target, "local");
      assert.deepEqual([s.kafka.brokers, s.kafka.replicationFactor, s.kafka.minInsyncReplicas], [1, 1, 1]);
      assert.equal(s.local?.bindAddress, "127.0.0.1");
      assert.equal(s.cloud, undefined);
      assert.equal(s.snowflake, undefined);
      assert.deepEqual(s.requiredSecrets, []);
    });

    it("prod parses cleanly into a cloud stack with RF 3 and min ISR 2, needing two secrets", () => {
      const s = parseSettings(committed("prod"), ctx("prod"));
      assert.equal(s.target, "cloud");
      assert.deepEqual([s.kafka.brokers, s.kafka.replicationFactor, s.kafka.minInsyncReplicas], [3, 3, 2]);
      assert.equal(s.storage.versioning, true);
      assert.equal(s.snowflake?.account, "MARKETDATA");
      assert.deepEqual(s.requiredSecrets, ["kubeconfig", "snowflakePrivateKey", "snowflakeLoaderPrivateKey"]);
    });

    it("hold no secret value", () => {
      for (const stack of ["dev", "prod"] as const) {
        for (const key of PROD_SECRETS) assert.equal(committed(stack)[key], undefined, `${key} in Pulumi.${stack}.yaml`);
      }
    });
  });

  describe("values out of range", () => {
    for (const workers of [0, -1]) {
      it(`refuses ${workers} Spark workers`, () => {
        assertOneProblem(problemsOf(changed("dev", { "spark.workers": workers }), ctx("dev")), "spark.workers", `(got ${workers})`);
      });
    }

    it("refuses a worker count that is not a number", () => {
      assertOneProblem(problemsOf(changed("dev", { "spark.workers": "two" }), ctx("dev")), "spark.workers", '(got "two")');
    });

    it("refuses an unknown target", () => {
      const problem = assertOneProblem(problemsOf(changed("dev", { target: "kubernetes", local: undefined }), ctx("dev")), "target", '(got "kubernetes")');
      assert.match(problem, /"local", "cloud"/);
    });

    it("requires a target", () => {
      assertOneProblem(problemsOf(changed("dev", { target: undefined }), ctx("dev")), "target", '"local"');
    });

    it("refuses a batch source other than yahoo or simulated, and defaults to yahoo", () => {
      const problem = assertOneProblem(problemsOf(changed("dev", { "functions.batchSource": "csv" }), ctx("dev")), "functions.batchSource", '(got "csv")');
      assert.match(problem, /"yahoo", "simulated"/);
      assert.equal(parseSettings(changed("dev", { "functions.batchSource": undefined }), ctx("dev")).functions.batchSource, "yahoo");
      assert.equal(parseSettings(committed("dev"), ctx("dev")).functions.batchSource, "simulated", "dev runs offline as committed");
    });

    it("refuses a build network that is not a Docker network name, and leaves it unset by default", () => {
      for (const network of ["", "host net", "--network=host"]) {
        assertOneProblem(problemsOf(changed("dev", { build: { network } }), ctx("dev")), "build.network", `(got ${JSON.stringify(network)})`);
      }
      assert.equal(parseSettings(committed("dev"), ctx("dev")).build.network, undefined);
      assert.equal(parseSettings(changed("dev", { build: { network: "host" } }), ctx("dev")).build.network, "host");
    });

    it("refuses a bad bind address", () => {
      for (const address of ["localhost", "256.0.0.1"]) {
        assertOneProblem(problemsOf(changed("dev", { "local.bindAddress": address }), ctx("dev")), "local.bindAddress", `(got "${address}")`);
      }
    });

    it("refuses a negative or non-numeric idle time of the sink's flushes, and a topic it does not know", () => {
      assertOneProblem(problemsOf(changed("dev", { "functions.sink.flushIdleMs.batch": -1 }), ctx("dev")), "functions.sink.flushIdleMs.batch", "(got -1)");
      assertOneProblem(problemsOf(changed("dev", { "functions.sink.flushIdleMs.realtime": "soon" }), ctx("dev")), "functions.sink.flushIdleMs.realtime", '(got "soon")');
      assertOneProblem(problemsOf(changed("dev", { "functions.sink.flushIdleMs.deadLetter": 100 }), ctx("dev")), "functions.sink.flushIdleMs.deadLetter", "not a known setting");
    });

    it("refuses a bucket prefix too long for AWS's bucket-name prefixes", () => {
      const prefix = "market-data-platform-prod";
      assertOneProblem(problemsOf(changed("prod", { "storage.bucketPrefix": prefix }), ctx("prod")), "storage.bucketPrefix", `(got "${prefix}")`);
    });

    it("refuses a bad OIDC provider ARN", () => {
      const arn = "arn:aws:iam::123:role/not-a-provider";
      assertOneProblem(problemsOf(changed("prod", { "cloud.oidcProviderArn": arn }), ctx("prod")), "cloud.oidcProviderArn", `(got "${arn}")`);
    });

    it("refuses a symbol that is not a ticker", () => {
      const problem = assertOneProblem(problemsOf(changed("dev", { "functions.symbols": ["AAPL", "not a ticker"] }), ctx("dev")), "functions.symbols", '"not a ticker"');
      assert.ok(!problem.includes('"AAPL"'), "only the bad symbol is quoted");
    });
  });

  describe("unknown keys", () => {
    it("suggests the key that was probably meant", () => {
      const problem = assertOneProblem(problemsOf(changed("dev", { "kafka.replicationFactr": 1 }), ctx("dev")), "kafka.replicationFactr", "did you mean `kafka.replicationFactor`?");
      assert.match(problem, /is not a known setting/);
    });

    it("suggests top-level keys too", () => {
      assertOneProblem(problemsOf(changed("dev", { imgaes: { kafka: "apache/kafka:4.3.1" } }), ctx("dev")), "imgaes", "did you mean `images`?");
    });

    it("offers no suggestion when nothing is close", () => {
      const problem = assertOneProblem(problemsOf(changed("dev", { "spark.flavour": "vanilla" }), ctx("dev")), "spark.flavour", "not a known setting");
      assert.ok(!problem.includes("did you mean"));
    });
  });

  describe("durability", () => {
    it("refuses a replication factor above the broker count", () => {
      assertOneProblem(problemsOf(changed("prod", { "kafka.replicationFactor": 4 }), ctx("prod")), "kafka.replicationFactor", "(got 4 with 3 brokers)");
    });

    it("refuses min.insync.replicas above the replication factor", () => {
      assertOneProblem(problemsOf(changed("prod", { "kafka.minInsyncReplicas": 4 }), ctx("prod")), "kafka.minInsyncReplicas", "(got 4 with replication factor 3)");
    });

    it("refuses RF 1 on a cloud stack unless reduced durability is asked for by name", () => {
      const raw = changed("prod", { "kafka.replicationFactor": 1, "kafka.minInsyncReplicas": 1 });
      const problems = problemsOf(raw, ctx("prod"));
      assert.equal(problems.length, 2);
      assert.ok(problems[0]!.includes("`kafka.replicationFactor`") && problems[0]!.includes("(got 1)") && problems[0]!.includes("`kafka.unsafeReducedDurability: true`"), problems[0]);
      assert.ok(problems[1]!.includes("`kafka.minInsyncReplicas`") && problems[1]!.includes("(got 1)"), problems[1]);
      const accepted = parseSettings(changed("prod", { "kafka.replicationFactor": 1, "kafka.minInsyncReplicas": 1, "kafka.unsafeReducedDurability": true }), ctx("prod"));
      assert.equal(accepted.kafka.replicationFactor, 1);
    });

    it("refuses three brokers on a local stack, which runs one broker container", () => {
      assertOneProblem(problemsOf(changed("dev", { "kafka.brokers": 3 }), ctx("dev")), "kafka.brokers", "(got 3)");
    });
  });

  describe("host ports", () => {
    it("refuses two services on one host port", () => {
      const problem = assertOneProblem(problemsOf(changed("dev", { "local.ports.s3Console": 9000 }), ctx("dev")), "local.ports.s3Console", "9000");
      assert.ok(problem.includes("`local.ports.s3`"));
    });

    it("refuses a port that a sink's metrics take", () => {
      assertOneProblem(problemsOf(changed("dev", { "local.ports.metrics": 8079 }), ctx("dev")), "local.ports.sparkUi", "8080");
    });
  });

  describe("images", () => {
    for (const [reference, reason] of [
      ["apache/kafka:latest", 'floating tag "latest"'],
      ["apache/kafka", "no tag"],
      ["postgres:17", 'the tag "17"'],
    ] as const) {
      it(`refuses the unpinned image ${reference}`, () => {
        const key = reference.startsWith("postgres") ? "postgres" : "kafka";
        const problem = assertOneProblem(problemsOf(changed("dev", { [`images.${key}`]: reference }), ctx("dev")), `images.${key}`, `"${reference}"`);
        assert.ok(problem.includes(reason), problem);
      });
    }

    it("needs a release in the Kafka and Airflow tags of a cloud stack, which Strimzi and the chart are told", () => {
      const kafka = `apache/kafka@sha256:${"0".repeat(64)}`;
      assertOneProblem(problemsOf(changed("prod", { "images.kafka": kafka }), ctx("prod")), "images.kafka", `"${kafka}"`);
      const airflow = `apache/airflow@sha256:${"0".repeat(64)}`;
      assertOneProblem(problemsOf(changed("prod", { "images.airflow": airflow }), ctx("prod")), "images.airflow", `"${airflow}"`);
      assert.equal(parseSettings(changed("dev", { "images.kafka": kafka }), ctx("dev")).images.kafka, kafka, "the local target runs any pinned image");
    });

    it("accepts images pinned by digest", () => {
      const ref = `postgres@sha256:${"0".repeat(64)}`;
      assert.equal(parseSettings(changed("dev", { "images.postgres": ref }), ctx("dev")).images.postgres, ref);
    });
  });

  describe("secrets", () => {
    it("reports every missing secret at once, each with the command that sets it", () => {
      const problems = problemsOf(committed("prod"), ctx("prod", { secrets: [] }));
      assert.deepEqual(problems, [
        "the secret `kubeconfig` is missing: run `pulumi config set --secret kubeconfig --stack prod < path/to/kubeconfig`",
        "the secret `snowflakePrivateKey` is missing: run `pulumi config set --secret snowflakePrivateKey --stack prod < path/to/rsa_key.p8`",
        "the secret `snowflakeLoaderPrivateKey` is missing: run `pulumi config set --secret snowflakeLoaderPrivateKey --stack prod < path/to/airflow_loader_key.p8`",
      ]);
    });

    it("takes as Airflow's loader key only an unencrypted RSA private key of 2048 bits or more, its own, and never shows it", () => {
      const withKeys = (loader: string, admin = "admin-key") => ({ ...ctx("prod"), secretValues: { snowflakeLoaderPrivateKey: loader, snowflakePrivateKey: admin } });
      assert.equal(parseSettings(committed("prod"), withKeys(TEST_LOADER_KEY)).snowflake?.account, "MARKETDATA");
      const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
      const encrypted = createPrivateKey(TEST_LOADER_KEY).export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "p" }).toString();
      for (const [value, expected] of [
        ["not a key at all", "is not a private key in PEM form"],
        ["-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----", "is not a private key in PEM form"],
        [ec, "is an ec key; Snowflake's key-pair authentication takes RSA"],
        [rsaPrivateKeyPem(1024), "is an RSA key of 1024 bits; Snowflake needs 2048 or more"],
        [encrypted, "is encrypted: give the key unencrypted"],
      ] as const) {
        const problem = assertOneProblem(problemsOf(committed("prod"), withKeys(value)), "snowflakeLoaderPrivateKey", expected);
        assert.ok(!problem.includes(value.trim().split("\n")[1] ?? value), "the error does not print the key");
      }
      assertOneProblem(problemsOf(committed("prod"), withKeys(TEST_LOADER_KEY, `${TEST_LOADER_KEY}\n`)), "snowflakeLoaderPrivateKey", "is the key of `snowflake.user`, the admin");
    });

    it("asks for the quote API key when the live quote source is on", () => {
      const problem = assertOneProblem(problemsOf(changed("dev", { "functions.quoteSource": "live" }), ctx("dev")), "quoteApiKey", "pulumi config set --secret quoteApiKey");
      assert.ok(problem.includes("--stack dev"));
    });

    it("refuses a secret stored in plain text in the stack file", () => {
      const problem = assertOneProblem(problemsOf(committed("prod"), ctx("prod", { secrets: ["snowflakePrivateKey", "snowflakeLoaderPrivateKey"], plaintext: ["kubeconfig"] })), "kubeconfig", "Pulumi.prod.yaml");
      assert.ok(problem.includes("pulumi config set --secret kubeconfig --stack prod"), problem);
    });
  });

  describe("settings of the other target", () => {
    it("refuses `cloud` settings on a local stack", () => {
      const problem = assertOneProblem(problemsOf(changed("dev", { cloud: { region: "us-east-1" } }), ctx("dev")), "cloud", "local stack");
      assert.match(problem, /`target: cloud`/);
    });

    it("refuses `local` settings on a cloud stack", () => {
      assertOneProblem(problemsOf(changed("prod", { local: { bindAddress: "127.0.0.1" } }), ctx("prod")), "local", "cloud stack");
    });
  });

  describe("Snowflake", () => {
    it("requires the account when Snowflake is enabled", () => {
      assertOneProblem(problemsOf(changed("prod", { "snowflake.account": undefined }), ctx("prod")), "snowflake.account", "`snowflake.enabled: false`");
    });

    it("refuses an account name that is not an identifier", () => {
      assertOneProblem(problemsOf(changed("prod", { "snowflake.account": "my account" }), ctx("prod")), "snowflake.account", '(got "my account")');
    });
  });

  it("reports every problem of a config in one error", () => {
    const problems = problemsOf(changed("dev", { "spark.workers": 0, "kafka.brokers": 3, "local.bindAddress": "localhost" }), ctx("dev"));
    assert.equal(problems.length, 3);
  });

  describe("through the program", function () {
    this.timeout(30_000);

    it("fails before registering any resource", async () => {
      const { error, resources } = await runFailingProgram(definePlatform, { stack: "dev", config: { [`${PROJECT}:spark`]: JSON.stringify({ workers: 0 }) } });
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /`spark.workers` must be a whole number between 1 and 64 \(got 0\)/);
      assert.deepEqual(resources, []);
    });

    it("reports every missing prod secret with its command, before any resource", async () => {
      const { error, resources } = await runFailingProgram(definePlatform, { stack: "prod" });
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(
        error.problems.map((p) => /`(pulumi config set [^`]+)`/.exec(p)?.[1]),
        [
          "pulumi config set --secret kubeconfig --stack prod < path/to/kubeconfig",
          "pulumi config set --secret snowflakePrivateKey --stack prod < path/to/rsa_key.p8",
          "pulumi config set --secret snowflakeLoaderPrivateKey --stack prod < path/to/airflow_loader_key.p8",
        ],
      );
      assert.deepEqual(resources, []);
    });

    it("notices a secret set without --secret", async () => {
      const { error, resources } = await runFailingProgram(definePlatform, {
        stack: "prod",
        config: { [`${PROJECT}:kubeconfig`]: "apiVersion: v1" },
        secrets: { snowflakePrivateKey: "key", snowflakeLoaderPrivateKey: TEST_LOADER_KEY },
      });
      assert.match(error.message, /`kubeconfig` is stored in plain text in Pulumi\.prod\.yaml/);
      assert.ok(!error.message.includes("apiVersion: v1"), "the error does not print the secret");
      assert.deepEqual(resources, []);
    });

    it("reads structured config as `pulumi config set --path` stores it", async () => {
      const { error } = await runFailingProgram(definePlatform, { stack: "dev", config: { [`${PROJECT}:kafka`]: JSON.stringify({ brokers: 3, replicationFactor: 1 }) } });
      assert.match(error.message, /`kafka.brokers` must be 1 on a local stack.*\(got 3\)/);
    });
  });
});
