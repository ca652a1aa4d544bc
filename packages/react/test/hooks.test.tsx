// Core hooks against the real reference server on 127.0.0.1.
import { act, cleanup, render, renderHook, screen } from '@testing-library/react';
import { StrictMode, useState, type ReactNode } from 'react';
import { renderToString } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, sleep, startServer, until, type TestEvents } from '../../../test-utils/harness';
import { SinyalProvider, useConnectionState, useEvent, useRoom } from '../src';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  cleanup();
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const joins: string[] = [];
  const s = await startServer({
    rooms: {
      demo: { publish: ['demo:message'], authorize: ({ user, room }) => (joins.push(`${user.id}@${room}`), true) },
    },
  });
  cleanups.push(() => s.close());
  return { s, joins };
}

function Feed({ room }: { room: string }) {
  const [items, setItems] = useState<number[]>([]);
  useEvent<TestEvents, 'demo:message'>(room, 'demo:message', (m) => setItems((prev) => [...prev, m.n]));
  const { status } = useRoom(room);
  return <p data-testid="feed">{`${status}:${items.join(',')}`}</p>;
}

describe('@sinyal/react core hooks', () => {
  it('StrictMode opens one socket and joins a room once for 50 components; unmounting all leaves it', async () => {
    const { s, joins } = await setup();
    const client = connect(s.url, 'ana');
    cleanups.push(() => client.close());
    const wrapper = ({ children }: { children: ReactNode }) => (
      <StrictMode>
        <SinyalProvider client={client} releaseMs={50}>{children}</SinyalProvider>
      </StrictMode>
    );
    const view = render(<>{Array.from({ length: 50 }, (_, i) => <Feed key={i} room="demo:lobby" />)}</>, { wrapper });
    await until(() => screen.getAllByTestId('feed').every((el) => el.textContent === 'joined:'));
    expect(s.connections()).toBe(1);
    expect(joins).toEqual(['ana@demo:lobby']);
    await act(async () => {
      await s.publish('demo:lobby', 'demo:message', { from: 'x', n: 7 });
      await sleep(50);
    });
    expect(screen.getAllByTestId('feed').every((el) => el.textContent === 'joined:7')).toBe(true);
    view.unmount();
    await until(() => s.localMembers('demo:lobby') === 0);
    expect(client.room('demo:lobby').getSnapshot().status).toBe('idle');
    expect(joins).toHaveLength(1);
  });

  it('useConnectionState follows the connection through a server restart', async () => {
    const { s } = await setup();
    const client = connect(s.url, 'bo');
    cleanups.push(() => client.close());
    const { result } = renderHook(() => useConnectionState(), { wrapper: ({ children }) => <SinyalProvider client={client}>{children}</SinyalProvider> });
    await until(() => result.current.state === 'open');
    const seen = new Set<string>();
    const stop = client.subscribe(() => seen.add(client.state));
    cleanups.push(stop);
    await act(async () => {
      await s.close();
    });
    await until(() => result.current.state === 'reconnecting');
    expect(result.current.error?.code).toBe('unavailable');
  });

  it('useEvent uses the latest handler without resubscribing', async () => {
    const { s, joins } = await setup();
    const client = connect(s.url, 'cy');
    cleanups.push(() => client.close());
    const calls: string[] = [];
    const { rerender } = renderHook(({ tag }) => useEvent<TestEvents, 'demo:message'>('demo:x', 'demo:message', (m) => calls.push(`${tag}${m.n}`)), {
      initialProps: { tag: 'a' },
      wrapper: ({ children }) => <SinyalProvider client={client}>{children}</SinyalProvider>,
    });
    await until(() => client.room('demo:x').getSnapshot().status === 'joined');
    rerender({ tag: 'b' });
    await act(async () => {
      await s.publish('demo:x', 'demo:message', { from: 'x', n: 1 });
      await sleep(50);
    });
    expect(calls).toEqual(['b1']);
    expect(joins).toHaveLength(1);
  });

  it('server-side rendering renders the initial state with no network activity', async () => {
    const { s, joins } = await setup();
    const client = connect(s.url, 'dee', { autoConnect: false });
    const html = renderToString(
      <SinyalProvider client={client}>
        <Feed room="demo:lobby" />
      </SinyalProvider>,
    );
    expect(html).toContain('idle:');
    await sleep(100);
    expect(s.connections()).toBe(0);
    expect(joins).toEqual([]);
    expect(client.state).toBe('idle');
    expect(client.room('demo:lobby').getSnapshot().status).toBe('idle');
  });
});
