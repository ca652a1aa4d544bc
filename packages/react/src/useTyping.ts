import { createTypingController, type TypingController, type TypingControllerOptions } from '@sinyal/client';
import { useEffect, useMemo } from 'react';
import { useSinyal } from './useSinyal';

/**
 * The typing indicator driver of one conversation: call `onInput` on every keystroke (the
 * first sends `typing_start`, `typing_stop` follows after `idleMs` of quiet) and `stop`
 * when the message is sent. Stops by itself on unmount or when `conversationId` changes.
 * The controller is created during render but holds no timer until `onInput` is called.
 *
 * @example
 * ```tsx
 * const { onInput, stop } = useTyping(conversationId);
 * <input onChange={(e) => (setText(e.target.value), onInput())} onBlur={stop} />
 * ```
 */
export function useTyping(conversationId: string, options?: Partial<TypingControllerOptions>): TypingController {
  const client = useSinyal<object, object>();
  const controller = useMemo(
    () => createTypingController(client, conversationId, options),
    // The option values, not the object: an inline `{ idleMs }` must not recreate the controller.
    [client, conversationId, options?.idleMs, options?.refreshMs],
  );
  useEffect(() => controller.stop, [controller]);
  return controller;
}
