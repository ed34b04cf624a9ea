export * from "./dashboard";
export * from "./docker";
export * from "./images";
export * from "./kubernetes";
export * from "./spec";
