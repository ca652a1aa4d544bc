// The activity tracker (presence/activityTracker.ts) on fake time, with a fake client (what it
// sends, when it is answered, when the connection drops) and a fake page (input, visibility).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ACTIVITY_INPUT_EVENTS, ActivityTracker, activityTracker, browserActivitySource, SinyalError, type ActivitySource, type ConnectionState, type SinyalClient } from '../src';

interface SentReport {
  idle: boolean;
  volatile: boolean | undefined;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/** Just enough of a client: connection state and snapshot, subscribe, and commands answered by the test. */
function fakeClient() {
  let snapshot = { state: 'open' as ConnectionState, attempt: 0, error: undefined, retryAt: undefined };
  const listeners = new Set<() => void>();
  const sent: SentReport[] = [];
  const onError = vi.fn();
  const client = {
    options: { url: 'ws://fake.test/ws', onError },
    get state() {
      return snapshot.state;
    },
    getSnapshot: () => snapshot,
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    command(name: string, data: { idle: boolean }, options: { volatile?: boolean } = {}) {
      expect(name).toBe('presence:set_activity');
      let resolve!: (result: unknown) => void;
      let reject!: (error: unknown) => void;
      const done = new Promise((res, rej) => ((resolve = res), (reject = rej)));
      if (snapshot.state !== 'open') reject(new SinyalError('unavailable', 'cannot be sent now'));
      else sent.push({ idle: data.idle, volatile: options.volatile, resolve, reject });
      return { done };
    },
  };
  return {
    client: client as unknown as SinyalClient<object, object>,
    sent,
    onError,
    listening: () => listeners.size,
    /** Moves the connection to `state` (a new snapshot, as the real client does). */
    setState(state: ConnectionState) {
      snapshot = { ...snapshot, state };
      for (const listener of [...listeners]) listener();
    },
    /** The idle flags sent so far. */
    flags: () => sent.map((report) => report.idle),
    /** Acknowledges every report awaiting an answer. */
    async ackAll() {
      for (const report of sent) report.resolve({});
      await vi.advanceTimersByTimeAsync(0);
    },
  };
}

/** A page: input, hidden or shown. */
function fakePage(hidden = false) {
  let onInput = () => {};
  let onVisibilityChange = () => {};
  let listening = 0;
  const source: ActivitySource = {
    isHidden: () => hidden,
    listen(input, visibility) {
      onInput = input;
      onVisibilityChange = visibility;
      listening++;
      return () => void listening--;
    },
  };
  return {
    source,
    listening: () => listening,
    input: () => onInput(),
    hide() {
      hidden = true;
      onVisibilityChange();
    },
    show() {
      hidden = false;
      onVisibilityChange();
    },
  };
}

const MINUTE = 60_000;

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** A tracker on a fake client and page, turned on. */
function setup(options: { idleAfterMs?: number; hidden?: boolean } = {}) {
  const fake = fakeClient();
  const page = fakePage(options.hidden);
  const tracker = new ActivityTracker(fake.client, { idleAfterMs: options.idleAfterMs ?? 5 * MINUTE, source: page.source });
  const changes: boolean[] = [];
  const stop = tracker.subscribe(() => changes.push(tracker.getSnapshot().idle));
  return { ...fake, page, tracker, changes, stop };
}

describe('ActivityTracker', () => {
  it('reports idle after idleAfterMs without input, and active again on input', async () => {
    const { tracker, page, flags, sent, ackAll } = setup({ idleAfterMs: 5 * MINUTE });
    expect(tracker.tracking).toBe(true);
    expect(tracker.getSnapshot()).toEqual({ idle: false });
    expect(flags()).toEqual([]); // a connection starts active: nothing to say

    await vi.advanceTimersByTimeAsync(5 * MINUTE - 1);
    expect(tracker.getSnapshot().idle).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(tracker.getSnapshot().idle).toBe(true);
    expect(flags()).toEqual([true]);
    expect(sent[0]!.volatile).toBe(true); // never queued while offline
    await ackAll();

    page.input();
    expect(tracker.getSnapshot().idle).toBe(false);
    expect(flags()).toEqual([true, false]);
  });

  it('input restarts the countdown', async () => {
    const { tracker, page, flags } = setup({ idleAfterMs: 1000 });
    await vi.advanceTimersByTimeAsync(800);
    page.input();
    await vi.advanceTimersByTimeAsync(800);
    expect(tracker.getSnapshot().idle).toBe(false); // 1600 ms since start, 800 since the input
    page.input();
    await vi.advanceTimersByTimeAsync(999);
    expect(tracker.getSnapshot().idle).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(tracker.getSnapshot().idle).toBe(true);
    expect(flags()).toEqual([true]);
  });

  it('a hidden page is idle at once; shown again it is active; input while hidden changes nothing', async () => {
    const { tracker, page, flags, ackAll, changes } = setup();
    page.hide();
    expect(tracker.getSnapshot().idle).toBe(true);
    expect(flags()).toEqual([true]);
    await ackAll();
    page.input(); // e.g. a programmatic scroll of a background tab
    expect(tracker.getSnapshot().idle).toBe(true);
    page.show();
    expect(tracker.getSnapshot().idle).toBe(false);
    expect(flags()).toEqual([true, false]);
    expect(changes).toEqual([true, false]);
  });

  it('turned on with the page hidden, it reports idle at once', () => {
    const { tracker, flags } = setup({ hidden: true });
    expect(tracker.getSnapshot().idle).toBe(true);
    expect(flags()).toEqual([true]);
  });

  it('sends the idle state again after a reconnect (a new connection starts active), and nothing when active', async () => {
    const { tracker, page, flags, ackAll, setState } = setup();
    page.hide();
    await ackAll();
    expect(flags()).toEqual([true]);

    setState('reconnecting');
    setState('connecting');
    expect(flags()).toEqual([true]);
    setState('open');
    expect(flags()).toEqual([true, true]);
    await ackAll();

    page.show();
    await ackAll();
    expect(flags()).toEqual([true, true, false]);
    setState('reconnecting');
    setState('open');
    expect(flags()).toEqual([true, true, false]); // active is what a new connection starts as
    expect(tracker.getSnapshot().idle).toBe(false);
  });

  it('a change while disconnected is sent once the connection is open', async () => {
    const { page, flags, setState } = setup();
    setState('reconnecting');
    page.hide();
    expect(flags()).toEqual([]);
    setState('open');
    expect(flags()).toEqual([true]);
  });

  it('a report lost with its connection is sent again on the next one', async () => {
    const { page, sent, flags, setState } = setup();
    page.hide();
    expect(flags()).toEqual([true]);
    setState('reconnecting');
    sent[0]!.reject(new SinyalError('unavailable', 'connection lost'));
    await vi.advanceTimersByTimeAsync(0);
    setState('open');
    expect(flags()).toEqual([true, true]);
  });

  it('one report at a time, the latest state winning', async () => {
    const { page, sent, flags, ackAll } = setup();
    page.hide();
    page.show();
    page.hide();
    page.show();
    expect(flags()).toEqual([true]); // the first is awaiting its answer
    await ackAll();
    expect(flags()).toEqual([true, false]); // then only the latest: active
    await ackAll();
    page.hide();
    page.show();
    expect(flags()).toEqual([true, false, true]);
    sent[2]!.resolve({});
    await vi.advanceTimersByTimeAsync(0);
    expect(flags()).toEqual([true, false, true, false]);
    // Answered without a change since: nothing more.
    await ackAll();
    expect(flags()).toEqual([true, false, true, false]);
  });

  it('a rate_limited report is tried again after retryAfterMs, with the state of then', async () => {
    const { page, sent, flags } = setup();
    page.hide();
    sent[0]!.reject(new SinyalError('rate_limited', 'too many', 1500));
    await vi.advanceTimersByTimeAsync(0);
    page.show();
    page.hide();
    expect(flags()).toEqual([true]); // waiting out the limit
    await vi.advanceTimersByTimeAsync(1499);
    expect(flags()).toEqual([true]);
    await vi.advanceTimersByTimeAsync(1);
    expect(flags()).toEqual([true, true]);
  });

  it('a report refused for good is reported once through onError and not repeated on that connection', async () => {
    const { page, sent, flags, onError, setState } = setup();
    page.hide();
    const refusal = new SinyalError('not_found', 'unknown command "presence:set_activity"');
    sent[0]!.reject(refusal);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(flags()).toEqual([true]);
    expect(onError).toHaveBeenCalledWith(refusal);
    setState('reconnecting');
    setState('open');
    expect(flags()).toEqual([true, true]); // a new connection may be another server
  });

  it('turned off (last unsubscribe): stops listening, and an idle connection is reported active again', async () => {
    const { tracker, page, flags, ackAll, stop, listening } = setup();
    expect(page.listening()).toBe(1);
    expect(listening()).toBe(1);
    page.hide();
    await ackAll();
    const second = tracker.subscribe(() => {});
    stop();
    expect(tracker.tracking).toBe(true); // one subscriber left
    second();
    expect(tracker.tracking).toBe(false);
    expect(page.listening()).toBe(0);
    expect(listening()).toBe(0);
    expect(tracker.getSnapshot().idle).toBe(false);
    expect(flags()).toEqual([true, false]);
    await ackAll();
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    expect(flags()).toEqual([true, false]); // no timer left behind
    expect(() => tracker.setIdle(true)).toThrow(expect.objectContaining({ code: 'conflict' }));
  });

  it('setIdle: idle until the next input; setIdle(false) counts as input', async () => {
    const { tracker, page, flags, ackAll } = setup({ idleAfterMs: 1000 });
    tracker.setIdle(true);
    expect(tracker.getSnapshot().idle).toBe(true);
    await ackAll();
    page.input();
    expect(tracker.getSnapshot().idle).toBe(false);
    await ackAll();
    tracker.setIdle(true);
    await ackAll();
    tracker.setIdle(false);
    await ackAll();
    await vi.advanceTimersByTimeAsync(999);
    expect(tracker.getSnapshot().idle).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(tracker.getSnapshot().idle).toBe(true);
    expect(flags()).toEqual([true, false, true, false, true]);
    expect(() => tracker.setIdle('yes' as unknown as boolean)).toThrow(expect.objectContaining({ code: 'bad_request' }));
  });

  it('refuses options it cannot use with bad_request', () => {
    const { client } = fakeClient();
    const { source } = fakePage();
    for (const idleAfterMs of [0, -5, Number.NaN, Infinity, '60000' as unknown as number, 2 ** 31]) {
      expect(() => new ActivityTracker(client, { idleAfterMs, source }), String(idleAfterMs)).toThrow(SinyalError);
      expect(() => new ActivityTracker(client, { idleAfterMs, source })).toThrow(/idleAfterMs/);
    }
    expect(() => new ActivityTracker(client, { source: {} as ActivitySource })).toThrow(expect.objectContaining({ code: 'bad_request' }));
  });

  it('activityTracker(client) is one tracker per client; its options apply on creation; the default is 5 minutes', () => {
    const a = fakeClient().client;
    const b = fakeClient().client;
    const tracker = activityTracker(a, { idleAfterMs: 1234 });
    expect(activityTracker(a)).toBe(tracker);
    expect(activityTracker(a, { idleAfterMs: 99 }).idleAfterMs).toBe(1234);
    expect(activityTracker(b)).not.toBe(tracker);
    expect(activityTracker(b).idleAfterMs).toBe(5 * MINUTE);
  });
});

describe('browserActivitySource', () => {
  it('without a document (Node, SSR) listens to nothing and is never hidden; setIdle still reports', async () => {
    const source = browserActivitySource();
    expect(source.isHidden()).toBe(false);
    const stop = source.listen(() => {}, () => {});
    stop();
    const fake = fakeClient();
    const tracker = new ActivityTracker(fake.client);
    tracker.subscribe(() => {});
    tracker.setIdle(true);
    expect(fake.flags()).toEqual([true]);
  });

  it('listens to input on document (passive, capture), window focus and visibilitychange, and stops', () => {
    const document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    const window = new EventTarget();
    const added = vi.spyOn(document, 'addEventListener');
    vi.stubGlobal('document', document);
    vi.stubGlobal('addEventListener', window.addEventListener.bind(window));
    vi.stubGlobal('removeEventListener', window.removeEventListener.bind(window));
    const source = browserActivitySource();
    const onInput = vi.fn();
    const onVisibility = vi.fn();
    const stop = source.listen(onInput, onVisibility);
    for (const type of ACTIVITY_INPUT_EVENTS) document.dispatchEvent(new Event(type));
    window.dispatchEvent(new Event('focus'));
    expect(onInput).toHaveBeenCalledTimes(ACTIVITY_INPUT_EVENTS.length + 1);
    expect(added).toHaveBeenCalledWith('scroll', onInput, { passive: true, capture: true });
    document.visibilityState = 'hidden';
    document.dispatchEvent(new Event('visibilitychange'));
    expect(onVisibility).toHaveBeenCalledTimes(1);
    expect(source.isHidden()).toBe(true);

    stop();
    for (const type of ACTIVITY_INPUT_EVENTS) document.dispatchEvent(new Event(type));
    window.dispatchEvent(new Event('focus'));
    document.dispatchEvent(new Event('visibilitychange'));
    expect(onInput).toHaveBeenCalledTimes(ACTIVITY_INPUT_EVENTS.length + 1);
    expect(onVisibility).toHaveBeenCalledTimes(1);
  });
});
