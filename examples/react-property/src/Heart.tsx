import { fetchJson, watchlistStore } from '@sinyal/client';
import { useSinyal, useStore } from '@sinyal/react';
import { Icon } from './Icon';

/**
 * The wishlist heart. Watching a listing delivers its changes as notifications, page open or
 * not (the property feature); saving it also counts in the listing's "saved today" (the
 * presence feature's counter, once per user per day) — two server features, one click.
 */
export function Heart({ propertyId, title }: { propertyId: string; title: string }) {
  const client = useSinyal();
  const wishlist = watchlistStore(client);
  const { watched } = useStore(wishlist);
  const on = watched.includes(propertyId);
  return (
    <button
      type="button"
      className="heart"
      aria-pressed={on}
      aria-label={on ? `Saved: ${title}. Remove from your wishlist` : `Save ${title} to your wishlist`}
      title={on ? 'Saved to your wishlist: you hear about its changes' : 'Save to your wishlist and hear about price drops'}
      data-testid={`heart-${propertyId}`}
      onClick={() => {
        if (on) {
          wishlist.unwatch(propertyId);
          return;
        }
        wishlist.watch(propertyId);
        // Social proof only: a failure leaves the counter as it was and the wishlist saved.
        fetchJson(client.options, `/api/properties/${encodeURIComponent(propertyId)}/wishlist`, { method: 'POST' }).catch(() => {});
      }}
    >
      <Icon name="heart" filled={on} />
    </button>
  );
}
