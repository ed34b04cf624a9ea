export * from "./aws";
export * from "./builds";
export * from "./docker";
