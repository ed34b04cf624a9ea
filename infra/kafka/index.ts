export * from "./docker";
export * from "./spec";
export * from "./strimzi";
