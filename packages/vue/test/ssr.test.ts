// @vitest-environment node
// Server-side rendering of every domain composable: the initial (empty / loading) state,
// with no `window`, no socket, no join, no HTTP request and no timer.
import { activityTracker } from '@sinyal/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSSRApp, defineComponent, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { sleep } from '../../../test-utils/harness';
import {
  createSinyal,
  useAgentStatus,
  useAuction,
  useChat,
  useChatList,
  useConnectionState,
  useNotifications,
  useProperty,
  useTyping,
  useActivityTracker,
  useUserStatus,
  useViewerCount,
} from '../src';
import { cleanups, startPlatform } from '../../../test-utils/platform';

afterEach(async () => {
  vi.restoreAllMocks();
  while (cleanups.length) await cleanups.pop()!();
});

const PropertyPage = defineComponent({
  setup() {
    const connection = useConnectionState();
    const property = useProperty('p-1');
    const viewers = useViewerCount('p-1');
    const agent = useAgentStatus('budi');
    const other = useUserStatus('bob');
    const activity = useActivityTracker();
    const chat = useChat('c-1');
    const { onInput } = useTyping('c-1');
    const auction = useAuction('a-1');
    const inbox = useChatList();
    const notifications = useNotifications();
    return () =>
      h('main', [
        h('p', `connection:${connection.value.state}`),
        h('p', `property:${property.ready.value ? property.price.value : 'loading'}:${property.viewers.value}`),
        h('p', `viewers:${viewers.status.value}:${viewers.count.value}`),
        h('p', `agent:${agent.status.value}:${agent.agentStatus.value}`),
        h('p', `user:${other.status.value}:${other.presence.value}`),
        h('p', `activity:${activity.idle.value}`),
        h('p', `chat:${chat.status.value}:${chat.messages.value.length}`),
        h('input', { onInput }),
        h('p', `auction:${auction.status.value}:${auction.state.value?.currentPrice ?? 'loading'}:${auction.msRemaining.value}`),
        h('p', `inbox:${inbox.status.value}:${inbox.totalUnread.value}`),
        h('p', `notifications:${notifications.status.value}:${notifications.unreadCount.value}`),
      ]);
  },
});

describe('@sinyal/vue server-side rendering', () => {
  it('renders every domain composable in its initial state without window, network or timers', async () => {
    expect(typeof window).toBe('undefined');
    const { server, user, joinFrames } = await startPlatform();
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const timerSpy = vi.spyOn(globalThis, 'setInterval');
    const client = user('ann', { autoConnect: false });
    const app = createSSRApp(PropertyPage).use(createSinyal(client));
    const html = await renderToString(app);
    for (const text of [
      'connection:idle',
      'property:loading:0',
      'viewers:idle:0',
      'agent:idle:null',
      'user:idle:offline',
      'activity:false',
      'chat:idle:0',
      'auction:idle:loading:0',
      'inbox:idle:0',
      'notifications:idle:0',
    ]) {
      expect(html).toContain(text);
    }
    await sleep(100);
    expect(server.connections()).toBe(0);
    expect(joinFrames).toEqual([]);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(timerSpy).not.toHaveBeenCalled();
    expect(client.state).toBe('idle');
    expect(client.room('chat:c-1').getSnapshot().status).toBe('idle');
    expect(activityTracker(client).tracking).toBe(false);
  });
});
