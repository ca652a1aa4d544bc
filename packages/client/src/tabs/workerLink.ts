import { SinyalError, type ClientOptions } from '@sinyal/client';
import { Journal } from './journal';
import type { ChannelLike } from './link';
import { MirroredStorage } from './mirroredStorage';
import { isWorkerMessage, type PortLike, type SharedWorkerLike, type WorkerClientConfig, type WorkerMessage } from './workerProtocol';

/** What a tab brings to the shared worker (see {@link joinSharedWorker}). */
export interface WorkerJoin {
  /** Starts (or attaches to) the app's shared worker: `tabs.worker`. */
  start: () => SharedWorkerLike;
  /** The sharing key: the worker holds one connection per key. */
  key: string;
  /** This tab's id. */
  tab: string;
  /** Key prefix of the shared outbox in storage (`scopeNames(key).journal`). */
  journalPrefix: string;
  /** Most commands in the shared outbox at once. */
  maxJournal: number;
  /** The tab's storage (localStorage): the worker has none, so the outbox is mirrored here. */
  storage: Storage | undefined;
  /** The client options the worker's connection is made with (and the token source). */
  options: ClientOptions;
  /** How long the worker may take to answer; once joined, how often the tab checks the worker is alive. */
  timeoutMs: number;
  /** A message of the tabs protocol from the worker (the worker's port is this tab's channel). */
  receive: (data: unknown) => void;
  /** Still wanted: false once the tab signed out while waiting for the worker. */
  wanted: () => boolean;
  /** The worker stopped answering after it was joined (it crashed or was ended): the port is closed already. */
  lost: () => void;
}

/** This tab's side of the worker's connection: the shared outbox and the channel to the worker. */
export interface WorkerConnection {
  journal: Journal;
  channel: ChannelLike;
}

/**
 * Joins the shared worker's connection: says hello with the connection's settings and hands
 * over the shared outbox found in this tab's storage (the worker of a new browser session
 * sends what tabs of an earlier one left unanswered, once, with their ids); from then on the
 * outbox is kept in both the worker and this tab's storage, and the worker asks this tab for
 * tokens. Resolves undefined — leaving nothing behind, after reporting why through
 * `options.onError` — when the worker cannot be started, fails or does not answer within
 * `timeoutMs`: the tabs then elect a leader among themselves.
 *
 * Once joined, the tab pings the worker every `timeoutMs`; when a period passes in which
 * nothing at all came from the worker (a crashed worker says no goodbye, and its connection
 * is gone with it), the tab closes the port and calls `lost`. Hearing anything since the
 * last ping is what counts, not when the timer fires, so a background tab's throttled timers
 * never make a live worker look dead.
 */
export async function joinSharedWorker(join: WorkerJoin): Promise<WorkerConnection | undefined> {
  const { options } = join;
  const report = options.onError ?? console.error;
  let worker: SharedWorkerLike;
  try {
    worker = join.start();
  } catch (error) {
    report(new SinyalError('unavailable', `tabs: the shared worker could not start (${error as string}); the tabs elect a leader instead`));
    return undefined;
  }
  const port = worker.port;
  const mirror = new MirroredStorage((journalKey, value) => port.postMessage({ w: 'journal', key: journalKey, value } satisfies WorkerMessage), join.storage);
  let ready: (ok: boolean) => void = () => {};
  const answered = new Promise<boolean>((resolve) => (ready = resolve));
  /** Whether anything came from the worker since the last ping. */
  let heard = true;
  port.onmessage = (event) => {
    heard = true;
    const data = event.data;
    if (!isWorkerMessage(data)) return join.receive(data);
    if (data.w === 'ready') ready(true);
    else if (data.w === 'journal') {
      try {
        mirror.apply(data.key, data.value);
      } catch {
        // storage full or disabled: the worker's copy still has it
      }
    } else if (data.w === 'token') void answerToken(port, data.req, options.token);
  };
  worker.onerror = () => ready(false);
  port.start?.();
  const config: WorkerClientConfig = {
    url: options.url,
    ...(options.reconnect && { reconnect: options.reconnect }),
    ...(options.heartbeat && { heartbeat: options.heartbeat }),
    ...(options.connectTimeoutMs !== undefined && { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.authProbe !== undefined && { authProbe: options.authProbe }),
    ...(options.probeTimeoutMs !== undefined && { probeTimeoutMs: options.probeTimeoutMs }),
    ttlMs: options.outbox?.ttlMs ?? 300_000,
    maxJournal: join.maxJournal,
  };
  const journal = new Journal(join.journalPrefix, join.maxJournal, () => join.storage).raw();
  port.postMessage({ w: 'hello', key: join.key, tab: join.tab, config, journal } satisfies WorkerMessage);
  const timer = setTimeout(() => ready(false), join.timeoutMs);
  const ok = await answered;
  clearTimeout(timer);
  worker.onerror = (event) => report(new SinyalError('unavailable', `tabs: shared worker error: ${(event as { message?: string }).message ?? 'unknown'}`));
  if (!ok || !join.wanted()) {
    port.onmessage = null;
    port.close();
    if (!ok) report(new SinyalError('unavailable', 'tabs: the shared worker did not answer; the tabs elect a leader instead'));
    return undefined;
  }
  const liveness = setInterval(() => {
    if (heard) {
      heard = false;
      port.postMessage({ w: 'ping' } satisfies WorkerMessage);
      return;
    }
    close();
    report(new SinyalError('unavailable', 'tabs: the shared worker stopped answering; the tabs elect a leader instead'));
    join.lost();
  }, join.timeoutMs);
  const close = () => {
    clearInterval(liveness);
    port.onmessage = null;
    port.close();
  };
  return {
    journal: new Journal(join.journalPrefix, join.maxJournal, () => mirror),
    channel: { onmessage: null, postMessage: (message) => port.postMessage(message), close },
  };
}

/** The worker needs a token for the shared connection: this tab's token source gives it. */
async function answerToken(port: PortLike, req: number, source: ClientOptions['token']): Promise<void> {
  try {
    const token = typeof source === 'function' ? await source() : source;
    port.postMessage({ w: 'token', req, token: token ?? '' } satisfies WorkerMessage);
  } catch (error) {
    port.postMessage({ w: 'token', req, error: String(error) } satisfies WorkerMessage);
  }
}
