import { existsSync } from "node:fs";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { createRunDir, removeDir } from "./files";

/** Debian's chromium package; playwright-core drives it and never downloads a browser of its own. */
export const CHROMIUM = "/usr/bin/chromium";

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export interface Browser {
  page: Page;
  /** Every URL the page requested, in order. */
  requests: string[];
  /** Console errors and uncaught exceptions of the page. */
  errors: string[];
  close(): Promise<void>;
}

/** A headless chromium with a fresh profile, recording every request and every page error. */
export async function openBrowser(viewport = { width: 1440, height: 1000 }): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/prepare-chromium.sh (apt-get install chromium)`);
  const profile = createRunDir("chromium");
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport });
  } catch (err) {
    removeDir(profile);
    throw err;
  }
  const requests: string[] = [];
  const errors: string[] = [];
  context.on("request", (request) => requests.push(request.url()));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (err) => errors.push(err.message));
  return {
    page,
    requests,
    errors,
    close: async () => {
      await context.close();
      removeDir(profile);
    },
  };
}
