import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EnvError, EnvReader } from "./env";
import { readKafkaClientSettings } from "./kafka";
import { readS3Settings } from "./s3";

function problems(read: (env: EnvReader) => unknown, vars: Record<string, string>): readonly string[] {
  const env = new EnvReader(vars);
  read(env);
  try {
    env.done();
  } catch (err) {
    if (err instanceof EnvError) return err.problems;
    throw err;
  }
  return [];
}

describe("function environment", () => {
  describe("EnvReader.secret", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "env-secret-"));
    const file = (name: string, content: string) => {
      const at = path.join(dir, name);
      writeFileSync(at, content);
      return at;
    };

    it("reads a credential from the variable, or from the file its _FILE variable names, without the trailing newline", () => {
      assert.equal(new EnvReader({ KAFKA_PASSWORD: "pw" }).secret("KAFKA_PASSWORD"), "pw");
      assert.equal(new EnvReader({ KAFKA_PASSWORD_FILE: file("password", "s3cr3t\n") }).secret("KAFKA_PASSWORD"), "s3cr3t");
      assert.equal(new EnvReader({}).secret("KAFKA_PASSWORD"), undefined);
    });

    it("refuses both at once, a file it cannot read and an empty one, naming the variable and the path", () => {
      const missing = path.join(dir, "nothing-here");
      assert.deepEqual(problems((env) => env.secret("K"), { K: "a", K_FILE: file("k", "b") }), ["`K` and `K_FILE` are both set; set only one"]);
      assert.deepEqual(problems((env) => env.secret("K"), { K_FILE: missing }), [`\`K_FILE\` names "${missing}", which cannot be read (ENOENT)`]);
      const empty = file("empty", "\n");
      assert.deepEqual(problems((env) => env.secret("K"), { K_FILE: empty }), [`\`K_FILE\` names "${empty}", which is empty`]);
    });

    it("gives Kafka's SASL password from a mounted file", () => {
      const env = new EnvReader({ KAFKA_BROKERS: "a:9093", KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_USERNAME: "sink", KAFKA_PASSWORD_FILE: file("kafka", "from-file\n") });
      assert.equal(readKafkaClientSettings(env, "x").sasl?.password, "from-file");
      env.done();
    });
  });

  describe("EnvReader", () => {
    it("applies defaults, trims values, treats blank as unset", () => {
      const env = new EnvReader({ A: " 5 ", B: "  ", C: "yes", D: "x, y,,z" });
      assert.equal(env.int("A", 1), 5);
      assert.equal(env.string("B", "fallback"), "fallback");
      assert.equal(env.bool("C", false), true);
      assert.deepEqual(env.list("D", []), ["x", "y", "z"]);
      env.done();
    });

    it("collects every bad value, naming the variable and quoting the value", () => {
      assert.deepEqual(
        problems(
          (env) => {
            env.int("PORT", 0, { min: 0, max: 65_535 });
            env.int("COUNT", 1, { min: 1 });
            env.bool("FLAG", false);
            env.oneOf("MODE", ["a", "b"] as const, "a");
            env.required("NEEDED");
            env.list("ITEMS", ["x"]);
          },
          { PORT: "70000", COUNT: "1.5", FLAG: "maybe", MODE: "c", ITEMS: " , " },
        ),
        [
          '`PORT` must be an integer >= 0 and <= 65535 (got "70000")',
          '`COUNT` must be an integer >= 1 (got "1.5")',
          '`FLAG` must be true or false (got "maybe")',
          '`MODE` must be one of a, b (got "c")',
          "`NEEDED` is required",
          '`ITEMS` must list at least one value (got ",")',
        ],
      );
    });
  });

  describe("Kafka settings", () => {
    it("reads brokers, SASL and acks", () => {
      const env = new EnvReader({ KAFKA_BROKERS: "a:9093,b:9093", KAFKA_SSL: "true", KAFKA_SASL_MECHANISM: "SCRAM-SHA-512", KAFKA_USERNAME: "sink", KAFKA_PASSWORD: "pw" });
      const s = readKafkaClientSettings(env, "sink");
      env.done();
      assert.deepEqual(s, { brokers: ["a:9093", "b:9093"], clientId: "sink", ssl: true, sasl: { mechanism: "scram-sha-512", username: "sink", password: "pw" }, acks: "all" });
    });

    it("refuses missing or malformed brokers, an unknown mechanism and a mechanism without credentials", () => {
      assert.deepEqual(problems((env) => readKafkaClientSettings(env, "x"), {}), ["`KAFKA_BROKERS` is required (comma-separated host:port list)"]);
      assert.deepEqual(problems((env) => readKafkaClientSettings(env, "x"), { KAFKA_BROKERS: "kafka", KAFKA_ACKS: "none" }), [
        '`KAFKA_BROKERS` entries must be host:port (got "kafka")',
        '`KAFKA_ACKS` must be one of all, leader (got "none")',
      ]);
      assert.deepEqual(problems((env) => readKafkaClientSettings(env, "x"), { KAFKA_BROKERS: "k:1", KAFKA_SASL_MECHANISM: "gssapi" }), [
        '`KAFKA_SASL_MECHANISM` must be one of scram-sha-256, scram-sha-512, plain (got "gssapi")',
      ]);
      assert.deepEqual(problems((env) => readKafkaClientSettings(env, "x"), { KAFKA_BROKERS: "k:1", KAFKA_SASL_MECHANISM: "plain" }), ["`KAFKA_USERNAME` is required", "`KAFKA_PASSWORD` is required (or `KAFKA_PASSWORD_FILE`, a file holding it)"]);
    });
  });

  describe("S3 settings", () => {
    it("uses path-style addressing for a custom endpoint and the default credential chain without keys", () => {
      const env = new EnvReader({ S3_ENDPOINT: "http://objectstore:9000" });
      const s = readS3Settings(env);
      env.done();
      assert.deepEqual(s, { endpoint: "http://objectstore:9000", region: "us-east-1", forcePathStyle: true, credentials: undefined });
    });

    it("refuses an endpoint that is not a URL and half a key pair", () => {
      assert.deepEqual(problems(readS3Settings, { S3_ENDPOINT: "objectstore:9000", AWS_ACCESS_KEY_ID: "id" }), [
        '`S3_ENDPOINT` must be an http(s) URL such as http://minio:9000 (got "objectstore:9000")',
        "`AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` must be set together",
      ]);
    });
  });
});
