import { loadSettings } from "../infra/config";
import { cloudPlatform } from "./cloud";
import { localPlatform } from "./local";
import type { PlatformOutputs } from "./outputs";

/**
 * The program: reads and validates the stack's config (failing before any resource exists), then
 * chooses the target once.
 */
export function definePlatform(): PlatformOutputs {
  const { settings, secrets } = loadSettings();
  if (settings.local) return localPlatform(settings, secrets, settings.local);
  if (settings.cloud) return cloudPlatform(settings, secrets, settings.cloud);
  throw new Error(`stack "${settings.stack}" has neither local nor cloud settings`);
}
