export * from "./settings";
export * from "./spec";
export * from "./warehouse";
