import { definePlatform } from "./platform";

const platform = definePlatform();

export const target = platform.target;
export const kafka = platform.kafka;
export const spark = platform.spark;
export const airflow = platform.airflow;
export const objectStore = platform.objectStore;
export const dashboard = platform.dashboard;
export const snowflake = platform.snowflake;
export const images = platform.images;
