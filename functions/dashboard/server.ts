import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import type { Logger } from "../lib";
import { EVENTS, type Snapshot } from "./messages";

/** The page's files, built at image build time (esbuild), served from memory. */
export const PAGE_FILES = { "/": "index.html", "/app.js": "app.js", "/app.css": "app.css" } as const;

const CONTENT_TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };

/**
 * The page loads only its own files and talks only to its own origin. Inline styles are allowed
 * because the chart library sets some; no script, image, font or connection goes elsewhere.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface PageAsset {
  body: Buffer;
  contentType: string;
}

/** Reads the built page; throws naming the folder and the file that is missing. */
export function loadPageAssets(dir: string): Map<string, PageAsset> {
  const assets = new Map<string, PageAsset>();
  for (const [route, file] of Object.entries(PAGE_FILES)) {
    const full = path.join(dir, file);
    let body: Buffer;
    try {
      body = readFileSync(full);
    } catch (err) {
      throw new Error(`the dashboard page is not built: cannot read ${file} in ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    assets.set(route, { body, contentType: CONTENT_TYPES[path.extname(file)]! });
  }
  return assets;
}

export interface EventStreamOptions {
  maxClients: number;
  /** A client with more than this many bytes not yet sent is disconnected. */
  clientBufferBytes: number;
  /** Comment lines that keep idle connections open through proxies. @default 15000 */
  heartbeatMs?: number;
  log: Logger;
  onDrop?: (reason: "slow" | "full") => void;
}

interface Client {
  id: number;
  res: ServerResponse;
}

/**
 * Browsers connected to the event stream. Each holds only its socket: a message is serialised
 * once for all, a client that falls behind by more than its buffer is cut off, and a client that
 * goes away is forgotten at once.
 */
export class EventStream {
  private readonly clients = new Map<number, Client>();
  private nextId = 1;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly options: EventStreamOptions) {
    this.heartbeat = setInterval(() => this.write(": keep-alive\n\n"), options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Adds a client and sends it `first` (its snapshot); answers 503 when the stream is full. */
  open(req: IncomingMessage, res: ServerResponse, first: () => string): void {
    if (this.clients.size >= this.options.maxClients) {
      this.options.onDrop?.("full");
      res.writeHead(503, { "content-type": "text/plain; charset=utf-8", "retry-after": "10" });
      res.end(`the dashboard serves at most ${this.options.maxClients} browsers at once\n`);
      return;
    }
    const client: Client = { id: this.nextId++, res };
    this.clients.set(client.id, client);
    const forget = () => this.clients.delete(client.id);
    req.on("close", forget);
    res.on("close", forget);
    res.on("error", forget);
    req.socket.setNoDelay(true);
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" });
    this.send(client, `retry: 2000\n\n${first()}`);
  }

  /** Sends one event to every client. */
  broadcast(event: string, data: unknown): void {
    this.write(formatEvent(event, data));
  }

  private write(text: string): void {
    for (const client of this.clients.values()) this.send(client, text);
  }

  private send(client: Client, text: string): void {
    const { res } = client;
    if (res.destroyed) {
      this.clients.delete(client.id);
      return;
    }
    if (res.writableLength + Buffer.byteLength(text) > this.options.clientBufferBytes) {
      this.clients.delete(client.id);
      this.options.onDrop?.("slow");
      this.options.log.warn("disconnecting a browser that does not keep up", { client: client.id, unsentBytes: res.writableLength });
      res.destroy();
      return;
    }
    res.write(text);
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const client of this.clients.values()) client.res.end();
    this.clients.clear();
  }
}

export function formatEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export interface DashboardServerOptions {
  port: number;
  host?: string;
  assets: Map<string, PageAsset>;
  stream: EventStream;
  snapshot: () => Snapshot;
}

/** Serves the page, its snapshot as JSON, and the event stream. */
export async function startDashboardServer(options: DashboardServerOptions): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const { assets, stream, snapshot } = options;
  const server = createServer((req, res) => {
    const route = (req.url ?? "/").split("?")[0]!;
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("referrer-policy", "no-referrer");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" });
      res.end();
      return;
    }
    const asset = assets.get(route === "/index.html" ? "/" : route);
    if (asset) {
      res.writeHead(200, { "content-type": asset.contentType, "content-length": asset.body.length, "cache-control": "no-cache", "content-security-policy": CONTENT_SECURITY_POLICY });
      res.end(req.method === "HEAD" ? undefined : asset.body);
      return;
    }
    if (route === "/events" && req.method === "GET") {
      stream.open(req, res, () => formatEvent(EVENTS.snapshot, snapshot()));
      return;
    }
    if (route === "/api/snapshot") {
      const body = JSON.stringify(snapshot());
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(body);
      return;
    }
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    res.end("not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        stream.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
