import type { SinyalClient } from '@sinyal/client';
import { useMemo, type ReactNode } from 'react';
import { SinyalContext } from './context';

/** Props of {@link SinyalProvider}. */
export interface SinyalProviderProps {
  /** The client your app created with `createClient` (the provider never creates, connects or closes one). */
  client: SinyalClient<object, object>;
  /**
   * How long a hook keeps its room (and store) after its component unmounts, so a quick
   * unmount/mount — React StrictMode, a route change — never leaves and re-joins.
   * @default 200
   */
  releaseMs?: number;
  children?: ReactNode;
}

/**
 * Makes a Sinyal client available to the hooks below it.
 *
 * @example
 * ```tsx
 * const client = createClient({ url, token: getToken, autoConnect: typeof window !== 'undefined' });
 * createRoot(el).render(<SinyalProvider client={client}><App /></SinyalProvider>);
 * ```
 */
export function SinyalProvider({ client, releaseMs = 200, children }: SinyalProviderProps) {
  const value = useMemo(() => ({ client, releaseMs }), [client, releaseMs]);
  return <SinyalContext.Provider value={value}>{children}</SinyalContext.Provider>;
}
