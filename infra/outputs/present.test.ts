import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { unwrap } from "../testing/mocks";
import { whenPresent } from "./present";

describe("whenPresent", () => {
  it("applies the function to a present value", async () => {
    assert.equal(await unwrap(whenPresent(pulumi.output("abc"), (v) => v.toUpperCase())), "ABC");
  });

  it("gives undefined, without calling the function, for an absent value or one with an absent part", async () => {
    const never = () => assert.fail("called on an absent value");
    assert.equal(await unwrap(whenPresent(pulumi.output(undefined as string | undefined), never)), undefined);
    assert.equal(await unwrap(whenPresent(pulumi.output(null as string | null), never)), undefined);
    assert.equal(await unwrap(whenPresent(pulumi.all({ raw: "arn:raw", processed: undefined as string | undefined }), never)), undefined);
    assert.equal(await unwrap(whenPresent(pulumi.all(["a", undefined as string | undefined]), never)), undefined);
  });

  it("treats empty strings and zero as present", async () => {
    assert.equal(await unwrap(whenPresent(pulumi.output(0), (v) => v + 1)), 1);
    assert.equal(await unwrap(whenPresent(pulumi.output(""), (v) => `[${v}]`)), "[]");
  });
});
