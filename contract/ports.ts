/** Ports the services listen on inside their network. Host ports are stack config. */
export const PORTS = {
  /** Kafka listener for clients inside the platform network. */
  kafkaInternal: 9092,
  /** Kafka listener advertised to clients on the host. */
  kafkaHost: 29092,
  kafkaController: 9093,
  s3: 9000,
  s3Console: 9001,
  sparkMaster: 7077,
  sparkMasterUi: 8080,
  sparkWorkerUi: 8081,
  airflowApi: 8080,
  postgres: 5432,
  /** Prometheus metrics and health of every function. */
  functionsMetrics: 9464,
  /** The dashboard's page and event stream. */
  dashboard: 8090,
} as const;
