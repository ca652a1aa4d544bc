import type { PushSubscriptionBody } from '@sinyal/protocol/schema';

/** A user's Web Push subscription as stored: what the browser gave, and when it was registered. */
export interface StoredPushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** The push service's expiry (ms since the epoch), when it gave one. */
  expirationTime?: number | null;
  /** Server time (ms) of the registration; the oldest are dropped first. */
  createdAt: number;
}

/**
 * What {@link PushStore.addPushSubscription} did: stored it (`dropped`: the endpoints of the
 * user's oldest subscriptions that made room for it), or refused a new endpoint because the
 * store holds `maxTotal` already (`full`).
 */
export type AddPushSubscriptionResult = { dropped: string[] } | 'full';

/**
 * Where Web Push state lives: every user's push subscriptions (several devices) and which
 * users have a connection open right now (so a notification goes live or by push, never
 * both). Every method is one atomic step, so several server nodes may share a store.
 *
 * - An endpoint belongs to one user: registering it for another user (a shared computer, a
 *   different login in the same browser) moves it, so the first user's notifications stop
 *   reaching that device.
 * - Bounds: at most `maxPerUser` per user (a new one drops the user's oldest) and
 *   `maxTotal` in all (a new endpoint beyond it is refused).
 * - Live connections expire if their node dies without removing them (on Redis within the
 *   store's TTL); the in-memory store dies with its node.
 */
export interface PushStore {
  /** Stores `subscription` for `userId` (replacing the same endpoint's keys, keeping its place). */
  addPushSubscription(userId: string, subscription: StoredPushSubscription, bounds: { maxPerUser: number; maxTotal: number }): Promise<AddPushSubscriptionResult>;
  /** Removes the user's subscription with `endpoint`; resolves to whether it was theirs. */
  removePushSubscription(userId: string, endpoint: string): Promise<boolean>;
  /** The user's subscriptions, oldest first. */
  pushSubscriptions(userId: string): Promise<StoredPushSubscription[]>;
  /** Subscriptions of all users together (for /metrics). */
  pushSubscriptionCount(): Promise<number>;

  /** A connection of `userId` opened. */
  connectSession(userId: string, sessionId: string): Promise<void>;
  /** That connection closed. */
  disconnectSession(userId: string, sessionId: string): Promise<void>;
  /** Whether `userId` has a connection open (on any node sharing the store). */
  isConnected(userId: string): Promise<boolean>;
  /** Stops background work (the Redis store's refresh of this node's connections). */
  close?(): void;
}

/** The stored form of a validated {@link PushSubscriptionBody}. */
export function storedSubscription(body: PushSubscriptionBody, createdAt: number): StoredPushSubscription {
  return { endpoint: body.endpoint, keys: { p256dh: body.keys.p256dh, auth: body.keys.auth }, ...(body.expirationTime == null ? {} : { expirationTime: body.expirationTime }), createdAt };
}

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The default {@link PushStore}: process memory, one node. */
export class MemoryPushStore implements PushStore {
  /** userId → endpoint → subscription, in insertion (registration) order. */
  readonly #byUser = new Map<string, Map<string, StoredPushSubscription>>();
  /** endpoint → its user. */
  readonly #owner = new Map<string, string>();
  /** userId → open session ids. */
  readonly #sessions = new Map<string, Set<string>>();

  async addPushSubscription(userId: string, subscription: StoredPushSubscription, bounds: { maxPerUser: number; maxTotal: number }): Promise<AddPushSubscriptionResult> {
    const owner = this.#owner.get(subscription.endpoint);
    if (owner === undefined && this.#owner.size >= bounds.maxTotal) return 'full';
    if (owner !== undefined && owner !== userId) this.#forget(owner, subscription.endpoint);
    const subs = this.#byUser.get(userId) ?? new Map<string, StoredPushSubscription>();
    const existing = subs.get(subscription.endpoint);
    subs.set(subscription.endpoint, copy(existing ? { ...subscription, createdAt: existing.createdAt } : subscription));
    this.#byUser.set(userId, subs);
    this.#owner.set(subscription.endpoint, userId);
    const dropped = [...subs.values()]
      .sort((a, b) => a.createdAt - b.createdAt)
      .slice(0, Math.max(0, subs.size - bounds.maxPerUser))
      .map((sub) => sub.endpoint);
    for (const endpoint of dropped) this.#forget(userId, endpoint);
    return { dropped };
  }

  async removePushSubscription(userId: string, endpoint: string): Promise<boolean> {
    if (this.#owner.get(endpoint) !== userId) return false;
    this.#forget(userId, endpoint);
    return true;
  }

  async pushSubscriptions(userId: string): Promise<StoredPushSubscription[]> {
    return copy([...(this.#byUser.get(userId)?.values() ?? [])].sort((a, b) => a.createdAt - b.createdAt));
  }

  async pushSubscriptionCount(): Promise<number> {
    return this.#owner.size;
  }

  async connectSession(userId: string, sessionId: string): Promise<void> {
    const sessions = this.#sessions.get(userId) ?? new Set<string>();
    sessions.add(sessionId);
    this.#sessions.set(userId, sessions);
  }

  async disconnectSession(userId: string, sessionId: string): Promise<void> {
    const sessions = this.#sessions.get(userId);
    sessions?.delete(sessionId);
    if (sessions?.size === 0) this.#sessions.delete(userId);
  }

  async isConnected(userId: string): Promise<boolean> {
    return (this.#sessions.get(userId)?.size ?? 0) > 0;
  }

  #forget(userId: string, endpoint: string): void {
    this.#owner.delete(endpoint);
    const subs = this.#byUser.get(userId);
    subs?.delete(endpoint);
    if (subs?.size === 0) this.#byUser.delete(userId);
  }
}
