// Shared by the React and Vue examples: who is signed in, where the server is, the
// listings, and a client whose token comes from the demo login route.
//
// ⚠️ DEMO ONLY: tokens come from `GET /demo/login?user=…` of the example server, which hands
// one to anyone. In your app, `token` calls your own backend (session cookie → short JWT).
import { createClient, type SinyalClient } from '@sinyal/client';

export interface DemoUser {
  id: string;
  name: string;
  role: 'buyer' | 'agent';
}
export interface DemoProperty {
  id: string;
  title: string;
  city: string;
  bedrooms: number;
  areaM2: number;
  hue: number;
  agentId: string;
  auctionId?: string;
}
export interface DemoCatalog {
  agentId: string;
  users: DemoUser[];
  properties: DemoProperty[];
}

const params = new URLSearchParams(location.search);

/** The server's HTTP address: `?server=` (tests), else what `npm run example` passed to Vite. */
export const serverHttpUrl = (params.get('server') ?? (import.meta.env.VITE_SINYAL_URL as string | undefined) ?? 'http://127.0.0.1:8787').replace(/\/$/, '');
export const serverWsUrl = `${serverHttpUrl.replace(/^http/, 'ws')}/ws`;
/** `?user=buyer-1`: two windows with two users = two people. */
export const userId = params.get('user');

export async function fetchCatalog(): Promise<DemoCatalog> {
  const response = await fetch(`${serverHttpUrl}/demo/catalog`);
  if (!response.ok) throw new Error(`catalog: HTTP ${response.status}`);
  return (await response.json()) as DemoCatalog;
}

/** Asks the demo login route for a fresh token; called before every (re)connect. */
async function demoToken(user: string): Promise<string> {
  const response = await fetch(`${serverHttpUrl}/demo/login?user=${encodeURIComponent(user)}`);
  if (!response.ok) throw new Error(`login: HTTP ${response.status}`);
  const body = (await response.json()) as { token?: string; error?: string };
  if (!body.token) throw new Error(body.error ?? 'login refused');
  return body.token;
}

export function createDemoClient(user: string): SinyalClient {
  const client = createClient({
    url: serverWsUrl,
    token: () => demoToken(user),
    reconnect: { initialDelayMs: 300, maxDelayMs: 5000 },
    // A dead connection (network gone while the socket looks open — e.g. DevTools'
    // "Offline", a train tunnel) is noticed within 5 + 2.5 s instead of the default 15 s.
    heartbeat: { intervalMs: 5000, timeoutMs: 2500 },
  });
  // For the end-to-end tests and your devtools: window.sinyal.state, .outbox…
  (window as unknown as { sinyal: SinyalClient }).sinyal = client;
  return client;
}

export const rupiah = (amount: number | null | undefined): string => (amount == null ? '–' : `Rp ${amount.toLocaleString('id-ID')}`);
export const shortRupiah = (amount: number | null | undefined): string =>
  amount == null ? '–' : amount >= 1e9 ? `Rp ${(amount / 1e9).toLocaleString('id-ID', { maximumFractionDigits: 3 })} M` : `Rp ${(amount / 1e6).toLocaleString('id-ID')} jt`;
export const countdown = (ms: number): string => {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};
export const clockTime = (at: number): string => new Date(at).toLocaleTimeString('id-ID', { hour: '2-digit', minute: '2-digit' });
export const statusLabel: Record<string, string> = { available: 'Available', under_offer: 'Under offer', sold: 'Sold', rented: 'Rented' };
/** The ✓ marks of a message: pending while offline, ✓ sent, ✓✓ delivered, blue ✓✓ read. */
export const messageMark = (status: string, online: boolean): string =>
  status === 'sending' ? (online ? 'sending…' : '🕓 pending') : status === 'sent' ? '✓' : status === 'delivered' ? '✓✓' : status === 'read' ? '✓✓' : 'failed';

/** Routes: `#/` listings, `#/p/<id>` a property, `#/inbox` (agent), `#/chat/<id>`. */
export type Route = { name: 'list' } | { name: 'property'; id: string } | { name: 'inbox'; id?: string };
export function parseRoute(hash: string): Route {
  const [, name, id] = hash.replace(/^#/, '').split('/');
  if (name === 'p' && id) return { name: 'property', id };
  if (name === 'inbox' || name === 'chat') return id ? { name: 'inbox', id } : { name: 'inbox' };
  return { name: 'list' };
}
