export * from "./config";
export * from "./live-source";
export * from "./main";
export * from "./producer";
export * from "./run";
export * from "./simulation";
export * from "./source";
