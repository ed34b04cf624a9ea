import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** `arn:aws:iam::123:oidc-provider/oidc.eks.region.amazonaws.com/id/X` → `oidc.eks.region.amazonaws.com/id/X`. */
export function oidcIssuerHost(providerArn: string): string {
  const marker = ":oidc-provider/";
  const at = providerArn.indexOf(marker);
  if (at < 0) throw new Error(`\`cloud.oidcProviderArn\` is not an OIDC provider ARN (got "${providerArn}")`);
  return providerArn.slice(at + marker.length);
}

/** Trust policy that lets exactly one Kubernetes service account assume a role (IRSA). */
export function serviceAccountTrustPolicy(providerArn: string, namespace: string, serviceAccount: string): string {
  const host = oidcIssuerHost(providerArn);
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { [`${host}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`, [`${host}:aud`]: "sts.amazonaws.com" } },
      },
    ],
  });
}

export interface ServiceAccountRoleArgs {
  oidcProviderArn: string;
  namespace: string;
  serviceAccount: string;
  /** IAM statements of the role's only inline policy. */
  statements: pulumi.Input<object[]>;
  tags: Record<string, string>;
}

/**
 * The IAM role a workload runs as (IRSA) and the one service account its trust names: a component
 * takes this and creates that service account itself, so that the two cannot disagree.
 */
export interface WorkloadRole {
  arn: pulumi.Input<string>;
  serviceAccount: string;
}

/** The annotation that makes a service account's pods run as the role. */
export function workloadRoleAnnotations(role: WorkloadRole): Record<string, pulumi.Input<string>> {
  return { "eks.amazonaws.com/role-arn": role.arn };
}

/** An IAM role for one service account, with one inline least-privilege policy. */
export function serviceAccountRole(name: string, args: ServiceAccountRoleArgs, opts: pulumi.CustomResourceOptions): aws.iam.Role {
  const role = new aws.iam.Role(name, { assumeRolePolicy: serviceAccountTrustPolicy(args.oidcProviderArn, args.namespace, args.serviceAccount), tags: args.tags }, opts);
  new aws.iam.RolePolicy(
    `${name}-policy`,
    { role: role.name, policy: pulumi.output(args.statements).apply((Statement) => JSON.stringify({ Version: "2012-10-17", Statement })) },
    { ...opts, parent: role },
  );
  return role;
}
