// Domain composables (chat, auction, property, presence, notifications) against the real
// reference server with all five platform features.
import { chatStore, type ActivitySource, type SinyalClient } from '@sinyal/client';
import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, effectScope, h } from 'vue';
import { sleep, until } from '../../../test-utils/harness';
import {
  createSinyal,
  provideSinyal,
  useAgentStatus,
  useAuction,
  useChat,
  useChatList,
  useNotifications,
  useProperty,
  usePushNotifications,
  useTyping,
  useActivityTracker,
  useUserStatus,
  useViewerCount,
} from '../src';
import { cleanups, startPlatform } from '../../../test-utils/platform';
import { fakePushBrowser } from '../../../test-utils/fakePushBrowser';
import { startMockPushService } from '../../../test-utils/mockPushService';

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Mounts a component whose setup runs `use`; returns what it returned. */
function mountWith<T>(client: SinyalClient<object, object>, use: () => T) {
  let result!: T;
  const Probe = defineComponent({ setup: () => ((result = use()), () => h('i')) });
  const wrapper = mount(Probe, { global: { plugins: [createSinyal(client, { releaseMs: 50 })] } });
  cleanups.push(() => wrapper.unmount());
  return { result, wrapper };
}

const texts = (messages: ReadonlyArray<{ text: string }>) => messages.map((m) => m.text).join(',');

describe('@sinyal/vue domain composables', () => {
  it("a message sent by one client appears in the other's useChat; typing and read receipts flow", async () => {
    const { platform, user } = await startPlatform();
    await platform.chat.createConversation({ id: 'c-1', participants: ['ann', 'bob'], title: 'Rumah Kemang' });
    const { result: a } = mountWith(user('ann'), () => ({ ...useChat('c-1'), typing: useTyping('c-1', { idleMs: 150 }) }));
    const { result: b } = mountWith(user('bob'), () => useChat('c-1'));
    await until(() => a.status.value === 'ready' && b.status.value === 'ready');
    expect(a.conversation.value?.title).toBe('Rumah Kemang');

    a.typing.onInput();
    await until(() => b.typingUsers.value.includes('ann'));
    await until(() => b.typingUsers.value.length === 0);

    a.send('Halo Pak, masih bisa nego?');
    expect(a.messages.value.at(-1)).toMatchObject({ text: 'Halo Pak, masih bisa nego?', status: 'sending' });
    await until(() => texts(b.messages.value) === 'Halo Pak, masih bisa nego?');
    b.markRead();
    await until(() => a.messages.value.at(-1)?.status === 'read');
  });

  it('an auction countdown ticks on server time and isLeading flips on outbid', async () => {
    const { platform, user } = await startPlatform();
    const now = Date.now();
    await platform.auction.createAuction({ id: 'menteng', startingPrice: 1000, increment: 50, startsAt: now, endsAt: now + 20_000 });
    const { result: a } = mountWith(user('ann'), () => useAuction('menteng', { tickMs: 50 }));
    const { result: b } = mountWith(user('bob'), () => useAuction('menteng'));
    await until(() => a.state.value?.status === 'active' && b.state.value?.status === 'active');
    const seen: number[] = [];
    await until(() => {
      if (seen[seen.length - 1] !== a.msRemaining.value) seen.push(a.msRemaining.value);
      return seen.length >= 4;
    });
    expect(seen.every((ms, i) => ms > 0 && (i === 0 || ms < seen[i - 1]!))).toBe(true);

    await a.placeBid(a.state.value!.minNextBid).done;
    await until(() => a.isLeading.value && a.myBidderNumber.value !== null && b.bids.value.length === 1 && !b.isLeading.value);
    await b.placeBid(b.state.value!.minNextBid).done;
    await until(() => !a.isLeading.value && a.outbid.value && b.isLeading.value);
    expect(a.bids.value).toHaveLength(2);
    expect(a.state.value).toMatchObject({ currentPrice: a.bids.value[1]!.amount, leader: b.myBidderNumber.value });

    // Auto-bid: ann's maximum answers bob's bids at once; bob never sees it.
    await a.setAutoBid(5000).done;
    await until(() => a.isLeading.value && a.autoBid.value?.max === 5000 && a.bids.value.at(-1)?.auto === true && b.bids.value.length === 3);
    await b.placeBid(b.state.value!.minNextBid).done;
    await until(() => a.bids.value.length === 5 && b.bids.value.length === 5);
    expect(a.isLeading.value).toBe(true);
    expect(b.autoBid.value).toBeNull();
    await a.cancelAutoBid().done;
    await until(() => a.autoBid.value === null);
  });

  it('50 components on one socket join each room once; unmounting all leaves them', async () => {
    const { platform, server, user, joinsOf } = await startPlatform();
    await platform.chat.createConversation({ id: 'c-50', participants: ['ann', 'bob'] });
    await platform.property.register('p-1', { status: 'available', price: 5_500_000_000 });
    const ann = user('ann');
    const Listing = defineComponent({
      setup() {
        const { status } = useChat('c-50');
        const { price, viewers } = useProperty('p-1');
        return () => h('p', { class: 'listing' }, `${status.value}:${price.value}:${viewers.value}`);
      },
    });
    const App = defineComponent({ setup: () => () => h('div', Array.from({ length: 50 }, (_, i) => h(Listing, { key: i }))) });
    const wrapper = mount(App, { global: { plugins: [createSinyal(ann, { releaseMs: 50 })] } });
    await until(() => wrapper.findAll('.listing').every((p) => p.text() === 'ready:5500000000:1'));
    expect(server.connections()).toBe(1);
    expect(joinsOf('chat:c-50')).toEqual(['ann@chat:c-50']);
    expect(joinsOf('property:p-1')).toEqual(['ann@property:p-1']);
    expect(joinsOf('viewers:p-1')).toEqual(['ann@viewers:p-1']);
    wrapper.unmount();
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
    const Page = defineComponent({
      setup() {
        const { messages, send } = useChat('c-gap');
        const { price } = useProperty('p-gap');
        (globalThis as Record<string, unknown>).__send = send;
        return () => h('p', `${price.value}|${messages.value.map((m) => `${m.text}(${m.status === 'sending' ? 'sending' : 'stored'})`).join(',')}`);
      },
    });
    const wrapper = mount(Page, { global: { plugins: [createSinyal(ann, { releaseMs: 50 })] } });
    cleanups.push(() => wrapper.unmount());
    await until(() => wrapper.text() === '900000000|');
    chatStore(bob, 'c-gap').send('one');
    await until(() => wrapper.text() === '900000000|one(stored)');

    proxy.refuse(true);
    proxy.cutAll();
    await until(() => ann.state === 'reconnecting');
    chatStore(bob, 'c-gap').send('two');
    chatStore(bob, 'c-gap').send('three');
    await platform.property.updatePrice('p-gap', 850_000_000);
    ((globalThis as Record<string, unknown>).__send as (text: string) => string)('sent while offline');
    await sleep(200);
    expect(wrapper.text()).toBe('900000000|one(stored),sent while offline(sending)');

    proxy.refuse(false);
    await until(() => wrapper.text() === '850000000|one(stored),two(stored),three(stored),sent while offline(stored)');
  });

  it('useProperty, useViewerCount and useAgentStatus follow the server', async () => {
    const { platform, user } = await startPlatform();
    await platform.property.register('p-2', { status: 'available', price: 5_500_000_000 });
    const budi = user('budi', { agent: true });
    const { result: a } = mountWith(user('ann'), () => ({ property: useProperty('p-2'), agent: useAgentStatus('budi') }));
    const { result: b, wrapper: bWrapper } = mountWith(user('bob'), () => useViewerCount('p-2'));
    const { result: own } = mountWith(budi, () => useAgentStatus('budi'));
    await until(() => a.property.viewers.value === 2 && b.count.value === 2);
    expect(a.property.ready.value && a.property.status.value === 'available' && a.property.price.value === 5_500_000_000).toBe(true);
    await until(() => a.agent.agentStatus.value === 'online' && a.agent.online.value);

    await platform.property.updatePrice('p-2', 5_200_000_000);
    await until(() => a.property.price.value === 5_200_000_000);
    expect(a.property.lastChange.value).toMatchObject({ type: 'price_updated', isPriceDrop: true, percentage: -5.5 });

    await until(() => own.status.value === 'joined');
    const availableAt = budi.clock.now() + 30 * 60_000;
    await own.setAgentStatus('busy', availableAt).done;
    await until(() => a.agent.agentStatus.value === 'busy' && a.agent.availableAt.value === availableAt);

    bWrapper.unmount();
    await until(() => a.property.viewers.value === 1);
  });

  it('useActivityTracker reports the tab idle or active; useUserStatus and useAgentStatus show away', async () => {
    const { user } = await startPlatform();
    const ann = user('ann');
    const budi = user('budi', { agent: true });
    // Budi's tab: a page the test hides and shows.
    let hidden = false;
    let visibilityChanged = () => {};
    const source: ActivitySource = { isHidden: () => hidden, listen: (_input, visibility) => ((visibilityChanged = visibility), () => {}) };
    const setHidden = (value: boolean) => ((hidden = value), visibilityChanged());

    const { result: seen } = mountWith(ann, () => ({ user: useUserStatus('budi'), agent: useAgentStatus('budi') }));
    const { result: tab, wrapper: tabWrapper } = mountWith(budi, () => useActivityTracker({ source, idleAfterMs: 60_000 }));
    await until(() => seen.user.presence.value === 'online' && budi.state === 'open');
    expect(seen.user.online.value && seen.user.status.value === 'joined').toBe(true);
    expect(tab.idle.value).toBe(false);

    setHidden(true);
    expect(tab.idle.value).toBe(true);
    await until(() => seen.user.presence.value === 'away');
    expect([seen.agent.presence.value, seen.agent.online.value, seen.agent.agentStatus.value]).toEqual(['away', true, 'online']);

    setHidden(false);
    await until(() => seen.user.presence.value === 'online');
    tab.setIdle(true); // the app's own "Set me away"
    await until(() => seen.agent.presence.value === 'away');

    tabWrapper.unmount(); // tracker off (after the plugin's releaseMs): the tab counts as active again
    await until(() => seen.user.presence.value === 'online');

    // Budi's other device, with the default source: a real key press on the document
    // (happy-dom) is activity.
    const phone = user('budi', { agent: true });
    const { result: domTab } = mountWith(phone, () => useActivityTracker());
    await until(() => phone.state === 'open');
    budi.close(); // the first tab is gone: the phone alone decides
    domTab.setIdle(true);
    await until(() => seen.user.presence.value === 'away');
    document.dispatchEvent(new Event('keydown'));
    expect(domTab.idle.value).toBe(false);
    await until(() => seen.user.presence.value === 'online');
  });

  it('useNotifications and useChatList: live items, unread counts, optimistic markAllRead', async () => {
    const { platform, user } = await startPlatform();
    await platform.chat.createConversation({ id: 'c-inbox', participants: ['ann', 'bob'] });
    const { result } = mountWith(user('ann'), () => ({ notifications: useNotifications(), inbox: useChatList() }));
    const { notifications, inbox } = result;
    await until(() => notifications.status.value === 'ready' && inbox.status.value === 'ready');
    expect(notifications.items.value).toEqual([]);

    await platform.notification.notify('ann', { category: 'message', type: 'agent_reply', title: 'Budi replied', body: 'Bisa survey besok', priority: 'instant' });
    await until(() => notifications.unreadCount.value === 1);
    expect(notifications.items.value.map((n) => n.title)).toEqual(['Budi replied']);
    notifications.markAllRead();
    expect(notifications.unreadCount.value).toBe(0);

    chatStore(user('bob'), 'c-inbox').send('Halo Bu Ann');
    await until(() => inbox.totalUnread.value === 1);
    expect(inbox.conversations.value[0]).toMatchObject({ id: 'c-inbox', unread: 1, lastMessage: { text: 'Halo Bu Ann' } });
  });

  it('provideSinyal + a bare effectScope: composables start at once and stopping the scope releases the rooms', async () => {
    const { platform, server, user } = await startPlatform();
    await platform.chat.createConversation({ id: 'c-scope', participants: ['ann', 'bob'] });
    const ann = user('ann');
    const scope = effectScope();
    let chat!: ReturnType<typeof useChat>;
    const Host = defineComponent({
      setup() {
        provideSinyal(ann, { releaseMs: 10 });
        return () => h(defineComponent({ setup: () => (scope.run(() => (chat = useChat('c-scope'))), () => h('i')) }));
      },
    });
    const wrapper = mount(Host);
    await until(() => chat.status.value === 'ready');
    expect(server.localMembers('chat:c-scope')).toBe(1);
    scope.stop();
    await until(() => server.localMembers('chat:c-scope') === 0);
    wrapper.unmount();
  });

  it('usePushNotifications: off, then enable() registers this device and the user is pushed while away', async () => {
    const service = await startMockPushService();
    cleanups.push(() => service.close());
    const { platform, user, server } = await startPlatform({ push: true });
    const browser = fakePushBrowser(service);
    const ann = user('ann');
    const { result } = mountWith(ann, () => usePushNotifications({ serviceWorker: '/sinyal-sw.js', environment: browser.environment }));
    await until(() => result.status.value === 'disabled');
    await result.enable();
    expect(result.status.value).toBe('enabled');
    expect(result.endpoint.value).toBe(browser.current()!.endpoint);

    ann.close();
    await until(() => server.connections() === 0);
    await platform.notification.notify('ann', { category: 'message', type: 'agent_reply', title: 'Budi replied', body: '' });
    await platform.notification.push!.idle();
    expect(service.received.map((push) => (push.payload as { title: string }).title)).toEqual(['Budi replied']);
  });
});
