// Regression tests for bugs found in review of the features.
import type { SinyalClient } from '@sinyal/client';
import { auctionStore, notificationsStore } from '@sinyal/client';
import type { AuctionCommands, AuctionEvents, NotificationInput } from '@sinyal/protocol';
import { auctionFeature, MemoryStore, notificationFeature, type CommandOutcome } from '@sinyal/server';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, sleep, startServer, until } from '../test-utils/harness';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('auction store', () => {
  it('re-subscribed while its room is still joined (roomReleaseMs), it shows the current price', async () => {
    const feature = auctionFeature({ timerSyncIntervalMs: 0, biddersCoalesceMs: 20 });
    const server = await startServer({ features: [feature], limits: { messagesPerSecond: 1000, burst: 5000 } });
    cleanups.push(() => server.close());
    await feature.createAuction({ id: 'a1', startingPrice: 1000, increment: 100, startsAt: Date.now() - 1000, endsAt: Date.now() + 600_000 });
    const viewer = connect(server.url, 'viewer', { roomReleaseMs: 5000 }) as unknown as SinyalClient<AuctionEvents, AuctionCommands>;
    const bidder = connect(server.url, 'bidder') as unknown as SinyalClient<AuctionEvents, AuctionCommands>;
    cleanups.push(() => viewer.close(), () => bidder.close());

    const store = auctionStore(viewer, 'a1');
    let stop = store.subscribe(() => {});
    await until(() => store.getSnapshot().state !== undefined);
    stop(); // the page unmounts; the room stays joined for roomReleaseMs
    await bidder.command('auction:place_bid', { auctionId: 'a1', amount: 1000 }).done;
    await bidder.command('auction:place_bid', { auctionId: 'a1', amount: 1500 }).done;
    stop = store.subscribe(() => {}); // …and mounts again
    cleanups.push(stop);
    await until(() => store.getSnapshot().state?.currentPrice === 1500);
    expect(store.getSnapshot().state!.minNextBid).toBe(1600);
    expect(store.getSnapshot().bids.map((b) => b.amount)).toEqual([1000, 1500]);
  });
});

describe('notifications store', () => {
  /** A networked store's latency on the dedupe write (as with Redis), between a handler's end and its ack. */
  class SlowDedupeStore extends MemoryStore {
    private readonly outcomes = new Map<string, CommandOutcome>();
    async getCommandResult(key: string): Promise<CommandOutcome | undefined> {
      return this.outcomes.get(key);
    }
    async saveCommandResult(key: string, outcome: CommandOutcome): Promise<void> {
      await sleep(150);
      this.outcomes.set(key, outcome);
    }
  }
  const alert = (title: string): NotificationInput => ({ category: 'message', type: 'agent_reply', title, body: title, priority: 'instant' });

  it('a late mark_read answer does not overwrite a newer unread count from the feed', async () => {
    const notifications = notificationFeature({ tickMs: 10, onError: () => {} });
    const server = await startServer({ features: [notifications], store: new SlowDedupeStore() });
    cleanups.push(() => server.close());
    const c = connect(server.url, 'u1');
    cleanups.push(() => c.close());
    const store = notificationsStore(c as unknown as SinyalClient<object, object>);
    cleanups.push(store.subscribe(() => {}));
    await until(() => store.getSnapshot().status === 'ready');
    await notifications.notify('u1', alert('one'));
    await notifications.notify('u1', alert('two'));
    await until(() => store.getSnapshot().unreadCount === 2 && store.getSnapshot().items.length === 2);

    const pending = store.markRead(store.getSnapshot().items[1]!.id); // server: 1 unread; the answer is delayed
    await sleep(50);
    await notifications.notify('u1', alert('three')); // server: 2 unread; the feed says so before the answer
    await pending.done;
    await sleep(100);
    expect(store.getSnapshot().unreadCount).toBe(2);
  });
});
