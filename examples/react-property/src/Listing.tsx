import { watchlistStore } from '@sinyal/client';
import { useProperty, useSinyal, useStore } from '@sinyal/react';
import { shortRupiah, statusLabel, type DemoProperty } from '../../shared/demo';

export function Listing({ properties }: { properties: DemoProperty[] }) {
  return (
    <>
      <h1>Dijual di Jabodetabek</h1>
      <div className="grid">
        {properties.map((property) => <Card key={property.id} property={property} />)}
      </div>
    </>
  );
}

function Card({ property }: { property: DemoProperty }) {
  // viewers: false — a card in a list follows price and status without counting as a viewer
  const { ready, price, status, lastChange } = useProperty(property.id, { viewers: false });
  return (
    <a className="card" href={`${location.search}#/p/${property.id}`} data-testid={`card-${property.id}`}>
      <div className="photo" style={{ background: `linear-gradient(135deg, hsl(${property.hue} 55% 72%), hsl(${property.hue + 40} 45% 52%))` }} />
      <div className="body">
        <h3>{property.title}</h3>
        <div className="muted">{property.city} · {property.bedrooms} KT · {property.areaM2} m²</div>
        <div>
          <span className="price" data-testid="card-price">{ready ? shortRupiah(price) : '…'}</span>{' '}
          {lastChange?.type === 'price_updated' && (
            <span className={lastChange.isPriceDrop ? 'drop' : 'rise'}>{lastChange.isPriceDrop ? '▼' : '▲'} {Math.abs(lastChange.percentage)}%</span>
          )}
        </div>
        <div>
          {status && <span className={`pill ${status}`}>{statusLabel[status] ?? status}</span>} {property.auctionId && <span className="pill">Live auction</span>}{' '}
          <Heart propertyId={property.id} />
        </div>
      </div>
    </a>
  );
}

/** The wishlist: watching a listing delivers its changes as notifications, page open or not. */
export function Heart({ propertyId }: { propertyId: string }) {
  const wishlist = watchlistStore(useSinyal());
  const { watched } = useStore(wishlist);
  const on = watched.includes(propertyId);
  return (
    <button
      className="heart"
      title={on ? 'Remove from wishlist' : 'Add to wishlist (get notified of changes)'}
      data-testid={`heart-${propertyId}`}
      onClick={(event) => {
        event.preventDefault();
        if (on) wishlist.unwatch(propertyId);
        else wishlist.watch(propertyId);
      }}
    >
      {on ? '❤️' : '🤍'}
    </button>
  );
}
