import type { Redis } from 'ioredis';
import { SinyalServerError } from '../errors';

/** How long a command waits for the very first connection before failing. */
const FIRST_CONNECT_WAIT_MS = 5000;

/**
 * One ioredis connection and whether it can be used now. Commands are never queued
 * while Redis is unreachable (`enableOfflineQueue: false`): they fail at once with a
 * retryable `unavailable`, so clients re-send instead of waiting behind a dead link.
 * Only before the first connection do they wait (a starting node).
 */
export class RedisConnection {
  private firstReady: Promise<void> | undefined;
  private everUp = false;
  private readonly downListeners = new Set<() => void>();

  constructor(readonly client: Redis) {
    this.firstReady = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(unavailable()), FIRST_CONNECT_WAIT_MS);
      timer.unref();
      client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
      client.once('error', () => {
        clearTimeout(timer);
        reject(unavailable());
      });
    });
    this.firstReady.then(
      () => (this.firstReady = undefined),
      () => (this.firstReady = undefined),
    );
    client.on('error', () => {}); // reported through `up` and /health; ioredis reconnects by itself
    client.on('ready', () => {
      this.everUp = true;
    });
    client.on('close', () => {
      if (this.everUp) for (const listener of this.downListeners) listener();
    });
  }

  /** True while commands can be sent. */
  get up(): boolean {
    return this.client.status === 'ready';
  }

  /** True when Redis is known unreachable (not merely still making its first connection). */
  get down(): boolean {
    return !this.up && this.firstReady === undefined;
  }

  /** The client, once usable; throws `unavailable` when Redis is unreachable. */
  async get(): Promise<Redis> {
    if (this.up) return this.client;
    if (this.firstReady) {
      await this.firstReady;
      if (this.up) return this.client;
    }
    throw unavailable();
  }

  /** Called every time the connection is lost (after having been up). */
  onDown(listener: () => void): void {
    this.downListeners.add(listener);
  }
}

export function unavailable(): SinyalServerError {
  return new SinyalServerError('unavailable', 'redis unavailable');
}
