import { KeyedQueue } from '../store/keyedQueue';
import { REDIS_CLOCK_FUNCTIONS, Script } from './redisScripts';
import type { RedisStore } from './redisStore';

/** Members per refresh script call (bounds the run time of one script). */
const REFRESH_CHUNK = 500;

/**
 * KEYS[1]: a sorted set of members scored by expiry time (Redis's clock), KEYS[2…]: keys that
 * share its TTL. ARGV: ttlMs, key TTL ms (0 = the keys do not expire), members…. Pushes the
 * expiry of the members still there to now + ttlMs (expired or not: an expired member nobody
 * purged yet is still counted everywhere, so reviving it keeps the counts right) and, when it
 * pushed any, raises the keys' TTL. Returns the members that are missing.
 */
const REFRESH = `${REDIS_CLOCK_FUNCTIONS}
local expiry = fmt_ms(redis_now_ms() + tonumber(ARGV[1]))
local keyTtl = tonumber(ARGV[2])
local missing = {}
local refreshed = false
for i = 3, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], expiry, ARGV[i])
    refreshed = true
  else
    missing[#missing + 1] = ARGV[i]
  end
end
if refreshed and keyTtl > 0 then
  for _, key in ipairs(KEYS) do extend_ttl(key, keyTtl) end
end
return missing`;

const refreshScript = new Script(REFRESH);

/** How a {@link MemberRefresher} finds, and restores, the members it keeps alive. */
export interface MemberRefresherOptions<Data> {
  /** How long a member outlives the last refresh of its node; the node refreshes every third of it (at least every 10 ms). */
  ttlMs: number;
  /** A group's keys: its sorted set first, then the keys sharing its TTL. */
  keys(group: string): string[];
  /** TTL the keys are raised to by a refresh that found a member; 0: the keys do not expire. */
  keyTtlMs: number;
  /**
   * Adds a member again that this node still holds but Redis no longer has (Redis flushed or
   * restarted, or another node purged it while this one was cut off for longer than `ttlMs`).
   * Runs in the member's order, and only while the member is still held.
   */
  readd(group: string, member: string, data: Data): Promise<unknown>;
}

/**
 * Keeps one node's members of Redis sets that expire unless refreshed: sorted sets scored by
 * expiry time on Redis's clock (TIME, so nodes whose clocks disagree still agree on what has
 * expired). The owning store adds and removes through {@link add} and {@link remove}; while
 * the node holds members it pushes their expiry every `ttlMs / 3` and re-adds those that went
 * missing. A node that dies without cleaning up stops refreshing, and its members expire
 * within `ttlMs`, purged by the next script that reads the set.
 *
 * A member's add, removal and re-add run one at a time in call order (a {@link KeyedQueue}
 * per group and member), so a re-add never overtakes a removal — not even when a script is
 * sent again with EVAL after Redis forgot it.
 *
 * Used by {@link ExpiringMembers} (sessions counted by distinct user: property viewers,
 * auction rooms) and by the presence store for a user's sessions.
 */
export class MemberRefresher<Data> {
  readonly #redis: RedisStore;
  readonly #options: MemberRefresherOptions<Data>;
  readonly #ttlMs: number;
  /** What this node added and keeps alive: group → member → data for {@link MemberRefresherOptions.readd}. */
  readonly #held = new Map<string, Map<string, Data>>();
  readonly #queue = new KeyedQueue();
  #timer: NodeJS.Timeout | undefined;
  #refreshing = false;

  constructor(redis: RedisStore, options: MemberRefresherOptions<Data>) {
    this.#redis = redis;
    this.#options = options;
    this.#ttlMs = Math.ceil(options.ttlMs);
  }

  /** Holds `member` of `group` (refreshed from now on) and runs `write`, the store's add, in the member's order. */
  add<T>(group: string, member: string, data: Data, write: () => Promise<T>): Promise<T> {
    let members = this.#held.get(group);
    if (!members) this.#held.set(group, (members = new Map()));
    members.set(member, data);
    this.#start();
    return this.#queue.run(queueKey(group, member), write);
  }

  /** Stops holding `member` of `group` and runs `write`, the store's removal, in the member's order. */
  remove<T>(group: string, member: string, write: () => Promise<T>): Promise<T> {
    const members = this.#held.get(group);
    if (members?.delete(member) && members.size === 0) this.#held.delete(group);
    return this.#queue.run(queueKey(group, member), write);
  }

  /**
   * Changes the data this node keeps for `member` of `group` (what a re-add restores), if it
   * holds the member, and runs `write`, the store's change, in the member's order.
   */
  update<T>(group: string, member: string, change: (data: Data) => Data, write: () => Promise<T>): Promise<T> {
    const members = this.#held.get(group);
    const data = members?.get(member);
    if (members && data !== undefined) members.set(member, change(data));
    return this.#queue.run(queueKey(group, member), write);
  }

  /**
   * Stops refreshing and forgets what this node holds: unless removed, those members expire
   * within `ttlMs`. Later removals still run; a later add starts refreshing again.
   */
  close(): void {
    this.#stop();
    this.#held.clear();
  }

  #start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#refresh(), Math.max(10, Math.floor(this.#ttlMs / 3)));
    this.#timer.unref();
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Pushes the expiry of everything this node holds; re-adds what went missing. Failures wait for the next round. */
  async #refresh(): Promise<void> {
    if (this.#held.size === 0) return this.#stop();
    if (this.#refreshing) return;
    this.#refreshing = true;
    try {
      const client = await this.#redis.connection.get();
      const { keyTtlMs } = this.#options;
      const runs: Array<Promise<unknown>> = [];
      for (const [group, members] of this.#held) {
        for (const chunk of chunks([...members.keys()], REFRESH_CHUNK)) {
          runs.push(
            refreshScript.run(client, this.#options.keys(group), [this.#ttlMs, keyTtlMs, ...chunk]).then((missing) => {
              for (const member of missing as string[]) this.#readd(group, member);
            }),
          );
        }
      }
      await Promise.allSettled(runs);
    } catch {
      // Redis unreachable: the next round tries again (and re-adds whatever expired meanwhile).
    } finally {
      this.#refreshing = false;
    }
  }

  /** Re-adds a member this node still holds, behind any add or removal of it already under way. */
  #readd(group: string, member: string): void {
    void this.#queue
      .run(queueKey(group, member), async () => {
        const data = this.#held.get(group)?.get(member);
        if (data !== undefined) await this.#options.readd(group, member, data);
      })
      .catch(() => {});
  }
}

/** One queue per (group, member); the group's length keeps any two pairs apart. */
function queueKey(group: string, member: string): string {
  return `${group.length}:${group}${member}`;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
