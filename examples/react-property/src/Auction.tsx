import { useEffect, useId, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { auctionStore } from '@sinyal/client';
import { useAuction, useConnectionState, useSinyal } from '@sinyal/react';
import { AutoBidFlow, BidFlow, autoBidView, bidView } from '../../shared/auctionWidget';
import { amountEcho, formatCountdown, formatPrice, formatTime, plural } from '../../shared/demo';
import { Icon } from './Icon';

const RECENT = 5;

export function Auction({ auctionId, mayBid, refreshCatalog }: { auctionId: string; mayBid: boolean; refreshCatalog: () => void }) {
  const auction = useAuction(auctionId);
  const { state, bids, myBidderNumber, msRemaining, msUntilStart } = auction;
  const store = auctionStore(useSinyal(), auctionId);
  const flow = useMemo(() => new BidFlow(store), [store]);
  const flowState = useSyncExternalStore(flow.subscribe, flow.getSnapshot);
  const autoFlow = useMemo(() => new AutoBidFlow(store), [store]);
  const autoFlowState = useSyncExternalStore(autoFlow.subscribe, autoFlow.getSnapshot);
  const autoLine = autoBidView(auction.autoBid, state?.status);
  const [maxAmount, setMaxAmount] = useState('');
  const view = bidView(auction, flowState, mayBid);
  const online = useConnectionState().state === 'open';
  const [amount, setAmount] = useState('');
  const [showAll, setShowAll] = useState(false);
  const extended = useExtensionNotice(state?.endsAt, state?.status);
  const inputId = useId();

  // A scheduled auction's start, and the next demo auction after this one ends.
  useEffect(() => {
    if (state?.status !== 'ended') return;
    const timer = setInterval(refreshCatalog, 3000);
    return () => clearInterval(timer);
  }, [state?.status, refreshCatalog]);

  if (!state) return <section className="panel auction" aria-busy="true">Loading the auction…</section>;
  const custom = Number(amount.replace(/\D/g, ''));
  const max = Number(maxAmount.replace(/\D/g, ''));
  const setAutoBid = () => {
    if (max > 0 && autoFlow.set(max)) setMaxAmount('');
  };
  const bid = (value: number) => {
    if (flow.bid(value)) setAmount(''); // through the outbox: decided once by the server, even across a reconnect
  };
  const recent = bids.slice().reverse();
  const shown = showAll ? recent : recent.slice(0, RECENT);

  return (
    <section className="panel auction" data-testid="auction" data-auction={auctionId} data-status={state.status} data-phase={view.phase} aria-labelledby={`${inputId}-title`}>
      <div className="auction-head">
        <h2 id={`${inputId}-title`}><Icon name="gavel" /> Live auction</h2>
        <span className={`countdown${state.status === 'active' && msRemaining < 30_000 ? ' hot' : ''}`} data-testid="countdown" role="timer" aria-label={state.status === 'active' ? `Ends in ${formatCountdown(msRemaining)}` : undefined}>
          <Icon name="clock" />
          {state.status === 'active' ? <>Ends in <b>{formatCountdown(msRemaining)}</b></> : state.status === 'scheduled' ? <>Starts in <b>{formatCountdown(msUntilStart)}</b></> : 'Ended'}
        </span>
      </div>
      <div className="current">
        <span className="label">{state.status === 'ended' ? 'Final price' : state.bidCount === 0 ? 'Starting price' : 'Current bid'}</span>
        <b className="price" data-testid="current-bid">{formatPrice(state.status === 'ended' && state.finalPrice !== null ? state.finalPrice : state.currentPrice)}</b>
        <span className="muted">
          {plural(state.bidCount, 'bid')} · {plural(state.activeBidders, 'bidder')} here{myBidderNumber !== null && mayBid && <> · you are <b>Bidder {myBidderNumber}</b></>}
        </span>
      </div>

      {view.alert && (
        <div className={`alert ${view.alert.tone}`} role={view.alert.tone === 'leading' ? 'status' : 'alert'} data-testid={view.alert.tone === 'error' ? 'bid-error' : view.alert.tone}>
          <Icon name={view.alert.tone === 'leading' ? 'check' : 'alert'} /> <span>{view.alert.text}</span>
        </div>
      )}
      {extended && state.status === 'active' && (
        <div className="alert extended" role="status" data-testid="extended"><Icon name="clock" /> <span>Extended: a late bid added time. It now ends at {formatTime(state.endsAt)}.</span></div>
      )}
      {state.status === 'ended' && (
        <p className="winner" data-testid="winner">
          <Icon name="trophy" />
          <span>
            {state.winner === null ? 'Ended without bids.' : state.winner === myBidderNumber ? `You won at ${formatPrice(state.finalPrice)}!` : `Won by Bidder ${state.winner} at ${formatPrice(state.finalPrice)}.`}{' '}
            <span className="muted">The next demo auction starts shortly.</span>
          </span>
        </p>
      )}
      {state.status === 'active' && !mayBid && (
        <p className="alert note" data-testid="agent-note"><Icon name="info" /> <span>You are the listing agent: you can follow the bids here, not place them.</span></p>
      )}
      {state.status === 'active' && mayBid && (
        <div className="bid-box">
          <button type="button" className="primary bid-now" data-testid="bid-min" disabled={!view.canBid} onClick={() => bid(state.minNextBid)}>
            {view.phase === 'pending' ? (online ? 'Placing your bid…' : 'Your bid is sent when you are back online…') : <>Bid {formatPrice(state.minNextBid)}</>}
          </button>
          <form className="bid-custom" onSubmit={(event) => (event.preventDefault(), custom >= state.minNextBid && bid(custom))}>
            <label htmlFor={inputId} className="sr-only">Your own amount in rupiah</label>
            <input id={inputId} placeholder="Or your amount (Rp)" inputMode="numeric" autoComplete="off" value={amount} onChange={(event) => setAmount(event.target.value)} />
            <button type="submit" data-testid="bid-custom" disabled={!view.canBid || !(custom >= state.minNextBid)}>Bid</button>
          </form>
          {custom > 0 && <p className={`bid-echo${custom < state.minNextBid ? ' low' : ''}`} aria-live="polite">{amountEcho(custom, state.minNextBid)}</p>}
          <p className="bid-hint">Minimum next bid <b data-testid="min-next">{formatPrice(state.minNextBid)}</b> · steps of {formatPrice(state.increment)}</p>
          <form className="auto-bid" data-testid="auto-bid" onSubmit={(event) => (event.preventDefault(), setAutoBid())}>
            <label htmlFor={`${inputId}-max`}><Icon name="bolt" /> Auto-bid up to</label>
            <div className="bid-custom">
              <input id={`${inputId}-max`} placeholder="Your maximum (Rp)" inputMode="numeric" autoComplete="off" value={maxAmount} onChange={(event) => setMaxAmount(event.target.value)} />
              <button type="submit" data-testid="auto-bid-set" disabled={autoFlowState.pending || !(max >= state.minNextBid)}>{auction.autoBid?.active ? 'Change' : 'Set'}</button>
            </div>
            {max > 0 && <p className={`bid-echo${max < state.minNextBid ? ' low' : ''}`} aria-live="polite">{amountEcho(max, state.minNextBid)}</p>}
            {autoLine && (
              <p className={`auto-bid-line ${autoLine.tone}`} role="status" data-testid={`auto-bid-${autoLine.tone}`}>
                <span>{autoLine.text}</span>
                {auction.autoBid?.active && <button type="button" className="link" data-testid="auto-bid-cancel" disabled={autoFlowState.pending} onClick={() => autoFlow.cancel()}>Cancel</button>}
              </p>
            )}
            {autoFlowState.error && <p className="alert error" role="alert" data-testid="auto-bid-error"><Icon name="alert" /> <span>{autoFlowState.error}</span></p>}
          </form>
        </div>
      )}
      {recent.length > 0 && (
        <>
          <div className="bids-head">
            <h3>{showAll || recent.length <= RECENT ? 'Bids' : `Latest ${RECENT} of ${recent.length} bids`}</h3>
            {recent.length > RECENT && (
              <button type="button" className="link" aria-expanded={showAll} onClick={() => setShowAll(!showAll)}>{showAll ? 'Show fewer' : 'Show all'}</button>
            )}
          </div>
          <ol className="bids" data-testid="bids">
            {shown.map((b) => (
              <li key={b.bidId} className={b.bidderNumber === myBidderNumber ? 'mine' : ''}>
                <span>Bidder {b.bidderNumber}{b.bidderNumber === myBidderNumber ? ' (you)' : ''}{b.auto && <span className="auto-tag" title="Placed automatically for this bidder's auto-bid"> · auto</span>}</span>
                <span>{formatPrice(b.amount)}<span className="when">{formatTime(b.at)}</span></span>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

/** Shows "extended" for a few seconds when the end moves later (anti-sniping). */
function useExtensionNotice(endsAt: number | undefined, status: string | undefined): boolean {
  const [shown, setShown] = useState(false);
  const last = useRef(endsAt);
  useEffect(() => {
    const before = last.current;
    last.current = endsAt;
    if (before === undefined || endsAt === undefined || endsAt <= before || status !== 'active') return;
    setShown(true);
    const timer = setTimeout(() => setShown(false), 6000);
    return () => clearTimeout(timer);
  }, [endsAt, status]);
  return shown;
}
