import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeEvent } from '../src/redis/eventCodec';
import { durableEventFrame, durableEventText, durableEventTextFromEncoded } from '../src/rooms/roomRegistry';

// Durable events are sent as text built around the data's JSON (no second serialisation,
// no parse on the Redis path); it must read exactly as the frame object it replaces.
const room = fc.stringMatching(/^[a-z][a-z0-9_-]{0,31}:[A-Za-z0-9_.:@-]{1,128}$/);
const name = fc.stringMatching(/^[a-z][a-z0-9_-]{0,31}:[a-z0-9_-]{1,64}$/);
const event = fc.record({
  name,
  data: fc.option(fc.jsonValue(), { nil: undefined }),
  epoch: fc.string({ minLength: 1, maxLength: 64 }),
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  at: fc.integer({ min: 0, max: 2 ** 45 }),
});
/** JSON's view of a value: what a client parses (-0 becomes 0, and so on). */
const viaJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('durable event frames as text', () => {
  it('durableEventText parses to the same frame as durableEventFrame', () => {
    fc.assert(
      fc.property(room, event, (r, e) => {
        const json = e.data === undefined ? undefined : JSON.stringify(e.data);
        const text = durableEventText(r, e.name, json, e.epoch, e.seq, e.at);
        expect(JSON.parse(text)).toEqual(viaJson(durableEventFrame(r, e)));
      }),
      { numRuns: 300 },
    );
  });

  it('the Redis stream encoding becomes the same frame without being parsed', () => {
    fc.assert(
      fc.property(room, event, (r, e) => {
        const text = durableEventTextFromEncoded(r, e.epoch, e.seq, encodeEvent(e));
        expect(text).toBeDefined();
        expect(JSON.parse(text!)).toEqual(viaJson(durableEventFrame(r, e)));
      }),
      { numRuns: 300 },
    );
  });

  it('an encoding that is not the stream encoding is not spliced', () => {
    expect(durableEventTextFromEncoded('chat:1', 'e', 1, '[1,2]')).toBeUndefined();
    expect(durableEventTextFromEncoded('chat:1', 'e', 1, '{"x":1}')).toBeUndefined();
    expect(durableEventTextFromEncoded('chat:1', 'e', 1, '{"name":"a:b"')).toBeUndefined();
  });
});
