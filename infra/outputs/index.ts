export * from "./present";
