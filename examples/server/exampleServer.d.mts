// Types of exampleServer.mjs, for the end-to-end tests (test/e2e) and editors.
import type { PlatformFeatures, SinyalServer } from '@sinyal/server';

export interface DemoUser { id: string; name: string; role: 'buyer' | 'agent'; bot?: boolean }
export interface DemoCatalog {
  agentId: string;
  users: DemoUser[];
  properties: Array<{ id: string; title: string; kind: 'house' | 'apartment' | 'townhouse'; city: string; bedrooms: number; bathrooms: number; areaM2: number; hue: number; agentId: string; auctionId?: string }>;
}
export interface ExampleServerOptions {
  port?: number;
  host?: string;
  bots?: boolean;
  auctionMs?: number;
  auctionGapMs?: number;
  extendWithinMs?: number;
  extendByMs?: number;
  log?: ((line: string) => void) | null;
  vapid?: { publicKey: string; privateKey: string };
}
export interface ExampleServer {
  readonly url: string;
  readonly httpUrl: string;
  readonly server: SinyalServer;
  readonly port: number;
  readonly secret: string;
  readonly publishSecret: string;
  readonly platform: PlatformFeatures;
  catalog(): DemoCatalog;
  token(userId: string): Promise<string>;
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}
export const DEMO_SECRET: string;
export const DEMO_PUBLISH_SECRET: string;
export const DEMO_USERS: DemoUser[];
export const AGENT_ID: string;
export function conversationIdFor(buyerId: string): string;
export function startExampleServer(options?: ExampleServerOptions): Promise<ExampleServer>;
