// Shared by the React and Vue examples: who is signed in, where the server is, the
// listings, and a client whose token comes from the demo login route.
//
// ⚠️ DEMO ONLY: tokens come from `GET /demo/login?user=…` of the example server, which hands
// one to anyone. In your app, `token` calls your own backend (session cookie → short JWT).
import { createClient, type ClientOptions, type SinyalClient } from '@sinyal/client';
import { httpFallback, httpTransport } from '@sinyal/client/http';
import { createSharedClient } from '@sinyal/client/tabs';
import { formatPrice, formatTime } from './format.mjs';
import type { PropertyKind } from './houseArt';
import type { IconName } from './icons';

export { formatChange, formatCountdown, formatDayTime, formatNumber, formatPercent, formatPrice, formatTime, plural } from './format.mjs';

export interface DemoUser {
  id: string;
  name: string;
  role: 'buyer' | 'agent';
}
export interface DemoProperty {
  id: string;
  /** The listing's own title, in Indonesian as the seller wrote it (shown with lang="id"). */
  title: string;
  kind: PropertyKind;
  /** Area of the city, in Indonesian (shown with lang="id"). */
  city: string;
  bedrooms: number;
  bathrooms: number;
  areaM2: number;
  /** Colour of its illustration. */
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
/**
 * `?transport=http`: over HTTP only (`@sinyal/client/http`: a stream, or long-polls where a
 * proxy buffers it); `?transport=auto`: WebSocket first, HTTP where upgrades fail or the browser
 * has no WebSocket, and back when they work. Without it: WebSocket.
 */
export const transport = params.get('transport');

/**
 * Options of the activity tracker every page turns on: `?idleAfter=20` reports this tab idle
 * (its user "away" once all their tabs are) after 20 s without input, to show it off; without
 * it, the SDK's default (5 minutes). A hidden tab is idle at once either way.
 */
export const activityOptions: { idleAfterMs?: number } = (() => {
  const seconds = Number(params.get('idleAfter'));
  return Number.isFinite(seconds) && seconds > 0 ? { idleAfterMs: Math.round(seconds * 1000) } : {};
})();

/** The query string of links within the app without `user` (the sign-in page's links add their own). */
export const searchWithout = (name: string): string => {
  const rest = new URLSearchParams(location.search);
  rest.delete(name);
  const text = rest.toString();
  return text ? `&${text}` : '';
};

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

/**
 * `?tabs=shared`: every tab of this user shares one connection (`@sinyal/client/tabs`), held
 * by a SharedWorker (sinyal-worker.ts) where the browser has one, else by a leader tab;
 * `?tabs=locks`: always by a leader tab. The header shows where it lives.
 */
export const sharedTabs = params.get('tabs') === 'shared' || params.get('tabs') === 'locks';
const useWorker = params.get('tabs') === 'shared' && typeof SharedWorker === 'function';

export function createDemoClient(user: string): SinyalClient {
  const options: ClientOptions = {
    url: serverWsUrl,
    token: () => demoToken(user),
    reconnect: { initialDelayMs: 300, maxDelayMs: 5000 },
    // A dead connection (network gone while the socket looks open — e.g. DevTools'
    // "Offline", a train tunnel) is noticed within 5 + 2.5 s instead of the default 15 s.
    heartbeat: { intervalMs: 5000, timeoutMs: 2500 },
    ...(transport === 'http' ? { transports: httpTransport() } : transport === 'auto' ? { transports: httpFallback() } : {}),
  };
  // The hooks and composables take either: a shared client is a SinyalClient.
  const worker = () => new SharedWorker(new URL('./sinyal-worker.ts', import.meta.url), { type: 'module', name: `sinyal transport=${transport ?? 'ws'}` });
  const client = sharedTabs ? createSharedClient({ ...options, tabs: { key: user, ...(useWorker && { worker }) } }) : createClient(options);
  // For the end-to-end tests and your devtools: window.sinyal.state, .outbox…
  (window as unknown as { sinyal: SinyalClient }).sinyal = client;
  return client;
}

/** How the header names this tab's part in a shared connection. */
export function tabRoleLabel(role: string): string {
  if (role === 'worker') return 'Shared connection · held by a shared worker';
  if (role === 'leader') return 'Shared connection · held by this tab';
  if (role === 'follower') return 'Shared connection · through another tab';
  return role === 'alone' ? 'Own connection (this browser cannot share)' : 'Shared connection · …';
}

/** This tab's part in a shared connection (`?tabs=shared`): its role, or `worker` when a shared worker holds it; undefined without sharing. */
export function tabRole(client: SinyalClient): { subscribe(listener: () => void): () => void; getSnapshot(): string } | undefined {
  const tabs = (client as { tabs?: { subscribe(listener: () => void): () => void; getSnapshot(): { role: string; host?: string } } }).tabs;
  return tabs && { subscribe: (listener) => tabs.subscribe(listener), getSnapshot: () => (tabs.getSnapshot().host === 'worker' && tabs.getSnapshot().role === 'follower' ? 'worker' : tabs.getSnapshot().role) };
}

export const statusLabel: Record<string, string> = { available: 'Available', under_offer: 'Under offer', sold: 'Sold', rented: 'Rented' };

/** How a message's delivery reads: "Sending…", "Pending" (offline), "Sent", "Delivered", "Read", "Not sent". */
export function messageMark(status: string, online: boolean): { label: string; icon: IconName; shown: boolean } {
  switch (status) {
    case 'sending':
      return online ? { label: 'Sending…', icon: 'clock', shown: true } : { label: 'Pending', icon: 'clock', shown: true };
    case 'sent':
      return { label: 'Sent', icon: 'check', shown: false };
    case 'delivered':
      return { label: 'Delivered', icon: 'checks', shown: false };
    case 'read':
      return { label: 'Read', icon: 'checks', shown: false };
    default:
      return { label: 'Not sent', icon: 'alert', shown: true };
  }
}

/** The agent's status for buyers: "Online", "Away", "Busy · back at 16:30", "Offline · last seen 15:02". */
export function agentStatusText(
  agent: { online: boolean; presence: 'online' | 'away' | 'offline'; agentStatus: string | null; availableAt: number | null; lastSeen: number | null },
  now: number,
): { tone: 'online' | 'away' | 'busy' | 'offline'; text: string } {
  if (agent.agentStatus === 'busy') return { tone: 'busy', text: agent.availableAt && agent.availableAt > now ? `Busy · back at ${formatTime(agent.availableAt)}` : 'Busy' };
  if (agent.presence === 'away') return { tone: 'away', text: 'Away' };
  if (agent.online) return { tone: 'online', text: 'Online · usually replies within minutes' };
  return { tone: 'offline', text: agent.lastSeen ? `Offline · last seen ${formatTime(agent.lastSeen)}` : 'Offline' };
}

/** Someone's status in a chat header: "Online", "Away", "Offline · last seen 15:02"; `null` while unknown (not joined, or hidden by the server). */
export function presenceText(user: { status: string; presence: 'online' | 'away' | 'offline'; lastSeen: number | null }): { tone: 'online' | 'away' | 'offline'; text: string } | null {
  if (user.status !== 'joined') return null;
  if (user.presence === 'online') return { tone: 'online', text: 'Online' };
  if (user.presence === 'away') return { tone: 'away', text: 'Away' };
  return { tone: 'offline', text: user.lastSeen ? `Offline · last seen ${formatTime(user.lastSeen)}` : 'Offline' };
}

/** Choices of the agent's status control: value → what it sets. */
export const AGENT_STATUS_CHOICES = [
  { value: 'online', label: 'Available', busyForMs: 0 },
  { value: 'busy-30', label: 'Busy for 30 minutes', busyForMs: 30 * 60_000 },
  { value: 'busy-60', label: 'Busy for 1 hour', busyForMs: 60 * 60_000 },
] as const;

/** The unread notifications about this conversation (to mark read while it is on screen). */
export function notificationsAbout(items: ReadonlyArray<{ id: string; readAt?: number | null | undefined; data?: Record<string, unknown> | undefined }>, conversationId: string): string[] {
  return items.filter((item) => !item.readAt && item.data?.conversationId === conversationId).map((item) => item.id);
}

/** Where a notification leads: its listing, or (for the agent) its conversation. */
export function notificationHref(item: { data?: Record<string, unknown> | undefined }, role: DemoUser['role']): string | undefined {
  const search = location.search;
  if (typeof item.data?.propertyId === 'string') return `${search}#/p/${item.data.propertyId}`;
  if (role === 'agent' && typeof item.data?.conversationId === 'string') return `${search}#/chat/${item.data.conversationId}`;
  return undefined;
}

/** The sign-in page, keeping the other query parameters (`?server=`). */
export const signInHref = (): string => {
  const rest = new URLSearchParams(location.search);
  rest.delete('user');
  const text = rest.toString();
  return text ? `?${text}` : location.pathname;
};

/** What the custom bid amount reads as while it is typed ("Your bid: Rp 4,100,000,000"). */
export function amountEcho(amount: number, minimum: number): string {
  return amount >= minimum ? `Your bid: ${formatPrice(amount)}` : `${formatPrice(amount)} is below the minimum of ${formatPrice(minimum)}`;
}

export const initials = (name: string): string => name.replace(/\(.*\)/, '').trim().slice(0, 1).toUpperCase();

/** Routes: `#/` listings, `#/p/<id>` a property, `#/inbox` (agent), `#/chat/<id>`. */
export type Route = { name: 'list' } | { name: 'property'; id: string } | { name: 'inbox'; id?: string };
export function parseRoute(hash: string): Route {
  const [, name, id] = hash.replace(/^#/, '').split('/');
  if (name === 'p' && id) return { name: 'property', id };
  if (name === 'inbox' || name === 'chat') return id ? { name: 'inbox', id } : { name: 'inbox' };
  return { name: 'list' };
}
