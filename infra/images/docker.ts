import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { BUILT_IMAGES, IMAGE_BUILDS, buildArgs, contentTag, type BuiltImage, type ImagesArgs } from "./builds";

/** Our images (functions, Spark jobs, Airflow DAGs) built on the local Docker engine, tagged by content. */
export class LocalImages extends pulumi.ComponentResource {
  readonly refs: Record<BuiltImage, pulumi.Output<string>>;

  constructor(name: string, args: ImagesArgs, opts?: pulumi.ComponentResourceOptions) {
    // Declared in infra/functions before: the alias keeps existing stacks' images (and, through it, their children).
    super("market-data:images:LocalImages", name, {}, { ...opts, aliases: [...(opts?.aliases ?? []), { type: "market-data:functions:LocalImages" }] });
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
