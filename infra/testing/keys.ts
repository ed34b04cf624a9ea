import { generateKeyPairSync } from "node:crypto";

/** A fresh unencrypted RSA private key in PEM (PKCS#8), as `openssl genrsa 2048 | openssl pkcs8 -topk8 -nocrypt` makes. */
export function rsaPrivateKeyPem(bits = 2048): string {
  return generateKeyPairSync("rsa", { modulusLength: bits }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

/** The Snowflake loader key of the tests' stacks: generated once per run, never written anywhere. */
export const TEST_LOADER_KEY = rsaPrivateKeyPem();

/**
 * Stand-ins for every secret of a stack, for the tools that run the program without them (the offline
 * plan, the topology pictures): text, but a real key where the program derives something from it.
 */
export function placeholderSecrets(keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, k === "snowflakeLoaderPrivateKey" ? TEST_LOADER_KEY : `placeholder-${k}`]));
}
