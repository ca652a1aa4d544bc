const SAMPLES_KEPT = 8;

/**
 * Estimates the server's clock from heartbeat round trips. Each pong gives
 * `offset = serverNow + rtt/2 − receivedAt`; the sample with the smallest RTT among
 * the last few is the least distorted by queuing, so it wins (as NTP does).
 * Countdowns (auctions) must use {@link ServerClock.now}, never `Date.now()`.
 */
export class ServerClock {
  #samples: Array<{ rttMs: number; offsetMs: number }> = [];
  /** Current estimate of `serverTime − localTime`, in ms. */
  offsetMs = 0;
  /** Round-trip time of the sample in use, in ms (`Infinity` before the first pong). */
  rttMs = Infinity;

  /** Server time now, in ms since the Unix epoch. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** First guess from the `welcome` frame, used until a pong gives a measured sample. */
  seed(serverNow: number): void {
    if (!this.#samples.length) this.offsetMs = serverNow - Date.now();
  }

  /** Record one ping/pong exchange (local send time, server time in the pong, local receive time). */
  sample(sentAt: number, serverNow: number, receivedAt: number = Date.now()): void {
    const rttMs = Math.max(0, receivedAt - sentAt);
    this.#samples.push({ rttMs, offsetMs: serverNow + rttMs / 2 - receivedAt });
    if (this.#samples.length > SAMPLES_KEPT) this.#samples.shift();
    // The earliest sample with the smallest round trip: the least skewed by queueing.
    ({ offsetMs: this.offsetMs, rttMs: this.rttMs } = this.#samples.reduce((best, s) => (s.rttMs < best.rttMs ? s : best)));
  }
}
