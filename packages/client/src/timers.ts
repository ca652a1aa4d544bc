/** Mark a timer so it does not keep a Node process alive on its own (no-op in browsers). */
export function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
