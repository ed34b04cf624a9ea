import * as assert from "node:assert/strict";
import { BIND_MOUNTS_FROM, DEFAULT_ENGINE_SOCKET, DOCKER_API_ALLOWED, DOCKER_API_PROXY_ALIAS, dockerApiProxySpec, dockerApiUrl, engineSocketPath } from "./docker-api";

const spec = dockerApiProxySpec({ image: "wollomatic/socket-proxy:1.12.2", socketPath: "/var/run/docker.sock", socketGid: 998 });
const flag = (name: string) => spec.command!.filter((a) => a.startsWith(`-${name}=`)).map((a) => a.slice(name.length + 2));
/** Whether the proxy forwards `method path`: it anchors each pattern at both ends. */
const allowed = (method: string, path: string) => flag(`allow${method}`).some((pattern) => new RegExp(`^${pattern}$`).test(path));

describe("the Docker API proxy of the local target", () => {
  it("forwards every call DockerOperator makes to run a task's container, with or without the API version", () => {
    const id = "3f2a9c1d7e5b";
    for (const [method, path] of [
      ["HEAD", "/_ping"],
      ["GET", "/_ping"],
      ["GET", "/version"],
      ["GET", "/v1.47/images/json"],
      ["POST", "/v1.47/containers/create"],
      ["POST", `/v1.47/containers/${id}/start`],
      ["POST", `/v1.47/containers/${id}/attach`],
      ["POST", `/v1.47/containers/${id}/wait`],
      ["GET", `/v1.47/containers/${id}/logs`],
      ["GET", `/v1.47/containers/${id}/json`],
      ["POST", `/v1.47/containers/${id}/stop`],
      ["DELETE", `/v1.47/containers/${id}`],
    ]) {
      assert.ok(allowed(method!, path!), `${method} ${path}`);
    }
  });

  it("refuses the rest: exec, pulls, builds, volumes, networks, the engine's info, listing other containers, swarm", () => {
    for (const [method, path] of [
      ["POST", "/v1.47/containers/abc/exec"],
      ["POST", "/v1.47/exec/abc/start"],
      ["POST", "/v1.47/images/create"],
      ["POST", "/v1.47/build"],
      ["DELETE", "/v1.47/images/abc"],
      ["POST", "/v1.47/volumes/create"],
      ["POST", "/v1.47/networks/create"],
      ["POST", "/v1.47/networks/abc/connect"],
      ["GET", "/v1.47/info"],
      ["GET", "/v1.47/containers/json"],
      ["POST", "/v1.47/containers/abc/update"],
      ["PUT", "/v1.47/containers/abc/archive"],
      ["GET", "/v1.47/containers/abc/archive"],
      ["POST", "/v1.47/swarm/init"],
      ["POST", "/v1.47/plugins/pull"],
      ["POST", "/v1.47/containers/create/../../exec/abc/start"],
    ]) {
      assert.ok(!allowed(method!, path!), `${method} ${path} must be refused`);
    }
    assert.deepEqual(Object.keys(DOCKER_API_ALLOWED).sort(), ["DELETE", "GET", "HEAD", "POST"], "no PUT, PATCH or other method at all");
  });

  it("answers only the scheduler, which runs the tasks, and lets no created container bind-mount a host path", () => {
    assert.deepEqual(flag("allowfrom"), ["airflow-scheduler"]);
    assert.deepEqual(flag("allowbindmountfrom"), [BIND_MOUNTS_FROM]);
    assert.deepEqual(flag("listenip"), ["0.0.0.0"], "inside its own network");
    assert.equal(spec.ports, undefined, "nothing published on the host");
  });

  it("is the only container that mounts the engine's socket, and runs non-root in the socket's group", () => {
    assert.deepEqual(spec.binds, [{ hostPath: "/var/run/docker.sock", path: "/var/run/docker.sock" }]);
    assert.equal(spec.user, "65534:998");
    assert.equal(spec.role, DOCKER_API_PROXY_ALIAS);
    assert.deepEqual(spec.capabilities ?? [], []);
  });

  it("mounts the socket `local.dockerHost` names, or the engine's default one", () => {
    assert.equal(engineSocketPath("unix:///run/user/1000/docker.sock"), "/run/user/1000/docker.sock");
    assert.equal(engineSocketPath(undefined), DEFAULT_ENGINE_SOCKET);
    assert.equal(engineSocketPath("ssh://builder@10.0.0.5"), DEFAULT_ENGINE_SOCKET, "the remote engine's own socket");
  });

  it("is what the DAGs' docker runner connects to", () => {
    assert.equal(dockerApiUrl(), "tcp://docker-api-proxy:2375");
  });
});
