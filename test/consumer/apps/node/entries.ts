// Type-checked (tsc, NodeNext, strict): the client's extra entry points resolve with their types
// through the package's `exports`, and their options fit the core's.
import { createClient, type ClientOptions } from '@sinyal/client';
import { httpFallback, httpTransport } from '@sinyal/client/http';
import { pushNotifications, type PushStatus } from '@sinyal/client/push';
import { createSharedClient, serveSharedConnection, type SharedClient, type SharedWorkerHostOptions } from '@sinyal/client/tabs';

const transports: ClientOptions['transports'] = httpFallback({ after: 2, probeIntervalMs: 30_000 });
const client = createClient({ url: 'wss://rt.example.com/ws', token: 't', transports, autoConnect: false });
const httpOnly = createClient({ url: 'wss://rt.example.com/ws', transports: httpTransport({ longPoll: true }), autoConnect: false });
const shared: SharedClient = createSharedClient({ url: 'wss://rt.example.com/ws', token: () => 't', tabs: { key: 'user-1' }, autoConnect: false });
const status: PushStatus = pushNotifications(client, { serviceWorker: '/sinyal-sw.js' }).getSnapshot().status;
export const role: string = shared.tabs.getSnapshot().role;
export { httpOnly, status };
// The worker's side type-checks too (it runs in a SharedWorker, not here).
export const host: (options?: SharedWorkerHostOptions) => void = serveSharedConnection;
