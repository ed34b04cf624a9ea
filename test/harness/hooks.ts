import { stopDockerEngine } from "./docker";
import { stopTestServers } from "./index";

/** Mocha root hooks: add this file to `require` of the integration mocha config. */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    await Promise.all([stopTestServers(), stopDockerEngine()]);
  },
};
