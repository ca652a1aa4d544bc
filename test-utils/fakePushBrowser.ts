// A browser's service worker, Push API and Notification permission, stood in for in Node:
// its push manager subscribes devices of the local push service (mockPushService.ts), so what
// the server pushes to a subscription made here really arrives there.
import type { MockPushService } from './mockPushService';

/** A browser with a service worker whose push manager subscribes devices of `service`. */
export function fakePushBrowser(service: MockPushService, permissionAnswer: NotificationPermission = 'granted') {
  let permission: NotificationPermission = 'default';
  let current: (PushSubscription & { unsubscribed: boolean }) | null = null;
  const registered: string[] = [];
  const subscribeKeys: Uint8Array[] = [];
  const pushManager = {
    getSubscription: async () => current,
    subscribe: async ({ applicationServerKey }: { applicationServerKey: Uint8Array }) => {
      subscribeKeys.push(applicationServerKey);
      const device = service.subscribe();
      const subscription = {
        endpoint: device.endpoint,
        device: device.device,
        options: { applicationServerKey: applicationServerKey.buffer },
        unsubscribed: false,
        toJSON: () => ({ endpoint: device.endpoint, expirationTime: null, keys: device.keys }),
        unsubscribe: async () => {
          subscription.unsubscribed = true;
          if (current === (subscription as unknown)) current = null;
          return true;
        },
      };
      current = subscription as unknown as PushSubscription & { unsubscribed: boolean };
      return current;
    },
  };
  const registration = { pushManager } as unknown as ServiceWorkerRegistration;
  let active = false;
  const navigator = {
    serviceWorker: {
      register: async (url: string) => {
        registered.push(url);
        active = true;
        return registration;
      },
      getRegistration: async () => (active ? registration : undefined),
      get ready() {
        return Promise.resolve(registration);
      },
    },
  } as unknown as Navigator;
  const Notification = {
    get permission() {
      return permission;
    },
    requestPermission: async () => (permission = permissionAnswer),
  } as unknown as typeof globalThis.Notification;
  (globalThis as { PushManager?: unknown }).PushManager ??= class {};
  return { environment: { navigator, Notification, isSecureContext: true }, registered, subscribeKeys, current: () => current };
}

