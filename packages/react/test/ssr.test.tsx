// @vitest-environment node
// Server-side rendering of every domain hook: the initial (empty / loading) state, with no
// `window`, no socket, no join and no HTTP request.
import { activityTracker } from '@sinyal/client';
import { renderToString } from 'react-dom/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sleep } from '../../../test-utils/harness';
import {
  SinyalProvider,
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

function PropertyPage({ propertyId, agentId, conversationId, auctionId }: Record<'propertyId' | 'agentId' | 'conversationId' | 'auctionId', string>) {
  const connection = useConnectionState();
  const property = useProperty(propertyId);
  const viewers = useViewerCount(propertyId);
  const agent = useAgentStatus(agentId);
  const other = useUserStatus('bob');
  const activity = useActivityTracker();
  const chat = useChat(conversationId);
  const { onInput } = useTyping(conversationId);
  const auction = useAuction(auctionId);
  const inbox = useChatList();
  const notifications = useNotifications();
  return (
    <main>
      <p>connection:{connection.state}</p>
      <p>property:{property.ready ? property.price : 'loading'}:{property.viewers}</p>
      <p>viewers:{viewers.status}:{viewers.count}</p>
      <p>agent:{agent.status}:{String(agent.agentStatus)}</p>
      <p>user:{other.status}:{other.presence}</p>
      <p>activity:{String(activity.idle)}</p>
      <p>chat:{chat.status}:{chat.messages.length}</p>
      <input onChange={onInput} />
      <p>auction:{auction.status}:{auction.state ? auction.state.currentPrice : 'loading'}:{auction.msRemaining}</p>
      <p>inbox:{inbox.status}:{inbox.totalUnread}</p>
      <p>notifications:{notifications.status}:{notifications.unreadCount}</p>
    </main>
  );
}

describe('@sinyal/react server-side rendering', () => {
  it('renders every domain hook in its initial state without window, network or timers', async () => {
    expect(typeof window).toBe('undefined');
    const { server, user, joinFrames } = await startPlatform();
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const timerSpy = vi.spyOn(globalThis, 'setInterval');
    const client = user('ann', { autoConnect: false });
    const html = renderToString(
      <SinyalProvider client={client}>
        <PropertyPage propertyId="p-1" agentId="budi" conversationId="c-1" auctionId="a-1" />
      </SinyalProvider>,
    );
    for (const text of [
      'connection:<!-- -->idle',
      'property:<!-- -->loading<!-- -->:<!-- -->0',
      'viewers:<!-- -->idle<!-- -->:<!-- -->0',
      'agent:<!-- -->idle<!-- -->:<!-- -->null',
      'user:<!-- -->idle<!-- -->:<!-- -->offline',
      'activity:<!-- -->false',
      'chat:<!-- -->idle<!-- -->:<!-- -->0',
      'auction:<!-- -->idle<!-- -->:<!-- -->loading<!-- -->:<!-- -->0',
      'inbox:<!-- -->idle<!-- -->:<!-- -->0',
      'notifications:<!-- -->idle<!-- -->:<!-- -->0',
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
