// @sinyal/client/tabs with a SharedWorker (tabs.worker + serveSharedConnection) against the
// real server over real sockets on 127.0.0.1: the worker holds the connection, so no tab's
// closing moves it; the shared outbox lives in the worker and in localStorage, so commands of
// closed tabs are still delivered once, even after every tab has closed. Tabs run in one
// process (test-utils/fakeTabs), the worker's ports are Node MessageChannels. The same runs in
// Chromium in test/e2e/sharedTabs.e2e.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBrowser, type FakeTab } from '../test-utils/fakeTabs';
import { createFaultProxy, type FaultProxy } from '../test-utils/faultProxy';
import { connect, record, sleep, startServer, until } from '../test-utils/harness';

let server: Awaited<ReturnType<typeof startServer>>;
let browser: FakeBrowser;
let proxy: FaultProxy | undefined;
let url: string;
const cleanups: Array<() => unknown> = [];

async function setUp(options: { viaProxy?: boolean } = {}) {
  server = await startServer();
  url = server.url;
  if (options.viaProxy) {
    proxy = await createFaultProxy({ targetPort: server.port });
    url = `ws://127.0.0.1:${proxy.port}/ws`;
  }
  browser = new FakeBrowser();
}

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  browser?.closeAll();
  await proxy?.close();
  proxy = undefined;
  await server?.close();
});

const open = (tab: FakeTab) => tab.client.state === 'open';
const openTab = (user = 'alice', options: Parameters<FakeBrowser['open']>[2] = {}) => browser.open(url, user, { worker: true, ...options });
const journalKeys = () => [...Array(browser.storage.length).keys()].map((i) => browser.storage.key(i)!).filter((key) => key.includes(':cmd:'));

describe('@sinyal/client/tabs with a shared worker', () => {
  it('the worker holds the one connection: every tab a follower, each room one membership, every event once per tab', async () => {
    await setUp();
    const tabs = [openTab(), openTab(), openTab()];
    await until(() => tabs.every(open));
    for (const tab of tabs) expect(tab.client.tabs.getSnapshot()).toMatchObject({ role: 'follower', host: 'worker', key: 'alice' });
    expect(server.connections()).toBe(1);
    expect(browser.workersStarted).toBe(1);
    const feeds = tabs.map((tab) => record(tab.client, 'demo:lobby'));
    const mine = record(tabs[0]!.client, 'demo:mine');
    await until(() => [...feeds, mine].every((feed) => feed.room.getSnapshot().status === 'joined'));
    expect(server.localMembers('demo:lobby')).toBe(1);
    for (let n = 1; n <= 5; n++) await tabs[n % 3]!.client.room('demo:lobby').publish('demo:message', { from: 'alice', n }).done;
    await server.publish('demo:mine', 'demo:message', { from: 'srv', n: 9 });
    await until(() => feeds.every((feed) => feed.items.length >= 5) && mine.items.length === 1);
    await sleep(100);
    for (const feed of feeds) expect(feed.items.map((item) => item.n)).toEqual([1, 2, 3, 4, 5]);
    expect(server.connections()).toBe(1);
    expect(browser.workerErrors).toEqual([]);
  });

  it('closing any tab, the first one too, does not move the connection; commands in flight from a closed tab are delivered once', async () => {
    await setUp({ viaProxy: true });
    const [first, writer, reader] = [openTab(), openTab(), openTab()];
    await until(() => [first, writer, reader].every(open));
    const watch = record(reader.client, 'demo:lobby');
    const own = record(writer.client, 'demo:lobby');
    await until(() => watch.room.getSnapshot().status === 'joined' && own.room.getSnapshot().status === 'joined');
    proxy!.setDelay(150); // the commands reach the server after their tab has gone
    for (let n = 0; n < 5; n++) writer.client.room('demo:lobby').publish('demo:message', { from: 'writer', n });
    await sleep(20);
    writer.kill();
    first.kill();
    proxy!.setDelay(0);
    await until(() => watch.items.length >= 5);
    await sleep(300);
    expect(watch.items.map((item) => item.n)).toEqual([0, 1, 2, 3, 4]);
    expect(open(reader)).toBe(true);
    expect(proxy!.accepted()).toBe(1); // one connection from start to end
    expect(server.connections()).toBe(1);
    await until(() => journalKeys().length === 0);
  });

  it('commands of tabs that all closed while the server was unreachable are delivered once by the next tab\'s new worker', async () => {
    await setUp({ viaProxy: true });
    const observer = connect(server.url, 'bob'); // straight to the server: sees what arrives
    cleanups.push(() => observer.close());
    const seen = record(observer, 'demo:lobby');
    const tabs = [openTab(), openTab()];
    await until(() => tabs.every(open) && seen.room.getSnapshot().status === 'joined');
    proxy!.refuse(true);
    proxy!.cutAll();
    await until(() => tabs.every((tab) => !open(tab)));
    const sent = [0, 1, 2].map((n) => tabs[0]!.client.room('demo:lobby').publish('demo:message', { from: 'offline', n }));
    expect(sent.map((command) => command.status)).toEqual(['queued', 'queued', 'queued']);
    expect(journalKeys()).toHaveLength(3); // in localStorage, written through by the tab
    for (const tab of tabs) tab.kill();
    proxy!.refuse(false);
    // A new tab: a new worker, which takes the shared outbox from the tab and sends it.
    const later = openTab();
    await until(() => open(later));
    expect(browser.workersStarted).toBe(2);
    await until(() => seen.items.length >= 3);
    await until(() => journalKeys().length === 0);
    await sleep(300);
    expect(seen.items.map((item) => [item.from, item.n])).toEqual([
      ['offline', 0],
      ['offline', 1],
      ['offline', 2],
    ]);
  });

  it('signing out in one tab signs out every tab and closes the worker\'s connection', async () => {
    await setUp();
    const tabs = [openTab(), openTab(), openTab()];
    await until(() => tabs.every(open));
    tabs[1]!.client.close();
    await until(() => tabs.every((tab) => tab.client.state === 'closed' && tab.role === 'closed'));
    await until(() => server.connections() === 0);
  });

  it('a token the server refuses ends in failed in every tab, with the server\'s reason', async () => {
    await setUp();
    const tabs = [openTab('alice', { token: 'not-a-token' }), openTab('alice', { token: 'not-a-token' })];
    await until(() => tabs.every((tab) => tab.client.state === 'failed'));
    for (const tab of tabs) expect(tab.client.getSnapshot().error?.code).toBe('unauthorized');
    expect(server.connections()).toBe(0);
  });

  it('two users in one browser get a connection each from the one worker', async () => {
    await setUp();
    const [alice, bob] = [openTab('alice'), openTab('bob')];
    await until(() => open(alice) && open(bob));
    expect(browser.workersStarted).toBe(1);
    expect(server.connections()).toBe(2);
    expect([alice.client.user, bob.client.user]).toEqual(['alice', 'bob']);
  });

  it('a worker that cannot start, or never answers, leaves the tabs to elect a leader', async () => {
    await setUp();
    const errors: unknown[] = [];
    const throwing = browser.open(url, 'alice', { onError: (error) => errors.push(error), tabs: { worker: () => { throw new Error('SharedWorker is not defined'); } } });
    const silent = browser.open(url, 'alice', {
      onError: (error) => errors.push(error),
      tabs: { workerTimeoutMs: 200, worker: () => ({ port: { postMessage: () => {}, onmessage: null, close: () => {} }, onerror: null }) },
    });
    await until(() => open(throwing) && open(silent));
    expect([throwing.role, silent.role].sort()).toEqual(['follower', 'leader']);
    expect(throwing.client.tabs.getSnapshot().host).toBe('tab');
    expect(server.connections()).toBe(1);
    expect(errors.map((error) => (error as { code?: string }).code)).toEqual(['unavailable', 'unavailable']);
  });

  it('a worker that crashes after the tabs joined it: they notice, elect a leader, and nothing sent meanwhile is lost or doubled', async () => {
    await setUp();
    const errors: unknown[] = [];
    const options = { onError: (error: unknown) => errors.push(error), tabs: { workerTimeoutMs: 300 } };
    const tabs = [openTab('alice', options), openTab('alice', options)];
    await until(() => tabs.every(open));
    expect(tabs.map((tab) => tab.client.tabs.getSnapshot().host)).toEqual(['worker', 'worker']);
    const feeds = tabs.map((tab) => record(tab.client, 'demo:lobby'));
    await until(() => feeds.every((feed) => feed.room.getSnapshot().status === 'joined'));
    await tabs[0]!.client.room('demo:lobby').publish('demo:message', { from: 'alice', n: 1 }).done;
    await until(() => feeds.every((feed) => feed.items.length === 1));

    browser.crashWorker();
    await until(() => server.connections() === 0);
    // Sent while nothing carries them (the tabs do not know yet): they wait in the outboxes.
    const sent = [2, 3].map((n) => tabs[n % 2]!.client.room('demo:lobby').publish('demo:message', { from: 'alice', n }).done);
    await until(() => tabs.every((tab) => tab.client.tabs.getSnapshot().host === 'tab'), 5000);
    await Promise.all(sent);
    await until(() => tabs.every(open));
    expect(tabs.map((tab) => tab.role).sort()).toEqual(['follower', 'leader']);
    await server.publish('demo:lobby', 'demo:message', { from: 'srv', n: 4 });
    await until(() => feeds.every((feed) => feed.items.length >= 4));
    await sleep(100);
    for (const feed of feeds) expect(feed.items.map((item) => item.n).sort()).toEqual([1, 2, 3, 4]);
    expect(server.connections()).toBe(1);
    expect(errors.filter((error) => String((error as Error).message).includes('stopped answering'))).toHaveLength(2);
  });
});
