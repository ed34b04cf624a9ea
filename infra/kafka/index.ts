export * from "./docker";
export * from "./kubernetes";
export * from "./settings";
export * from "./spec";
