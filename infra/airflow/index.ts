export * from "./credentials";
export * from "./dags";
export * from "./docker";
export * from "./docker-api";
export * from "./kubernetes";
export * from "./settings";
export * from "./spec";
