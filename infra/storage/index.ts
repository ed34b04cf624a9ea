export * from "./aws";
export * from "./docker";
export * from "./servers";
export * from "./settings";
export * from "./spec";
