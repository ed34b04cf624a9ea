import * as assert from "node:assert/strict";
import { ENV, FUNCTION_COMMANDS, TOPICS, ZONES, ZONE_BUCKET_ENV } from "../contract";
import { checkImagePinned } from "../infra/config";
import { TYPES, containerEnv, containersByRole } from "../infra/testing/inspect";
import { dependsOn, isSecret, isSecretOutput, mockRandomId, ofType, plainStrings, reveal, runFailingProgram, runProgram, unwrap, type RecordedResource, type Run } from "../infra/testing/mocks";
import type { PlatformOutputs } from "./outputs";
import { definePlatform } from "./platform";
import { TEST_LOADER_KEY } from "../infra/testing/keys";

const ROOT_USERS = new Set(["0", "root", "0:0", "root:root"]);
const FUNCTIONS: string[] = [FUNCTION_COMMANDS.realtimeProducer, FUNCTION_COMMANDS.sink, FUNCTION_COMMANDS.batchProducer];

describe("dev stack (local Docker target)", function () {
  this.timeout(60_000);
  let run: Run<PlatformOutputs>;
  let containers: Map<string, RecordedResource>;

  before(async () => {
    run = await runProgram(definePlatform, { stack: "dev" });
    containers = containersByRole(run.resources);
  });

  const container = (role: string): RecordedResource => {
    const found = containers.get(role);
    assert.ok(found, `no container with role ${role}; roles: ${[...containers.keys()].join(", ")}`);
    return found;
  };
  /** Our producers and sinks (the bucket job runs the functions image too, as an init job). */
  const functionContainers = () => [...containers.values()].filter((c) => FUNCTIONS.includes((c.plain.command as string[] | undefined)?.[0] ?? ""));
  const longRunning = () => [...containers.values()].filter((c) => c.plain.attach !== true);

  describe("services", () => {
    it("declares every service of the platform as a container", () => {
      const roles = [
        "kafka",
        "kafka-topics",
        "objectstore",
        "objectstore-volume-owner",
        "objectstore-buckets",
        "spark-master",
        "spark-worker-1",
        "spark-worker-2",
        "spark-tick-windows",
        "postgres",
        "airflow-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "realtime-producer",
        "sink-1",
        "batch-producer",
        "dashboard",
        "docker-api-proxy",
      ];
      assert.deepEqual([...containers.keys()].sort(), [...roles].sort());
    });

    it("builds the images of this repository, tagged by content", () => {
      const images = ofType(run.resources, TYPES.image);
      assert.deepEqual(images.map((i) => (i.plain.imageName as string).split(":")[0]).sort(), ["mdp/airflow", "mdp/functions", "mdp/postgres", "mdp/spark"]);
      for (const image of images) {
        assert.match(image.plain.imageName as string, /:src-[0-9a-f]{16}$/);
        assert.equal((image.plain as { skipPush?: boolean }).skipPush, true, `${image.name} stays on the local engine`);
      }
    });

    it("runs the built images, not the public base images, for our code", async () => {
      const refs = { functions: await unwrap(run.outputs.images.functions!), spark: await unwrap(run.outputs.images.spark!), airflow: await unwrap(run.outputs.images.airflow!) };
      for (const role of ["realtime-producer", "sink-1", "batch-producer", "objectstore-buckets"]) assert.equal(container(role).plain.image, refs.functions, role);
      for (const role of ["spark-master", "spark-worker-1", "spark-worker-2"]) assert.equal(container(role).plain.image, refs.spark, role);
      for (const role of ["airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"]) assert.equal(container(role).plain.image, refs.airflow, role);
      assert.equal(container("postgres").plain.image, await unwrap(run.outputs.images.postgres!));
    });

    it("runs the jobs (topics, buckets, Airflow init, volume owner, backfill) to completion during the update", () => {
      const jobs = [...containers.values()].filter((c) => c.plain.attach === true);
      assert.deepEqual(jobs.map((c) => c.plain.hostname).sort(), ["airflow-init", "batch-producer", "kafka-topics", "objectstore-buckets", "objectstore-volume-owner"]);
      for (const job of jobs) {
        assert.equal(job.plain.restart, "no", `${job.name} must not restart`);
        assert.equal(job.plain.mustRun, false, `${job.name} exits; it must not be kept running`);
      }
    });

    it("exports every endpoint a user needs", async () => {
      assert.equal(run.outputs.target, "local");
      assert.deepEqual(run.outputs.kafka.topics, Object.values(TOPICS));
      assert.deepEqual(Object.keys(run.outputs.objectStore.buckets).sort(), [...ZONES].sort());
      assert.equal(await unwrap(run.outputs.kafka.bootstrapHost!), "127.0.0.1:29092");
      assert.equal(await unwrap(run.outputs.objectStore.endpointHost!), "http://127.0.0.1:9000");
      assert.equal(await unwrap(run.outputs.airflow.uiUrl), "http://127.0.0.1:8081");
      assert.equal(run.outputs.snowflake, undefined);
    });
  });

  describe("wiring", () => {
    it("gives every function the Kafka bootstrap of the DockerKafka component, which names the broker container", async () => {
      const bootstrap = await unwrap(run.outputs.kafka.bootstrapInternal);
      assert.equal(bootstrap, `${container("kafka").plain.hostname as string}:9092`);
      const fns = functionContainers();
      assert.deepEqual(fns.map((c) => c.plain.hostname).sort(), ["batch-producer", "realtime-producer", "sink-1"]);
      for (const fn of fns) assert.equal(containerEnv(fn)[ENV.kafkaBrokers], bootstrap, fn.name);
    });

    it("gives the sink the object store's endpoint, which names the object-store container, and its raw bucket", async () => {
      const endpoint = await unwrap(run.outputs.objectStore.endpoint);
      assert.equal(endpoint, `http://${container("objectstore").plain.hostname as string}:9000`);
      const sink = containerEnv(container("sink-1"));
      assert.equal(sink[ENV.s3Endpoint], endpoint);
      assert.equal(sink[ENV.rawBucket], await unwrap(run.outputs.objectStore.buckets.raw));
      assert.equal(sink[ENV.awsAccessKeyId], await unwrap(run.outputs.objectStore.accessKeyId!));
      assert.equal(sink[ENV.awsSecretAccessKey], await unwrap(run.outputs.objectStore.secretAccessKey!));
      for (const fn of functionContainers()) {
        const env = containerEnv(fn);
        if (env[ENV.s3Endpoint] !== undefined) assert.equal(env[ENV.s3Endpoint], endpoint, fn.name);
      }
    });

    it("gives Spark and Airflow the same Kafka, object store, buckets and Spark master", async () => {
      const bootstrap = await unwrap(run.outputs.kafka.bootstrapInternal);
      const endpoint = await unwrap(run.outputs.objectStore.endpoint);
      const masterUrl = await unwrap(run.outputs.spark.masterUrl);
      assert.equal(masterUrl, `spark://${container("spark-master").plain.hostname as string}:7077`);
      for (const role of ["spark-master", "spark-worker-1", "spark-worker-2", "spark-tick-windows", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"]) {
        const env = containerEnv(container(role));
        assert.equal(env[ENV.kafkaBrokers], bootstrap, role);
        assert.equal(env[ENV.s3Endpoint], endpoint, role);
        for (const zone of ZONES) assert.equal(env[ZONE_BUCKET_ENV[zone]], await unwrap(run.outputs.objectStore.buckets[zone]), `${role} ${zone}`);
      }
      for (const worker of ["spark-worker-1", "spark-worker-2"]) assert.equal((container(worker).plain.command as string[]).at(-1), masterUrl);
    });

    it("runs the streaming job as a driver on the cluster's master, which executors dial back by its alias", async () => {
      const streaming = container("spark-tick-windows");
      const command = streaming.plain.command as string[];
      assert.equal(command[0], "/opt/spark/bin/spark-submit");
      assert.equal(command[command.indexOf("--master") + 1], await unwrap(run.outputs.spark.masterUrl));
      assert.equal(command.at(-1), "/opt/market-data/jobs/tick_windows.py", "runs until stopped, not --available-now");
      assert.ok(command.includes(`spark.driver.host=${streaming.plain.hostname as string}`));
      assert.equal(streaming.plain.image, await unwrap(run.outputs.images.spark!));
      assert.equal(streaming.plain.restart, "unless-stopped");
      assert.equal(streaming.plain.user, "10185:185");
      const env = containerEnv(streaming);
      assert.equal(env[ENV.awsSecretAccessKey], await unwrap(run.outputs.objectStore.secretAccessKey!));
      assert.equal(env[ENV.kafkaSsl], undefined, "dev's broker is plaintext");
      const master = container("spark-master");
      assert.ok(dependsOn(streaming, master, run.resources), "starts after the master");
    });

    it("backfills from the simulation, seeded as the realtime producer, so that the stack has history without internet", () => {
      const batch = containerEnv(container("batch-producer"));
      assert.equal(batch[ENV.batchSource], "simulated");
      assert.equal(batch[ENV.simulationSeed], containerEnv(container("realtime-producer"))[ENV.simulationSeed]);
    });

    it("attaches every container to the stack's network under its role, but the Docker API proxy, whose network only the scheduler joins", () => {
      const proxyNetwork = [{ name: "mdp-dev-airflow-docker-api", aliases: ["docker-api-proxy"] }];
      for (const c of containers.values()) {
        const expected = { "docker-api-proxy": proxyNetwork, "airflow-scheduler": [{ name: "mdp-dev", aliases: ["airflow-scheduler"] }, { ...proxyNetwork[0]!, aliases: ["airflow-scheduler"] }] }[c.plain.hostname as string];
        assert.deepEqual(c.plain.networksAdvanced, expected ?? [{ name: "mdp-dev", aliases: [c.plain.hostname] }], c.name);
      }
      const network = ofType(run.resources, TYPES.network).find((n) => n.plain.name === "mdp-dev-airflow-docker-api")!;
      assert.equal(network.plain.internal, true, "the proxy's network reaches nothing outside");
    });

    it("mounts the engine's socket into the Docker API proxy alone, and points the DAGs' docker runner at the proxy", () => {
      const mountsSocket = [...containers.values()].filter((c) => ((c.plain.volumes ?? []) as { hostPath?: string }[]).some((v) => v.hostPath?.endsWith("docker.sock")));
      assert.deepEqual(mountsSocket.map((c) => c.plain.hostname), ["docker-api-proxy"]);
      const proxy = container("docker-api-proxy");
      assert.equal(proxy.plain.image, "wollomatic/socket-proxy:1.12.2");
      assert.equal(proxy.plain.user, "65534:999", "non-root, in the socket's group");
      assert.deepEqual(proxy.plain.ports, []);
      for (const role of ["airflow-scheduler", "airflow-triggerer", "airflow-dag-processor", "airflow-apiserver"]) {
        const runner = JSON.parse(containerEnv(container(role)).AIRFLOW_VAR_MARKET_DATA_RUNNER!) as { docker_url: string };
        assert.equal(runner.docker_url, "tcp://docker-api-proxy:2375", role);
      }
    });

    it("proxies the socket that `local.dockerHost` names, as the group `local.dockerSocketGid` says", async () => {
      const rootless = await runProgram(definePlatform, { stack: "dev", config: { "market-data-platform:local": JSON.stringify({ dockerHost: "unix:///run/user/1000/docker.sock", dockerSocketGid: 1000 }) } });
      const proxy = containersByRole(rootless.resources).get("docker-api-proxy")!;
      assert.deepEqual((proxy.plain.volumes as { hostPath?: string; containerPath: string }[]).map((v) => [v.hostPath, v.containerPath]), [["/run/user/1000/docker.sock", "/var/run/docker.sock"]]);
      assert.equal(proxy.plain.user, "65534:1000");
    });
  });

  describe("order", () => {
    const waitsFor = (role: string, others: string[]) => {
      for (const other of others) assert.ok(dependsOn(container(role), container(other), run.resources), `${role} waits for ${other}`);
    };

    it("starts the functions, Spark and Airflow's services after the topics and buckets exist", () => {
      for (const role of ["realtime-producer", "sink-1", "batch-producer", "spark-master", "airflow-scheduler", "airflow-apiserver"]) waitsFor(role, ["kafka-topics", "objectstore-buckets"]);
    });

    it("creates topics and buckets once their servers run, and the server once its volume is its own", () => {
      waitsFor("kafka-topics", ["kafka"]);
      waitsFor("objectstore-buckets", ["objectstore"]);
      waitsFor("objectstore", ["objectstore-volume-owner"]);
    });

    it("starts Airflow's services after the database is migrated, and migrates once Postgres runs", () => {
      for (const service of ["airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"]) waitsFor(service, ["airflow-init"]);
      waitsFor("airflow-init", ["postgres"]);
    });

    it("starts the Spark workers after the master", () => {
      waitsFor("spark-worker-1", ["spark-master"]);
      waitsFor("spark-worker-2", ["spark-master"]);
    });
  });

  describe("durability", () => {
    it("runs one broker whose topics have replication factor 1", () => {
      const brokers = longRunning().filter((c) => (c.plain.image as string).startsWith("apache/kafka:"));
      assert.deepEqual(brokers.map((b) => b.plain.hostname), ["kafka"]);
      const env = containerEnv(brokers[0]!);
      assert.equal(env.KAFKA_DEFAULT_REPLICATION_FACTOR, "1");
      assert.equal(env.KAFKA_MIN_INSYNC_REPLICAS, "1");
      assert.equal(env.KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE, "false");
      assert.equal(env.KAFKA_PROCESS_ROLES, "broker,controller");

      const script = (container("kafka-topics").plain.command as string[]).join("\n");
      const factors = [...script.matchAll(/--replication-factor (\d+)/g)].map((m) => m[1]);
      assert.deepEqual(factors, ["1", "1", "1"]);
      for (const topic of Object.values(TOPICS)) assert.ok(script.includes(`--topic ${topic} `), `the topics job creates ${topic}`);
    });
  });

  describe("security", () => {
    const generatedSecrets = () => [
      ...ofType(run.resources, TYPES.randomPassword).map((r) => ({ name: r.name, value: `generated-${r.name}-password` })),
      ...ofType(run.resources, TYPES.randomId)
        .filter((r) => r.name.endsWith("fernet-key"))
        .map((r) => ({ name: r.name, value: mockRandomId(r.name, r.plain.byteLength as number).b64Url })),
    ];

    it("generates the object store's, Postgres's and Airflow's credentials", () => {
      assert.deepEqual(ofType(run.resources, TYPES.randomPassword).map((r) => r.name).sort(), [
        "mdp-dev-airflow-admin-password",
        "mdp-dev-airflow-api-secret-key",
        "mdp-dev-airflow-db-password",
        "mdp-dev-airflow-jwt-secret",
        "mdp-dev-storage-root-password",
      ]);
    });

    it("never puts a generated credential in a plain (non-secret) input", () => {
      for (const secret of generatedSecrets()) {
        const uses = run.resources.filter((r) => JSON.stringify(reveal(r.inputs)).includes(secret.value));
        assert.ok(uses.length > 0, `${secret.name} is used somewhere (else this test proves nothing)`);
        for (const r of run.resources) {
          const leaks = plainStrings(r.inputs).filter((s) => s.value.includes(secret.value));
          assert.deepEqual(leaks, [], `${secret.name} leaks in plain text into ${r.name}`);
        }
      }
    });

    it("wraps the whole env list of every container that carries a credential as a secret", () => {
      const values = generatedSecrets().map((s) => s.value);
      const carriers = [...containers.values()].filter((c) => Object.values(containerEnv(c)).some((v) => values.some((s) => v.includes(s))));
      assert.deepEqual(carriers.map((c) => c.plain.hostname).sort(), [
        "airflow-apiserver",
        "airflow-dag-processor",
        "airflow-init",
        "airflow-scheduler",
        "airflow-triggerer",
        "objectstore",
        "objectstore-buckets",
        "postgres",
        "sink-1",
        "spark-master",
        "spark-tick-windows",
        "spark-worker-1",
        "spark-worker-2",
      ]);
      for (const c of carriers) assert.ok(isSecret(c.inputs.envs), `${c.name}'s envs must be a secret`);
    });

    it("keeps the settings of containers without credentials readable in previews", () => {
      for (const role of ["kafka", "realtime-producer", "batch-producer"]) assert.equal(isSecret(container(role).inputs.envs), false, role);
    });

    it("exports credentials as secrets", async () => {
      assert.ok(await isSecretOutput(run.outputs.airflow.adminPassword));
      assert.ok(await isSecretOutput(run.outputs.objectStore.secretAccessKey!));
    });

    it("runs every long-running container as a non-root user", () => {
      for (const c of longRunning()) {
        const user = c.plain.user as string | undefined;
        assert.ok(user, `${c.name} has no user`);
        assert.ok(!ROOT_USERS.has(user) && !/^0(:|$)/.test(user), `${c.name} runs as ${user}`);
      }
    });

    it("gives root only to the job that hands the object store its volume, with CAP_CHOWN alone", () => {
      const rootContainers = [...containers.values()].filter((c) => ROOT_USERS.has(c.plain.user as string));
      assert.deepEqual(rootContainers.map((c) => c.plain.hostname), ["objectstore-volume-owner"]);
      assert.deepEqual(rootContainers[0]!.plain.capabilities, { drops: ["ALL"], adds: ["CAP_CHOWN"] });
      assert.deepEqual(rootContainers[0]!.plain.command, ["1000:1000", "/data"], "the volume's root folder only: what the server made below is its own");
      assert.equal(rootContainers[0]!.plain.attach, true);
    });

    it("drops every capability and forbids privilege escalation everywhere", () => {
      for (const c of containers.values()) {
        assert.deepEqual((c.plain.capabilities as { drops: string[] }).drops, ["ALL"], c.name);
        assert.deepEqual(c.plain.securityOpts, ["no-new-privileges:true"], c.name);
      }
    });

    it("publishes ports on 127.0.0.1 only", () => {
      const published = [...containers.values()].flatMap((c) => (c.plain.ports as { ip: string; external: number }[]).map((p) => ({ name: c.name, ...p })));
      assert.deepEqual(published.map((p) => p.external).sort((a, b) => a - b), [8080, 8081, 8090, 9000, 9001, 9464, 9465, 29092]);
      for (const p of published) assert.equal(p.ip, "127.0.0.1", `${p.name} publishes ${p.external} on ${p.ip}`);
    });

    it("pins every image a container runs", () => {
      for (const c of containers.values()) {
        const image = c.plain.image as string;
        const check = checkImagePinned(image);
        assert.ok(check.pinned, `${c.name} runs ${image}, which ${check.pinned ? "" : check.reason}`);
      }
    });
  });
});

describe("dev stack with Snowflake switched on", function () {
  this.timeout(60_000);

  it("declares the warehouse, tables, staging tables, roles and the DAG's internal load stage, but no integration, external stage or pipe without a bucket to load from", async () => {
    const run = await runProgram(definePlatform, {
      stack: "dev",
      config: { "market-data-platform:snowflake": JSON.stringify({ enabled: true, organization: "ORG", account: "DEV", user: "PULUMI" }) },
      secrets: { snowflakePrivateKey: "-----BEGIN PRIVATE KEY-----dev", snowflakeLoaderPrivateKey: TEST_LOADER_KEY },
    });
    const types = new Set(run.resources.map((r) => r.type));
    for (const type of ["snowflake:index/warehouse:Warehouse", "snowflake:index/database:Database", "snowflake:index/table:Table", "snowflake:index/accountRole:AccountRole"]) {
      assert.ok(types.has(type), type);
    }
    for (const type of ["snowflake:index/storageIntegration:StorageIntegration", "snowflake:index/pipe:Pipe"]) {
      assert.ok(!types.has(type), `${type} needs an S3 bucket`);
    }
    const stages = run.resources.filter((r) => r.type === "snowflake:index/stage:Stage");
    assert.deepEqual(stages.map((st) => [st.plain.name, st.plain.url]), [["LOAD_STAGE", undefined]], "only the internal stage the DAG PUTs files to");
    assert.deepEqual(run.resources.filter((r) => r.type === "snowflake:index/table:Table").map((t) => t.plain.name).sort(), ["DAILY_METRICS", "DAILY_METRICS_STAGING", "TICK_WINDOWS", "TICK_WINDOWS_STAGING"]);
    const provider = run.resources.find((r) => r.type === "pulumi:providers:snowflake")!;
    assert.ok(isSecret(provider.inputs.privateKey), "the private key reaches the provider as a secret");
    assert.equal(await unwrap(run.outputs.snowflake!.database), "MARKET_DATA");
  });

  it("asks for the private key, with the command that sets it", async () => {
    const { error, resources } = await runFailingProgram(definePlatform, {
      stack: "dev",
      config: { "market-data-platform:snowflake": JSON.stringify({ enabled: true, organization: "ORG", account: "DEV", user: "PULUMI" }) },
    });
    assert.match(error.message, /the secret `snowflakePrivateKey` is missing: run `pulumi config set --secret snowflakePrivateKey --stack dev < path\/to\/rsa_key.p8`/);
    assert.equal(resources.length, 0);
  });
});
