import { describe, expect, it } from 'vitest';
import { deliveryStatus } from '../src/chat/messageStatus';

const at = (entries: Record<string, number>) => new Map(Object.entries(entries).map(([userId, seq]) => [userId, { seq }]));

describe('deliveryStatus', () => {
  const message = { seq: 5, senderId: 'ann' };

  it('goes sent → delivered → read as the other participants catch up', () => {
    expect(deliveryStatus(message, ['ann', 'bob'], at({ ann: 5 }), at({}))).toBe('sent');
    expect(deliveryStatus(message, ['ann', 'bob'], at({ bob: 4 }), at({ bob: 5 }))).toBe('delivered');
    expect(deliveryStatus(message, ['ann', 'bob'], at({ bob: 9 }), at({}))).toBe('read'); // reading implies receiving
  });

  it('in a group, waits for every other participant', () => {
    const participants = ['ann', 'bob', 'cy'];
    expect(deliveryStatus(message, participants, at({ bob: 5 }), at({}))).toBe('sent');
    expect(deliveryStatus(message, participants, at({ bob: 5 }), at({ cy: 5 }))).toBe('delivered');
    expect(deliveryStatus(message, participants, at({ bob: 5, cy: 6 }), at({}))).toBe('read');
  });

  it('is sent when nobody else is in the conversation', () => {
    expect(deliveryStatus(message, ['ann'], at({ ann: 5 }), at({}))).toBe('sent');
  });
});
