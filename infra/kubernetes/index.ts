export * from "./env";
export * from "./irsa";
export * from "./security";
export * from "./network";
