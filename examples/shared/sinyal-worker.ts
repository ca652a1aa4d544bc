// The example apps' shared worker (`?tabs=shared` where the browser has SharedWorker): it holds
// the one connection of all the tabs of a user (@sinyal/client/tabs, serveSharedConnection).
// Functions cannot be sent from a tab, so the transport (`?transport=`) arrives in the worker's
// name, which also keeps tabs of different transports on different workers.
import { httpFallback, httpTransport } from '@sinyal/client/http';
import { serveSharedConnection } from '@sinyal/client/tabs';

const transport = /transport=(\w+)/.exec((self as unknown as { name?: string }).name ?? '')?.[1];
serveSharedConnection(transport === 'http' ? { transports: httpTransport() } : transport === 'auto' ? { transports: httpFallback() } : {});
