import type { SinyalClient } from '@sinyal/client';
import { createContext } from 'react';

/** What the provider shares: the app's client and how long hooks keep a room after unmount. */
export interface SinyalContextValue {
  client: SinyalClient<object, object>;
  releaseMs: number;
}

export const SinyalContext = createContext<SinyalContextValue | null>(null);
