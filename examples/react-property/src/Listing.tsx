import { useProperty } from '@sinyal/react';
import { formatPercent, formatPrice, statusLabel, type DemoProperty, type DemoUser } from '../../shared/demo';
import { houseArt, kindLabel } from '../../shared/houseArt';
import { Heart } from './Heart';
import { Icon } from './Icon';

export function Listing({ me, properties }: { me: DemoUser; properties: DemoProperty[] }) {
  return (
    <>
      <div className="page-head">
        <h1>Homes for sale in Greater Jakarta</h1>
        <p>{properties.length} listings · prices, status and auctions update live</p>
      </div>
      <div className="grid">
        {properties.map((property) => <Card key={property.id} property={property} saveable={property.agentId !== me.id} />)}
      </div>
    </>
  );
}

/** A listing in the list; `saveable`: with a wishlist heart (not for the listing's own agent). */
function Card({ property, saveable }: { property: DemoProperty; saveable: boolean }) {
  // viewers: false — a card in a list follows price and status without counting as a viewer
  const { ready, price, status, lastChange } = useProperty(property.id, { viewers: false });
  return (
    <article className="card" data-testid={`card-${property.id}`}>
      <img className="photo" src={houseArt(property.kind, property.hue)} alt={`${kindLabel[property.kind]} in ${property.city} (illustration)`} />
      <div className="badges">
        {status && <span className={`pill ${status}`}>{statusLabel[status] ?? status}</span>}
        {property.auctionId && <span className="pill live">Live auction</span>}
      </div>
      {saveable && <Heart propertyId={property.id} title={property.title} />}
      <div className="body">
        <div>
          <span className="price" data-testid="card-price">{ready ? formatPrice(price) : '…'}</span>{' '}
          {lastChange?.type === 'price_updated' && (
            <span className={`change ${lastChange.isPriceDrop ? 'drop' : 'rise'}`}>
              <Icon name={lastChange.isPriceDrop ? 'down' : 'up'} />
              {lastChange.isPriceDrop ? 'Down' : 'Up'} {formatPercent(lastChange.percentage)}
            </span>
          )}
        </div>
        <p className="kind">{kindLabel[property.kind]}</p>
        <h3>
          <a href={`${location.search}#/p/${property.id}`} lang="id">{property.title}</a>
        </h3>
        <div className="facts">
          <span><Icon name="pin" /> <span lang="id">{property.city}</span></span>
          <span><Icon name="bed" /> {property.bedrooms} beds</span>
          <span><Icon name="area" /> {property.areaM2} m²</span>
        </div>
      </div>
    </article>
  );
}
