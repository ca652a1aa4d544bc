import { useEffect, useRef, useState } from 'react';
import { useAgentStatus, useProperty, useSinyal } from '@sinyal/react';
import { agentStatusText, formatChange, formatPercent, formatPrice, formatTime, initials, plural, statusLabel, type DemoProperty, type DemoUser } from '../../shared/demo';
import { houseArt, kindLabel } from '../../shared/houseArt';
import { AgentStatusControl } from './AgentStatusControl';
import { Auction } from './Auction';
import { Chat } from './Chat';
import { Heart } from './Heart';
import { Icon } from './Icon';

interface Props {
  me: DemoUser;
  property: DemoProperty;
  names: Record<string, string>;
  refreshCatalog: () => void;
}

export function PropertyPage({ me, property, names, refreshCatalog }: Props) {
  const live = useProperty(property.id); // also counts me as a viewer
  const [toast, dismissToast] = usePriceDropToast(live.lastChange, live.version);
  const agentName = names[property.agentId] ?? 'the agent';
  const isListingAgent = me.id === property.agentId;
  useEffect(() => void (document.title = `${property.title} · Sinyal Homes`), [property.title]);

  return (
    <>
      <a className="back" href={`${location.search}#/`}><Icon name="back" /> All listings</a>
      <div className="detail">
        <div>
          <img className="hero" src={houseArt(property.kind, property.hue)} alt={`${kindLabel[property.kind]} in ${property.city} (illustration)`} />
          <section className="panel summary" aria-labelledby="listing-title">
            <p className="kind">{kindLabel[property.kind]} for sale</p>
            <h1 id="listing-title" lang="id">{property.title}</h1>
            <div className="facts">
              <span><Icon name="pin" /> <span lang="id">{property.city}</span></span>
              <span><Icon name="bed" /> {plural(property.bedrooms, 'bedroom')}</span>
              <span><Icon name="bath" /> {plural(property.bathrooms, 'bathroom')}</span>
              <span><Icon name="area" /> {property.areaM2} m²</span>
            </div>
            <div className="price-row">
              <span className="price big" data-testid="price">{live.ready ? formatPrice(live.price) : 'Loading…'}</span>
              {live.status && <span className={`pill ${live.status}`} data-testid="status">{statusLabel[live.status] ?? live.status}</span>}
              {!isListingAgent && <Heart propertyId={property.id} title={property.title} />}
            </div>
            {live.lastChange?.type === 'price_updated' && (
              <p className={`change ${live.lastChange.isPriceDrop ? 'drop' : 'rise'}`}>
                <Icon name={live.lastChange.isPriceDrop ? 'down' : 'up'} />
                {live.lastChange.isPriceDrop ? 'Price dropped' : 'Price raised'} {formatPercent(live.lastChange.percentage)} at {formatTime(live.lastChange.at)} · was {formatPrice(live.lastChange.oldPrice)}
              </p>
            )}
            <p className="proof" data-testid="viewers">
              <span><Icon name="eye" /> <span><b>{live.viewers}</b> {live.viewers === 1 ? 'person' : 'people'} viewing now</span></span>
              <span><Icon name="heart" /> {live.wishlistToday} saved today</span>
              <span><Icon name="calendar" /> {plural(live.viewingsThisWeek, 'viewing')} this week</span>
            </p>
          </section>
          {property.auctionId && <Auction key={property.auctionId} auctionId={property.auctionId} mayBid={!isListingAgent} refreshCatalog={refreshCatalog} />}
        </div>
        <div className="side">
          {isListingAgent ? (
            <section className="panel" aria-labelledby="agent-view">
              <h2 id="agent-view">You are the listing agent</h2>
              <p className="muted">Buyers see your status next to the chat. Their messages arrive in your <a href={`${location.search}#/inbox`}>inbox</a>.</p>
              <AgentStatusControl me={me} />
            </section>
          ) : (
            <section className="panel chat-panel" aria-label={`Chat with ${agentName}`}>
              <AgentCard agentId={property.agentId} name={agentName} />
              <Chat conversationId={`c-${me.id}`} me={me} names={names} otherName={agentName} />
            </section>
          )}
        </div>
      </div>
      {toast && (
        <div className="toast" role="status" data-testid="toast">
          <Icon name="down" />
          <span>{toast}</span>
          <button type="button" aria-label="Dismiss" onClick={dismissToast}><Icon name="close" /></button>
        </div>
      )}
    </>
  );
}

/** The listing's agent for buyers: name, role and live status. */
function AgentCard({ agentId, name }: { agentId: string; name: string }) {
  const agent = useAgentStatus(agentId);
  const client = useSinyal();
  const status = agentStatusText(agent, client.clock.now());
  return (
    <div className="agent-card" data-testid="agent">
      <span className="avatar big" aria-hidden="true">{initials(name)}<span className={`presence ${status.tone}`} /></span>
      <div className="who">
        <b>{name} <span className="muted">· listing agent</span></b>
        <span className={`status ${status.tone}`}>{status.text}</span>
      </div>
    </div>
  );
}

/**
 * A toast for a price drop that happens while the page is open (not for the one already
 * there); it goes after 6 s, also when other changes follow (each toast has its own timer).
 */
function usePriceDropToast(lastChange: ReturnType<typeof useProperty>['lastChange'], version: number): [string | null, () => void] {
  const [toast, setToast] = useState<{ text: string; version: number } | null>(null);
  const seenVersion = useRef<number | null>(null);
  useEffect(() => {
    if (version === 0) return; // not loaded yet
    const first = seenVersion.current === null;
    if (!first && version === seenVersion.current) return;
    seenVersion.current = version;
    if (first || lastChange?.type !== 'price_updated' || !lastChange.isPriceDrop) return;
    setToast({ text: `Price drop: ${formatPrice(lastChange.oldPrice)} → ${formatPrice(lastChange.newPrice)} (${formatChange(lastChange.percentage)})`, version });
  }, [lastChange, version]);
  useEffect(() => {
    if (!toast) return;
    const timer = setTimeout(() => setToast(null), 6000);
    return () => clearTimeout(timer);
  }, [toast]);
  return [toast?.text ?? null, () => setToast(null)];
}
