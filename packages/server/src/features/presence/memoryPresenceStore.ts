import type { ChosenAgentStatus } from '@sinyal/protocol/schema';
import type { ActivityKind, PresenceStore, SessionIdleChange, UserPresenceRecord } from './store';

interface UserEntry {
  sessions: Set<string>;
  /** The connected sessions flagged idle (a subset of `sessions`). */
  idle: Set<string>;
  lastSeen: number | null;
  agent: { status: ChosenAgentStatus; availableAt: number | null } | null;
}

interface ActivityWindow {
  window: string;
  count: number;
  actors: Set<string>;
}

/**
 * The default {@link PresenceStore}: plain maps in this process, right for tests, examples
 * and a single node. Empty viewer sets are deleted, and activity counters of a window are
 * dropped as soon as a newer window of the same kind is seen, so memory follows what is
 * live rather than growing with every property ever viewed. User records are kept (they
 * carry `lastSeen`), one small entry per user seen.
 */
export class MemoryPresenceStore implements PresenceStore {
  /** propertyId → userId → that user's sessions viewing it. */
  private readonly viewersByProperty = new Map<string, Map<string, Set<string>>>();
  private readonly users = new Map<string, UserEntry>();
  /** `${kind}|${propertyId}` → counter of the newest window seen for it. */
  private readonly activity = new Map<string, ActivityWindow>();
  /** Newest window seen per kind; older windows are purged when it moves on. */
  private readonly currentWindow = new Map<ActivityKind, string>();

  async addViewer(propertyId: string, userId: string, sessionId: string): Promise<number> {
    let viewers = this.viewersByProperty.get(propertyId);
    if (!viewers) this.viewersByProperty.set(propertyId, (viewers = new Map()));
    let sessions = viewers.get(userId);
    if (!sessions) viewers.set(userId, (sessions = new Set()));
    sessions.add(sessionId);
    return viewers.size;
  }

  async removeViewer(propertyId: string, userId: string, sessionId: string): Promise<number> {
    const viewers = this.viewersByProperty.get(propertyId);
    if (!viewers) return 0;
    const sessions = viewers.get(userId);
    if (sessions) {
      sessions.delete(sessionId);
      if (sessions.size === 0) viewers.delete(userId);
    }
    if (viewers.size === 0) this.viewersByProperty.delete(propertyId);
    return viewers.size;
  }

  async viewerCount(propertyId: string): Promise<number> {
    return this.viewersByProperty.get(propertyId)?.size ?? 0;
  }

  async isViewing(propertyId: string, userId: string): Promise<boolean> {
    return this.viewersByProperty.get(propertyId)?.has(userId) ?? false;
  }

  async connectSession(userId: string, sessionId: string, at: number, asAgent: boolean): Promise<UserPresenceRecord> {
    const entry = this.entry(userId);
    if (entry.sessions.size === 0) entry.lastSeen = at;
    entry.sessions.add(sessionId);
    if (asAgent && !entry.agent) entry.agent = { status: 'online', availableAt: null };
    return this.record(entry);
  }

  async disconnectSession(userId: string, sessionId: string, at: number): Promise<UserPresenceRecord> {
    const entry = this.users.get(userId);
    if (!entry) return stranger();
    entry.idle.delete(sessionId);
    if (entry.sessions.delete(sessionId) && entry.sessions.size === 0) entry.lastSeen = at;
    return this.record(entry);
  }

  async setSessionIdle(userId: string, sessionId: string, idle: boolean): Promise<SessionIdleChange> {
    const entry = this.users.get(userId);
    if (!entry) return { changed: false, record: stranger() };
    let changed = false;
    if (entry.sessions.has(sessionId) && entry.idle.has(sessionId) !== idle) {
      if (idle) entry.idle.add(sessionId);
      else entry.idle.delete(sessionId);
      changed = true;
    }
    return { changed, record: this.record(entry) };
  }

  async getUser(userId: string): Promise<UserPresenceRecord> {
    const entry = this.users.get(userId);
    return entry ? this.record(entry) : stranger();
  }

  async setAgentStatus(userId: string, status: ChosenAgentStatus, availableAt: number | null): Promise<UserPresenceRecord> {
    const entry = this.entry(userId);
    entry.agent = { status, availableAt };
    return this.record(entry);
  }

  async recordActivity(kind: ActivityKind, propertyId: string, window: string, actor: string | undefined): Promise<boolean> {
    this.advanceWindow(kind, window);
    const key = `${kind}|${propertyId}`;
    let counter = this.activity.get(key);
    // The clock went back across a boundary: never overwrite a newer window with an older one.
    if (counter && isOlder(window, counter.window)) return false;
    if (!counter || counter.window !== window) this.activity.set(key, (counter = { window, count: 0, actors: new Set() }));
    if (actor !== undefined) {
      if (counter.actors.has(actor)) return false;
      counter.actors.add(actor);
    }
    counter.count++;
    return true;
  }

  async activityCount(kind: ActivityKind, propertyId: string, window: string): Promise<number> {
    this.advanceWindow(kind, window);
    const counter = this.activity.get(`${kind}|${propertyId}`);
    return counter && counter.window === window ? counter.count : 0;
  }

  private entry(userId: string): UserEntry {
    let entry = this.users.get(userId);
    if (!entry) this.users.set(userId, (entry = { sessions: new Set(), idle: new Set(), lastSeen: null, agent: null }));
    return entry;
  }

  private record(entry: UserEntry): UserPresenceRecord {
    return { sessions: entry.sessions.size, idleSessions: entry.idle.size, lastSeen: entry.lastSeen, agent: entry.agent && { ...entry.agent } };
  }

  /** When `kind` enters a newer window, forget every counter of the old ones (keys end in a window number: `d:<day>`, `w:<week>`). */
  private advanceWindow(kind: ActivityKind, window: string): void {
    const current = this.currentWindow.get(kind);
    if (current === window) return;
    if (current !== undefined && isOlder(window, current)) return;
    this.currentWindow.set(kind, window);
    const prefix = `${kind}|`;
    for (const [key, counter] of this.activity) {
      if (key.startsWith(prefix) && counter.window !== window) this.activity.delete(key);
    }
  }
}

/** The record of a user never seen. */
function stranger(): UserPresenceRecord {
  return { sessions: 0, idleSessions: 0, lastSeen: null, agent: null };
}

/** The number after the last `:` of a window key (`d:20412` → 20412); NaN if none. */
function windowIndex(window: string): number {
  return Number(window.slice(window.lastIndexOf(':') + 1));
}

/** Whether window key `a` comes before `b` (keys without a numeric suffix never do). */
function isOlder(a: string, b: string): boolean {
  return windowIndex(a) < windowIndex(b);
}
