import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { whenPresent } from "../outputs";
import { fernetKeyFromB64Url } from "./spec";

/** Every credential Airflow needs, generated once per stack and kept as secrets in its state. */
export interface AirflowCredentials {
  dbPassword: pulumi.Output<string>;
  adminPassword: pulumi.Output<string>;
  fernetKey: pulumi.Output<string>;
  jwtSecret: pulumi.Output<string>;
  apiSecretKey: pulumi.Output<string>;
}

export function generateAirflowCredentials(name: string, parent: pulumi.Resource): AirflowCredentials {
  const password = (role: string) => pulumi.secret(new random.RandomPassword(`${name}-${role}`, { length: 32, special: false }, { parent }).result);
  const fernet = new random.RandomId(`${name}-fernet-key`, { byteLength: 32 }, { parent });
  return {
    dbPassword: password("db-password"),
    adminPassword: password("admin-password"),
    fernetKey: pulumi.secret(whenPresent(fernet.b64Url, fernetKeyFromB64Url)),
    jwtSecret: password("jwt-secret"),
    apiSecretKey: password("api-secret-key"),
  };
}
