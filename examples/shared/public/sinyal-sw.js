// The example apps' service worker: shows the Web Push messages the Sinyal server sends while
// the user is away (see docs/notification.md, "Reaching users who are away"), and opens the
// right page when one is clicked. Served from the site root (/sinyal-sw.js, scope /).
//
// A push carries { id, title, body, category, type, createdAt, data?, count?, ids? }.
// Never shown twice:
// - a window of the app that is on screen shows notifications in-app (it is connected, or
//   gets them when it reconnects), so the worker only tells it and shows nothing;
// - the notification's `tag` is its id: the same notification pushed again replaces itself.

const BASE_CACHE = 'sinyal-sw';
const BASE_KEY = '/__sinyal/app-base';

// The page tells the worker its query string (?user=…&server=… in the examples), so a
// click can open the app signed in as the same person.
self.addEventListener('message', (event) => {
  if (event.data?.type === 'sinyal:app-base' && typeof event.data.search === 'string') {
    event.waitUntil(caches.open(BASE_CACHE).then((cache) => cache.put(BASE_KEY, new Response(event.data.search))));
  }
});

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

function readPayload(event) {
  try {
    const payload = event.data?.json();
    if (payload && typeof payload.id === 'string' && typeof payload.title === 'string') return payload;
  } catch {
    // not JSON: shown as a generic notification below
  }
  return { id: 'sinyal', title: 'New notification', body: event.data?.text() ?? '' };
}

/** Where a click leads: the app's page for the property or conversation the notification is about. */
async function pageFor(payload) {
  const cached = await caches.open(BASE_CACHE).then((cache) => cache.match(BASE_KEY));
  const search = cached ? await cached.text() : '';
  const data = payload.data ?? {};
  const hash = typeof data.propertyId === 'string' ? `#/p/${encodeURIComponent(data.propertyId)}` : typeof data.conversationId === 'string' ? `#/chat/${encodeURIComponent(data.conversationId)}` : '#/';
  return new URL(`/${search}${hash}`, self.location.origin).href;
}

self.addEventListener('push', (event) => {
  event.waitUntil(
    (async () => {
      const payload = readPayload(event);
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const onScreen = windows.some((client) => client.visibilityState === 'visible');
      for (const client of windows) client.postMessage({ type: 'sinyal:push', payload, shown: !onScreen });
      if (onScreen) return;
      await self.registration.showNotification(payload.title, {
        body: payload.body,
        tag: payload.id,
        timestamp: payload.createdAt,
        data: { id: payload.id, url: await pageFor(payload) },
      });
    })(),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = event.notification.data?.url ?? new URL('/', self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
      if (open) {
        await open.focus();
        open.postMessage({ type: 'sinyal:open', url });
        return;
      }
      await self.clients.openWindow(url);
    })(),
  );
});
