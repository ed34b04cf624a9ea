/**
 * The Kafka cluster's settings and the rules they obey, without any SDK: the stack config imports
 * them from here, and each component refuses what its target cannot run.
 */

export interface KafkaClusterSettings {
  /** Brokers in the cluster. @default 1 on `local` (one container), 3 on `cloud` */
  brokers: number;
  /** Partitions of the realtime and batch topics. @default 3 on `local`, 6 on `cloud` */
  partitions: number;
  /** Copies of every partition. @default 1 on `local`, 3 on `cloud` */
  replicationFactor: number;
  /** Replicas that must acknowledge a write with `acks=all`. @default 1 on `local`, 2 on `cloud` */
  minInsyncReplicas: number;
  /** How long each topic keeps data. @default realtime 72 h, batch 720 h, deadLetter 336 h */
  retentionHours: { realtime: number; batch: number; deadLetter: number };
  /** Size of each broker's volume on `cloud`. @default 100 */
  storageGi: number;
  /**
   * Lets a `cloud` stack run with fewer than 3 replicas or fewer than 2 in-sync replicas; asked for
   * by name because it gives up durability. @default false
   */
  unsafeReducedDurability: boolean;
}

/** `apache/kafka:4.3.1` → `4.3.1`: Strimzi runs the same Kafka release as the local target. */
export function kafkaVersionOf(image: string): string {
  const m = /:(\d+\.\d+\.\d+)/.exec(image);
  if (!m) throw new Error(`\`images.kafka\` must be tagged with a Kafka version such as 4.3.1 (got "${image}")`);
  return m[1]!;
}

/** What makes Kafka settings impossible on any target, with the key and the value. */
function kafkaSettingsProblems(k: KafkaClusterSettings): string[] {
  const problems: string[] = [];
  if (k.replicationFactor > k.brokers) {
    problems.push(`\`kafka.replicationFactor\` cannot exceed \`kafka.brokers\` (got ${k.replicationFactor} with ${k.brokers} broker${k.brokers === 1 ? "" : "s"})`);
  }
  if (k.minInsyncReplicas > k.replicationFactor) {
    problems.push(`\`kafka.minInsyncReplicas\` cannot exceed \`kafka.replicationFactor\` (got ${k.minInsyncReplicas} with replication factor ${k.replicationFactor})`);
  }
  return problems;
}

/** What the local target (one broker container) refuses: the stack config reports it first, `DockerKafka` too. */
export function localKafkaProblems(k: KafkaClusterSettings): string[] {
  const problems = k.brokers === 1 ? [] : [`\`kafka.brokers\` must be 1 on a local stack, which runs one broker container (got ${k.brokers})`];
  return [...problems, ...kafkaSettingsProblems(k)];
}

/** What the cloud target refuses unless durability is given up by name: the stack config reports it first, `StrimziKafka` too. */
export function cloudKafkaProblems(k: KafkaClusterSettings): string[] {
  const problems = kafkaSettingsProblems(k);
  if (!k.unsafeReducedDurability) {
    const accept = "set `kafka.unsafeReducedDurability: true` to accept the risk";
    if (k.replicationFactor < 3) problems.push(`\`kafka.replicationFactor\` must be 3 or more on a cloud stack (got ${k.replicationFactor}); ${accept}`);
    if (k.minInsyncReplicas < 2) problems.push(`\`kafka.minInsyncReplicas\` must be 2 or more on a cloud stack (got ${k.minInsyncReplicas}); ${accept}`);
  }
  return problems;
}
