import { useEffect, useRef, useState } from 'react';
import { useAuction } from '@sinyal/react';
import { clockTime, countdown, rupiah } from '../../shared/demo';

export function Auction({ auctionId, refreshCatalog }: { auctionId: string; refreshCatalog: () => void }) {
  const { state, bids, myBidderNumber, isLeading, outbid, lastError, msRemaining, placeBid } = useAuction(auctionId);
  const [amount, setAmount] = useState('');
  const extended = useExtensionNotice(state?.endsAt, state?.status);

  // A scheduled auction's start, and the next demo auction after this one ends.
  useEffect(() => {
    if (state?.status !== 'ended') return;
    const timer = setInterval(refreshCatalog, 3000);
    return () => clearInterval(timer);
  }, [state?.status, refreshCatalog]);

  if (!state) return <section className="panel auction">Loading auction…</section>;
  const bid = (value: number) => {
    placeBid(value); // through the outbox: decided once by the server, even across a reconnect
    setAmount('');
  };
  const custom = Number(amount.replace(/\D/g, ''));

  return (
    <section className="panel auction" data-testid="auction" data-auction={auctionId} data-status={state.status}>
      <div className="now">
        <h2>Live auction</h2>
        <span className={`clock${state.status === 'active' && msRemaining < 30_000 ? ' hot' : ''}`} data-testid="countdown">
          {state.status === 'active' ? countdown(msRemaining) : state.status === 'scheduled' ? `starts ${clockTime(state.startsAt)}` : 'ended'}
        </span>
      </div>
      <p>
        Current bid <b className="price" data-testid="current-bid">{rupiah(state.currentPrice)}</b>
        <br />
        <span className="muted">
          {state.bidCount} {state.bidCount === 1 ? "bid" : "bids"} · {state.activeBidders} {state.activeBidders === 1 ? "bidder" : "bidders"} here · minimum next <b data-testid="min-next">{rupiah(state.minNextBid)}</b>
          {myBidderNumber !== null && <> · you are <b>Bidder {myBidderNumber}</b></>}
        </span>
      </p>
      {outbid && <div className="alert outbid" role="alert" data-testid="outbid">You've been outbid! Bid {rupiah(state.minNextBid)} to lead again.</div>}
      {isLeading && state.status === 'active' && <div className="alert leading" data-testid="leading">You are the highest bidder</div>}
      {extended && <div className="alert extended" data-testid="extended">⏱ Extended: a late bid added time (ends {clockTime(state.endsAt)})</div>}
      {lastError && <div className="alert outbid" data-testid="bid-error">{lastError.message}</div>}
      {state.status === 'ended' && (
        <p data-testid="winner">
          {state.winner === null ? 'Ended without bids.' : state.winner === myBidderNumber ? `🎉 You won at ${rupiah(state.finalPrice)}!` : `Won by Bidder ${state.winner} at ${rupiah(state.finalPrice)}.`}{' '}
          <span className="muted">The next demo auction starts shortly.</span>
        </p>
      )}
      {state.status === 'active' && (
        <div className="bid-row">
          <button className="primary" data-testid="bid-min" onClick={() => bid(state.minNextBid)}>
            Bid {rupiah(state.minNextBid)}
          </button>
          <input placeholder="or your amount" inputMode="numeric" value={amount} onChange={(event) => setAmount(event.target.value)} style={{ width: 150 }} />
          <button disabled={!(custom >= state.minNextBid)} onClick={() => bid(custom)}>Bid</button>
        </div>
      )}
      <ol className="bids" data-testid="bids">
        {bids.slice().reverse().map((b) => (
          <li key={b.bidId} className={b.bidderNumber === myBidderNumber ? 'mine' : ''}>
            <span>Bidder {b.bidderNumber}{b.bidderNumber === myBidderNumber ? ' (you)' : ''}</span>
            <span>{rupiah(b.amount)} · {clockTime(b.at)}</span>
          </li>
        ))}
      </ol>
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
