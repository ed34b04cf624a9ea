import * as assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, createSign, createVerify } from "node:crypto";
import { TEST_LOADER_KEY, rsaPrivateKeyPem } from "../testing/keys";
import { airflowLoaderUser, loaderKeyProblem, loaderUserArgs, rsaPublicKeyOf } from "./loader";
import { snowflakeNames } from "./spec";

describe("Airflow's Snowflake loader user", () => {
  const n = snowflakeNames("MARKET_DATA", "mdp", "prod");

  it("derives the public key Snowflake holds from the private key alone: what the key signs, it verifies", () => {
    const body = rsaPublicKeyOf(TEST_LOADER_KEY);
    assert.match(body, /^[A-Za-z0-9+/]+=*$/, "base64 without PEM lines, as RSA_PUBLIC_KEY takes it");
    const publicKey = createPublicKey({ key: Buffer.from(body, "base64"), format: "der", type: "spki" });
    const signature = createSign("sha256").update("login").sign(TEST_LOADER_KEY);
    assert.ok(createVerify("sha256").update("login").verify(publicKey, signature));
    assert.notEqual(rsaPublicKeyOf(rsaPrivateKeyPem()), body, "another key, another public half");
  });

  it("accepts an unencrypted RSA key of 2048 bits, in PKCS#8 or the older PKCS#1 form", () => {
    assert.equal(loaderKeyProblem(TEST_LOADER_KEY), undefined);
    const pkcs1 = createPrivateKey(TEST_LOADER_KEY).export({ type: "pkcs1", format: "pem" }).toString();
    assert.equal(loaderKeyProblem(pkcs1), undefined);
  });

  it("is named after the stack, and holds the loader's role as its only one, in the load warehouse", () => {
    assert.equal(airflowLoaderUser(n), "MDP_PROD_AIRFLOW");
    assert.deepEqual(loaderUserArgs(n, "KEY"), {
      name: "MDP_PROD_AIRFLOW",
      rsaPublicKey: "KEY",
      defaultRole: "MDP_PROD_LOADER",
      defaultSecondaryRolesOption: "NONE",
      defaultWarehouse: "MDP_PROD_LOAD_WH",
      defaultNamespace: "MARKET_DATA.ANALYTICS",
      comment: "Airflow's load into the market-data tables (key pair only)",
    });
  });
});
