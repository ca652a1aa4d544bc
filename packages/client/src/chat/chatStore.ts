import type { ChatAttachment, ChatConversation, ChatEvents, ChatJoinState, ChatMarker, ChatMessage, ChatReceipt, ChatTyping } from '@sinyal/protocol';
import { isSinyalError, SinyalError } from '../errors';
import type { Room } from '../room';
import { Subscribable } from '../subscribable';
import { unref } from '../timers';
import { deliveryStatus } from './messageStatus';
import { cachedStore } from '../storeCache';
import type { AnyClient, ChatClient, ChatMessageView, ChatSnapshot } from './types';

/** Options of a conversation store, applied when the store is first created for a (client, conversation). */
export interface ChatStoreOptions {
  /** Messages asked for per `loadOlder`. @default 50 */
  pageSize: number;
  /**
   * A typing indicator disappears this long after the typist's last `typing` event, in case
   * their `stop` was lost (the server refreshes it every few seconds while they type).
   * @default 8000
   */
  typingTimeoutMs: number;
}

export const DEFAULT_CHAT_STORE: ChatStoreOptions = { pageSize: 50, typingTimeoutMs: 8000 };

/** A message that has not been stored yet (or failed). */
interface OutgoingMessage {
  clientMessageId: string;
  text: string;
  attachments: ChatAttachment[];
  createdAt: number;
  failure: SinyalError | undefined;
}

let localCounter = 0;
function newClientMessageId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return crypto?.randomUUID?.() ?? `m-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${(localCounter++).toString(36)}`;
}

const toError = (error: unknown) => (isSinyalError(error) ? error : new SinyalError('internal', String(error)));

/**
 * One conversation (`chat:<id>`): its messages (stored ones in order, then the user's unsent
 * ones, shown at once as `sending`), each with its status, who is typing and how far everyone
 * has read. It joins the conversation's room while it has subscribers; after a reconnect the
 * room resumes and the join state refreshes everything, and every message is applied once
 * (by id), so nothing is shown twice. Get it with {@link chatStore}.
 */
export class ChatStore extends Subscribable {
  readonly conversationId: string;
  readonly #client: ChatClient;
  readonly #room: Room<ChatEvents>;
  readonly #options: ChatStoreOptions;
  /** Stored messages by seq, without duplicates. */
  #messages: ChatMessage[] = [];
  readonly #messageIds = new Set<string>();
  readonly #outgoing = new Map<string, OutgoingMessage>();
  #read = new Map<string, ChatMarker>();
  #delivered = new Map<string, ChatMarker>();
  readonly #typists = new Map<string, ReturnType<typeof setTimeout>>();
  #conversation: ChatConversation | undefined;
  #status: ChatSnapshot['status'] = 'idle';
  #error: SinyalError | undefined;
  #loadingOlder = false;
  /** Highest seq already reported as delivered / read by this user, so each is sent once. */
  #deliveredRequested = 0;
  #readRequested = 0;
  #deliveredScheduled = false;
  #detach: (() => void) | undefined;
  #views = new Map<string, { source: ChatMessage | OutgoingMessage; view: ChatMessageView }>();
  #snapshot: ChatSnapshot;

  constructor(client: AnyClient, conversationId: string, options: Partial<ChatStoreOptions> = {}) {
    super();
    this.#client = client as ChatClient;
    this.conversationId = conversationId;
    this.#options = { ...DEFAULT_CHAT_STORE, ...options };
    this.#room = this.#client.room(`chat:${conversationId}`);
    this.report = client.options.onError ?? this.report;
    this.#snapshot = this.#build();
  }

  getSnapshot(): ChatSnapshot {
    return this.#snapshot;
  }

  /**
   * Sends a message: shown at once as `sending`, then `sent` when stored. It waits in the
   * outbox while offline. Returns its `clientMessageId` (for {@link ChatStore.retry}).
   */
  send(text: string, attachments: ChatAttachment[] = []): string {
    const outgoing: OutgoingMessage = { clientMessageId: newClientMessageId(), text, attachments, createdAt: this.#client.clock.now(), failure: undefined };
    this.#outgoing.set(outgoing.clientMessageId, outgoing);
    this.#dispatch(outgoing);
    this.#changed();
    return outgoing.clientMessageId;
  }

  /**
   * Sends a failed message again, with the same command id: if the first attempt did reach
   * the server, it is not stored twice. Returns `false` when no such failed message exists.
   */
  retry(clientMessageId: string): boolean {
    const outgoing = this.#outgoing.get(clientMessageId);
    if (!outgoing || !outgoing.failure) return false;
    const again = { ...outgoing, failure: undefined };
    this.#outgoing.set(clientMessageId, again);
    this.#dispatch(again);
    this.#changed();
    return true;
  }

  /** Removes a failed message from the view. Returns `false` when no such failed message exists. */
  discard(clientMessageId: string): boolean {
    if (!this.#outgoing.get(clientMessageId)?.failure) return false;
    this.#outgoing.delete(clientMessageId);
    this.#changed();
    return true;
  }

  /** Marks everything shown as read (call it while the conversation is visible); a no-op when nothing new. */
  markRead(): void {
    const newest = this.#messages[this.#messages.length - 1];
    const me = this.#client.user;
    if (!newest || me === undefined) return;
    if (newest.seq <= Math.max(this.#readRequested, this.#read.get(me)?.seq ?? 0)) return;
    this.#readRequested = newest.seq;
    this.#client
      .command('chat:mark_as_read', { conversationId: this.conversationId, upTo: newest.id })
      .done.then((marker) => this.#applyMarker(this.#read, me, marker))
      .catch(() => {
        this.#readRequested = 0; // let the next call try again
      });
  }

  /** Fetches the page of messages before the oldest one shown. Resolves when done (failures land in `error`). */
  async loadOlder(): Promise<void> {
    const oldest = this.#messages[0];
    if (this.#loadingOlder || !oldest || oldest.seq <= 1) return;
    this.#loadingOlder = true;
    this.#changed();
    try {
      const page = await this.#client.request('chat:load_older', { conversationId: this.conversationId, before: oldest.id, limit: this.#options.pageSize });
      this.#error = undefined;
      this.#addMessages(page.messages);
    } catch (error) {
      this.#error = toError(error);
    } finally {
      this.#loadingOlder = false;
      this.#changed();
    }
  }

  protected override onSubscribe(): void {
    if (this.listeners.size !== 1) return;
    const room = this.#room;
    if (this.#status === 'idle' || this.#status === 'error') this.#setStatus('loading', undefined);
    const offs = [
      room.onJoined(({ state }) => this.#applyJoinState(state as ChatJoinState | undefined)),
      room.on('chat:message', (message) => this.#addMessages([message])),
      room.on('chat:read', (receipt) => this.#applyReceipt(this.#read, receipt)),
      room.on('chat:delivered', (receipt) => this.#applyReceipt(this.#delivered, receipt)),
      room.on('chat:typing', (typing) => this.#applyTyping(typing)),
      room.subscribe(() => this.#roomChanged()),
    ];
    this.#detach = () => offs.forEach((off) => off());
    // Already joined for someone else: no join answer is coming, ask for one to get the state.
    if (room.getSnapshot().status === 'joined') room.rejoin();
    this.#roomChanged();
  }

  protected override onUnsubscribe(): void {
    if (this.listeners.size !== 0) return;
    this.#detach?.();
    this.#detach = undefined;
    this.#clearTypists();
  }

  #dispatch(outgoing: OutgoingMessage): void {
    const { clientMessageId, text, attachments } = outgoing;
    const data = { conversationId: this.conversationId, clientMessageId, text, ...(attachments.length ? { attachments } : {}) };
    // The command id is the clientMessageId, so a retry is recognised by the server's dedupe.
    this.#client.command('chat:send', data, { id: clientMessageId }).done.then(
      (message) => this.#addMessages([message]),
      (error: unknown) => {
        if (this.#outgoing.get(clientMessageId) !== outgoing) return;
        this.#outgoing.set(clientMessageId, { ...outgoing, failure: toError(error) });
        this.#changed();
      },
    );
  }

  #roomChanged(): void {
    const { status, error } = this.#room.getSnapshot();
    if (status === 'error') this.#setStatus('error', error);
    // Typing is volatile: whatever was shown before the connection dropped is stale; the join state brings the truth.
    else if (status === 'joining' && this.#typists.size) {
      this.#clearTypists();
      this.#changed();
    }
  }

  #setStatus(status: ChatSnapshot['status'], error: SinyalError | undefined): void {
    if (this.#status === status && this.#error === error) return;
    this.#status = status;
    this.#error = error;
    this.#changed();
  }

  /** Every (re)join: markers, participants and typists are replaced; messages are merged (by id). */
  #applyJoinState(state: ChatJoinState | undefined): void {
    if (!state) return;
    this.#conversation = state.conversation;
    this.#read = new Map(Object.entries(state.read));
    this.#delivered = new Map(Object.entries(state.delivered));
    this.#clearTypists();
    for (const userId of state.typing) this.#applyTyping({ conversationId: this.conversationId, userId, typing: true }, false);
    this.#status = 'ready';
    this.#error = undefined;
    this.#addMessages(state.messages);
  }

  #addMessages(messages: readonly ChatMessage[]): void {
    const me = this.#client.user;
    for (const message of messages) {
      if (message.clientMessageId !== null && message.senderId === me) this.#outgoing.delete(message.clientMessageId);
      // Sending implies having read everything before.
      const senderRead = this.#read.get(message.senderId);
      if (!senderRead || senderRead.seq < message.seq) this.#read.set(message.senderId, { messageId: message.id, seq: message.seq, at: message.createdAt });
      if (this.#messageIds.has(message.id)) continue;
      this.#messageIds.add(message.id);
      const last = this.#messages[this.#messages.length - 1];
      if (!last || last.seq < message.seq) this.#messages.push(message);
      else {
        const index = this.#messages.findIndex((m) => m.seq > message.seq);
        this.#messages.splice(index, 0, message);
      }
    }
    this.#keepContiguous();
    this.#scheduleDelivered();
    this.#changed();
  }

  /**
   * Keeps only the newest run of consecutive seqs. A hole appears when the latest page lands
   * far past what was kept (long offline, or an ack while unsubscribed): older messages before
   * the hole are dropped and `loadOlder` fetches them again, so the view never skips messages.
   */
  #keepContiguous(): void {
    let start = this.#messages.length - 1;
    while (start > 0 && this.#messages[start - 1]!.seq === this.#messages[start]!.seq - 1) start--;
    if (start <= 0) return;
    for (const dropped of this.#messages.splice(0, start)) this.#messageIds.delete(dropped.id);
  }

  #applyReceipt(markers: Map<string, ChatMarker>, receipt: ChatReceipt): void {
    this.#applyMarker(markers, receipt.userId, { messageId: receipt.messageId, seq: receipt.seq, at: receipt.at });
  }

  #applyMarker(markers: Map<string, ChatMarker>, userId: string, marker: ChatMarker): void {
    const current = markers.get(userId);
    if (current && current.seq >= marker.seq) return;
    markers.set(userId, marker);
    this.#changed();
  }

  #applyTyping(typing: ChatTyping, notify = true): void {
    if (typing.userId === this.#client.user) return;
    clearTimeout(this.#typists.get(typing.userId));
    if (typing.typing) {
      const timer = unref(setTimeout(() => {
        this.#typists.delete(typing.userId);
        this.#changed();
      }, this.#options.typingTimeoutMs));
      this.#typists.set(typing.userId, timer);
    } else {
      this.#typists.delete(typing.userId);
    }
    if (notify) this.#changed();
  }

  #clearTypists(): void {
    for (const timer of this.#typists.values()) clearTimeout(timer);
    this.#typists.clear();
  }

  /** Tells the server, once per burst, that this device received the others' messages. */
  #scheduleDelivered(): void {
    if (this.#deliveredScheduled) return;
    this.#deliveredScheduled = true;
    queueMicrotask(() => {
      this.#deliveredScheduled = false;
      const me = this.#client.user;
      if (me === undefined || this.#client.state !== 'open') return;
      let newest: ChatMessage | undefined;
      for (let index = this.#messages.length - 1; index >= 0 && !newest; index--) {
        if (this.#messages[index]!.senderId !== me) newest = this.#messages[index];
      }
      const known = Math.max(this.#deliveredRequested, this.#delivered.get(me)?.seq ?? 0, this.#read.get(me)?.seq ?? 0);
      if (!newest || newest.seq <= known) return;
      this.#deliveredRequested = newest.seq;
      this.#client
        .command('chat:mark_delivered', { conversationId: this.conversationId, upTo: newest.id })
        .done.then((marker) => this.#applyMarker(this.#delivered, me, marker))
        .catch(() => {
          this.#deliveredRequested = 0;
        });
    });
  }

  #changed(): void {
    this.#snapshot = this.#build();
    this.notify();
  }

  #build(): ChatSnapshot {
    const participants = this.#conversation?.participants ?? [];
    const views = new Map<string, { source: ChatMessage | OutgoingMessage; view: ChatMessageView }>();
    const messages: ChatMessageView[] = [];
    // Reuse the previous view object when nothing about the message changed, so list items can memoize.
    const reuse = (key: string, source: ChatMessage | OutgoingMessage, make: () => ChatMessageView) => {
      const previous = this.#views.get(key);
      const fresh = make();
      const view = previous && previous.source === source && previous.view.status === fresh.status ? previous.view : fresh;
      views.set(key, { source, view });
      messages.push(view);
    };
    for (const message of this.#messages) {
      const key = message.clientMessageId === null ? message.id : `${message.senderId}/${message.clientMessageId}`;
      reuse(key, message, () => ({
        key,
        id: message.id,
        clientMessageId: message.clientMessageId,
        seq: message.seq,
        senderId: message.senderId,
        text: message.text,
        attachments: message.attachments,
        createdAt: message.createdAt,
        status: deliveryStatus(message, participants, this.#read, this.#delivered),
        error: undefined,
      }));
    }
    const me = this.#client.user ?? '';
    for (const outgoing of this.#outgoing.values()) {
      const key = `${me}/${outgoing.clientMessageId}`;
      reuse(key, outgoing, () => ({
        key,
        id: undefined,
        clientMessageId: outgoing.clientMessageId,
        seq: undefined,
        senderId: me,
        text: outgoing.text,
        attachments: outgoing.attachments,
        createdAt: outgoing.createdAt,
        status: outgoing.failure ? 'failed' : 'sending',
        error: outgoing.failure,
      }));
    }
    this.#views = views;
    const positions = (markers: Map<string, ChatMarker>) => Object.fromEntries([...markers].map(([userId, marker]) => [userId, marker.messageId]));
    return {
      status: this.#status,
      error: this.#error,
      conversation: this.#conversation,
      messages,
      hasOlder: (this.#messages[0]?.seq ?? 1) > 1,
      loadingOlder: this.#loadingOlder,
      typingUsers: [...this.#typists.keys()],
      readUpTo: positions(this.#read),
      deliveredUpTo: positions(this.#delivered),
    };
  }
}

const stores = new WeakMap<object, Map<string, ChatStore>>();

/**
 * The store of one conversation for this client: the same instance for the same
 * (client, conversationId), so every component showing the conversation shares it.
 * `options` apply when it is first created.
 *
 * @example
 * ```ts
 * const chat = chatStore(client, 'c-42');
 * const stop = chat.subscribe(() => render(chat.getSnapshot()));   // joins chat:c-42
 * chat.send('Halo Pak, masih bisa nego?');                          // shown at once as "sending"
 * chat.markRead();
 * stop();                                                           // last subscriber: leaves
 * ```
 */
export function chatStore(client: AnyClient, conversationId: string, options?: Partial<ChatStoreOptions>): ChatStore {
  return cachedStore(stores, client, conversationId, () => new ChatStore(client, conversationId, options));
}
