import type { ConnectionSnapshot } from '@sinyal/client';
import type { ShallowRef } from 'vue';
import { useSinyal } from './useSinyal';
import { useStore } from './useStore';

/** A ref with the connection's state (`open`, `reconnecting`, `offline`…), attempts, last error and next retry time. */
export function useConnectionState(): Readonly<ShallowRef<ConnectionSnapshot>> {
  return useStore(useSinyal());
}
