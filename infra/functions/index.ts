export * from "./dashboard";
export * from "./docker";
export * from "./images";
export * from "./kubernetes";
export * from "./settings";
export * from "./spec";
