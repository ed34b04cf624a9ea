import { PolicyPack } from "@pulumi/policy";
import { INVARIANTS } from "./invariants";

new PolicyPack("market-data-invariants", { policies: INVARIANTS });
