export * from "./client";
export * from "./config";
export * from "./fetch";
export * from "./metrics";
export * from "./publish";
export * from "./run";
export * from "./yahoo";
