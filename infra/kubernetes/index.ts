export * from "./irsa";
export * from "./security";
