export * from "./loader";
export * from "./settings";
export * from "./spec";
export * from "./warehouse";
