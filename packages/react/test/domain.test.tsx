// Domain hooks (chat, auction, property, presence, notifications) against the real
// reference server with all five platform features, rendered in <StrictMode>.
import { chatStore, type ActivitySource, type SinyalClient } from '@sinyal/client';
import { act, cleanup, render, renderHook, screen } from '@testing-library/react';
import { StrictMode, type ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, until } from '../../../test-utils/harness';
import { SinyalProvider, useActivityTracker, useAgentStatus, useAuction, useChat, useChatList, useNotifications, useProperty, usePushNotifications, useTyping, useUserStatus, useViewerCount } from '../src';
import { fakePushBrowser } from '../../../test-utils/fakePushBrowser';
import { startMockPushService } from '../../../test-utils/mockPushService';
import { cleanups, startPlatform } from '../../../test-utils/platform';

afterEach(async () => {
  cleanup();
  while (cleanups.length) await cleanups.pop()!();
});

/** A StrictMode provider wrapper for `client`, with a short release delay. */
function provider(client: SinyalClient<object, object>) {
  return ({ children }: { children: ReactNode }) => (
    <StrictMode>
      <SinyalProvider client={client} releaseMs={50}>
        {children}
      </SinyalProvider>
    </StrictMode>
  );
}

const texts = (messages: ReadonlyArray<{ text: string }>) => messages.map((m) => m.text).join(',');

describe('@sinyal/react domain hooks', () => {
  it("a message sent by one client appears in the other's useChat; typing and read receipts flow", async () => {
    const { platform, user } = await startPlatform();
    await platform.chat.createConversation({ id: 'c-1', participants: ['ann', 'bob'], title: 'Rumah Kemang' });
    const ann = user('ann');
    const bob = user('bob');
    const a = renderHook(() => ({ chat: useChat('c-1'), typing: useTyping('c-1', { idleMs: 150 }) }), { wrapper: provider(ann) });
    const b = renderHook(() => useChat('c-1'), { wrapper: provider(bob) });
    await until(() => a.result.current.chat.status === 'ready' && b.result.current.status === 'ready');
    expect(a.result.current.chat.conversation?.title).toBe('Rumah Kemang');

    act(() => a.result.current.typing.onInput());
    await until(() => b.result.current.typingUsers.includes('ann'));
    await until(() => b.result.current.typingUsers.length === 0); // stop after 150 ms of quiet

    act(() => void a.result.current.chat.send('Halo Pak, masih bisa nego?'));
    expect(a.result.current.chat.messages.at(-1)).toMatchObject({ text: 'Halo Pak, masih bisa nego?', status: 'sending' });
    await until(() => texts(b.result.current.messages) === 'Halo Pak, masih bisa nego?');
    act(() => b.result.current.markRead());
    await until(() => a.result.current.chat.messages.at(-1)?.status === 'read');
  });

  it('an auction countdown ticks on server time and isLeading flips on outbid', async () => {
    const { platform, user } = await startPlatform();
    const now = Date.now();
    await platform.auction.createAuction({ id: 'menteng', startingPrice: 1000, increment: 50, startsAt: now, endsAt: now + 20_000 });
    const seen: number[] = [];
    const a = renderHook(
      () => {
        const auction = useAuction('menteng', { tickMs: 50 });
        if (seen[seen.length - 1] !== auction.msRemaining) seen.push(auction.msRemaining);
        return auction;
      },
      { wrapper: provider(user('ann')) },
    );
    const b = renderHook(() => useAuction('menteng'), { wrapper: provider(user('bob')) });
    await until(() => a.result.current.state?.status === 'active' && b.result.current.state?.status === 'active');
    await until(() => seen.filter((ms) => ms > 0).length >= 4);
    const ticking = seen.filter((ms) => ms > 0);
    expect(ticking.every((ms, i) => i === 0 || ms < ticking[i - 1]!)).toBe(true);
    expect(ticking[0]).toBeLessThanOrEqual(20_000);

    await act(async () => void (await a.result.current.placeBid(a.result.current.state!.minNextBid).done));
    await until(() => a.result.current.isLeading && a.result.current.myBidderNumber !== null && b.result.current.bids.length === 1 && !b.result.current.isLeading);
    await act(async () => void (await b.result.current.placeBid(b.result.current.state!.minNextBid).done));
    await until(() => !a.result.current.isLeading && a.result.current.outbid && b.result.current.isLeading);
    const { bids, state } = a.result.current;
    expect(bids).toHaveLength(2);
    expect(state).toMatchObject({ currentPrice: bids[1]!.amount, leader: b.result.current.myBidderNumber, minNextBid: bids[1]!.amount + 50 });

    // Auto-bid: ann's maximum answers bob's bids at once; bob never sees it.
    await act(async () => void (await a.result.current.setAutoBid(5000).done));
    await until(() => a.result.current.isLeading && a.result.current.autoBid?.max === 5000 && a.result.current.bids.at(-1)?.auto === true && b.result.current.bids.length === 3);
    await act(async () => void (await b.result.current.placeBid(b.result.current.state!.minNextBid).done));
    await until(() => a.result.current.bids.length === 5 && b.result.current.bids.length === 5);
    expect(a.result.current.isLeading).toBe(true);
    expect(b.result.current.autoBid).toBeNull();
    await act(async () => void (await a.result.current.cancelAutoBid().done));
    await until(() => a.result.current.autoBid === null);
  });

  it('50 components in StrictMode: one socket, each room joined once; unmounting all leaves them', async () => {
    const { platform, server, user, joinsOf } = await startPlatform();
    await platform.chat.createConversation({ id: 'c-50', participants: ['ann', 'bob'] });
    await platform.property.register('p-1', { status: 'available', price: 5_500_000_000 });
    const ann = user('ann');
    function Listing() {
      const chat = useChat('c-50');
      const property = useProperty('p-1');
      return <p data-testid="listing">{`${chat.status}:${property.price}:${property.viewers}`}</p>;
    }
    const view = render(<>{Array.from({ length: 50 }, (_, i) => <Listing key={i} />)}</>, { wrapper: provider(ann) });
    await until(() => screen.getAllByTestId('listing').every((el) => el.textContent === 'ready:5500000000:1'));
    await sleep(100); // past the release delay of StrictMode's simulated unmount
    expect(server.connections()).toBe(1);
    expect(joinsOf('chat:c-50')).toEqual(['ann@chat:c-50']);
    expect(joinsOf('property:p-1')).toEqual(['ann@property:p-1']);
    expect(joinsOf('viewers:p-1')).toEqual(['ann@viewers:p-1']);
    view.unmount();
    await until(() => ['chat:c-50', 'property:p-1', 'viewers:p-1'].every((room) => server.localMembers(room) === 0));
    expect(ann.room('chat:c-50').getSnapshot().status).toBe('idle');
    expect(joinsOf('chat:c-50')).toHaveLength(1);
  });

  it('a reconnect in the middle keeps the rendered state and fills the gap', async () => {
    const { platform, proxy, user } = await startPlatform();
    await platform.chat.createConversation({ id: 'c-gap', participants: ['ann', 'bob'] });
    await platform.property.register('p-gap', { status: 'available', price: 900_000_000 });
    const ann = user('ann', { viaProxy: true });
    const bob = user('bob');
    const { result } = renderHook(() => ({ chat: useChat('c-gap'), property: useProperty('p-gap') }), { wrapper: provider(ann) });
    await until(() => result.current.chat.status === 'ready' && result.current.property.ready);
    chatStore(bob, 'c-gap').send('one');
    await until(() => texts(result.current.chat.messages) === 'one');

    proxy.refuse(true);
    proxy.cutAll();
    await until(() => ann.state === 'reconnecting');
    chatStore(bob, 'c-gap').send('two');
    chatStore(bob, 'c-gap').send('three');
    await platform.property.updatePrice('p-gap', 850_000_000);
    act(() => void result.current.chat.send('sent while offline'));
    await sleep(200);
    // Still showing what it had, plus the optimistic message.
    expect(texts(result.current.chat.messages)).toBe('one,sent while offline');
    expect(result.current.chat.messages.at(-1)?.status).toBe('sending');
    expect(result.current.property.price).toBe(900_000_000);

    proxy.refuse(false);
    await until(() => texts(result.current.chat.messages) === 'one,two,three,sent while offline');
    await until(() => result.current.chat.messages.at(-1)?.status !== 'sending' && result.current.property.price === 850_000_000);
    expect(result.current.property.lastChange).toMatchObject({ type: 'price_updated', newPrice: 850_000_000 });
    expect(new Set(result.current.chat.messages.map((m) => m.key)).size).toBe(4);
  });

  it('useProperty, useViewerCount and useAgentStatus follow the server', async () => {
    const { platform, user } = await startPlatform();
    await platform.property.register('p-2', { status: 'available', price: 5_500_000_000 });
    const ann = user('ann');
    const bob = user('bob');
    const budi = user('budi', { agent: true });
    const a = renderHook(() => ({ property: useProperty('p-2'), agent: useAgentStatus('budi') }), { wrapper: provider(ann) });
    const b = renderHook(() => useViewerCount('p-2'), { wrapper: provider(bob) });
    const own = renderHook(() => useAgentStatus('budi'), { wrapper: provider(budi) });
    await until(() => a.result.current.property.viewers === 2 && b.result.current.count === 2);
    expect(a.result.current.property).toMatchObject({ ready: true, status: 'available', price: 5_500_000_000 });
    await until(() => a.result.current.agent.agentStatus === 'online' && a.result.current.agent.online);

    await platform.property.updatePrice('p-2', 5_200_000_000);
    await until(() => a.result.current.property.price === 5_200_000_000);
    expect(a.result.current.property.lastChange).toMatchObject({ type: 'price_updated', isPriceDrop: true, percentage: -5.5 });

    await until(() => own.result.current.status === 'joined');
    const availableAt = budi.clock.now() + 30 * 60_000;
    await act(async () => void (await own.result.current.setAgentStatus('busy', availableAt).done));
    await until(() => a.result.current.agent.agentStatus === 'busy' && a.result.current.agent.availableAt === availableAt);

    b.unmount();
    await until(() => a.result.current.property.viewers === 1);
  });

  it('useActivityTracker reports the tab idle or active; useUserStatus and useAgentStatus show away', async () => {
    const { user } = await startPlatform();
    const ann = user('ann');
    const budi = user('budi', { agent: true });
    // Budi's tab: a page the test hides and shows.
    let hidden = false;
    let visibilityChanged = () => {};
    const source: ActivitySource = { isHidden: () => hidden, listen: (_input, visibility) => ((visibilityChanged = visibility), () => {}) };
    const setHidden = (value: boolean) => act(() => ((hidden = value), visibilityChanged()));

    const seen = renderHook(() => ({ user: useUserStatus('budi'), agent: useAgentStatus('budi') }), { wrapper: provider(ann) });
    const tab = renderHook(() => useActivityTracker({ source, idleAfterMs: 60_000 }), { wrapper: provider(budi) });
    await until(() => seen.result.current.user.presence === 'online' && budi.state === 'open');
    expect(seen.result.current.user).toMatchObject({ userId: 'budi', online: true, presence: 'online', status: 'joined' });
    expect(tab.result.current.idle).toBe(false);

    setHidden(true);
    expect(tab.result.current.idle).toBe(true);
    await until(() => seen.result.current.user.presence === 'away');
    expect(seen.result.current.agent).toMatchObject({ presence: 'away', online: true, agentStatus: 'online' });

    setHidden(false);
    await until(() => seen.result.current.user.presence === 'online');
    act(() => tab.result.current.setIdle(true)); // the app's own "Set me away"
    await until(() => seen.result.current.agent.presence === 'away');

    tab.unmount(); // tracker off (after the provider's releaseMs): the tab counts as active again
    await until(() => seen.result.current.user.presence === 'online');

    // Budi's other device, with the default source: a real key press on the document
    // (happy-dom) is activity.
    const phone = user('budi', { agent: true });
    const domTab = renderHook(() => useActivityTracker(), { wrapper: provider(phone) });
    await until(() => phone.state === 'open');
    budi.close(); // the first tab is gone: the phone alone decides
    act(() => domTab.result.current.setIdle(true));
    await until(() => seen.result.current.user.presence === 'away');
    act(() => void document.dispatchEvent(new Event('keydown')));
    expect(domTab.result.current.idle).toBe(false);
    await until(() => seen.result.current.user.presence === 'online');
  });

  it('useNotifications and useChatList: live items, unread counts, optimistic markAllRead', async () => {
    const { platform, user } = await startPlatform();
    await platform.chat.createConversation({ id: 'c-inbox', participants: ['ann', 'bob'], title: 'Apartemen Sudirman' });
    const ann = user('ann');
    const { result } = renderHook(() => ({ notifications: useNotifications(), inbox: useChatList() }), { wrapper: provider(ann) });
    await until(() => result.current.notifications.status === 'ready' && result.current.inbox.status === 'ready');
    expect(result.current.notifications).toMatchObject({ items: [], unreadCount: 0 });

    await platform.notification.notify('ann', { category: 'message', type: 'agent_reply', title: 'Budi replied', body: 'Bisa survey besok', priority: 'instant' });
    await until(() => result.current.notifications.unreadCount === 1);
    expect(result.current.notifications.items.map((n) => n.title)).toEqual(['Budi replied']);
    act(() => void result.current.notifications.markAllRead());
    expect(result.current.notifications.unreadCount).toBe(0); // at once
    expect(result.current.notifications.items[0]!.readAt).toBeDefined();

    chatStore(user('bob'), 'c-inbox').send('Halo Bu Ann');
    await until(() => result.current.inbox.totalUnread === 1);
    expect(result.current.inbox.conversations[0]).toMatchObject({ id: 'c-inbox', unread: 1, lastMessage: { text: 'Halo Bu Ann' } });
  });

  it('usePushNotifications: off, then enable() registers this device and the user is pushed while away', async () => {
    const service = await startMockPushService();
    cleanups.push(() => service.close());
    const { platform, user, server } = await startPlatform({ push: true });
    const browser = fakePushBrowser(service);
    const ann = user('ann');
    const { result } = renderHook(() => usePushNotifications({ serviceWorker: '/sinyal-sw.js', environment: browser.environment }), { wrapper: provider(ann) });
    await until(() => result.current.status === 'disabled');
    const enable = result.current.enable;
    await act(async () => void (await result.current.enable()));
    expect(result.current).toMatchObject({ status: 'enabled', permission: 'granted', endpoint: browser.current()!.endpoint });
    expect(result.current.enable).toBe(enable); // actions keep their identity

    ann.close();
    await until(() => server.connections() === 0);
    await platform.notification.notify('ann', { category: 'message', type: 'agent_reply', title: 'Budi replied', body: '' });
    await platform.notification.push!.idle();
    expect(service.received.map((push) => (push.payload as { title: string }).title)).toEqual(['Budi replied']);
  });

  it('results are stable: no re-render and the same object while nothing changes', async () => {
    const { platform, user } = await startPlatform();
    await platform.chat.createConversation({ id: 'c-stable', participants: ['ann', 'bob'] });
    await platform.property.register('p-stable', { status: 'available', price: 1 });
    let renders = 0;
    const { result, rerender } = renderHook(
      () => {
        renders++;
        return { chat: useChat('c-stable'), property: useProperty('p-stable'), notifications: useNotifications() };
      },
      { wrapper: provider(user('ann')) },
    );
    await until(() => result.current.chat.status === 'ready' && result.current.property.ready && result.current.notifications.status === 'ready');
    await sleep(300);
    const before = { renders, ...result.current };
    await sleep(500);
    expect(renders).toBe(before.renders);
    rerender();
    expect(result.current.chat).toBe(before.chat);
    expect(result.current.property).toBe(before.property);
    expect(result.current.notifications).toBe(before.notifications);
    expect(result.current.chat.send).toBe(before.chat.send);
  });
});
