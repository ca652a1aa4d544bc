import type { SinyalClient } from '@sinyal/client';
import type { SinyalCommands, SinyalEvents } from '@sinyal/protocol';
import { useContext } from 'react';
import { SinyalContext, type SinyalContextValue } from './context';

/** @internal The provider's value; throws a clear error outside a provider. */
export function useSinyalContext(): SinyalContextValue {
  const value = useContext(SinyalContext);
  if (!value) throw new Error('Sinyal hooks must be used inside <SinyalProvider client={client}>');
  return value;
}

/** The client from the nearest `<SinyalProvider>`, typed with your event map if you pass one. */
export function useSinyal<Events extends object = SinyalEvents, Commands extends object = SinyalCommands>(): SinyalClient<Events, Commands> {
  return useSinyalContext().client as unknown as SinyalClient<Events, Commands>;
}
