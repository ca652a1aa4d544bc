/** What the tabs of one user say to each other over their channel. @internal */
export type TabMessage =
  // tab → leader
  | { k: 'open'; conn: string; tab: string }
  | { k: 'send'; conn: string; text: string }
  | { k: 'close'; conn: string }
  // leader → tabs
  | { k: 'hub'; hub: string }
  | { k: 'opened'; conn: string; hub: string }
  | { k: 'recv'; to: string[]; text: string }
  | { k: 'closed'; conn: string; code: number; reason: string }
  // any tab → every tab
  | { k: 'signout'; tab: string };

const str = (value: unknown): value is string => typeof value === 'string';

/** Whether a channel message is one the tabs send (another script, or a broken one, may post anything). */
export function isTabMessage(value: unknown): value is TabMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  switch (m.k) {
    case 'open':
      return str(m.conn) && str(m.tab);
    case 'send':
      return str(m.conn) && str(m.text);
    case 'close':
    case 'closed':
      return str(m.conn) && (m.k === 'close' || (typeof m.code === 'number' && str(m.reason)));
    case 'hub':
      return str(m.hub);
    case 'opened':
      return str(m.conn) && str(m.hub);
    case 'recv':
      return Array.isArray(m.to) && m.to.every(str) && str(m.text);
    case 'signout':
      return str(m.tab);
    default:
      return false;
  }
}

/** The part of `BroadcastChannel` the tabs use. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

/** The part of the Web Locks API (`navigator.locks`) the tabs use. */
export interface LockManagerLike {
  request(name: string, options: { signal?: AbortSignal }, callback: (lock: unknown) => unknown): Promise<unknown>;
  query(): Promise<{ held?: Array<{ name?: string | undefined }> | undefined }>;
}

/** A short random id (connections, tabs, leaders): unique enough within one browser. */
export function shortId(): string {
  return Math.random().toString(36).slice(2, 10) + Date.now().toString(36).slice(-4);
}

/**
 * Version of what the tabs say to each other: tabs of two versions of an app (one loaded
 * before a deploy, one after) never share a connection, or an outbox.
 */
export const TABS_VERSION = 1;

/** Lock names and channel name of one sharing scope (origin-wide by nature: locks, channels and storage are per origin). */
export function scopeNames(key: string): { channel: string; leader: string; tab: (tab: string) => string; journal: string } {
  const base = `sinyal:tabs:v${TABS_VERSION}:${key}`;
  return { channel: base, leader: `${base}:leader`, tab: (tab) => `${base}:tab:${tab}`, journal: `${base}:cmd:` };
}
