import type { PendingCommand } from '../outbox';
import { unref } from '../timers';
import type { AnyClient, ChatClient } from './types';

/** Options of {@link createTypingController}. */
export interface TypingControllerOptions {
  /** After this long without input, `stop` is sent. @default 3000 */
  idleMs: number;
  /**
   * While input continues, `start` is sent again this often so the server's expiry (5 s by
   * default) does not end it; capped at 60 % of the expiry the server reports. @default 3000
   */
  refreshMs: number;
}

export const DEFAULT_TYPING: TypingControllerOptions = { idleMs: 3000, refreshMs: 3000 };

/** Debounces keystrokes into `chat:typing_start` / `chat:typing_stop`. */
export interface TypingController {
  /** Call on every keystroke: the first sends `start`, and `stop` follows after `idleMs` of quiet. */
  onInput(): void;
  /** Stop now (message sent, input cleared, component unmounted). */
  stop(): void;
  /** Whether the others are being told this user is typing. */
  readonly typing: boolean;
}

/**
 * A typing indicator driver for one conversation. Typing is volatile: nothing is sent while
 * disconnected (a queued "typing" would arrive stale), and the server forgets a typist that
 * stops refreshing, so a crashed tab does not type forever.
 *
 * @example
 * ```ts
 * const typing = createTypingController(client, 'c-42');
 * input.addEventListener('input', () => typing.onInput());
 * form.addEventListener('submit', () => { typing.stop(); chat.send(input.value); });
 * ```
 */
export function createTypingController(client: AnyClient, conversationId: string, options: Partial<TypingControllerOptions> = {}): TypingController {
  const chatClient = client as ChatClient;
  const { idleMs, refreshMs } = { ...DEFAULT_TYPING, ...options };
  let refreshEveryMs = refreshMs;
  let typing = false;
  let startedAt = 0;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let lastStart: PendingCommand<unknown> | undefined;

  const start = () => {
    startedAt = Date.now();
    // Volatile: typing is worthless later, so it is never queued or re-sent after a reconnect.
    const command = chatClient.command('chat:typing_start', { conversationId }, { volatile: true });
    lastStart = command;
    command.done.then(({ expiresInMs }) => (refreshEveryMs = Math.min(refreshMs, Math.floor(expiresInMs * 0.6))), () => {});
  };

  const stop = () => {
    clearTimeout(idleTimer);
    idleTimer = undefined;
    if (!typing) return;
    typing = false;
    if (lastStart?.status !== 'sent' && lastStart?.status !== 'acked') return; // the start never went out
    chatClient.command('chat:typing_stop', { conversationId }, { volatile: true });
  };

  return {
    onInput() {
      if (client.state !== 'open') return;
      if (!typing || Date.now() - startedAt >= refreshEveryMs) start();
      typing = true;
      clearTimeout(idleTimer);
      idleTimer = unref(setTimeout(stop, idleMs));
    },
    stop,
    get typing() {
      return typing;
    },
  };
}
