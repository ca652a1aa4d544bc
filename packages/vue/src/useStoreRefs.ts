import { computed, type ComputedRef, type ShallowRef } from 'vue';
import { useStore, type ExternalStore } from './useStore';

/**
 * Every field of a snapshot as a read-only computed ref — what the composables return,
 * so `const { messages, status } = useChat(id)` destructures without losing reactivity.
 */
export type ToComputedRefs<Snapshot> = { readonly [Field in keyof Snapshot]-?: ComputedRef<Snapshot[Field]> };

/** @internal One computed ref per field of the snapshot held by `state`. */
export function refsOf<Snapshot extends object>(state: Readonly<ShallowRef<Snapshot>>): ToComputedRefs<Snapshot> {
  const refs: Record<string, ComputedRef<unknown>> = {};
  for (const field of Object.keys(state.value)) refs[field] = computed(() => (state.value as Record<string, unknown>)[field]);
  return refs as ToComputedRefs<Snapshot>;
}

/**
 * @internal {@link useStore} as `{ ...computed ref per snapshot field, ...actions }`, the
 * store's methods `names` bound to it.
 */
export function useStoreRefs<Store extends ExternalStore<object>, Name extends keyof Store>(
  store: Store,
  names: readonly Name[],
): ToComputedRefs<ReturnType<Store['getSnapshot']>> & Pick<Store, Name> {
  const view = refsOf(useStore(store)) as Record<string | number | symbol, unknown>;
  for (const name of names) view[name] = (store[name] as (...args: unknown[]) => unknown).bind(store);
  return view as ToComputedRefs<ReturnType<Store['getSnapshot']>> & Pick<Store, Name>;
}
