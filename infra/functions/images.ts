import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { BUILT_IMAGES, IMAGE_BUILDS, contentTag, type BuiltImage } from "./spec";

export interface ImagesArgs {
  /** Repository root, where the build contexts are. */
  root: string;
  /** The folder the provider resolves relative paths from: the program's working directory. */
  workDir: string;
  /**
   * Docker network of the builds' RUN steps (`npm ci` needs one), e.g. `host` on an engine without
   * a default bridge. @default the engine's default (its bridge)
   */
  network?: string;
  /** Base image of each build, passed as the Dockerfile's BASE_IMAGE argument. */
  baseImages: Record<BuiltImage, string>;
  /** Name prefix of the images or repositories. */
  prefix: string;
}

/**
 * The provider resolves the context and the Dockerfile from its working directory, which is the
 * program's (`stacks/`), not the project root. Relative, so that every checkout gets the same
 * inputs (and the offline plan the same text).
 */
export function buildArgs(args: ImagesArgs, image: BuiltImage): docker.types.input.DockerBuild {
  const spec = IMAGE_BUILDS[image];
  const fromWorkDir = (repoPath: string) => path.relative(args.workDir, path.join(args.root, repoPath)) || ".";
  return {
    context: fromWorkDir(spec.context),
    dockerfile: fromWorkDir(spec.dockerfile),
    args: { BASE_IMAGE: args.baseImages[image] },
    platform: "linux/amd64",
    ...(args.network ? { network: args.network } : {}),
  };
}

/** Our images (functions, Spark jobs, Airflow DAGs) built on the local Docker engine, tagged by content. */
export class LocalImages extends pulumi.ComponentResource {
  readonly refs: Record<BuiltImage, pulumi.Output<string>>;

  constructor(name: string, args: ImagesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("market-data:functions:LocalImages", name, {}, opts);
    const refs = {} as Record<BuiltImage, pulumi.Output<string>>;
    for (const image of BUILT_IMAGES) {
      const tag = contentTag(args.root, IMAGE_BUILDS[image].inputs);
      const built = new docker.Image(`${name}-${image}`, { imageName: `${args.prefix}/${image}:${tag}`, build: buildArgs(args, image), skipPush: true }, { parent: this });
      refs[image] = built.imageName;
    }
    this.refs = refs;
    this.registerOutputs({ refs });
  }
}

/**
 * Our images pushed to private ECR repositories (immutable tags, scanned on push); workloads pull
 * them by digest.
 */
export class EcrImages extends pulumi.ComponentResource {
  /** `repository@sha256:...` of each pushed image. */
  readonly refs: Record<BuiltImage, pulumi.Output<string>>;
  readonly repositories: Record<BuiltImage, aws.ecr.Repository>;
  /** The content tag each image was pushed with (immutable in ECR). */
  readonly tags: Record<BuiltImage, string>;

  constructor(name: string, args: ImagesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("market-data:functions:EcrImages", name, {}, opts);
    const refs = {} as Record<BuiltImage, pulumi.Output<string>>;
    const repositories = {} as Record<BuiltImage, aws.ecr.Repository>;
    const tags = {} as Record<BuiltImage, string>;
    for (const image of BUILT_IMAGES) {
      const repo = new aws.ecr.Repository(
        `${name}-${image}`,
        {
          name: `${args.prefix}/${image}`,
          imageTagMutability: "IMMUTABLE",
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfigurations: [{ encryptionType: "KMS" }],
          forceDelete: false,
        },
        { parent: this },
      );
      new aws.ecr.LifecyclePolicy(
        `${name}-${image}-lifecycle`,
        {
          repository: repo.name,
          policy: JSON.stringify({
            rules: [{ rulePriority: 1, description: "keep the last 30 images", selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 }, action: { type: "expire" } }],
          }),
        },
        { parent: this },
      );
      const token = aws.ecr.getAuthorizationTokenOutput({ registryId: repo.registryId }, { parent: this });
      const tag = contentTag(args.root, IMAGE_BUILDS[image].inputs);
      const built = new docker.Image(
        `${name}-${image}`,
        {
          imageName: pulumi.interpolate`${repo.repositoryUrl}:${tag}`,
          build: buildArgs(args, image),
          registry: { server: repo.repositoryUrl, username: token.userName, password: pulumi.secret(token.password) },
        },
        { parent: this },
      );
      refs[image] = built.repoDigest;
      repositories[image] = repo;
      tags[image] = tag;
    }
    this.refs = refs;
    this.repositories = repositories;
    this.tags = tags;
    this.registerOutputs({ refs });
  }
}
