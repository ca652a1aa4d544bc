import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Counter, Gauge, type Registry } from 'prom-client';
import webpush from 'web-push';
import { NotificationCategorySchema, PushSubscriptionBodySchema, type Notification, type NotificationCategory, type NotificationPreferences, type PushSubscriptionInfo } from '@sinyal/protocol/schema';
import { SinyalServerError } from '../../errors';
import type { DeliveryLane } from './store';
import { storedSubscription, type PushStore, type StoredPushSubscription } from './pushStore';

/** VAPID (RFC 8292): the application server's key pair, and a contact for push services. */
export interface VapidKeys {
  /** Uncompressed P-256 public key, base64url (87 characters); clients subscribe with it. */
  publicKey: string;
  /** The private key, base64url (43 characters). Keep it secret, keep it stable: a new key pair invalidates every subscription. */
  privateKey: string;
  /** `mailto:` address or `https:` URL a push service can contact about this sender. */
  subject: string;
}

/** Options of Web Push (`notificationFeature({ push })`). */
export interface NotificationPushOptions {
  /** The VAPID keys (`npx sinyal-server --dev` writes a pair for development; `npx web-push generate-vapid-keys` for production). */
  vapid: VapidKeys;
  /**
   * Where subscriptions and open connections live.
   * @default new MemoryPushStore() (one node; `RedisPushStore` for several)
   */
  store?: PushStore;
  /** Categories that reach users who are away; the others stay in the inbox only. @default every category */
  categories?: readonly NotificationCategory[];
  /** Subscriptions kept per user (devices); a new one beyond it drops the user's oldest. @default 10 */
  maxSubscriptionsPerUser?: number;
  /** Subscriptions kept in all; a new endpoint beyond it is refused with `unavailable` (503). @default 100_000 */
  maxSubscriptions?: number;
  /** Push messages waiting or being sent; beyond it a push is dropped (counted, the inbox still has it). @default 1000 */
  maxPending?: number;
  /** Requests to push services at once. @default 8 */
  concurrency?: number;
  /** How long one request to a push service may take before it counts as failed. @default 10_000 */
  timeoutMs?: number;
  /** How long a push service keeps a message for a device that is offline (the `TTL` header). @default 86_400 */
  ttlSeconds?: number;
  /**
   * Accept `http://127.0.0.1` / `http://localhost` endpoints (a local mock push service in
   * tests and development). Real push services are https.
   * @default false
   */
  allowInsecureLocalEndpoints?: boolean;
}

/** The JSON a service worker receives in `event.data.json()`. */
export interface PushPayload {
  /** The notification's id (for a batch, the newest one's): use it as the notification's `tag`. */
  id: string;
  title: string;
  body: string;
  category: NotificationCategory;
  type: string;
  createdAt: number;
  /** The notification's `data` (links, ids); left out when it does not fit in a push message. */
  data?: Record<string, unknown>;
  /** For a batch: how many notifications it stands for, and their ids (newest last, at most 50). */
  count?: number;
  ids?: string[];
}

/** A push message's plaintext must fit in one 4 KiB record with its encryption overhead (RFC 8291); keep a margin. */
const MAX_PAYLOAD_BYTES = 3_800;
const MAX_BATCH_IDS = 50;
const bytes = (text: string) => Buffer.byteLength(text);

/** The push message for delivered notifications: one as itself, several as a summary. Always fits in a push message. */
export function pushPayload(items: readonly Notification[]): PushPayload {
  const newest = items[items.length - 1]!;
  const single = items.length === 1;
  const payload: PushPayload = single
    ? { id: newest.id, title: newest.title, body: newest.body, category: newest.category, type: newest.type, createdAt: newest.createdAt, ...(newest.data ? { data: newest.data } : {}) }
    : {
        id: newest.id,
        title: `${items.length} new notifications`,
        body: items.map((item) => item.title).reverse().join('\n'),
        category: newest.category,
        type: newest.type,
        createdAt: newest.createdAt,
        count: items.length,
        ids: items.slice(-MAX_BATCH_IDS).map((item) => item.id),
      };
  if (bytes(JSON.stringify(payload)) <= MAX_PAYLOAD_BYTES) return payload;
  delete payload.data;
  let over = bytes(JSON.stringify(payload)) - MAX_PAYLOAD_BYTES;
  while (over > 0 && payload.body.length > 0) {
    // JSON escaping can make one character up to 6 bytes: cut at least one.
    payload.body = `${[...payload.body].slice(0, -Math.max(1, Math.ceil(over / 6)) - 1).join('')}…`;
    if (payload.body === '…') payload.body = '';
    over = bytes(JSON.stringify(payload)) - MAX_PAYLOAD_BYTES;
  }
  return payload;
}

/** Web Push urgency (RFC 8030 §5.3): messages and instant notifications wake the device at once. */
function urgencyOf(items: readonly Notification[], reason: 'new' | DeliveryLane): 'high' | 'normal' | 'low' {
  if (reason === 'digest') return 'low';
  return items.some((item) => item.priority === 'instant' || item.category === 'message') ? 'high' : 'normal';
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * POSTs a push request and resolves to the response's status; rejects when the push service
 * does not answer within `timeoutMs` (the whole exchange, not only an idle socket) or the
 * connection fails. Redirects are not followed. With `node:https` (`node:http` for the local
 * endpoints tests allow) rather than the global `fetch`, which a page environment may replace.
 */
function post(endpoint: string, headers: Record<string, string>, body: Buffer | null, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(endpoint);
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const request = send(url, { method: 'POST', headers: { ...headers, 'Content-Length': String(body?.length ?? 0) } }, (response) => {
      response.resume(); // the body is not needed
      response.on('end', () => {
        clearTimeout(timer);
        resolve(response.statusCode ?? 0);
      });
      response.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      response.on('close', () => {
        clearTimeout(timer);
        if (!response.complete) reject(new Error(`the push service did not answer within ${timeoutMs} ms`));
      });
    });
    const timer = setTimeout(() => request.destroy(new Error(`the push service did not answer within ${timeoutMs} ms`)), timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(body ?? undefined);
  });
}

/** Everything about Web Push in the notification feature: subscriptions, the delivery rule, the requests to push services. */
export class WebPushNotifications {
  readonly store: PushStore;
  readonly #options: Required<Omit<NotificationPushOptions, 'store' | 'categories'>> & { categories: ReadonlySet<NotificationCategory> };
  readonly #now: () => number;
  readonly #onError: (error: unknown, context: { userId?: string; stage: string }) => void;
  /** Sends waiting for a free slot. */
  readonly #queue: Array<() => Promise<void>> = [];
  #active = 0;
  #idle: Array<() => void> = [];
  #sent?: Counter<'result'>;
  #skipped?: Counter<'reason'>;
  readonly #preferences: (userId: string) => Promise<NotificationPreferences>;

  constructor(
    options: NotificationPushOptions,
    deps: {
      store: PushStore;
      now: () => number;
      /** The user's preferences (their `pushCategories`). */
      preferences: (userId: string) => Promise<NotificationPreferences>;
      onError: (error: unknown, context: { userId?: string; stage: string }) => void;
    },
  ) {
    const { vapid } = options;
    // Throws a clear error for malformed keys or subject, before the server starts.
    webpush.getVapidHeaders('https://push.example', 'mailto:check@example.com', vapid.publicKey, vapid.privateKey, 'aes128gcm');
    if (!/^(mailto:|https:\/\/)/.test(vapid.subject)) throw new TypeError('notificationFeature: push.vapid.subject must be a mailto: address or an https: URL');
    const count = (name: string, value: number | undefined, fallback: number) => {
      const n = value ?? fallback;
      if (!(Number.isInteger(n) && n > 0)) throw new TypeError(`notificationFeature: push.${name} must be a positive integer`);
      return n;
    };
    const categories = options.categories ?? NotificationCategorySchema.options;
    const unknown = categories.find((category) => !NotificationCategorySchema.safeParse(category).success);
    if (unknown !== undefined) throw new TypeError(`notificationFeature: push.categories: ${String(unknown)} is not a category (${NotificationCategorySchema.options.join(', ')})`);
    this.#options = {
      vapid,
      categories: new Set(categories),
      maxSubscriptionsPerUser: count('maxSubscriptionsPerUser', options.maxSubscriptionsPerUser, 10),
      maxSubscriptions: count('maxSubscriptions', options.maxSubscriptions, 100_000),
      maxPending: count('maxPending', options.maxPending, 1000),
      concurrency: count('concurrency', options.concurrency, 8),
      timeoutMs: count('timeoutMs', options.timeoutMs, 10_000),
      ttlSeconds: Math.max(0, Math.floor(options.ttlSeconds ?? 86_400)),
      allowInsecureLocalEndpoints: options.allowInsecureLocalEndpoints ?? false,
    };
    this.store = deps.store;
    this.#now = deps.now;
    this.#onError = deps.onError;
    this.#preferences = deps.preferences;
  }

  get publicKey(): string {
    return this.#options.vapid.publicKey;
  }

  /** Validates a subscription body (`bad_request`) and stores it for the user; `unavailable` when the store is full. */
  async subscribe(userId: string, body: unknown): Promise<PushSubscriptionInfo> {
    const parsed = PushSubscriptionBodySchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SinyalServerError('bad_request', `${issue?.path.map(String).join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
    }
    this.#checkEndpoint(parsed.data.endpoint);
    const subscription = storedSubscription(parsed.data, this.#now());
    const result = await this.store.addPushSubscription(userId, subscription, { maxPerUser: this.#options.maxSubscriptionsPerUser, maxTotal: this.#options.maxSubscriptions });
    if (result === 'full') throw new SinyalServerError('unavailable', 'push subscriptions are full on this server', { retryAfterMs: 60_000 });
    const stored = (await this.store.pushSubscriptions(userId)).find((sub) => sub.endpoint === subscription.endpoint);
    return { endpoint: subscription.endpoint, createdAt: stored?.createdAt ?? subscription.createdAt };
  }

  async unsubscribe(userId: string, endpoint: string | null): Promise<{ removed: boolean }> {
    if (!endpoint) throw new SinyalServerError('bad_request', 'endpoint: the subscription endpoint to remove is required');
    return { removed: await this.store.removePushSubscription(userId, endpoint) };
  }

  async list(userId: string): Promise<PushSubscriptionInfo[]> {
    return (await this.store.pushSubscriptions(userId)).map(({ endpoint, createdAt }) => ({ endpoint, createdAt }));
  }

  #checkEndpoint(endpoint: string): void {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new SinyalServerError('bad_request', 'endpoint: must be an absolute https URL');
    }
    if (url.username || url.password) throw new SinyalServerError('bad_request', 'endpoint: must not carry credentials');
    if (url.protocol === 'https:') return;
    if (url.protocol === 'http:' && this.#options.allowInsecureLocalEndpoints && LOCAL_HOSTS.has(url.hostname)) return;
    throw new SinyalServerError('bad_request', this.#options.allowInsecureLocalEndpoints ? 'endpoint: must be https (or http on 127.0.0.1 / localhost)' : 'endpoint: must be https');
  }

  /**
   * Notifications were delivered to the user's feed: if the user has no connection open,
   * send those of the categories pushed (the server's `categories`, narrowed by the user's
   * `pushCategories`) to each of the user's devices. Returns at once; the sends are queued
   * (bounded by `maxPending`).
   */
  delivered(userId: string, items: readonly Notification[], reason: 'new' | DeliveryLane): void {
    const pushable = items.filter((item) => this.#options.categories.has(item.category));
    if (pushable.length === 0) return;
    this.#enqueue(userId, async () => {
      if (await this.store.isConnected(userId)) {
        this.#skipped?.inc({ reason: 'connected' });
        return;
      }
      const chosen = (await this.#preferences(userId)).pushCategories;
      const wanted = chosen === undefined ? pushable : pushable.filter((item) => chosen.includes(item.category));
      if (wanted.length === 0) {
        this.#skipped?.inc({ reason: 'preferences' });
        return;
      }
      const subscriptions = await this.store.pushSubscriptions(userId);
      if (subscriptions.length === 0) {
        this.#skipped?.inc({ reason: 'no_subscription' });
        return;
      }
      const payload = JSON.stringify(pushPayload(wanted));
      const urgency = urgencyOf(wanted, reason);
      await Promise.all(subscriptions.map((subscription) => this.#send(userId, subscription, payload, urgency)));
    });
  }

  #enqueue(userId: string, job: () => Promise<void>): void {
    if (this.#active + this.#queue.length >= this.#options.maxPending) {
      this.#sent?.inc({ result: 'dropped' });
      this.#onError(new Error(`push queue full (${this.#options.maxPending}): push dropped, the inbox keeps the notification`), { userId, stage: 'push' });
      return;
    }
    this.#queue.push(() =>
      job().catch((error: unknown) => {
        this.#sent?.inc({ result: 'failed' });
        this.#onError(error, { userId, stage: 'push' });
      }),
    );
    this.#pump();
  }

  #pump(): void {
    while (this.#active < this.#options.concurrency && this.#queue.length > 0) {
      const job = this.#queue.shift()!;
      this.#active++;
      void job().finally(() => {
        this.#active--;
        this.#pump();
        if (this.#active === 0 && this.#queue.length === 0) for (const resolve of this.#idle.splice(0)) resolve();
      });
    }
  }

  /** Resolves once every queued push has been sent or has failed. */
  idle(): Promise<void> {
    if (this.#active === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * One push: `web-push` signs (VAPID) and encrypts (aes128gcm) the request, {@link post}
   * sends it with one deadline for the whole exchange. 201/202 are success; 404/410 mean the
   * subscription is gone and it is removed; anything else is a counted, logged failure.
   */
  async #send(userId: string, subscription: StoredPushSubscription, payload: string, urgency: 'high' | 'normal' | 'low'): Promise<void> {
    const { vapid, timeoutMs, ttlSeconds } = this.#options;
    let status: number | undefined;
    try {
      const request = webpush.generateRequestDetails({ endpoint: subscription.endpoint, keys: subscription.keys }, payload, {
        vapidDetails: vapid,
        TTL: ttlSeconds,
        urgency,
        contentEncoding: 'aes128gcm',
      });
      status = await post(request.endpoint, request.headers, request.body, timeoutMs);
      if (status >= 200 && status < 300) {
        this.#sent?.inc({ result: 'sent' });
        return;
      }
      if (status === 404 || status === 410) {
        // The push service says the subscription is gone (unsubscribed, expired): forget it.
        this.#sent?.inc({ result: 'expired' });
        await this.store.removePushSubscription(userId, subscription.endpoint);
        return;
      }
      throw new Error(`the push service answered ${status}`);
    } catch (error) {
      this.#sent?.inc({ result: 'failed' });
      const reason = error instanceof Error ? error.message : String(error);
      this.#onError(new Error(`push to ${new URL(subscription.endpoint).host} failed${status === undefined ? '' : ` (${status})`}: ${reason}`, { cause: error }), { userId, stage: 'push' });
    }
  }

  /** Registers the push gauges and counters in the server's registry. */
  register(registry: Registry): void {
    const store = this.store;
    const onError = this.#onError;
    const existing = registry.getSingleMetric('sinyal_notification_push_subscriptions');
    if (existing) return;
    new Gauge({
      name: 'sinyal_notification_push_subscriptions',
      help: 'Web Push subscriptions stored (all users; on Redis, the shared total)',
      registers: [registry],
      async collect() {
        try {
          this.set(await store.pushSubscriptionCount());
        } catch (error) {
          onError(error, { stage: 'metrics' });
        }
      },
    });
    new Gauge({ name: 'sinyal_notification_push_subscriptions_limit', help: 'maxSubscriptions: most Web Push subscriptions stored in all', registers: [registry] }).set(this.#options.maxSubscriptions);
    new Gauge({ name: 'sinyal_notification_push_subscriptions_per_user_limit', help: 'maxSubscriptionsPerUser: most Web Push subscriptions per user', registers: [registry] }).set(this.#options.maxSubscriptionsPerUser);
    const pending = () => this.#active + this.#queue.length;
    new Gauge({
      name: 'sinyal_notification_push_pending',
      help: 'Web Push messages waiting or being sent on this node',
      registers: [registry],
      collect() {
        this.set(pending());
      },
    });
    new Gauge({ name: 'sinyal_notification_push_pending_limit', help: 'maxPending: most Web Push messages waiting on this node', registers: [registry] }).set(this.#options.maxPending);
    this.#sent = new Counter({ name: 'sinyal_notification_push_sent_total', help: 'Web Push messages by result: sent, expired (404/410: subscription removed), failed, dropped (queue full)', labelNames: ['result'], registers: [registry] });
    this.#skipped = new Counter({ name: 'sinyal_notification_push_skipped_total', help: 'Deliveries not pushed: the user was connected (they got it live), had no subscription, or chose not to get these categories pushed (preferences)', labelNames: ['reason'], registers: [registry] });
  }
}
