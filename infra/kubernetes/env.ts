import type * as pulumi from "@pulumi/pulumi";

/** A container's plain variables, as `value`s sorted by name, so that previews show them stably; credentials never pass through here. */
export function envVars(env: Record<string, pulumi.Input<string>>): { name: string; value: pulumi.Input<string> }[] {
  return Object.keys(env)
    .sort()
    .map((name) => ({ name, value: env[name]! }));
}
