import type { SinyalClient } from '../client';
import type { PendingCommand } from '../outbox';
import type { Room } from '../room';
import { RoomBackedStore, type RoomBackedSnapshot } from '../roomBackedStore';
import { perClientCache } from './perClientCache';
import type { AgentStatus, ChosenAgentStatus, PresenceCommands, PresenceEvents, PresenceStatus, SinyalCommands, UserPresence } from '@sinyal/protocol';

/** A user's online and agent status, as a UI shows it ("🟢 Online", "Away", "Busy until 14:30", "last seen 5 min ago"). */
export interface UserStatusSnapshot extends RoomBackedSnapshot {
  userId: string;
  /** True while the user has any connection open (`presence` is `online` or `away`). */
  online: boolean;
  /**
   * `online` (a connection open and in use), `away` (connections open, every one idle: see
   * `activityTracker`), `offline` (none open). `offline` until the join state arrived.
   */
  presence: UserPresence;
  /** While online: when they came online; offline: when their last connection closed; `null` if unknown. */
  lastSeen: number | null;
  /** `online | busy | offline` for agents, `null` for other users. */
  agentStatus: AgentStatus | null;
  /** A busy agent's estimated availability (server time), else `null`. */
  availableAt: number | null;
}

type PresenceClient = SinyalClient<PresenceEvents, PresenceCommands & SinyalCommands>;

/**
 * Sets the signed-in agent's own status; the server refuses (`forbidden`) unless the
 * token says the user is an agent. `availableAt` (server time — use `client.clock.now()`)
 * is the estimate shown to customers while `busy`. Goes through the outbox like any command.
 *
 * @example
 * ```ts
 * setAgentStatus(client, 'busy', client.clock.now() + 30 * 60_000); // back in 30 minutes
 * ```
 */
export function setAgentStatus<E extends object, C extends object>(client: SinyalClient<E, C>, status: ChosenAgentStatus, availableAt?: number): PendingCommand<PresenceStatus> {
  const data = status === 'busy' && availableAt !== undefined ? { status, availableAt } : { status };
  return (client as unknown as PresenceClient).command('presence:set_agent_status', data);
}

/**
 * Live status of one user (`status:<userId>`): subscribing joins the room, the last
 * unsubscribe leaves it. The join state replaces the snapshot on every (re)join, then
 * `presence:status` updates it. Get it with {@link userStatusStore} (or {@link agentStatusStore}).
 */
export class UserStatusStore extends RoomBackedStore<UserStatusSnapshot, PresenceEvents> {
  readonly userId: string;
  readonly #client: SinyalClient<object, object>;

  constructor(client: SinyalClient<object, object>, userId: string) {
    const room = (client as unknown as PresenceClient).room(`status:${userId}`);
    super(room, { userId, online: false, presence: 'offline', lastSeen: null, agentStatus: null, availableAt: null, status: 'idle', error: undefined }, client.options.onError);
    this.userId = userId;
    this.#client = client;
  }

  /**
   * Sets the **signed-in** agent's status (see {@link setAgentStatus}); meant for the
   * agent's own store. When this store watches the signed-in user, the answer updates it at once.
   */
  setAgentStatus(status: ChosenAgentStatus, availableAt?: number): PendingCommand<PresenceStatus> {
    const command = setAgentStatus(this.#client, status, availableAt);
    command.done.then((result) => result.userId === this.userId && this.#apply(result), () => {});
    return command;
  }

  protected attach(room: Room<PresenceEvents>): Array<() => void> {
    return [room.onJoined(({ state }) => state && this.#apply(state as PresenceStatus)), room.on('presence:status', (status) => this.#apply(status))];
  }

  #apply({ online, presence, lastSeen, agentStatus, availableAt }: PresenceStatus): void {
    // A server from before `presence` existed: online or offline only.
    this.patch({ online, presence: presence ?? (online ? 'online' : 'offline'), lastSeen, agentStatus, availableAt });
  }
}

/**
 * The {@link UserStatusStore} of `userId` on this client (one instance per user).
 *
 * @example
 * ```ts
 * const budi = userStatusStore(client, 'agent-budi');
 * budi.subscribe(() => {
 *   const { presence, lastSeen } = budi.getSnapshot();
 *   render(presence === 'online' ? '🟢 Online' : presence === 'away' ? '🌙 Away' : `last seen ${formatAgo(lastSeen)}`);
 * });
 * ```
 */
export const userStatusStore: <E extends object, C extends object>(client: SinyalClient<E, C>, userId: string) => UserStatusStore = /* @__PURE__ */ perClientCache(
  (client, userId) => new UserStatusStore(client, userId),
);

/**
 * The same store as {@link userStatusStore}, named for its use on a property page: read
 * `agentStatus` (`online | busy | offline`) and `availableAt` of the listing's agent.
 *
 * @example
 * ```ts
 * const agent = agentStatusStore(client, listing.agentId);
 * agent.subscribe(() => showBadge(agent.getSnapshot().agentStatus));
 * ```
 */
export const agentStatusStore = userStatusStore;
