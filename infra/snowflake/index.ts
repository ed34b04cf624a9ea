export * from "./spec";
export * from "./warehouse";
