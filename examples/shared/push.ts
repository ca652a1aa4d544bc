// Web Push in the example apps: the service worker both apps serve (shared/public/sinyal-sw.js)
// and the page's side of talking to it.

/** Where the apps' service worker is served (scope `/`). */
export const PUSH_OPTIONS = { serviceWorker: '/sinyal-sw.js' } as const;

/**
 * Tells the service worker this page's query string (who is signed in, which server), so a
 * click on a notification opens the app as the same person; and follows the worker's request
 * to open a notification's page in this window. Does nothing without service workers.
 */
export function linkServiceWorker(): void {
  const container = typeof navigator === 'undefined' ? undefined : navigator.serviceWorker;
  if (!container) return;
  void container.getRegistration('/').then((registration) => registration?.active?.postMessage({ type: 'sinyal:app-base', search: location.search }));
  container.addEventListener('controllerchange', () => container.controller?.postMessage({ type: 'sinyal:app-base', search: location.search }));
  container.addEventListener('message', (event: MessageEvent<{ type?: string; url?: string }>) => {
    if (event.data?.type === 'sinyal:open' && typeof event.data.url === 'string') location.href = event.data.url;
  });
}

/** The label of the push control for each state. */
export function pushLabel(status: string): string {
  switch (status) {
    case 'enabled':
      return 'On: we notify this device when you are away';
    case 'denied':
      return 'Blocked in this browser’s site settings';
    case 'enabling':
    case 'disabling':
    case 'checking':
      return '…';
    case 'error':
      return 'Could not turn on: try again';
    default:
      return 'Off';
  }
}
