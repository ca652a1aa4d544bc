// Core composables against the real reference server on 127.0.0.1.
import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { createSSRApp, defineComponent, effectScope, h, ref } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { connect, sleep, startServer, until, type TestEvents } from '../../../test-utils/harness';
import { createSinyal, useConnectionState, useEvent, useRoom } from '../src';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const joins: string[] = [];
  const s = await startServer({
    rooms: { demo: { publish: ['demo:message'], authorize: ({ user, room }) => (joins.push(`${user.id}@${room}`), true) } },
  });
  cleanups.push(() => s.close());
  return { s, joins };
}

const Feed = defineComponent({
  props: { room: { type: String, required: true } },
  setup(props) {
    const items = ref<number[]>([]);
    useEvent<TestEvents, 'demo:message'>(props.room, 'demo:message', (m) => items.value.push(m.n));
    const { state } = useRoom(props.room);
    return () => h('p', { class: 'feed' }, `${state.value.status}:${items.value.join(',')}`);
  },
});

describe('@sinyal/vue core composables', () => {
  it('50 components join a room once; unmounting releases it', async () => {
    const { s, joins } = await setup();
    const client = connect(s.url, 'ana');
    cleanups.push(() => client.close());
    const App = defineComponent({ setup: () => () => h('div', Array.from({ length: 50 }, (_, i) => h(Feed, { key: i, room: 'demo:lobby' }))) });
    const wrapper = mount(App, { global: { plugins: [createSinyal(client, { releaseMs: 50 })] } });
    await until(() => wrapper.findAll('.feed').every((p) => p.text() === 'joined:'));
    await s.publish('demo:lobby', 'demo:message', { from: 'x', n: 3 });
    await until(() => wrapper.findAll('.feed').every((p) => p.text() === 'joined:3'));
    expect(joins).toEqual(['ana@demo:lobby']);
    expect(s.connections()).toBe(1);
    wrapper.unmount();
    await until(() => s.localMembers('demo:lobby') === 0);
    expect(client.room('demo:lobby').getSnapshot().status).toBe('idle');
  });

  it('useConnectionState is a ref that follows the connection', async () => {
    const { s } = await setup();
    const client = connect(s.url, 'bo');
    cleanups.push(() => client.close());
    let state!: ReturnType<typeof useConnectionState>;
    const Probe = defineComponent({ setup: () => ((state = useConnectionState()), () => h('span', state.value.state)) });
    const wrapper = mount(Probe, { global: { plugins: [createSinyal(client)] } });
    await until(() => state.value.state === 'open');
    expect(wrapper.text()).toBe('open');
    await s.close();
    await until(() => state.value.state === 'reconnecting');
    wrapper.unmount();
  });

  it('works in a bare effectScope and stops with it', async () => {
    const { s } = await setup();
    const client = connect(s.url, 'cy');
    cleanups.push(() => client.close());
    const Host = defineComponent({
      setup() {
        const scope = effectScope();
        const got: number[] = [];
        scope.run(() => useEvent<TestEvents, 'demo:message'>('demo:scope', 'demo:message', (m) => got.push(m.n)));
        (globalThis as Record<string, unknown>).__scope = { scope, got };
        return () => h('i');
      },
    });
    const wrapper = mount(Host, { global: { plugins: [createSinyal(client, { releaseMs: 10 })] } });
    const { scope, got } = (globalThis as unknown as { __scope: { scope: ReturnType<typeof effectScope>; got: number[] } }).__scope;
    await until(() => client.room('demo:scope').getSnapshot().status === 'joined');
    await s.publish('demo:scope', 'demo:message', { from: 'x', n: 1 });
    await until(() => got.length === 1);
    scope.stop();
    await until(() => client.room('demo:scope').getSnapshot().status === 'idle');
    wrapper.unmount();
  });

  it('server-side rendering renders initial state with no network activity', async () => {
    const { s, joins } = await setup();
    const client = connect(s.url, 'dee', { autoConnect: false });
    const app = createSSRApp(defineComponent({ setup: () => () => h(Feed, { room: 'demo:lobby' }) }));
    app.use(createSinyal(client));
    const html = await renderToString(app);
    expect(html).toContain('idle:');
    await sleep(100);
    expect(s.connections()).toBe(0);
    expect(joins).toEqual([]);
    expect(client.room('demo:lobby').getSnapshot().status).toBe('idle');
  });
});
