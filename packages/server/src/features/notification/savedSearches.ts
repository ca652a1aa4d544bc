import { randomUUID } from 'node:crypto';
import {
  ListingBodySchema,
  SavedSearchBodySchema,
  type Listing,
  type NotificationInput,
  type NotificationPriority,
  type SavedSearch,
  type SavedSearchCriteria,
} from '@sinyal/protocol/schema';
import { SinyalServerError } from '../../errors';
import type { NotificationDelivery } from './notificationDelivery';
import type { PriceFormatter } from './options';
import type { NotificationStore } from './store';

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** Whether a listing satisfies every criterion the search sets (city and type case-insensitive). */
export function matchesListing(criteria: SavedSearchCriteria, listing: Listing): boolean {
  if (criteria.city !== undefined && !same(criteria.city, listing.city)) return false;
  if (criteria.type !== undefined && !same(criteria.type, listing.type)) return false;
  if (criteria.maxPrice !== undefined && listing.price > criteria.maxPrice) return false;
  if (criteria.minBedrooms !== undefined && listing.bedrooms < criteria.minBedrooms) return false;
  return true;
}

/** The `new_listing` alert for one user (whose `searchIds` matched). */
export function newListingAlert(listing: Listing, searchIds: string[], priority: NotificationPriority, formatPrice?: PriceFormatter): NotificationInput {
  const currency = listing.currency ?? 'IDR';
  const price = formatPrice ? formatPrice(listing.price, currency) : `${currency} ${listing.price.toLocaleString('en-US')}`;
  return {
    category: 'property_alert',
    type: 'new_listing',
    title: 'New listing matches your search',
    body: `${listing.title} · ${listing.city} · ${listing.bedrooms} BR · ${price}`,
    priority,
    data: {
      listingId: listing.id,
      city: listing.city,
      price: listing.price,
      bedrooms: listing.bedrooms,
      type: listing.type,
      savedSearchIds: searchIds,
      ...(listing.url === undefined ? {} : { url: listing.url }),
    },
  };
}

function parse<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new SinyalServerError('bad_request', `${issue?.path.map(String).join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
}

/** Saved searches and the alerts for new listings that match them. */
export class SavedSearches {
  constructor(
    private readonly deps: {
      store: NotificationStore;
      delivery: NotificationDelivery;
      now: () => number;
      maxPerUser: number;
      alertPriority: NotificationPriority;
      formatPrice?: PriceFormatter;
    },
  ) {}

  async add(userId: string, body: unknown): Promise<SavedSearch> {
    const { criteria, name } = parse(SavedSearchBodySchema, body);
    if (Object.keys(criteria).length === 0) throw new SinyalServerError('bad_request', 'criteria: give at least one of city, maxPrice, minBedrooms, type');
    const search: SavedSearch = { id: randomUUID(), criteria, createdAt: this.deps.now(), ...(name === undefined ? {} : { name }) };
    if (!(await this.deps.store.addSavedSearch(userId, search, this.deps.maxPerUser))) {
      throw new SinyalServerError('conflict', `at most ${this.deps.maxPerUser} saved searches per user`);
    }
    return search;
  }

  list(userId: string): Promise<SavedSearch[]> {
    return this.deps.store.savedSearches(userId);
  }

  async remove(userId: string, searchId: string): Promise<void> {
    if (!(await this.deps.store.removeSavedSearch(userId, searchId))) throw new SinyalServerError('not_found', `no saved search ${searchId}`);
  }

  /** Notifies every user with at least one matching saved search, once each. Resolves to those users. */
  async announceListing(body: unknown): Promise<{ notified: string[] }> {
    const listing = parse(ListingBodySchema, body);
    this.deps.delivery.server(); // refuse before matching if not started
    const matches = new Map<string, string[]>();
    for (const { userId, search } of await this.deps.store.savedSearchCandidates(listing.city)) {
      if (!matchesListing(search.criteria, listing)) continue;
      matches.set(userId, [...(matches.get(userId) ?? []), search.id]);
    }
    for (const [userId, searchIds] of matches) {
      await this.deps.delivery.notify(userId, newListingAlert(listing, searchIds, this.deps.alertPriority, this.deps.formatPrice));
    }
    return { notified: [...matches.keys()] };
  }
}
