import { CloseCodes } from '@sinyal/protocol';

/** Largest delay setInterval accepts. */
const MAX_TIMER_MS = 2_147_483_647;

/** A connection as the heartbeat sees it. */
export interface HeartbeatPeer {
  /** When the peer last sent a frame (ms since epoch). */
  readonly lastSeen: number;
  close(code: number, reason: string): void;
}

/**
 * Evicts dead peers: every `timeoutMs / 2` it closes (4010) each peer silent for longer
 * than `timeoutMs`, so a half-open connection is gone within 1.5 × the timeout. Clients
 * keep themselves alive with application pings. `onSweep` piggybacks other periodic
 * housekeeping. Returns a function that stops the timer.
 */
export function startHeartbeat(options: {
  timeoutMs: number;
  peers: () => Iterable<HeartbeatPeer>;
  onSweep?: () => void;
  now?: () => number;
}): () => void {
  const now = options.now ?? Date.now;
  const timer = setInterval(() => {
    const deadline = now() - options.timeoutMs;
    for (const peer of options.peers()) {
      if (peer.lastSeen < deadline) peer.close(CloseCodes.HEARTBEAT_TIMEOUT, 'heartbeat timeout');
    }
    options.onSweep?.();
  }, Math.min(MAX_TIMER_MS, Math.max(10, Math.floor(options.timeoutMs / 2))));
  timer.unref();
  return () => clearInterval(timer);
}
