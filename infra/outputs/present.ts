import * as pulumi from "@pulumi/pulumi";

function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.every((v) => v !== undefined && v !== null);
  if (typeof value === "object") return Object.values(value).every((v) => v !== undefined && v !== null);
  return true;
}

/**
 * Applies `fn` once the value (or every element or entry of it) is present, else gives undefined.
 * A `--target` update hands the program `undefined` for the outputs of the resources it leaves out,
 * so an apply that assumes a value would crash the whole update; a preview never runs applies on
 * unknown values, so those need nothing. Typed as `U`: the value is absent only where the resources
 * it feeds are left out of the update as well.
 */
export function whenPresent<T, U>(value: pulumi.Input<T>, fn: (value: NonNullable<pulumi.Unwrap<T>>) => U): pulumi.Output<U> {
  return pulumi.output(value).apply((v) => (isPresent(v) ? fn(v as NonNullable<pulumi.Unwrap<T>>) : undefined)) as pulumi.Output<U>;
}
