/** Announces a change of someone's typing state (a volatile publish, never to the typist). */
export type AnnounceTyping = (conversationId: string, userId: string, typing: boolean) => Promise<unknown>;

interface Typist {
  /** The connection that last said it is typing: if it leaves the room, the user stops typing. */
  sessionId: string;
  expiry: ReturnType<typeof setTimeout>;
}

/**
 * Who is typing where, on this node. Typing is volatile: kept in memory only, never stored or
 * replayed. Each `start` (re)arms an expiry of `expiryMs`, so a client that vanishes without
 * saying `stop` (crash, dead network) stops typing on its own; leaving the room stops it at once.
 */
export class TypingTracker {
  readonly #typists = new Map<string, Map<string, Typist>>();
  readonly #expiryMs: number;
  readonly #announce: AnnounceTyping;
  readonly #onError: (error: unknown, context: string) => void;

  constructor(expiryMs: number, announce: AnnounceTyping, onError: (error: unknown, context: string) => void) {
    this.#expiryMs = expiryMs;
    this.#announce = announce;
    this.#onError = onError;
  }

  /** `userId` types in `conversationId` (again): announced every time, so clients can time out stale indicators. */
  start(conversationId: string, userId: string, sessionId: string): void {
    let typists = this.#typists.get(conversationId);
    if (!typists) this.#typists.set(conversationId, (typists = new Map()));
    const previous = typists.get(userId);
    if (previous) clearTimeout(previous.expiry);
    const expiry = setTimeout(() => this.stop(conversationId, userId), this.#expiryMs);
    expiry.unref();
    typists.set(userId, { sessionId, expiry });
    this.#publish(conversationId, userId, true);
  }

  /** `userId` stopped typing (said so, sent the message, expired). Returns whether they were typing. */
  stop(conversationId: string, userId: string): boolean {
    const typists = this.#typists.get(conversationId);
    const typist = typists?.get(userId);
    if (!typists || !typist) return false;
    clearTimeout(typist.expiry);
    typists.delete(userId);
    if (typists.size === 0) this.#typists.delete(conversationId);
    this.#publish(conversationId, userId, false);
    return true;
  }

  /** A connection left the room: its user stops typing if that connection was the one typing. */
  sessionLeft(conversationId: string, userId: string, sessionId: string): void {
    if (this.#typists.get(conversationId)?.get(userId)?.sessionId === sessionId) this.stop(conversationId, userId);
  }

  /** Users typing in `conversationId` now. */
  typists(conversationId: string): string[] {
    return [...(this.#typists.get(conversationId)?.keys() ?? [])];
  }

  /** Forget everyone without announcing (the server is closing). */
  clear(): void {
    for (const typists of this.#typists.values()) for (const typist of typists.values()) clearTimeout(typist.expiry);
    this.#typists.clear();
  }

  #publish(conversationId: string, userId: string, typing: boolean): void {
    try {
      this.#announce(conversationId, userId, typing).catch((error: unknown) => this.#onError(error, 'typing announcement failed'));
    } catch (error) {
      this.#onError(error, 'typing announcement failed');
    }
  }
}
