// Presence & social proof against the real server over real sockets: unique viewer counts,
// eviction of dead viewers, coalescing under a burst, online/away/offline with lastSeen (the
// activity tracker of each tab), agent status, and the social-proof counters with their day /
// week windows.
import type { SinyalClient } from '@sinyal/client';
import { createDevToken, type ServerOptions } from '@sinyal/server';
import { afterEach, describe, expect, it } from 'vitest';
import { activityTracker, agentStatusStore, setAgentStatus, userStatusStore, viewerCountStore, type ActivitySource } from '../packages/client/src/presence';
import { presenceFeature, type PresenceOptions } from '../packages/server/src/features/presence';
import { createFaultProxy } from '../test-utils/faultProxy';
import { SECRET, connect, sleep, startServer, until } from '../test-utils/harness';

const PUBLISH_SECRET = 'presence-publisher-secret';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** The listings of these tests: the counting endpoints count only these. */
const LISTINGS = new Set(['rumah-1', 'rumah-2', 'p1', 'p9']);

async function setup(presence: PresenceOptions = {}, server: Partial<ServerOptions> = {}) {
  // These tests are about the status mechanics; who may see whom is test/statusVisibility.integration.test.ts.
  const feature = presenceFeature({ coalesceMs: 30, logger: null, propertyExists: (id) => LISTINGS.has(id), statusVisibility: 'everyone', ...presence });
  const s = await startServer({ features: [feature], publishSecret: PUBLISH_SECRET, ...server });
  cleanups.push(() => s.close());
  return s;
}

type Options = Parameters<typeof connect>[2];
function client(url: string, user: string, options: Options = {}) {
  const c = connect(url, user, options);
  cleanups.push(() => c.close());
  return c;
}

function agent(url: string, user: string, options: Options = {}) {
  return client(url, user, { token: () => createDevToken(SECRET, user, 3600, { role: 'agent' }), ...options });
}

/** Subscribes (which, for these stores, means joining) until the test ends or `stop` is called. */
function watch<S extends { subscribe(listener: () => void): () => void }>(store: S) {
  const stop = store.subscribe(() => {});
  cleanups.push(stop);
  return { store, stop };
}

function viewers<E extends object, C extends object>(c: SinyalClient<E, C>, propertyId: string) {
  return watch(viewerCountStore(c, propertyId)).store;
}

async function post(url: string, token: string | undefined, body?: unknown) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('presence: viewers', () => {
  it('counts unique users: two tabs of one user once, three users as 3; leaving and closing drop the count', async () => {
    const s = await setup();
    const aliceTab1 = client(s.url, 'alice');
    const aliceTab2 = client(s.url, 'alice');
    const bob = client(s.url, 'bob');
    const carol = client(s.url, 'carol');

    const first = viewers(aliceTab1, 'p1');
    // The newcomer sees itself in the join state at once.
    await until(() => first.getSnapshot().status === 'joined');
    expect(first.getSnapshot().count).toBe(1);
    const second = viewers(aliceTab2, 'p1');
    await until(() => second.getSnapshot().status === 'joined');
    expect(second.getSnapshot().count).toBe(1);
    await sleep(100); // a second tab of the same user must not bump the count
    expect(first.getSnapshot().count).toBe(1);

    viewers(bob, 'p1');
    const carolWatch = watch(viewerCountStore(carol, 'p1'));
    await until(() => [first, second, carolWatch.store].every((v) => v.getSnapshot().count === 3));

    // One store per (client, property): fifty components share it and its join.
    expect(viewerCountStore(carol, 'p1')).toBe(carolWatch.store);
    const extra = carolWatch.store.subscribe(() => {});
    extra();
    expect(carol.room('viewers:p1').getSnapshot().status).toBe('joined');

    // Nothing changed: the snapshot keeps its identity (useSyncExternalStore relies on it).
    const stable = first.getSnapshot();
    await sleep(100);
    expect(first.getSnapshot()).toBe(stable);

    carolWatch.stop(); // unsubscribing = no longer viewing
    await until(() => first.getSnapshot().count === 2);
    expect(carolWatch.store.getSnapshot().status).toBe('idle');
    bob.close();
    await until(() => first.getSnapshot().count === 1);
    aliceTab1.close(); // alice still views in her other tab
    await sleep(100);
    expect(second.getSnapshot().count).toBe(1);

    const other = viewers(carol, 'p2');
    await until(() => other.getSnapshot().status === 'joined');
    expect(other.getSnapshot().count).toBe(1); // rooms are counted separately
  });

  it('a viewer whose connection stalls is evicted by the server and no longer counted; it comes back after reconnecting', async () => {
    const s = await setup({}, { limits: { heartbeatTimeoutMs: 600 } });
    const proxy = await createFaultProxy({ targetPort: s.port });
    cleanups.push(() => proxy.close());
    const observer = client(s.url, 'obs', { heartbeat: { intervalMs: 100, timeoutMs: 2000 } });
    // Its own heartbeat gives up late, so it is the server that notices the silence.
    const stalled = client(`ws://127.0.0.1:${proxy.port}/ws`, 'stan', { heartbeat: { intervalMs: 100, timeoutMs: 10_000 }, connectTimeoutMs: 1000 });
    const seen = viewers(observer, 'p-stall');
    const stanStatus = watch(userStatusStore(observer, 'stan')).store;
    const stansView = viewers(stalled, 'p-stall');
    await until(() => seen.getSnapshot().count === 2 && stansView.getSnapshot().count === 2);
    await until(() => stanStatus.getSnapshot().online);

    proxy.stall(true);
    await until(() => seen.getSnapshot().count === 1);
    await until(() => !stanStatus.getSnapshot().online);
    expect(stanStatus.getSnapshot().lastSeen).toEqual(expect.any(Number));

    proxy.stall(false);
    await until(() => seen.getSnapshot().count === 2 && stansView.getSnapshot().count === 2 && stansView.getSnapshot().status === 'joined');
    await until(() => stanStatus.getSnapshot().online);
  });

  it('a viewer cut off (TCP reset) is no longer counted; after the reconnect both sides agree again', async () => {
    const s = await setup();
    const proxy = await createFaultProxy({ targetPort: s.port });
    cleanups.push(() => proxy.close());
    const observer = client(s.url, 'obs');
    const cut = client(`ws://127.0.0.1:${proxy.port}/ws`, 'cyd');
    const seen = viewers(observer, 'p-cut');
    const cutsView = viewers(cut, 'p-cut');
    await until(() => seen.getSnapshot().count === 2 && cutsView.getSnapshot().count === 2);

    proxy.refuse(true);
    proxy.cutAll();
    await until(() => seen.getSnapshot().count === 1);
    await until(() => cutsView.getSnapshot().status === 'joining'); // knows it is stale
    proxy.refuse(false);
    await until(() => cut.state === 'open' && cutsView.getSnapshot().status === 'joined');
    await until(() => seen.getSnapshot().count === 2 && cutsView.getSnapshot().count === 2);

    // A cut the reconnect heals within the coalescing window changes nothing for the others.
    proxy.cutAll();
    await until(() => cut.state === 'open' && cutsView.getSnapshot().status === 'joined');
    await until(() => seen.getSnapshot().count === 2 && cutsView.getSnapshot().count === 2);
  });

  it('a burst of 200 joins reaches an observer as a handful of coalesced updates', async () => {
    const coalesceMs = 200;
    const s = await setup({ coalesceMs }, { limits: { heartbeatTimeoutMs: 60_000 } });
    const observer = client(s.url, 'observer');
    const counts: number[] = [];
    const room = observer.room('viewers:hot');
    room.on('presence:viewers' as never, (data: { count: number }) => counts.push(data.count));
    const seen = viewers(observer, 'hot');
    await until(() => seen.getSnapshot().status === 'joined');

    const startedAt = Date.now();
    const crowd = Array.from({ length: 200 }, (_, i) => client(s.url, `viewer-${i}`, { heartbeat: { intervalMs: 0 } }));
    for (const c of crowd) viewers(c, 'hot');
    await until(() => seen.getSnapshot().count === 201, 30_000);
    const elapsedMs = Date.now() - startedAt;

    expect(counts.at(-1)).toBe(201);
    // At most one update per coalescing interval, however long the burst took — never 200.
    expect(counts.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / coalesceMs) + 1);
    expect(counts.length).toBeLessThan(40);

    const before = counts.length;
    const leftAt = Date.now();
    for (const c of crowd) c.close();
    await until(() => seen.getSnapshot().count === 1, 30_000);
    expect(counts.length - before).toBeLessThanOrEqual(Math.ceil((Date.now() - leftAt) / coalesceMs) + 1);
  });

  it('refuses a join whose property id cannot name a room', async () => {
    const s = await setup();
    const c = client(s.url, 'eve');
    const bad = viewers(c, 'x'.repeat(129));
    await until(() => bad.getSnapshot().status === 'error');
    expect(bad.getSnapshot().error?.code).toBe('invalid_frame');
  });
});

describe('presence: user and agent status', () => {
  it('online while any connection is open; offline with lastSeen when the last one closes', async () => {
    const s = await setup();
    const observer = client(s.url, 'obs');
    const dana = watch(userStatusStore(observer, 'dana')).store;
    await until(() => dana.getSnapshot().status === 'joined');
    expect(dana.getSnapshot()).toMatchObject({ userId: 'dana', online: false, lastSeen: null, agentStatus: null, availableAt: null });

    const tab1 = client(s.url, 'dana');
    await until(() => dana.getSnapshot().online);
    const cameOnline = dana.getSnapshot().lastSeen!;
    const tab2 = client(s.url, 'dana');
    await until(() => tab2.state === 'open');
    tab1.close();
    await sleep(150);
    expect(dana.getSnapshot().online).toBe(true);

    const closedAt = Date.now();
    tab2.close();
    await until(() => !dana.getSnapshot().online);
    expect(dana.getSnapshot().lastSeen).toBeGreaterThanOrEqual(Math.max(cameOnline, closedAt - 5));
    expect(dana.getSnapshot().agentStatus).toBeNull(); // not an agent

    // A late watcher gets the same answer from the join state alone.
    const late = client(s.url, 'late');
    const lateView = watch(userStatusStore(late, 'dana')).store;
    await until(() => lateView.getSnapshot().status === 'joined');
    expect(lateView.getSnapshot()).toMatchObject({ online: false, lastSeen: dana.getSnapshot().lastSeen });
  });

  it("an agent's busy status and availability reach a customer, survive the customer's reconnect, and turn offline when the agent leaves", async () => {
    const s = await setup();
    const proxy = await createFaultProxy({ targetPort: s.port });
    cleanups.push(() => proxy.close());
    const customer = client(`ws://127.0.0.1:${proxy.port}/ws`, 'cust');
    const budiSeen = watch(agentStatusStore(customer, 'budi')).store;
    await until(() => budiSeen.getSnapshot().status === 'joined');

    const budi = agent(s.url, 'budi');
    await until(() => budiSeen.getSnapshot().agentStatus === 'online' && budiSeen.getSnapshot().online);
    const own = watch(agentStatusStore(budi, 'budi')).store;
    await until(() => own.getSnapshot().status === 'joined');

    const availableAt = Date.now() + 30 * 60_000;
    const result = await own.setAgentStatus('busy', availableAt).done;
    expect(result).toMatchObject({ userId: 'budi', online: true, agentStatus: 'busy', availableAt });
    expect(own.getSnapshot()).toMatchObject({ agentStatus: 'busy', availableAt }); // from the answer, at once
    await until(() => budiSeen.getSnapshot().agentStatus === 'busy');
    expect(budiSeen.getSnapshot().availableAt).toBe(availableAt);

    // The customer loses its connection while the agent becomes available again.
    proxy.refuse(true);
    proxy.cutAll();
    await until(() => customer.state !== 'open');
    await setAgentStatus(budi, 'online').done;
    proxy.refuse(false);
    await until(() => customer.state === 'open' && budiSeen.getSnapshot().status === 'joined');
    await until(() => budiSeen.getSnapshot().agentStatus === 'online');
    expect(budiSeen.getSnapshot().availableAt).toBeNull();

    await setAgentStatus(budi, 'busy', Date.now() + 60_000).done;
    await until(() => budiSeen.getSnapshot().agentStatus === 'busy');
    budi.close();
    await until(() => budiSeen.getSnapshot().agentStatus === 'offline');
    expect(budiSeen.getSnapshot()).toMatchObject({ online: false, availableAt: null, lastSeen: expect.any(Number) });

    // Back online, the agent is busy again: the chosen status outlives a disconnect.
    const again = agent(s.url, 'budi');
    await until(() => again.state === 'open');
    await until(() => budiSeen.getSnapshot().agentStatus === 'busy' && budiSeen.getSnapshot().online);
  });

  it('only agents may set an agent status, with valid data', async () => {
    const s = await setup({ maxAvailableInMs: 60 * 60_000 });
    const customer = client(s.url, 'cust');
    await expect(setAgentStatus(customer, 'busy').done).rejects.toMatchObject({ code: 'forbidden' });
    // A forged role in the data changes nothing: the role comes from the verified token.
    await expect(customer.request('presence:set_agent_status' as never, { status: 'online', role: 'agent' } as never)).rejects.toMatchObject({ code: 'invalid_frame' });

    const budi = agent(s.url, 'budi');
    await expect(budi.request('presence:set_agent_status' as never, { status: 'offline' } as never)).rejects.toMatchObject({ code: 'invalid_frame' });
    await expect(budi.request('presence:set_agent_status' as never, 'busy' as never)).rejects.toMatchObject({ code: 'invalid_frame' });
    await expect(budi.request('presence:set_agent_status' as never, { status: 'busy', availableAt: -5 } as never)).rejects.toMatchObject({ code: 'invalid_frame' });
    await expect(setAgentStatus(budi, 'busy', Date.now() + 2 * 60 * 60_000).done).rejects.toMatchObject({ code: 'bad_request' });
    await expect(setAgentStatus(budi, 'busy', Date.now() - 10 * 60_000).done).rejects.toMatchObject({ code: 'bad_request' });
    // With `online`, an availability is meaningless and dropped.
    await expect(setAgentStatus(budi, 'online', Date.now() + 60_000).done).resolves.toMatchObject({ agentStatus: 'online', availableAt: null });

    const seen = watch(userStatusStore(customer, 'cust')).store;
    await until(() => seen.getSnapshot().status === 'joined');
    expect(seen.getSnapshot()).toMatchObject({ online: true, agentStatus: null });
  });
});

/** A page the test hides and shows (the tracker's source). */
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

describe('presence: away', () => {
  it('two tabs of one user: away when both are hidden, online when either is visible; a tab sends its idle state again after a reconnect', async () => {
    const s = await setup();
    const proxy = await createFaultProxy({ targetPort: s.port });
    cleanups.push(() => proxy.close());
    const observer = client(s.url, 'obs');
    const dana = watch(userStatusStore(observer, 'dana')).store;
    await until(() => dana.getSnapshot().status === 'joined');
    expect(dana.getSnapshot()).toMatchObject({ online: false, presence: 'offline' });

    const tab1 = client(`ws://127.0.0.1:${proxy.port}/ws`, 'dana');
    const tab2 = client(s.url, 'dana');
    const [page1, page2] = [manualPage(), manualPage()];
    const activity1 = watch(activityTracker(tab1, { source: page1.source })).store;
    watch(activityTracker(tab2, { source: page2.source }));
    await until(() => tab1.state === 'open' && tab2.state === 'open');
    await until(() => dana.getSnapshot().presence === 'online');

    page1.hide();
    page2.hide();
    await until(() => dana.getSnapshot().presence === 'away');
    expect(dana.getSnapshot()).toMatchObject({ online: true, presence: 'away' });
    page2.show();
    await until(() => dana.getSnapshot().presence === 'online');

    // Tab 1 (hidden, idle) loses its connection; its new connection starts active on the
    // server, so the tracker says "idle" again: with tab 2 hidden too, dana is away.
    const states: string[] = [];
    tab1.subscribe(() => states.push(tab1.state));
    proxy.cutAll();
    await until(() => states.includes('reconnecting') && tab1.state === 'open');
    expect(activity1.getSnapshot().idle).toBe(true);
    page2.hide();
    await until(() => dana.getSnapshot().presence === 'away');

    // Tab 1 shows and closes: only tab 2 is left, hidden — away; then none — offline.
    page1.show();
    await until(() => dana.getSnapshot().presence === 'online');
    tab1.close();
    await until(() => dana.getSnapshot().presence === 'away');
    tab2.close();
    await until(() => dana.getSnapshot().presence === 'offline');
    expect(dana.getSnapshot()).toMatchObject({ online: false, lastSeen: expect.any(Number) });
  });
});

describe('presence: social proof', () => {
  it('wishlist and viewing counters are idempotent per user, pushed to viewers, and roll over by day and week', async () => {
    // Monday 2025-01-06 10:00 in Jakarta (UTC+7).
    let now = Date.UTC(2025, 0, 6, 3, 0);
    const s = await setup({ now: () => now, utcOffsetMinutes: 420, rolloverCheckMs: 20 });
    const api = (id: string, what: string) => `${s.httpUrl}/api/properties/${id}/${what}`;
    const alice = await createDevToken(SECRET, 'alice');
    const bob = await createDevToken(SECRET, 'bob');
    const observer = client(s.url, 'obs');
    const seen = viewers(observer, 'rumah-1');
    await until(() => seen.getSnapshot().status === 'joined');
    expect(seen.getSnapshot()).toMatchObject({ count: 1, wishlistToday: 0, viewingsThisWeek: 0 });

    expect(await post(api('rumah-1', 'wishlist'), alice)).toEqual({ status: 200, body: { propertyId: 'rumah-1', counted: true, wishlistToday: 1, viewingsThisWeek: 0 } });
    expect((await post(api('rumah-1', 'wishlist'), alice)).body).toMatchObject({ counted: false, wishlistToday: 1 });
    expect((await post(api('rumah-1', 'wishlist'), bob)).body).toMatchObject({ counted: true, wishlistToday: 2 });
    expect((await post(api('rumah-1', 'viewings'), alice)).body).toMatchObject({ counted: true, viewingsThisWeek: 1 });
    expect((await post(api('rumah-1', 'viewings'), alice)).body).toMatchObject({ counted: false, viewingsThisWeek: 1 });
    expect((await post(api('rumah-2', 'wishlist'), alice)).body).toMatchObject({ counted: true, wishlistToday: 1 });
    await until(() => seen.getSnapshot().wishlistToday === 2 && seen.getSnapshot().viewingsThisWeek === 1);

    const presence = await fetch(`${s.httpUrl}/api/properties/rumah-1/presence`, { headers: { authorization: `Bearer ${alice}` } });
    expect(await presence.json()).toEqual({ propertyId: 'rumah-1', count: 1, wishlistToday: 2, viewingsThisWeek: 1 });

    // Midnight in Jakarta (17:00 UTC): today's saves reset, this week's viewings stay, viewers are told.
    now = Date.UTC(2025, 0, 6, 17, 0);
    await until(() => seen.getSnapshot().wishlistToday === 0);
    expect(seen.getSnapshot().viewingsThisWeek).toBe(1);
    expect((await post(api('rumah-1', 'wishlist'), alice)).body).toMatchObject({ counted: true, wishlistToday: 1 });
    expect((await post(api('rumah-1', 'viewings'), alice)).body).toMatchObject({ counted: false, viewingsThisWeek: 1 });

    // Next Monday (local): a new week.
    now = Date.UTC(2025, 0, 12, 17, 0);
    await until(() => seen.getSnapshot().viewingsThisWeek === 0 && seen.getSnapshot().wishlistToday === 0);
    expect((await post(api('rumah-1', 'viewings'), alice)).body).toMatchObject({ counted: true, viewingsThisWeek: 1 });
  });

  it('refuses anonymous callers and bad property ids', async () => {
    const s = await setup();
    const alice = await createDevToken(SECRET, 'alice');
    expect((await post(`${s.httpUrl}/api/properties/p1/wishlist`, undefined)).status).toBe(401);
    expect((await post(`${s.httpUrl}/api/properties/p1/wishlist`, 'not-a-token')).status).toBe(401);
    expect((await post(`${s.httpUrl}/api/properties/p1/wishlist`, PUBLISH_SECRET)).status).toBe(401); // user mode: a user token is needed
    const bad = await post(`${s.httpUrl}/api/properties/${'x'.repeat(129)}/viewings`, alice);
    expect(bad).toMatchObject({ status: 400, body: { code: 'bad_request' } });
    expect((await post(`${s.httpUrl}/api/properties/bad%20id/wishlist`, alice)).status).toBe(400);
    expect((await fetch(`${s.httpUrl}/api/properties/p1/presence`)).status).toBe(401);
  });

  it("with activityAuth 'publisher' only the platform's backend counts, once per named user", async () => {
    const s = await setup({ activityAuth: 'publisher' });
    const url = `${s.httpUrl}/api/properties/p9/wishlist`;
    const alice = await createDevToken(SECRET, 'alice');
    expect((await post(url, alice)).status).toBe(401);
    expect((await post(url, PUBLISH_SECRET, { userId: 'alice' })).body).toMatchObject({ counted: true, wishlistToday: 1 });
    expect((await post(url, PUBLISH_SECRET, { userId: 'alice' })).body).toMatchObject({ counted: false, wishlistToday: 1 });
    expect((await post(url, PUBLISH_SECRET)).body).toMatchObject({ counted: true, wishlistToday: 2 }); // anonymous: every call counts
    expect((await post(url, PUBLISH_SECRET, { userId: 42 })).status).toBe(400);
    expect((await post(url, PUBLISH_SECRET, { user: 'alice' })).status).toBe(400);
  });
});
