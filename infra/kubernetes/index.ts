export * from "./env";
export * from "./irsa";
export * from "./kafka-client";
export * from "./security";
export * from "./network";
