import type { AuthUser } from '../auth/authenticator';
import type { SinyalServer } from './server';

/** What a command handler receives. */
export interface CommandContext {
  /** The authenticated sender. */
  user: AuthUser;
  /** Command name as sent. */
  name: string;
  /** The room the frame named, if any. Not checked: require membership with {@link CommandContext.hasJoined} if it matters. */
  room?: string;
  /** The command's `data`, unvalidated: validate it (zod) before use. */
  data: unknown;
  /** The server, e.g. to `publish` the consequence of the command. */
  server: SinyalServer;
  /** Id of the sending connection (the `sid` of its `welcome`). */
  sessionId: string;
  /** Whether the sending connection has joined `room`. */
  hasJoined(room: string): boolean;
}

/**
 * Handles one command. Its return value (JSON-serialisable) is sent in the `ack`;
 * throwing a `SinyalServerError` sends a `nack` with that code; any other error sends
 * `nack internal` and is logged. Commands are deduplicated by id before the handler
 * runs, so a handler runs once per command id within the dedupe window.
 */
export type CommandHandler = (ctx: CommandContext) => unknown;

/**
 * A command handler with options; wherever a {@link CommandHandler} is accepted (the
 * server's `commands`, a feature's `commands`) this form is too.
 *
 * @example
 * ```ts
 * commands: { 'chat:load_older': { handler: loadOlder, idempotent: true } }
 * ```
 */
export interface CommandDefinition {
  handler: CommandHandler;
  /**
   * Running the command again has the same effect as running it once (a read such as a
   * history page, or setting a value): the server keeps no outcome record for its id, so
   * a retry simply runs again. Mark reads with large answers so, otherwise remembered for
   * the whole dedupe window, they cannot be used to fill the server's memory.
   * @default false
   */
  idempotent?: boolean;
}

/** A command as configured: a handler, or a handler with options. */
export type CommandEntry = CommandHandler | CommandDefinition;
