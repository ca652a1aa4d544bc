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

/** Lock names and channel name of one sharing scope (origin-wide by nature: locks, channels and storage are per origin). */
export function scopeNames(key: string): { channel: string; leader: string; tab: (tab: string) => string; journal: string } {
  const base = `sinyal:tabs:${key}`;
  return { channel: base, leader: `${base}:leader`, tab: (tab) => `${base}:tab:${tab}`, journal: `${base}:cmd:` };
}
