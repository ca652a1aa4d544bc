import type { ClientOptions } from '@sinyal/client';

/**
 * The part of the client options a tab hands the shared worker (structured-clonable: no
 * functions). Functions — the token, `transports` — stay where they were given: the worker
 * asks a tab for a token, and takes transports from {@link serveSharedConnection}'s options.
 * @internal
 */
export interface WorkerClientConfig {
  url: string;
  reconnect?: ClientOptions['reconnect'];
  heartbeat?: ClientOptions['heartbeat'];
  connectTimeoutMs?: number | undefined;
  authProbe?: boolean | undefined;
  probeTimeoutMs?: number | undefined;
  /** The outbox's ttlMs: commands never sent expire after this long. */
  ttlMs: number;
  /** Most commands in the shared outbox. */
  maxJournal: number;
}

/**
 * What a tab and the shared worker say to each other besides the tabs' own messages
 * (`TabMessage`, keyed `k`): these are keyed `w`.
 * @internal
 */
export type WorkerMessage =
  // tab → worker: join the scope `key`, with this tab's shared-outbox entries
  | { w: 'hello'; key: string; tab: string; config: WorkerClientConfig; journal: Array<[string, string]> }
  // worker → tab: the scope is ready for this tab
  | { w: 'ready' }
  // tab → worker: are you there? worker → tab: yes (the tab's liveness check of its worker)
  | { w: 'ping' }
  | { w: 'pong' }
  // worker → tab: a token, please; tab → worker: here it is (or why not)
  | { w: 'token'; req: number; token?: string | undefined; error?: string | undefined }
  // either way: a shared-outbox key was written (value) or removed (null)
  | { w: 'journal'; key: string; value: string | null };

/** Whether `value` is a {@link WorkerMessage} (a port may carry anything). @internal */
export function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  const str = (v: unknown) => typeof v === 'string';
  switch (m.w) {
    case 'hello':
      return str(m.key) && str(m.tab) && typeof m.config === 'object' && m.config !== null && str((m.config as { url?: unknown }).url) && Array.isArray(m.journal);
    case 'ready':
    case 'ping':
    case 'pong':
      return true;
    case 'token':
      return typeof m.req === 'number';
    case 'journal':
      return str(m.key) && (m.value === null || str(m.value));
    default:
      return false;
  }
}

/** The part of a `MessagePort` used on both ends. */
export interface PortLike {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  start?(): void;
  close(): void;
}

/** The part of a `SharedWorker` a tab uses. */
export interface SharedWorkerLike {
  readonly port: PortLike;
  onerror: ((event: unknown) => void) | null;
}
