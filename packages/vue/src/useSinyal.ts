import type { SinyalClient } from '@sinyal/client';
import type { SinyalCommands, SinyalEvents } from '@sinyal/protocol';
import { useSinyalInjection } from './plugin';

/** The client provided by `createSinyal` / `provideSinyal`, typed with your event map if you pass one. */
export function useSinyal<Events extends object = SinyalEvents, Commands extends object = SinyalCommands>(): SinyalClient<Events, Commands> {
  return useSinyalInjection().client as unknown as SinyalClient<Events, Commands>;
}
