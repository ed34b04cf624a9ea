import * as pulumi from "@pulumi/pulumi";
import { parseSettings } from "./parse";
import { SECRET_KEYS, type PlatformSettings, type SecretKey } from "./settings";

/** The secrets a stack was given, still wrapped as Pulumi secrets. */
export type StackSecrets = Partial<Record<SecretKey, pulumi.Output<string>>>;

// Exists in the SDK's runtime, but is left out of its published typings.
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (key: string) => boolean };

/** Reads and validates the current stack's config; throws before any resource is registered. */
export function loadSettings(): { settings: PlatformSettings; secrets: StackSecrets } {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  const prefix = `${project}:`;
  const all = pulumi.runtime.allConfig();
  const raw: Record<string, unknown> = {};
  const secretsSet = new Set<string>();
  const plaintext = new Set<string>();
  const secretValues: Partial<Record<SecretKey, string>> = {};
  for (const [fullKey, value] of Object.entries(all)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    if ((SECRET_KEYS as readonly string[]).includes(key)) {
      (runtimeConfig.isConfigSecret?.(fullKey) ? secretsSet : plaintext).add(key);
      secretValues[key as SecretKey] = value;
      continue;
    }
    raw[key] = decode(value);
  }
  const settings = parseSettings(raw, { project, stack, secrets: secretsSet, plaintext, secretValues });
  const config = new pulumi.Config();
  const secrets: StackSecrets = {};
  for (const key of settings.requiredSecrets) {
    const value = config.getSecret(key);
    if (value !== undefined) secrets[key] = value;
  }
  return { settings, secrets };
}

/** Structured config arrives as JSON text; scalars stay as the strings the user typed. */
function decode(value: string): unknown {
  const text = value.trim();
  if (text.startsWith("{") || text.startsWith("[")) {
    try {
      return JSON.parse(text);
    } catch {
      return value;
    }
  }
  return value;
}
