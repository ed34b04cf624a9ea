import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../testing/mocks";
import { IMAGE_BUILDS, contentTag } from "./builds";

describe("contentTag", () => {
  let root: string;
  const write = (file: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  };

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "content-tag-"));
    write("package.json", "{}");
    write("app/main.ts", "console.log(1)");
    write("app/lib/util.ts", "export {}");
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const tag = () => contentTag(root, ["package.json", "app"]);

  it("is a pinned tag of the content", () => {
    assert.match(tag(), /^src-[0-9a-f]{16}$/);
    assert.equal(tag(), tag());
  });

  it("changes when a file changes, is added or is renamed", () => {
    const before = tag();
    write("app/lib/util.ts", "export const x = 1");
    const edited = tag();
    assert.notEqual(edited, before);
    write("app/lib/more.ts", "");
    const added = tag();
    assert.notEqual(added, edited);
    fs.renameSync(path.join(root, "app/lib/more.ts"), path.join(root, "app/lib/other.ts"));
    assert.notEqual(tag(), added);
  });

  it("ignores node_modules, build output, caches and tests", () => {
    const before = tag();
    write("app/node_modules/dep/index.js", "x");
    write("app/dist/main.js", "x");
    write("app/__pycache__/x.pyc", "x");
    write("app/main.test.ts", "x");
    write("outside.ts", "not an input");
    assert.equal(tag(), before);
  });

  it("hashes the Dockerfile and everything it copies, for every image we build", () => {
    for (const [image, build] of Object.entries(IMAGE_BUILDS)) {
      const inputs: readonly string[] = build.inputs;
      const covered = (file: string) => inputs.some((i) => file === i || file.startsWith(`${i}/`));
      assert.ok(covered(build.dockerfile), `${image}'s Dockerfile is one of its inputs`);
      const dockerfile = fs.readFileSync(path.join(REPO_ROOT, build.dockerfile), "utf8");
      const copied = dockerfile
        .split("\n")
        .filter((line) => /^COPY\s/.test(line) && !line.includes("--from="))
        .flatMap((line) => line.split(/\s+/).slice(1, -1).filter((token) => !token.startsWith("--")))
        .map((source) => path.posix.normalize(path.posix.join(build.context, source)).replace(/\/$/, ""));
      if (image !== "postgres") assert.ok(copied.length > 0, `${image}'s Dockerfile copies something`);
      for (const source of copied) assert.ok(covered(source), `${image} copies ${source}, which is not among its inputs`);
    }
  });
});
