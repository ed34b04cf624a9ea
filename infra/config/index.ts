export * from "./images";
export * from "./load";
export * from "./parse";
export * from "./problems";
export * from "./settings";
