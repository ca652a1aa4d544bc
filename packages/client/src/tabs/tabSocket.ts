import type { Environment, WebSocketConstructor, WebSocketLike } from '@sinyal/client';
import { shortId, type ChannelLike, type TabMessage } from './link';

/** Close code a tab's link gets when the leader it talked to is replaced or gone. */
export const CLOSE_LEADER_GONE = 4100;

/**
 * One tab's end of the shared connection: hands the tab's client a WebSocket class whose
 * sockets talk to the leader over the channel instead of the network, and an environment
 * that wakes the client's reconnect the moment a (new) leader is ready.
 * @internal
 */
export class TabLink {
  readonly #sockets = new Map<string, TabSocket>();
  readonly #wakers = new Set<() => void>();
  #stopped = false;

  /** Set once the sharing scope is known (before the client connects). */
  channel: ChannelLike | undefined;

  constructor(
    readonly tab: string,
    readonly base: Environment,
  ) {}

  /** The WebSocket class for the tab's client (`ClientOptions.WebSocket`). */
  readonly WebSocket: WebSocketConstructor = ((link: TabLink) =>
    class extends TabSocket {
      constructor() {
        super(link);
      }
    })(this);

  /** The environment for the tab's client: the browser's, plus "a leader is ready". */
  readonly environment: Environment = {
    isOnline: () => this.base.isOnline(),
    listen: (onWake, onOffline) => {
      const stop = this.base.listen(onWake, onOffline);
      this.#wakers.add(onWake);
      return () => {
        stop();
        this.#wakers.delete(onWake);
      };
    },
  };

  /** @internal */
  attach(socket: TabSocket): void {
    if (this.#stopped) return socket.closed(CLOSE_LEADER_GONE, 'signed out');
    this.#sockets.set(socket.conn, socket);
    this.post({ k: 'open', conn: socket.conn, tab: this.tab });
  }

  /** @internal */
  detach(socket: TabSocket): void {
    this.#sockets.delete(socket.conn);
  }

  post(message: TabMessage): void {
    if (!this.#stopped) this.channel?.postMessage(message);
  }

  /** A message from the channel meant for this tab's sockets. */
  receive(message: TabMessage): void {
    switch (message.k) {
      case 'opened':
        this.#sockets.get(message.conn)?.opened(message.hub);
        return;
      case 'recv':
        for (const conn of message.to) this.#sockets.get(conn)?.received(message.text);
        return;
      case 'closed':
        this.#sockets.get(message.conn)?.closed(message.code, message.reason);
        return;
      case 'hub':
        this.#leaderReady(message.hub);
        return;
    }
  }

  /**
   * A leader is ready. A socket still waiting asks it again (its first request may have
   * gone before anyone listened); one talking to another leader, now gone, is closed; and
   * a client waiting out its reconnect delay tries at once.
   */
  #leaderReady(hub: string): void {
    for (const socket of [...this.#sockets.values()]) {
      if (socket.hub === undefined) this.post({ k: 'open', conn: socket.conn, tab: this.tab });
      else if (socket.hub !== hub) socket.closed(CLOSE_LEADER_GONE, 'leader tab changed');
    }
    for (const wake of [...this.#wakers]) wake();
  }

  /** The leader this tab talked to is gone: close its sockets (the client reconnects to the next). */
  leaderGone(hub: string): void {
    for (const socket of [...this.#sockets.values()]) if (socket.hub === hub) socket.closed(CLOSE_LEADER_GONE, 'leader tab closed');
  }

  /** The shared worker this tab talked through stopped answering: close the sockets it accepted (the client reconnects through the tabs' new leader). */
  workerGone(): void {
    for (const socket of [...this.#sockets.values()]) if (socket.hub !== undefined) socket.closed(CLOSE_LEADER_GONE, 'shared worker gone');
  }

  stop(): void {
    for (const socket of [...this.#sockets.values()]) socket.close();
    this.#stopped = true;
  }
}

/** A WebSocket whose other end is the leader tab. */
class TabSocket implements WebSocketLike {
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly conn = shortId();
  /** The leader that accepted this socket. */
  hub: string | undefined;
  readonly #link: TabLink;

  constructor(link: TabLink) {
    this.#link = link;
    // Asynchronously, like a real socket: the client sets its handlers first.
    queueMicrotask(() => this.readyState === 0 && link.attach(this));
  }

  send(text: string): void {
    if (this.readyState === 1) this.#link.post({ k: 'send', conn: this.conn, text });
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return;
    if (this.hub !== undefined || this.readyState === 0) this.#link.post({ k: 'close', conn: this.conn });
    this.closed(code, reason);
  }

  opened(hub: string): void {
    if (this.readyState !== 0) return;
    this.hub = hub;
    this.readyState = 1;
    this.onopen?.({});
  }

  received(text: string): void {
    if (this.readyState === 1) this.onmessage?.({ data: text });
  }

  closed(code: number, reason: string): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.#link.detach(this);
    this.onclose?.({ code, reason });
  }
}
