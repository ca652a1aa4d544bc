import type { ChatEvents, ChatSummary } from '@sinyal/protocol';
import { isSinyalError, SinyalError } from '../errors';
import type { Room } from '../room';
import { Subscribable } from '../subscribable';
import { onUserFeed } from '../userFeed';
import { cachedStore } from '../storeCache';
import type { AnyClient, ChatClient, ChatListSnapshot } from './types';

const byActivity = (a: ChatSummary, b: ChatSummary) => b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The signed-in user's inbox: conversations by last activity with their last message and
 * unread count, and the total unread badge. Fetched (`chat:list`) when the user's feed is
 * joined — first subscribe, and again after every reconnect or reset — and kept live by
 * `chat:inbox_updated` from the feed, also for conversations whose room is not joined. Of two
 * versions of a conversation the higher `rev` wins, so a fetch racing live updates cannot roll
 * anything back. Get it with {@link chatListStore}.
 */
export class ChatListStore extends Subscribable {
  readonly #client: ChatClient;
  #byId = new Map<string, ChatSummary>();
  #status: ChatListSnapshot['status'] = 'idle';
  #error: SinyalError | undefined;
  #snapshot: ChatListSnapshot = { status: 'idle', error: undefined, conversations: [], totalUnread: 0 };
  #detach: (() => void) | undefined;
  /** Identifies the newest fetch: answers to older ones are dropped. */
  #fetchCounter = 0;
  /** Live updates received while the newest fetch is under way, re-applied over its answer. */
  #sinceFetch: Map<string, ChatSummary> | undefined;

  constructor(client: AnyClient) {
    super();
    this.#client = client as ChatClient;
    this.report = client.options.onError ?? this.report;
  }

  getSnapshot(): ChatListSnapshot {
    return this.#snapshot;
  }

  /** Fetches the whole list again (done by itself on every join of the feed). */
  refresh(): Promise<void> {
    const fetch = ++this.#fetchCounter;
    this.#sinceFetch = new Map();
    if (this.#status !== 'ready') this.#set('loading', undefined);
    return this.#client.command('chat:list', {}).done.then(
      (list) => {
        if (fetch !== this.#fetchCounter) return;
        const byId = new Map(list.conversations.map((summary) => [summary.id, summary]));
        for (const summary of this.#sinceFetch?.values() ?? []) {
          const fetched = byId.get(summary.id);
          if (!fetched || fetched.rev < summary.rev) byId.set(summary.id, summary);
        }
        this.#byId = byId;
        this.#sinceFetch = undefined;
        this.#set('ready', undefined);
      },
      (error: unknown) => {
        if (fetch !== this.#fetchCounter) return;
        this.#sinceFetch = undefined;
        const failure = isSinyalError(error) ? error : new SinyalError('internal', String(error));
        this.#set(this.#status === 'ready' ? 'ready' : 'error', failure);
      },
    );
  }

  protected override onSubscribe(): void {
    if (this.listeners.size !== 1) return;
    this.#detach = onUserFeed(this.#client, (feed) => {
      const room = feed as unknown as Room<ChatEvents>;
      const offs = [room.on('chat:inbox_updated', (summary) => this.#apply(summary)), room.onJoined(() => void this.refresh())];
      // Already joined for someone else (notifications…): no join is coming to trigger the fetch.
      if (room.getSnapshot().status === 'joined') void this.refresh();
      return () => offs.forEach((off) => off());
    });
  }

  protected override onUnsubscribe(): void {
    if (this.listeners.size !== 0) return;
    this.#detach?.();
    this.#detach = undefined;
  }

  #apply(summary: ChatSummary): void {
    const pending = this.#sinceFetch?.get(summary.id);
    if (this.#sinceFetch && (!pending || pending.rev < summary.rev)) this.#sinceFetch.set(summary.id, summary);
    const current = this.#byId.get(summary.id);
    if (current && current.rev >= summary.rev) return;
    this.#byId.set(summary.id, summary);
    this.#markDelivered(summary);
    this.#changed();
  }

  /** A new message reached this device: that is what "delivered" means, even with the conversation closed. */
  #markDelivered(summary: ChatSummary): void {
    const message = summary.lastMessage;
    if (!message || message.senderId === this.#client.user || summary.unread === 0 || this.#client.state !== 'open') return;
    this.#client.command('chat:mark_delivered', { conversationId: summary.id, upTo: message.id });
  }

  #set(status: ChatListSnapshot['status'], error: SinyalError | undefined): void {
    this.#status = status;
    this.#error = error;
    this.#changed();
  }

  #changed(): void {
    const conversations = [...this.#byId.values()].sort(byActivity);
    const totalUnread = conversations.reduce((sum, summary) => sum + summary.unread, 0);
    this.#snapshot = { status: this.#status, error: this.#error, conversations, totalUnread };
    this.notify();
  }
}

const stores = new WeakMap<object, Map<string, ChatListStore>>();

/**
 * The inbox store of this client (one per client).
 *
 * @example
 * ```ts
 * const inbox = chatListStore(client);
 * inbox.subscribe(() => {
 *   const { conversations, totalUnread } = inbox.getSnapshot();
 *   renderBadge(totalUnread);
 *   renderList(conversations.map((c) => `${c.title}: ${c.lastMessage?.text ?? ''} (${c.unread})`));
 * });
 * ```
 */
export function chatListStore(client: AnyClient): ChatListStore {
  return cachedStore(stores, client, '', () => new ChatListStore(client));
}
