import { AsyncLocalStorage } from 'node:async_hooks';

/** The command being executed under a shared-store claim (see `Store.claimCommand`). */
export interface CommandScope {
  /** Dedupe key of the command. */
  key: string;
  /** Token of the claim the executing node holds. */
  token: string;
  /** How long the command's outcome is remembered. */
  windowMs: number;
}

const scope = new AsyncLocalStorage<CommandScope>();

/**
 * Runs a command's handler with its claim in scope, so a store can record the durable
 * effects (appends) made on the command's behalf atomically with them: if the node dies
 * before saving the outcome, another node answers a retry from that record instead of
 * running the command twice.
 */
export function runInCommandScope<T>(command: CommandScope, run: () => T): T {
  return scope.run(command, run);
}

/** The claimed command whose handler is running here, if any. */
export function currentCommand(): CommandScope | undefined {
  return scope.getStore();
}
