export * from "./batch";
export * from "./config";
export * from "./consumer";
export * from "./dead-letters";
export * from "./journal";
export * from "./metrics";
export * from "./sink";
export * from "./store";
