import { createTypingController, type TypingController, type TypingControllerOptions } from '@sinyal/client';
import { getCurrentScope, onScopeDispose } from 'vue';
import { useSinyal } from './useSinyal';

/**
 * The typing indicator driver of one conversation: call `onInput` on every keystroke (the
 * first sends `typing_start`, `typing_stop` follows after `idleMs` of quiet) and `stop`
 * when the message is sent. Stops by itself when the component unmounts. Holds no timer
 * until `onInput` is called, so it is safe in server-side rendering.
 *
 * @example
 * ```vue
 * <script setup lang="ts">
 * const { onInput, stop } = useTyping(props.conversationId);
 * </script>
 * <template><input v-model="text" @input="onInput" @blur="stop" /></template>
 * ```
 */
export function useTyping(conversationId: string, options?: Partial<TypingControllerOptions>): TypingController {
  const controller = createTypingController(useSinyal<object, object>(), conversationId, options);
  if (getCurrentScope()) onScopeDispose(controller.stop);
  return controller;
}
