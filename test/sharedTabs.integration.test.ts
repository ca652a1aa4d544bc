// @sinyal/client/tabs against the real server over real sockets: "tabs" in one process with
// one Web Locks registry, Node's BroadcastChannel and one localStorage (test-utils/fakeTabs);
// closing a tab releases its locks and kills its sockets without a goodbye, as a browser does.
// The same scenarios run in Chromium in test/e2e/sharedTabs.e2e.ts.
import type { ClientOptions } from '@sinyal/client';
import { httpTransport } from '@sinyal/client/http';
import { createSharedClient } from '@sinyal/client/tabs';
import { createDevToken } from '@sinyal/server';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { activityTracker, userStatusStore, type ActivitySource } from '../packages/client/src/presence';
import { presenceFeature } from '../packages/server/src/features/presence';
import { FakeBrowser, type FakeTab } from '../test-utils/fakeTabs';
import { createFaultProxy } from '../test-utils/faultProxy';
import { connect, record, SECRET, startServer, until, type TestEvents } from '../test-utils/harness';

let server: Awaited<ReturnType<typeof startServer>>;
let browser: FakeBrowser;
let url: string;

async function setUp(options: Parameters<typeof startServer>[0] = {}) {
  server = await startServer(options);
  url = server.url;
  browser = new FakeBrowser();
}

afterEach(async () => {
  browser?.closeAll();
  await server?.close();
});

const open = (tab: FakeTab) => tab.client.state === 'open';
const leaderOf = (tabs: FakeTab[]) => tabs.filter((tab) => !tab.dead && tab.role === 'leader');

describe('@sinyal/client/tabs: one connection for all tabs', () => {
  it('three tabs share one connection; each gets every event once; a room joined by all is one membership', async () => {
    await setUp();
    const tabs = [browser.open(url, 'alice'), browser.open(url, 'alice'), browser.open(url, 'alice')];
    await until(() => tabs.every(open));
    expect(leaderOf(tabs)).toHaveLength(1);
    expect(tabs.filter((tab) => tab.role === 'follower')).toHaveLength(2);
    expect(server.connections()).toBe(1);

    const feeds = tabs.map((tab) => record(tab.client, 'demo:lobby'));
    await until(() => feeds.every((feed) => feed.room.getSnapshot().status === 'joined'));
    expect(server.localMembers('demo:lobby')).toBe(1);
    for (let n = 1; n <= 5; n++) await tabs[n % 3]!.client.room('demo:lobby').publish('demo:message', { from: 'alice', n }).done;
    await until(() => feeds.every((feed) => feed.items.length >= 5));
    for (const feed of feeds) expect(feed.items.map((item) => item.n)).toEqual([1, 2, 3, 4, 5]);
    expect(server.connections()).toBe(1);
  });

  it('with transports: httpTransport(), the tabs share one HTTP connection (the leader\'s), not one each', async () => {
    await setUp();
    const tabs = [0, 1, 2].map(() => browser.open(url, 'alice', { transports: httpTransport() }));
    await until(() => tabs.every(open));
    expect(server.connections()).toBe(1);
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^sinyal_http_connections 1$/m);
    const feeds = tabs.map((tab) => record(tab.client, 'demo:http-tabs'));
    await until(() => feeds.every((feed) => feed.room.getSnapshot().status === 'joined'));
    for (let n = 1; n <= 3; n++) await tabs[n % 3]!.client.room('demo:http-tabs').publish('demo:message', { from: 'alice', n }).done;
    await until(() => feeds.every((feed) => feed.items.length >= 3));
    for (const feed of feeds) expect(feed.items.map((item) => item.n)).toEqual([1, 2, 3]);
  });

  it('without Web Locks (or BroadcastChannel) a shared client is alone: a connection of its own that connects, joins and publishes', async () => {
    await setUp();
    // Node has no navigator.locks: nothing to share with, as in a browser without Web Locks.
    const make = (user: string) =>
      createSharedClient<TestEvents>({ url, token: () => createDevToken(SECRET, user), WebSocket: WebSocket as unknown as NonNullable<ClientOptions['WebSocket']>, tabs: { key: user } });
    const [a, b] = [make('alice'), make('alice')];
    try {
      expect([a.tabs.getSnapshot().role, b.tabs.getSnapshot().role]).toEqual(['alone', 'alone']);
      const feeds = [a, b].map((client) => record(client, 'demo:alone'));
      await until(() => a.state === 'open' && b.state === 'open' && feeds.every((feed) => feed.room.getSnapshot().status === 'joined'));
      expect(server.connections()).toBe(2);
      await a.room('demo:alone').publish('demo:message', { from: 'alice', n: 1 }).done;
      await until(() => feeds.every((feed) => feed.items.length === 1));
      a.close();
      expect(a.state).toBe('closed');
    } finally {
      a.close();
      b.close();
    }
  });

  it('mixed rooms per tab: each room is one membership, each tab gets only its rooms; a leave by the last tab leaves', async () => {
    await setUp();
    const [a, b, c] = [browser.open(url, 'alice'), browser.open(url, 'alice'), browser.open(url, 'alice')];
    const aOne = record(a.client, 'demo:one');
    const bOne = record(b.client, 'demo:one');
    const bTwo = record(b.client, 'demo:two');
    const cThree = record(c.client, 'demo:three');
    await until(() => [aOne, bOne, bTwo, cThree].every((feed) => feed.room.getSnapshot().status === 'joined'));
    expect(['demo:one', 'demo:two', 'demo:three'].map((room) => server.localMembers(room))).toEqual([1, 1, 1]);
    await server.publish('demo:one', 'demo:message', { from: 'srv', n: 1 });
    await server.publish('demo:two', 'demo:message', { from: 'srv', n: 2 });
    await server.publish('demo:three', 'demo:message', { from: 'srv', n: 3 });
    await until(() => aOne.items.length === 1 && bOne.items.length === 1 && bTwo.items.length === 1 && cThree.items.length === 1);
    expect([aOne, bOne, bTwo, cThree].map((feed) => feed.items.map((item) => item.n))).toEqual([[1], [1], [2], [3]]);
    // demo:one stays joined while b is in it; it is left when b leaves too.
    aOne.off();
    await new Promise((done) => setTimeout(done, 100));
    expect(server.localMembers('demo:one')).toBe(1);
    bOne.off();
    await until(() => server.localMembers('demo:one') === 0);
    expect(server.localMembers('demo:two')).toBe(1);
  });

  it('a tab opened later joins the shared connection and gets the room from its head', async () => {
    await setUp();
    const first = browser.open(url, 'alice');
    const feed = record(first.client, 'demo:lobby');
    await until(() => feed.room.getSnapshot().status === 'joined');
    await first.client.room('demo:lobby').publish('demo:message', { from: 'alice', n: 1 }).done;
    const late = browser.open(url, 'alice');
    await until(() => open(late));
    expect(late.role).toBe('follower');
    const lateFeed = record(late.client, 'demo:lobby');
    await until(() => lateFeed.room.getSnapshot().status === 'joined');
    await late.client.room('demo:lobby').publish('demo:message', { from: 'alice', n: 2 }).done;
    await until(() => feed.items.length === 2 && lateFeed.items.length === 1);
    expect(lateFeed.items.map((item) => item.n)).toEqual([2]);
    expect(server.connections()).toBe(1);
  });

  it('closing the leader hands over: nothing lost or duplicated, commands in flight answered once with their ids', async () => {
    await setUp();
    // 150 ms each way between the leader and the server: when the leader tab goes, the server
    // has run commands whose acks are still on their way back (and lost with the socket).
    const proxy = await createFaultProxy({ targetPort: server.port });
    url = `ws://127.0.0.1:${proxy.port}/ws`;
    const tabs = [browser.open(url, 'alice'), browser.open(url, 'alice'), browser.open(url, 'alice')];
    await until(() => tabs.every(open));
    const leader = leaderOf(tabs)[0]!;
    const followers = tabs.filter((tab) => tab !== leader);
    const feeds = followers.map((tab) => record(tab.client, 'demo:lobby'));
    await until(() => feeds.every((feed) => feed.room.getSnapshot().status === 'joined'));
    proxy.setDelay(150);
    const sent = followers.flatMap((tab, t) => Array.from({ length: 10 }, (_, i) => tab.client.room('demo:lobby').publish('demo:message', { from: `f${t}`, n: i })));
    await until(() => sent.every((command) => command.status === 'sent'));
    await new Promise((done) => setTimeout(done, 200)); // at the server, not yet answered here
    expect(sent.filter((command) => command.status === 'acked')).toHaveLength(0);
    leader.kill();
    proxy.setDelay(0);
    const closedAt = Date.now();
    await until(() => leaderOf(followers).length === 1 && followers.every(open), 2000);
    expect(Date.now() - closedAt).toBeLessThan(2000);
    await Promise.all(sent.map((command) => command.done));
    await until(() => feeds.every((feed) => feed.items.length >= 20));
    await new Promise((done) => setTimeout(done, 200));
    for (const feed of feeds) {
      const seqs = feed.items.map((item) => item.seq!);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(new Set(seqs).size).toBe(20); // 20 commands, 20 events: none ran twice, none lost
      expect(feed.items).toHaveLength(20);
      for (const t of [0, 1]) expect(feed.items.filter((item) => item.from === `f${t}`).map((item) => item.n)).toEqual([...Array(10).keys()]);
    }
    expect(server.connections()).toBe(1);
    await proxy.close();
  });

  it('a command from a tab closed right after sending is delivered once, even when the leader goes too', async () => {
    await setUp();
    const [leader, writer, reader] = [browser.open(url, 'alice'), browser.open(url, 'alice'), browser.open(url, 'alice')];
    await until(() => [leader, writer, reader].every(open));
    expect(leader.role).toBe('leader');
    const watch = record(reader.client, 'demo:lobby');
    const own = record(writer.client, 'demo:lobby');
    await until(() => watch.room.getSnapshot().status === 'joined' && own.room.getSnapshot().status === 'joined');
    // The writer sends and is closed at once, then the leader goes too: the journal has it.
    for (let n = 0; n < 3; n++) writer.client.room('demo:lobby').publish('demo:message', { from: 'writer', n });
    writer.kill();
    leader.kill();
    await until(() => reader.role === 'leader' && open(reader), 2000);
    await until(() => watch.items.length >= 3);
    await new Promise((done) => setTimeout(done, 300));
    expect(watch.items.map((item) => item.n)).toEqual([0, 1, 2]);
    // Every answered command is gone from the shared outbox.
    await until(() => [...Array(browser.storage.length).keys()].every((i) => !browser.storage.key(i)?.includes(':cmd:')));
  });

  it('signing out in one tab signs out every tab and closes the connection', async () => {
    await setUp();
    const tabs = [browser.open(url, 'alice'), browser.open(url, 'alice'), browser.open(url, 'alice')];
    await until(() => tabs.every(open));
    tabs.find((tab) => tab.role === 'follower')!.client.close();
    await until(() => tabs.every((tab) => tab.client.state === 'closed' && tab.role === 'closed'));
    await until(() => server.connections() === 0);
  });

  it('a token the server refuses ends in failed in every tab, with the server\'s reason', async () => {
    await setUp();
    const tabs = [browser.open(url, 'alice', { token: 'not-a-token' }), browser.open(url, 'alice', { token: 'not-a-token' })];
    await until(() => tabs.every((tab) => tab.client.state === 'failed'));
    for (const tab of tabs) expect(tab.client.getSnapshot().error?.code).toBe('unauthorized');
    expect(server.connections()).toBe(0);
  });

  it('malformed messages on the tabs channel are reported as invalid_frame and ignored; the tabs keep working', async () => {
    await setUp();
    const errors: unknown[] = [];
    const tabs = [browser.open(url, 'alice', { onError: (error) => errors.push(error) }), browser.open(url, 'alice', { onError: (error) => errors.push(error) })];
    await until(() => tabs.every(open));
    const feeds = tabs.map((tab) => record(tab.client, 'demo:lobby'));
    await until(() => feeds.every((feed) => feed.room.getSnapshot().status === 'joined'));
    const intruder = new BroadcastChannel('sinyal:tabs:v1:alice');
    for (const junk of [null, 'x', 42, { k: 'recv', to: 5, text: '{}' }, { k: 'open' }, { k: 'send', conn: 'nobody', text: 'not json' }, { k: 'nope' }]) intruder.postMessage(junk);
    await until(() => errors.length >= 12); // 6 malformed ones, each seen by both tabs (and the leader)
    intruder.close();
    expect(errors.every((error) => (error as { code?: string }).code === 'invalid_frame')).toBe(true);
    await tabs[1]!.client.room('demo:lobby').publish('demo:message', { from: 'alice', n: 1 }).done;
    await until(() => feeds.every((feed) => feed.items.length === 1));
    expect(server.connections()).toBe(1);
  });

  it('the shared outbox is bounded (tabs.maxJournal): beyond it commands stay in their tab only, and are still delivered', async () => {
    await setUp();
    const tabs = [browser.open(url, 'alice', { tabs: { maxJournal: 2 } }), browser.open(url, 'alice', { tabs: { maxJournal: 2 } })];
    await until(() => tabs.every(open));
    const feed = record(tabs[0]!.client, 'demo:lobby');
    const own = record(tabs[1]!.client, 'demo:lobby');
    await until(() => feed.room.getSnapshot().status === 'joined' && own.room.getSnapshot().status === 'joined');
    const journal = () => [...Array(browser.storage.length).keys()].filter((i) => browser.storage.key(i)?.includes(':cmd:')).length;
    const sent = Array.from({ length: 6 }, (_, n) => tabs[1]!.client.room('demo:lobby').publish('demo:message', { from: 'alice', n }));
    expect(journal()).toBe(2);
    await Promise.all(sent.map((command) => command.done));
    await until(() => feed.items.length === 6);
    expect(feed.items.map((item) => item.n)).toEqual([0, 1, 2, 3, 4, 5]);
    await until(() => journal() === 0);
  });

  it('a room taken away by the server (revoke) is left in every tab that was in it, and the membership is gone', async () => {
    await setUp();
    const tabs = [browser.open(url, 'alice'), browser.open(url, 'alice'), browser.open(url, 'alice')];
    const rooms = tabs.slice(0, 2).map((tab) => tab.client.room('private:alice'));
    const stops = rooms.map((room) => room.retain());
    const other = record(tabs[2]!.client, 'demo:lobby');
    await until(() => rooms.every((room) => room.getSnapshot().status === 'joined') && other.room.getSnapshot().status === 'joined');
    expect(server.localMembers('private:alice')).toBe(1);
    await server.revoke('private:alice', 'alice', 'shared elsewhere');
    await until(() => rooms.every((room) => room.getSnapshot().error?.code === 'forbidden'));
    expect(server.localMembers('private:alice')).toBe(0);
    expect(other.room.getSnapshot().status).toBe('joined'); // a tab not in the room is not told
    stops.forEach((stop) => stop());
  });

  it('a tab whose join is over the join rate limit waits and retries; the other tabs in the room keep getting every event once', async () => {
    await setUp({ limits: { joinsPerSecond: 2, joinBurst: 1 } } as Parameters<typeof startServer>[0]);
    const [a, b] = [browser.open(url, 'alice'), browser.open(url, 'alice')];
    const first = record(a.client, 'demo:lobby');
    await until(() => first.room.getSnapshot().status === 'joined');
    const second = record(b.client, 'demo:lobby'); // refused (rate_limited), retried by its client
    for (let n = 1; n <= 3; n++) await server.publish('demo:lobby', 'demo:message', { from: 'srv', n });
    await until(() => second.room.getSnapshot().status === 'joined', 5000);
    await server.publish('demo:lobby', 'demo:message', { from: 'srv', n: 4 });
    await until(() => first.items.length === 4 && second.items.length >= 1);
    await new Promise((done) => setTimeout(done, 100));
    expect(first.items.map((item) => item.n)).toEqual([1, 2, 3, 4]);
    expect(second.items.at(-1)?.n).toBe(4);
    expect(new Set(second.items.map((item) => item.n)).size).toBe(second.items.length);
    expect(server.localMembers('demo:lobby')).toBe(1);
    const limited = (await server.metrics.getSingleMetric('sinyal_rate_limited_total')!.get()).values.find((value) => value.labels.scope === 'join');
    expect(limited?.value).toBeGreaterThan(0); // the second tab's join was refused at least once
  });

  it('a reset answering one tab\'s join goes to that tab only; the others keep their position and get every event once', async () => {
    await setUp();
    const [a, b] = [browser.open(url, 'alice'), browser.open(url, 'alice')];
    await until(() => open(a) && open(b));
    const first = record(a.client, 'demo:lobby');
    await until(() => first.room.getSnapshot().status === 'joined');
    for (let n = 1; n <= 2; n++) await server.publish('demo:lobby', 'demo:message', { from: 'srv', n });
    // Tab b comes back with a position of a stream the server no longer has (another epoch).
    const room = b.client.room('demo:lobby');
    room.handleJoined({ t: 'joined', id: 'earlier', room: 'demo:lobby', epoch: 'an-epoch-long-gone', seq: 1, resumed: false });
    const second = record(b.client, 'demo:lobby');
    room.rejoin();
    await until(() => second.resets.length === 1);
    expect(second.resets).toEqual(['epoch_changed']);
    await server.publish('demo:lobby', 'demo:message', { from: 'srv', n: 3 });
    await until(() => first.items.length === 3 && second.items.length === 1);
    expect(first.resets).toEqual([]);
    expect(first.items.map((item) => item.n)).toEqual([1, 2, 3]);
    expect(second.items.map((item) => item.n)).toEqual([3]);
  });

  it('two users in one browser never share', async () => {
    await setUp();
    const tabs = [browser.open(url, 'alice'), browser.open(url, 'bob'), browser.open(url, 'alice')];
    await until(() => tabs.every(open));
    expect(tabs.map((tab) => tab.role)).toEqual(['leader', 'leader', 'follower']);
    expect(tabs.map((tab) => tab.client.user)).toEqual(['alice', 'bob', 'alice']);
    expect(server.connections()).toBe(2);
  });

  it('when the real connection drops, every tab reconnects through the leader and resumes its rooms', async () => {
    await setUp();
    const proxy = await createFaultProxy({ targetPort: server.port });
    url = `ws://127.0.0.1:${proxy.port}/ws`;
    const tabs = [browser.open(url, 'alice'), browser.open(url, 'alice')];
    await until(() => tabs.every(open));
    const feeds = tabs.map((tab) => record(tab.client, 'demo:lobby'));
    await until(() => feeds.every((feed) => feed.room.getSnapshot().status === 'joined'));
    await server.publish('demo:lobby', 'demo:message', { from: 'srv', n: 1 });
    await until(() => feeds.every((feed) => feed.items.length === 1));
    // Cut the real connection (the network between the leader and the server). The reconnect
    // can be quicker than a poll, so the drop is seen through the tabs' state changes.
    let dropped = false;
    const unsubscribe = tabs.map((tab) => tab.client.subscribe(() => (dropped ||= !open(tab))));
    expect(proxy.cutAll()).toBe(1);
    await until(() => dropped);
    for (const stop of unsubscribe) stop();
    await server.publish('demo:lobby', 'demo:message', { from: 'srv', n: 2 });
    await until(() => tabs.every(open) && feeds.every((feed) => feed.items.length === 2));
    for (const feed of feeds) expect(feed.items.map((item) => item.n)).toEqual([1, 2]);
    expect(server.connections()).toBe(1);
    expect(proxy.accepted()).toBe(2);
    await proxy.close();
  });

  it('the shared connection is away only when every tab is idle, and online again when any tab is active or the idle ones close', async () => {
    await setUp({ features: [presenceFeature({ coalesceMs: 30, logger: null, statusVisibility: 'everyone', propertyExists: () => true })] });
    const observer = connect(url, 'obs');
    const dana = userStatusStore(observer, 'dana');
    const stopWatching = dana.subscribe(() => {});
    await until(() => dana.getSnapshot().status === 'joined');
    const tabs = [browser.open(url, 'dana'), browser.open(url, 'dana'), browser.open(url, 'dana')];
    const pages = tabs.map(() => manualPage());
    const trackers = tabs.map((tab, i) => activityTracker(tab.client, { source: pages[i]!.source }));
    const stops = trackers.map((tracker) => tracker.subscribe(() => {}));
    await until(() => tabs.every(open) && dana.getSnapshot().presence === 'online');
    pages[0]!.hide();
    pages[1]!.hide();
    await until(() => trackers[0]!.getSnapshot().idle && trackers[1]!.getSnapshot().idle);
    await new Promise((done) => setTimeout(done, 300));
    expect(dana.getSnapshot().presence).toBe('online'); // the third tab is still in use
    pages[2]!.hide();
    await until(() => dana.getSnapshot().presence === 'away');
    pages[1]!.show();
    await until(() => dana.getSnapshot().presence === 'online');
    // The one active tab closes: the two left are idle.
    tabs[1]!.kill();
    await until(() => dana.getSnapshot().presence === 'away');
    expect(server.connections()).toBe(2); // dana's one, the observer's
    stops.forEach((stop) => stop());
    stopWatching();
    observer.close();
  });
});

/** A page the test hides and shows (the activity tracker's source). */
function manualPage() {
  let hidden = false;
  let onVisibilityChange = () => {};
  const source: ActivitySource = {
    isHidden: () => hidden,
    listen(_onInput, visibility) {
      onVisibilityChange = visibility;
      return () => {};
    },
  };
  const set = (value: boolean) => {
    hidden = value;
    onVisibilityChange();
  };
  return { source, hide: () => set(true), show: () => set(false) };
}
