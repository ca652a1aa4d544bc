import { chatStore, type ChatSnapshot, type ChatStore, type ChatStoreOptions } from '@sinyal/client';
import { useSinyal } from './useSinyal';
import { useStoreRefs, type ToComputedRefs } from './useStoreRefs';

/** What {@link useChat} returns: a computed ref per conversation field, and the store's actions. */
export type UseChatReturn = ToComputedRefs<ChatSnapshot> & Pick<ChatStore, 'send' | 'retry' | 'discard' | 'markRead' | 'loadOlder'>;

/**
 * One conversation, live: `messages` (each with `key` and `status` — `sending`, `sent`,
 * `delivered`, `read`, `failed`), `status` (`idle` → `loading` → `ready`), `typingUsers`,
 * `readUpTo`, `hasOlder`… as computed refs, and `send`, `retry`, `discard`, `markRead`,
 * `loadOlder`. Joins `chat:<conversationId>` while mounted; every component showing the
 * conversation shares one store and one join. `options` apply when the store is first created.
 *
 * @example
 * ```vue
 * <script setup lang="ts">
 * const props = defineProps<{ id: string }>();
 * const { status, messages, typingUsers, send } = useChat(props.id);
 * </script>
 * <template>
 *   <p v-if="status !== 'ready'">Loading…</p>
 *   <ul v-else><li v-for="m in messages" :key="m.key">{{ m.text }} <small>{{ m.status }}</small></li></ul>
 *   <p v-if="typingUsers.length">{{ typingUsers.join(', ') }} typing…</p>
 *   <button @click="send('Halo, masih tersedia?')">Send</button>
 * </template>
 * ```
 */
export function useChat(conversationId: string, options?: Partial<ChatStoreOptions>): UseChatReturn {
  return useStoreRefs(chatStore(useSinyal<object, object>(), conversationId, options), ['send', 'retry', 'discard', 'markRead', 'loadOlder']);
}
