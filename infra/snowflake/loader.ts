/**
 * Airflow's own Snowflake user: a service user (key pair only, no password) whose one role is the
 * loader's, so that the load can merge into the tables and nothing more; the stack's admin user,
 * which creates every object, never leaves Pulumi. Its key pair comes from one secret, the private
 * key; the public key Snowflake holds is derived from it here.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { SnowflakeNames } from "./spec";

/** Snowflake's smallest RSA key for key-pair authentication. */
export const MIN_RSA_BITS = 2048;

/** The user's name: the loader role's stack prefix, then `AIRFLOW` (`MDP_PROD_LOADER` → `MDP_PROD_AIRFLOW`). */
export function airflowLoaderUser(n: SnowflakeNames): string {
  return `${n.loaderRole.replace(/_LOADER$/, "")}_AIRFLOW`;
}

/** Why `pem` cannot be the loader's key, or undefined when it can. Never quotes the key. */
export function loaderKeyProblem(pem: string): string | undefined {
  // PKCS#8 and the older OpenSSL form each mark an encrypted key in the PEM text.
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    return "is encrypted: give the key unencrypted (Airflow has no passphrase for it), e.g. `openssl pkcs8 -topk8 -nocrypt`";
  }
  let key;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch (error) {
    return `is not a private key in PEM form (${(error as Error).message}); make one with \`openssl genrsa 2048 | openssl pkcs8 -topk8 -nocrypt\``;
  }
  if (key.asymmetricKeyType !== "rsa") return `is a${key.asymmetricKeyType === "ec" ? "n" : ""} ${key.asymmetricKeyType ?? "unknown"} key; Snowflake's key-pair authentication takes RSA`;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) return `is an RSA key of ${bits} bits; Snowflake needs ${MIN_RSA_BITS} or more`;
  return undefined;
}

/** The public half as Snowflake's `RSA_PUBLIC_KEY` takes it: the DER SubjectPublicKeyInfo in base64, without PEM lines. */
export function rsaPublicKeyOf(pem: string): string {
  return createPublicKey(createPrivateKey({ key: pem, format: "pem" })).export({ type: "spki", format: "der" }).toString("base64");
}

/** The service user's arguments: the loader role as its default and only role, the load warehouse, the schema. */
export function loaderUserArgs(n: SnowflakeNames, rsaPublicKey: pulumi.Input<string>) {
  return {
    name: airflowLoaderUser(n),
    rsaPublicKey,
    defaultRole: n.loaderRole,
    // Without this, Snowflake activates every role granted to the user at login (ALL): only the loader's counts.
    defaultSecondaryRolesOption: "NONE",
    defaultWarehouse: n.warehouse,
    defaultNamespace: `${n.database}.${n.schema}`,
    comment: "Airflow's load into the market-data tables (key pair only)",
  };
}
