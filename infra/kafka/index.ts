export * from "./docker";
export * from "./settings";
export * from "./spec";
export * from "./strimzi";
