import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { BUILT_IMAGES, IMAGE_BUILDS, buildArgs, contentTag, type BuiltImage, type ImagesArgs } from "./builds";

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
    // Declared in infra/functions before: the alias keeps existing stacks' repositories and images.
    super("market-data:images:EcrImages", name, {}, { ...opts, aliases: [...(opts?.aliases ?? []), { type: "market-data:functions:EcrImages" }] });
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
