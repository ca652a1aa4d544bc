import type { CliShared } from './cliServer';

/** What a `--workers` worker tells the primary over the cluster IPC channel. */
export type WorkerMessage =
  /** Ready for its configuration (sent once its listener is in place). */
  | { sinyal: 'config?' }
  /** Its server listens; `instance` is its name in `/health` and the `Sinyal-Instance` header. */
  | { sinyal: 'listening'; url: string; httpUrl: string; instance: string };

/** What the primary tells a worker: the configuration resolved once for the whole run. */
export type PrimaryMessage = { sinyal: 'config'; shared: CliShared };

export function isMessage<T extends { sinyal: string }, K extends T['sinyal']>(message: unknown, kind: K): message is Extract<T, { sinyal: K }> {
  return typeof message === 'object' && message !== null && (message as { sinyal?: unknown }).sinyal === kind;
}
