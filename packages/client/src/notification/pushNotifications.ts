// Part of the `@sinyal/client/push` entry: it uses the core through the package's own name
// (one copy of the client's classes) and imports nothing else of the core's files, so the
// core's bundle is the same with or without it.
import { fetchJson, isSinyalError, SinyalError, type SinyalClient } from '@sinyal/client';
import type { PushSubscriptionInfo } from '@sinyal/protocol';

/**
 * - `idle`: nothing checked yet (no subscriber);
 * - `unsupported`: this browser has no service workers, Push API or notifications, or the
 *   page is not a secure context (https, or http://localhost);
 * - `checking`: looking at this device's subscription;
 * - `disabled`: this device does not get pushes (never enabled, disabled, or subscribed for
 *   another user);
 * - `enabling` / `disabling`: in progress;
 * - `enabled`: this device gets pushes for the signed-in user while they are away;
 * - `denied`: the user blocked notifications for this site (only the browser's settings undo it);
 * - `error`: the last step failed (`error` says why); `enable()` may be tried again.
 */
export type PushStatus = 'idle' | 'unsupported' | 'checking' | 'disabled' | 'enabling' | 'disabling' | 'enabled' | 'denied' | 'error';

/** Web Push on this device; a new object whenever something changed. */
export interface PushSnapshot {
  status: PushStatus;
  /** The browser's notification permission (`unsupported` without the Notification API). */
  permission: NotificationPermission | 'unsupported';
  /** This device's push endpoint while `enabled`. */
  endpoint: string | undefined;
  /** Why the last step failed (`status: 'error'`, or a server error while disabling). */
  error: SinyalError | undefined;
}

/** What {@link pushNotifications} needs from the page. */
export interface PushNotificationsOptions {
  /**
   * The service worker that shows the pushes: its script URL (registered with scope `/`
   * unless `scope` says otherwise), or a function returning the app's own registration.
   * See the example `sinyal-sw.js` in docs/notification.md.
   */
  serviceWorker: string | (() => Promise<ServiceWorkerRegistration>);
  /** Scope of the registration when `serviceWorker` is a URL. @default '/' */
  scope?: string;
  /** The browser APIs, injectable for tests. @default globalThis */
  environment?: { navigator?: Navigator | undefined; Notification?: typeof Notification | undefined; isSecureContext?: boolean | undefined };
}

const PATH = '/api/notifications/push-subscriptions';

/** base64url → bytes, for `applicationServerKey`. */
function keyBytes(base64url: string): Uint8Array {
  const text = atob(base64url.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(base64url.length / 4) * 4, '='));
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

/** Whether a subscription was made with `key` (a new server key pair needs a new subscription). */
function sameKey(subscription: PushSubscription, key: Uint8Array): boolean {
  const used = subscription.options?.applicationServerKey;
  if (!used) return true;
  const bytes = new Uint8Array(used);
  return bytes.length === key.length && bytes.every((byte, i) => byte === key[i]);
}

const toSinyalError = (error: unknown): SinyalError =>
  isSinyalError(error) ? error : new SinyalError(error instanceof DOMException && error.name === 'NotAllowedError' ? 'forbidden' : 'internal', error instanceof Error ? error.message : String(error));

/**
 * Web Push for the signed-in user on this device ("Notify me when I'm away"): `enable()`
 * asks the browser for permission and a push subscription and registers it with the server
 * (`POST /api/notifications/push-subscriptions`); `disable()` removes it. While enabled, the
 * server pushes the user's notifications to this device whenever they have no connection
 * open; the service worker shows them. Get it with {@link pushNotifications}.
 *
 * Call `enable()` from a user gesture (a click): browsers refuse the permission prompt
 * otherwise. Call `disable()` when the user signs out, so the next person on this device
 * does not receive their notifications.
 */
export class PushNotifications {
  readonly #listeners = new Set<{ listener: () => void }>();
  readonly #client: SinyalClient<object, object>;
  readonly #options: PushNotificationsOptions;
  #snapshot: PushSnapshot;
  #checked = false;
  /** One step at a time (check, enable, disable): a click during a check waits for it. */
  #running: Promise<unknown> = Promise.resolve();

  constructor(client: SinyalClient<object, object>, options: PushNotificationsOptions) {
    this.#client = client;
    this.#options = options;
    this.#snapshot = { status: 'idle', permission: this.#permission(), endpoint: undefined, error: undefined };
  }

  getSnapshot(): PushSnapshot {
    return this.#snapshot;
  }

  /** Whether this browser and page can receive Web Push at all. */
  get supported(): boolean {
    const env = this.#env();
    return !!env.navigator?.serviceWorker && !!env.Notification && env.isSecureContext !== false && typeof (globalThis as { PushManager?: unknown }).PushManager !== 'undefined';
  }

  /** Start listening (the first listener checks this device); returns the function that stops it. */
  subscribe(listener: () => void): () => void {
    const entry = { listener };
    this.#listeners.add(entry);
    if (!this.#checked) {
      this.#checked = true;
      void this.refresh();
    }
    return () => void this.#listeners.delete(entry);
  }

  /** Looks at this device's subscription and whether the server has it for the signed-in user. */
  refresh(): Promise<PushSnapshot> {
    return this.#step(async () => {
      if (!this.supported) return this.#set({ status: 'unsupported' });
      if (this.#permission() === 'denied') return this.#set({ status: 'denied' });
      this.#set({ status: 'checking' });
      const registration = await this.#existingRegistration();
      const subscription = await registration?.pushManager.getSubscription();
      if (!subscription) return this.#set({ status: 'disabled', endpoint: undefined });
      const { items } = await fetchJson<{ items: PushSubscriptionInfo[] }>(this.#client.options, PATH);
      const known = items.some((item) => item.endpoint === subscription.endpoint);
      return this.#set(known ? { status: 'enabled', endpoint: subscription.endpoint } : { status: 'disabled', endpoint: undefined });
    });
  }

  /**
   * Asks for notification permission (from a click), subscribes this device with the
   * server's VAPID key and registers the subscription for the signed-in user. Resolves to
   * the new snapshot (`enabled`, `denied`, `disabled` if the prompt was dismissed, or `error`);
   * never rejects.
   */
  enable(): Promise<PushSnapshot> {
    return this.#step(async () => {
      if (!this.supported) return this.#set({ status: 'unsupported' });
      this.#set({ status: 'enabling' });
      const permission = await this.#env().Notification!.requestPermission();
      if (permission !== 'granted') return this.#set({ status: permission === 'denied' ? 'denied' : 'disabled' });
      const { publicKey } = await fetchJson<{ publicKey: string }>(this.#client.options, PATH);
      const key = keyBytes(publicKey);
      const registration = await this.#registration();
      let subscription = await registration.pushManager.getSubscription();
      if (subscription && !sameKey(subscription, key)) {
        await subscription.unsubscribe();
        subscription = null;
      }
      subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key as BufferSource });
      await fetchJson(this.#client.options, PATH, { body: subscription.toJSON() });
      return this.#set({ status: 'enabled', endpoint: subscription.endpoint });
    });
  }

  /**
   * Stops pushes to this device: unsubscribes it in the browser (the push service refuses
   * further messages at once), then removes it on the server. Never rejects; a failure on the
   * server side is in `error` (the server also drops the subscription on its next push).
   */
  disable(): Promise<PushSnapshot> {
    return this.#step(async () => {
      if (!this.supported) return this.#set({ status: 'unsupported' });
      this.#set({ status: 'disabling' });
      const registration = await this.#existingRegistration();
      const subscription = await registration?.pushManager.getSubscription();
      if (!subscription) return this.#set({ status: 'disabled', endpoint: undefined });
      const { endpoint } = subscription;
      await subscription.unsubscribe();
      try {
        await fetchJson(this.#client.options, `${PATH}?endpoint=${encodeURIComponent(endpoint)}`, { method: 'DELETE' });
      } catch (error) {
        return this.#set({ status: 'disabled', endpoint: undefined, error: toSinyalError(error) });
      }
      return this.#set({ status: 'disabled', endpoint: undefined });
    });
  }

  #step(run: () => Promise<PushSnapshot>): Promise<PushSnapshot> {
    const next = this.#running.then(() =>
      run().catch((error: unknown) => this.#set({ status: 'error', error: toSinyalError(error) })),
    );
    this.#running = next;
    return next;
  }

  #env(): NonNullable<PushNotificationsOptions['environment']> {
    const g = globalThis as { navigator?: Navigator; Notification?: typeof Notification; isSecureContext?: boolean };
    return { navigator: g.navigator, Notification: g.Notification, isSecureContext: g.isSecureContext, ...this.#options.environment };
  }

  #permission(): PushSnapshot['permission'] {
    return this.#env().Notification?.permission ?? 'unsupported';
  }

  #existingRegistration(): Promise<ServiceWorkerRegistration | undefined> {
    const { serviceWorker, scope } = this.#options;
    if (typeof serviceWorker === 'function') return serviceWorker();
    return this.#env().navigator!.serviceWorker.getRegistration(scope ?? '/');
  }

  async #registration(): Promise<ServiceWorkerRegistration> {
    const { serviceWorker, scope } = this.#options;
    if (typeof serviceWorker === 'function') return serviceWorker();
    const container = this.#env().navigator!.serviceWorker;
    await container.register(serviceWorker, { scope: scope ?? '/' });
    // Subscribing needs an active worker: `ready` resolves once it has one.
    return container.ready;
  }

  #set(patch: Partial<PushSnapshot>): PushSnapshot {
    this.#snapshot = { ...this.#snapshot, error: undefined, ...patch, permission: this.#permission() };
    for (const { listener } of [...this.#listeners]) {
      try {
        listener();
      } catch (error) {
        console.error('[sinyal] handler threw:', error); // a listener never breaks the store
      }
    }
    return this.#snapshot;
  }
}

/** One store per (client, service worker), kept weakly by the client. */
const cache = new WeakMap<object, Map<string, PushNotifications>>();

/**
 * The {@link PushNotifications} of `client` (one per client and service worker URL): Web
 * Push on this device for the signed-in user. From `@sinyal/client/push`, so apps that do not
 * use it do not ship it.
 *
 * @example
 * ```ts
 * import { pushNotifications } from '@sinyal/client/push';
 * const push = pushNotifications(client, { serviceWorker: '/sinyal-sw.js' });
 * button.onclick = async () => {
 *   const { status } = await (push.getSnapshot().status === 'enabled' ? push.disable() : push.enable());
 *   button.textContent = status === 'enabled' ? 'Stop notifying me' : "Notify me when I'm away";
 * };
 * ```
 */
export function pushNotifications(client: SinyalClient<object, object>, options: PushNotificationsOptions): PushNotifications {
  const key = typeof options.serviceWorker === 'string' ? `${options.scope ?? '/'} ${options.serviceWorker}` : 'registration';
  let stores = cache.get(client);
  if (!stores) cache.set(client, (stores = new Map()));
  let store = stores.get(key);
  if (!store) stores.set(key, (store = new PushNotifications(client, options)));
  return store;
}
