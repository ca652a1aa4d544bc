import { chatStore, type ChatSnapshot, type ChatStore, type ChatStoreOptions } from '@sinyal/client';
import { useSinyal } from './useSinyal';
import { useStoreView } from './useStoreView';

/** What {@link useChat} returns: the conversation's snapshot and the store's actions. */
export type UseChatResult = ChatSnapshot & Pick<ChatStore, 'send' | 'retry' | 'discard' | 'markRead' | 'loadOlder'>;

/**
 * One conversation, live: `messages` (each with `key` and `status` — `sending`, `sent`,
 * `delivered`, `read`, `failed`), `status` (`idle` → `loading` → `ready`), `typingUsers`,
 * `readUpTo`, `hasOlder`… and `send`, `retry`, `discard`, `markRead`, `loadOlder`.
 * Joins `chat:<conversationId>` while mounted; every component showing the conversation
 * shares one store and one join. `options` apply when the store is first created.
 * The result is a new object only when the conversation changed; the actions never change.
 *
 * @example
 * ```tsx
 * function Conversation({ id }: { id: string }) {
 *   const { status, messages, typingUsers, send, markRead } = useChat(id);
 *   useEffect(markRead, [messages, markRead]);
 *   if (status !== 'ready') return <p>Loading…</p>;
 *   return (
 *     <>
 *       <ul>{messages.map((m) => <li key={m.key}>{m.text} <small>{m.status}</small></li>)}</ul>
 *       {typingUsers.length > 0 && <p>{typingUsers.join(', ')} typing…</p>}
 *       <button onClick={() => send('Halo, masih tersedia?')}>Send</button>
 *     </>
 *   );
 * }
 * ```
 */
export function useChat(conversationId: string, options?: Partial<ChatStoreOptions>): UseChatResult {
  return useStoreView(chatStore(useSinyal<object, object>(), conversationId, options), ['send', 'retry', 'discard', 'markRead', 'loadOlder']);
}
