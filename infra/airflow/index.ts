export * from "./credentials";
export * from "./docker";
export * from "./kubernetes";
export * from "./spec";
