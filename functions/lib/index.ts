export * from "./backoff";
export * from "./env";
export * from "./kafka";
export * from "./log";
export * from "./metrics";
export * from "./s3";
export * from "./shutdown";
