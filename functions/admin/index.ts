export * from "./ensure-buckets";
