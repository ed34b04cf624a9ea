import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

const CA_MOUNT = "/etc/kafka-ca";
const USER_MOUNT = "/etc/kafka-user";

/** Where a Kafka client's pod finds the cluster CA and its user's password. */
export const KAFKA_CLIENT_FILES = { ca: `${CA_MOUNT}/ca.crt`, password: `${USER_MOUNT}/password` } as const;

/**
 * A Kafka client's credentials as files: the cluster CA from the Secret Strimzi writes (`ca.crt`)
 * and its user's password from the user's Secret (key `password`, readable by the pod's group
 * only), both mounted read-only at {@link KAFKA_CLIENT_FILES}. Never a variable: `env` listings
 * and crash dumps show variables.
 */
export function kafkaClientFiles(userSecret: pulumi.Input<string>, caSecret: pulumi.Input<string>): { volumes: k8s.types.input.core.v1.Volume[]; mounts: k8s.types.input.core.v1.VolumeMount[] } {
  return {
    volumes: [
      { name: "kafka-ca", secret: { secretName: caSecret, items: [{ key: "ca.crt", path: "ca.crt" }] } },
      { name: "kafka-user", secret: { secretName: userSecret, items: [{ key: "password", path: "password" }], defaultMode: 0o440 } },
    ],
    mounts: [
      { name: "kafka-ca", mountPath: CA_MOUNT, readOnly: true },
      { name: "kafka-user", mountPath: USER_MOUNT, readOnly: true },
    ],
  };
}
