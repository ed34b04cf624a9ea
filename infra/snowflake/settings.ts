/** The Snowflake objects' settings, without any SDK: the stack config parses them, the components take them. */

export interface SnowflakeSettings {
  /** Organization name of the account. Required when Snowflake is enabled. */
  organization: string;
  /** Account name within the organization. Required when Snowflake is enabled. */
  account: string;
  /** User Pulumi authenticates as (key-pair); the private key is the `snowflakePrivateKey` secret. */
  user: string;
  /** Role Pulumi uses to create objects. @default "SYSADMIN" */
  adminRole: string;
  /** Database name. @default "MARKET_DATA" */
  database: string;
  /** Warehouse size. @default "XSMALL" */
  warehouseSize: "XSMALL" | "SMALL" | "MEDIUM" | "LARGE";
  /** Seconds of idleness before the warehouse suspends. @default 60 */
  autoSuspendSeconds: number;
}
