import assert from "node:assert/strict";
import { INIT_ENV } from "../../contract";
import { EnvError, EnvReader } from "../lib";
import { grantsPublicAccess, readBucketPlan } from "./ensure-buckets";

function plan(vars: Record<string, string>) {
  const env = new EnvReader(vars);
  const result = readBucketPlan(env);
  env.done();
  return result;
}

describe("ensure-buckets", () => {
  it("reads the buckets and whether to version them", () => {
    assert.deepEqual(plan({ [INIT_ENV.buckets]: '["mdp-dev-raw","mdp-dev-processed"]', [INIT_ENV.versioning]: "true" }), { buckets: ["mdp-dev-raw", "mdp-dev-processed"], versioning: true });
  });

  it("refuses a list that is not JSON, is empty, or names an invalid bucket, quoting it", () => {
    for (const bad of ["mdp-dev-raw", "[]", '["UPPER"]', '["a"]']) {
      assert.throws(() => plan({ [INIT_ENV.buckets]: bad }), (err: unknown) => err instanceof EnvError && err.problems.some((p) => p.includes("`INIT_BUCKETS`") && p.includes(bad)));
    }
    assert.throws(() => plan({}), (err: unknown) => err instanceof EnvError && err.problems.includes("`INIT_BUCKETS` is required"));
  });

  it("recognises a policy that lets anyone in", () => {
    const doc = (principal: unknown, effect = "Allow") => JSON.stringify({ Statement: [{ Effect: effect, Principal: principal, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }] });
    assert.equal(grantsPublicAccess(doc("*")), true);
    assert.equal(grantsPublicAccess(doc({ AWS: "*" })), true);
    assert.equal(grantsPublicAccess(doc({ AWS: ["arn:aws:iam::1:root", "*"] })), true);
    assert.equal(grantsPublicAccess(doc({ AWS: "arn:aws:iam::1:root" })), false);
    assert.equal(grantsPublicAccess(doc("*", "Deny")), false, "a deny for everyone is not an opening");
  });
});
