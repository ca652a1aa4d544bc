import type { PropertyStatus } from '@sinyal/protocol/schema';

/** Which status a property may move to from each status. */
export type StatusTransitions = Readonly<Record<PropertyStatus, readonly PropertyStatus[]>>;

/**
 * The default lifecycle: a listing goes under offer, then is sold or rented; an offer
 * that falls through puts it back on the market, and a rental ends. A sale is final.
 */
export const DEFAULT_TRANSITIONS: StatusTransitions = {
  available: ['under_offer', 'rented'],
  under_offer: ['available', 'sold', 'rented'],
  sold: [],
  rented: ['available'],
};

/** Why `from → to` is refused, or `undefined` when it is allowed. */
export function transitionError(transitions: StatusTransitions, from: PropertyStatus, to: PropertyStatus): string | undefined {
  if (from === to) return `property is already ${to}`;
  if (!transitions[from].includes(to)) return `cannot change status from ${from} to ${to}`;
  return undefined;
}
