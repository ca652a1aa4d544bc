import { useEffect, useRef, useState } from 'react';
import { useAgentStatus, useProperty } from '@sinyal/react';
import { clockTime, rupiah, statusLabel, type DemoProperty, type DemoUser } from '../../shared/demo';
import { Auction } from './Auction';
import { Chat } from './Chat';
import { Heart } from './Listing';

interface Props {
  me: DemoUser;
  property: DemoProperty;
  names: Record<string, string>;
  refreshCatalog: () => void;
}

export function PropertyPage({ me, property, names, refreshCatalog }: Props) {
  const live = useProperty(property.id); // also counts me as a viewer
  const agent = useAgentStatus(property.agentId);
  const toast = usePriceDropToast(live.lastChange, live.version);

  return (
    <div className="detail">
      <div>
        <div className="hero" style={{ background: `linear-gradient(135deg, hsl(${property.hue} 55% 72%), hsl(${property.hue + 40} 45% 52%))` }} />
        <section className="panel">
          <h1 style={{ margin: '0 0 4px' }}>{property.title}</h1>
          <div className="facts">
            <span>{property.city}</span>
            <span>{property.bedrooms} kamar tidur</span>
            <span>{property.areaM2} m²</span>
          </div>
          <p>
            <span className="price big" data-testid="price">{live.ready ? rupiah(live.price) : 'Loading…'}</span>{' '}
            {live.status && <span className={`pill ${live.status}`} data-testid="status">{statusLabel[live.status] ?? live.status}</span>}{' '}
            <Heart propertyId={property.id} />
          </p>
          {live.lastChange?.type === 'price_updated' && (
            <p className={live.lastChange.isPriceDrop ? 'drop' : 'rise'}>
              {live.lastChange.isPriceDrop ? 'Price drop' : 'Price raised'} {Math.abs(live.lastChange.percentage)}% at {clockTime(live.lastChange.at)} (was {rupiah(live.lastChange.oldPrice)})
            </p>
          )}
          <p data-testid="viewers">
            👀 <b>{live.viewers}</b> {live.viewers === 1 ? 'person' : 'people'} viewing now · ❤️ {live.wishlistToday} saved today · 📅 {live.viewingsThisWeek} viewings this week
          </p>
          <p data-testid="agent">
            <span className={`dot ${agent.agentStatus === 'busy' ? 'busy' : agent.online ? 'online' : ''}`} />
            {names[property.agentId] ?? property.agentId} (agent) —{' '}
            {agent.agentStatus === 'busy'
              ? `busy${agent.availableAt ? ` until ${clockTime(agent.availableAt)}` : ''}`
              : agent.online
                ? 'online'
                : `offline${agent.lastSeen ? `, last seen ${clockTime(agent.lastSeen)}` : ''}`}
          </p>
        </section>
        {property.auctionId && <Auction key={property.auctionId} auctionId={property.auctionId} refreshCatalog={refreshCatalog} />}
      </div>
      <div>
        {me.role === 'buyer' ? (
          <section className="panel">
            <h2>Chat with {names[property.agentId] ?? 'the agent'}</h2>
            <Chat conversationId={`c-${me.id}`} me={me} names={names} />
          </section>
        ) : (
          <section className="panel">
            <h2>You are the listing agent</h2>
            <p>Buyers' messages arrive in your <a href={`${location.search}#/inbox`}>inbox</a>.</p>
          </section>
        )}
      </div>
      {toast && <div className="toast" role="status" data-testid="toast">{toast}</div>}
    </div>
  );
}

/** A toast for a price drop that happens while the page is open (not for the one already there). */
function usePriceDropToast(lastChange: ReturnType<typeof useProperty>['lastChange'], version: number): string | null {
  const [toast, setToast] = useState<string | null>(null);
  const seenVersion = useRef<number | null>(null);
  useEffect(() => {
    if (version === 0) return; // not loaded yet
    const first = seenVersion.current === null;
    if (!first && version === seenVersion.current) return;
    seenVersion.current = version;
    if (first || lastChange?.type !== 'price_updated' || !lastChange.isPriceDrop) return;
    setToast(`🔻 Price drop: ${rupiah(lastChange.oldPrice)} → ${rupiah(lastChange.newPrice)} (${lastChange.percentage}%)`);
    const timer = setTimeout(() => setToast(null), 6000);
    return () => clearTimeout(timer);
  }, [lastChange, version]);
  return toast;
}
