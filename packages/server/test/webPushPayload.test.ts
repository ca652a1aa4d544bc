// The push message built from delivered notifications always fits in one Web Push record;
// the push options are checked when the feature is made.
import { describe, expect, it } from 'vitest';
import type { Notification } from '@sinyal/protocol/schema';
import webpush from 'web-push';
import { notificationFeature } from '../src/features/notification';
import { pushPayload } from '../src/features/notification/webPush';

const note = (id: string, extra: Partial<Notification> = {}): Notification => ({ id, category: 'message', type: 'agent_reply', title: `title ${id}`, body: `body ${id}`, priority: 'instant', createdAt: 1000, ...extra });
const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe('pushPayload', () => {
  it('carries one notification as itself', () => {
    expect(pushPayload([note('a', { data: { propertyId: 'p-1' } })])).toEqual({ id: 'a', title: 'title a', body: 'body a', category: 'message', type: 'agent_reply', createdAt: 1000, data: { propertyId: 'p-1' } });
  });

  it('summarises a batch: the newest id, a count, the titles newest first, at most 50 ids', () => {
    const items = Array.from({ length: 60 }, (_, i) => note(`n${i}`, { createdAt: 1000 + i }));
    const payload = pushPayload(items);
    expect(payload).toMatchObject({ id: 'n59', title: '60 new notifications', count: 60, createdAt: 1059 });
    expect(payload.ids).toHaveLength(50);
    expect(payload.ids![49]).toBe('n59');
    expect(payload.body.startsWith('title n59\ntitle n58')).toBe(true);
  });

  it('drops data, then shortens the body (whole characters, with an ellipsis) to stay within 3,800 bytes', () => {
    const data = { blob: 'x'.repeat(4000) };
    const withData = pushPayload([note('a', { data, body: 'short' })]);
    expect(withData.data).toBeUndefined();
    expect(withData.body).toBe('short');

    const emoji = '🏠"\\'.repeat(700); // 4-byte characters and characters JSON escapes
    const long = pushPayload([note('b', { title: 'T'.repeat(200), body: emoji, data })]);
    expect(size(long)).toBeLessThanOrEqual(3800);
    expect(long.body.endsWith('…')).toBe(true);
    expect(emoji.startsWith(long.body.slice(0, -1))).toBe(true);
    expect(long.title).toBe('T'.repeat(200));

    const batch = pushPayload(Array.from({ length: 200 }, (_, i) => note(`n${i}`, { title: 'Ü'.repeat(200) })));
    expect(size(batch)).toBeLessThanOrEqual(3800);
  });
});

describe('push options', () => {
  const keys = webpush.generateVAPIDKeys();
  it('refuses malformed VAPID keys, a subject that is not mailto: or https:, and bounds that are not positive integers, before the server starts', () => {
    expect(() => notificationFeature({ push: { vapid: { publicKey: 'short', privateKey: keys.privateKey, subject: 'mailto:a@b.example' } } })).toThrow(/public key/i);
    expect(() => notificationFeature({ push: { vapid: { publicKey: keys.publicKey, privateKey: 'short', subject: 'mailto:a@b.example' } } })).toThrow(/private key/i);
    expect(() => notificationFeature({ push: { vapid: { ...keys, subject: 'a@b.example' } } })).toThrow(/subject/);
    expect(() => notificationFeature({ push: { vapid: { ...keys, subject: 'mailto:a@b.example' }, maxPending: 0 } })).toThrow(/push.maxPending must be a positive integer/);
    expect(() => notificationFeature({ push: { vapid: { ...keys, subject: 'mailto:a@b.example' }, categories: ['message', 'gossip' as never] } })).toThrow(/gossip is not a category/);
    expect(notificationFeature({ push: { vapid: { ...keys, subject: 'https://rumah.example/contact' } } }).push?.publicKey).toBe(keys.publicKey);
    expect(notificationFeature({}).push).toBeUndefined();
  });
});
