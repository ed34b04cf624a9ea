export * from "./env";
export * from "./layout";
export * from "./ports";
export * from "./records";
export * from "./symbols";
export * from "./topics";
export * from "./zones";
