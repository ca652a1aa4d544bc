import { getCurrentInstance, getCurrentScope, onMounted, onScopeDispose } from 'vue';

/**
 * @internal Runs `start` when the component mounts (at once in a bare `effectScope`), so
 * server-side rendering never starts anything, and the stop function it returns when
 * the scope is disposed, `delayMs` later.
 */
export function whileMounted(start: () => () => void, delayMs = 0): void {
  let stop: (() => void) | undefined;
  const run = () => void (stop = start());
  if (getCurrentInstance()) onMounted(run);
  else run();
  if (getCurrentScope()) onScopeDispose(() => void (stop && setTimeout(stop, delayMs)));
}
