import type { ConnectionSnapshot } from '@sinyal/client';
import { useSinyal } from './useSinyal';
import { useStore } from './useStore';

/**
 * The connection's state (`open`, `reconnecting`, `offline`…), the failed attempts so far,
 * the last error and the next retry time — for a "reconnecting…" banner.
 */
export function useConnectionState(): ConnectionSnapshot {
  return useStore(useSinyal());
}
