import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as snowflake from "@pulumi/snowflake";
import { LOAD_STAGE, stagingColumns, type LoadedTable } from "../../contract";
import { loaderUserArgs, rsaPublicKeyOf } from "./loader";
import type { SnowflakeSettings } from "./settings";
import { whenPresent } from "../outputs";
import { zonePolicyStatements } from "../storage/spec";
import { copyStatement, externalStageGrant, roleGrants, snowflakeTrustPolicy, tableColumns, type RoleGrant, type SnowflakeNames } from "./spec";

/** Resources of the Snowflake provider that are still preview features and must be switched on. */
export const SNOWFLAKE_PREVIEW_FEATURES = [
  "snowflake_file_format_resource",
  "snowflake_pipe_resource",
  "snowflake_stage_resource",
  "snowflake_storage_integration_resource",
  "snowflake_table_resource",
];

/** The provider Pulumi creates Snowflake objects with: key-pair authentication, preview resources on. */
export function snowflakeProvider(name: string, settings: SnowflakeSettings, privateKey: pulumi.Input<string>): snowflake.Provider {
  return new snowflake.Provider(name, {
    organizationName: settings.organization,
    accountName: settings.account,
    user: settings.user,
    role: settings.adminRole,
    authenticator: "SNOWFLAKE_JWT",
    privateKey: pulumi.secret(privateKey),
    previewFeaturesEnabled: SNOWFLAKE_PREVIEW_FEATURES,
  });
}

/** The S3 side of loading: the processed bucket that Snowflake reads through its own IAM role. */
export interface SnowflakeLanding {
  bucket: aws.s3.Bucket;
  accountId: pulumi.Input<string>;
  /** Name of the IAM role Snowflake assumes; fixed, because the integration needs its ARN first. */
  roleName: string;
  /** Datasets of the bucket staged by a pipe each (the DAG merges them). */
  pipedTables: LoadedTable[];
  tags: Record<string, string>;
}

export interface SnowflakeWarehouseArgs {
  settings: SnowflakeSettings;
  names: SnowflakeNames;
  /** Each gets its final table and the staging table its files land in. */
  tables: LoadedTable[];
  /** Without it (local stacks) there is no integration, stage or pipe: nothing to load from. */
  landing?: SnowflakeLanding;
  /** Private key (PEM, a secret) of Airflow's loader user; Snowflake gets its public half (loader.ts). */
  loaderPrivateKey: pulumi.Input<string>;
}

/**
 * Snowflake objects of the platform: an auto-suspending warehouse, the database and schema, per
 * loaded dataset its final table and the staging table its files land in, the internal stage the
 * DAG lands files through, and, with a landing bucket, the storage integration, its IAM role, the
 * external stage and an auto-ingest pipe per dataset (into its staging table) wired to the
 * bucket's notifications. The MERGE from staging into the final tables runs in the DAG, after
 * its quality checks, so that no stream or task is needed here.
 */
export class SnowflakeWarehouse extends pulumi.ComponentResource {
  readonly database: pulumi.Output<string>;
  readonly pipes: Record<string, pulumi.Output<string>>;
  readonly integration?: pulumi.Output<string>;

  constructor(name: string, args: SnowflakeWarehouseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("market-data:snowflake:SnowflakeWarehouse", name, {}, opts);
    const child = { parent: this };
    const n = args.names;
    const warehouse = new snowflake.Warehouse(
      `${name}-warehouse`,
      { name: n.warehouse, warehouseSize: args.settings.warehouseSize, autoSuspend: args.settings.autoSuspendSeconds, autoResume: "true", initiallySuspended: true, comment: "Loads and queries market data" },
      child,
    );
    const database = new snowflake.Database(`${name}-database`, { name: n.database, comment: "Stock-market data platform" }, child);
    const schema = new snowflake.Schema(`${name}-schema`, { database: database.name, name: n.schema, withManagedAccess: "true" }, child);
    const fileFormat = new snowflake.FileFormat(`${name}-parquet`, { database: database.name, schema: schema.name, name: n.fileFormat, formatType: "PARQUET", compression: "AUTO" }, child);
    const tables = Object.fromEntries(
      args.tables.map((t) => [
        t.schema.name,
        new snowflake.Table(`${name}-table-${t.schema.name}`, { database: database.name, schema: schema.name, name: t.table, columns: tableColumns(t.schema), comment: `${t.schema.name} v${t.schema.version}` }, child),
      ]),
    );
    const stagingTables = Object.fromEntries(
      args.tables.map((t) => [
        t.schema.name,
        new snowflake.Table(
          `${name}-staging-${t.schema.name}`,
          { database: database.name, schema: schema.name, name: t.staging, columns: stagingColumns(t), comment: `Files of ${t.schema.dataset}/ before the DAG merges them into ${t.table}` },
          child,
        ),
      ]),
    );
    const loadStage = new snowflake.Stage(
      `${name}-load-stage`,
      { database: database.name, schema: schema.name, name: LOAD_STAGE, comment: "Internal stage the DAG lands files through where no pipe does" },
      child,
    );

    const loader = new snowflake.AccountRole(`${name}-loader-role`, { name: n.loaderRole, comment: "Loads market data into the tables" }, child);
    const analyst = new snowflake.AccountRole(`${name}-analyst-role`, { name: n.analystRole, comment: "Reads market data" }, child);
    const airflowUser = new snowflake.ServiceUser(`${name}-airflow-user`, loaderUserArgs(n, pulumi.secret(args.loaderPrivateKey).apply(rsaPublicKeyOf)), child);
    new snowflake.GrantAccountRole(`${name}-loader-to-airflow-user`, { roleName: loader.name, userName: airflowUser.name }, child);
    const roles = { loader, analyst };
    const objects = { warehouse: [warehouse], database: [database], schema: [schema], tables: [...Object.values(tables), ...Object.values(stagingTables)], fileFormat: [fileFormat], loadStage: [loadStage] };
    const grant = (g: RoleGrant, dependsOn: pulumi.Resource[]) =>
      new snowflake.GrantPrivilegesToAccountRole(`${name}-${g.role}-${g.suffix}`, { accountRoleName: roles[g.role].name, privileges: g.privileges, ...g.target }, { parent: this, dependsOn });
    for (const g of roleGrants(n, args.tables)) {
      const after = g.after;
      grant(g, typeof after === "string" ? objects[after as keyof typeof objects] : "table" in after ? [tables[after.table]!] : [stagingTables[after.stagingTable]!]);
    }
    for (const [roleKey, role] of Object.entries(roles)) {
      // Custom roles hang under SYSADMIN, as Snowflake recommends, so administrators keep control.
      new snowflake.GrantAccountRole(`${name}-${roleKey}-to-sysadmin`, { roleName: role.name, parentRoleName: "SYSADMIN" }, child);
    }

    const pipes: Record<string, pulumi.Output<string>> = {};
    if (args.landing) {
      const l = args.landing;
      const roleArn = pulumi.interpolate`arn:aws:iam::${l.accountId}:role/${l.roleName}`;
      const integration = new snowflake.StorageIntegration(
        `${name}-integration`,
        { name: n.integration, type: "EXTERNAL_STAGE", storageProvider: "S3", enabled: true, storageAwsRoleArn: roleArn, storageAllowedLocations: [pulumi.interpolate`s3://${l.bucket.bucket}/`] },
        child,
      );
      const role = new aws.iam.Role(
        `${name}-s3-access`,
        { name: l.roleName, assumeRolePolicy: pulumi.all([integration.storageAwsIamUserArn, integration.storageAwsExternalId]).apply(([arn, id]) => snowflakeTrustPolicy(arn, id)), tags: l.tags },
        child,
      );
      const access = new aws.iam.RolePolicy(
        `${name}-s3-access-policy`,
        {
          role: role.name,
          policy: whenPresent(l.bucket.arn, (arn) => JSON.stringify({ Version: "2012-10-17", Statement: zonePolicyStatements("snowflake", { processed: arn }) })),
        },
        { parent: role },
      );
      const stage = new snowflake.Stage(
        `${name}-stage`,
        { database: database.name, schema: schema.name, name: n.stage, url: pulumi.interpolate`s3://${l.bucket.bucket}/`, storageIntegration: integration.name },
        { parent: this, dependsOn: [access] },
      );
      const stageGrant = grant(externalStageGrant(n), [stage]);
      const queues = l.pipedTables.map((t) => {
        const staging = stagingTables[t.schema.name];
        if (!staging) throw new pulumi.ResourceError(`the piped dataset ${t.schema.name} has no staging table`, this);
        const pipe = new snowflake.Pipe(
          `${name}-pipe-${t.schema.name}`,
          { database: database.name, schema: schema.name, name: `${t.table}_PIPE`, autoIngest: true, copyStatement: copyStatement(n, t), comment: `Stages ${t.schema.dataset}/ in ${t.staging} as files land` },
          { parent: this, dependsOn: [staging, stage, fileFormat, stageGrant] },
        );
        pipes[t.schema.name] = pipe.name;
        return { queueArn: pipe.notificationChannel, events: ["s3:ObjectCreated:*"], filterPrefix: `${t.schema.dataset}/`, filterSuffix: ".parquet" };
      });
      // S3 keeps one notification configuration per bucket: every pipe's queue goes into this one.
      new aws.s3.BucketNotification(`${name}-notifications`, { bucket: l.bucket.id, queues }, child);
      this.integration = integration.name;
    }
    this.database = database.name;
    this.pipes = pipes;
    this.registerOutputs({ database: this.database, pipes: this.pipes, integration: this.integration });
  }
}
