// fast-check generators of hostile protocol frames: valid envelopes with mutated fields,
// wrong types, prototype-pollution keys, huge and non-finite numbers, deep nesting,
// random text. Each generated frame is the JSON *text* sent on the wire, so it can hold
// what JSON.stringify never writes (1e400, 30-digit integers, duplicate keys).
import fc from 'fast-check';

/** Rooms the fuzzer aims at: every configured kind, the fuzzer's own and others' private rooms, missing kinds, prototype names. */
export const FUZZ_ROOMS = [
  'demo:fuzz',
  'demo:other',
  'private:fuzzer',
  'private:bob',
  'chat:c-1',
  'chat:c-404',
  'auction:a-1',
  'viewers:p-1',
  'status:agent-1',
  'property:p-1',
  'user:fuzzer',
  'user:bob',
  'constructor:x',
  'prototype:x',
  'tostring:x',
  'nokind:1',
];
const EVENTS = ['demo:message', 'private:note', 'chat:typing', 'chat:message', 'auction:new_bid', 'constructor:x', 'demo:__proto__'];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'then', '__defineGetter__'];

/** Strings starting with RAW are replaced by their literal text after JSON.stringify. */
const RAW = '\u0000RAW:';
const RAW_PATTERN = /"\\u0000RAW:((?:[^"\\]|\\.)*)"/g;
const raw = (text: string) => `${RAW}${text}`;
function render(value: unknown): string {
  return JSON.stringify(value).replace(RAW_PATTERN, (_m, text: string) => JSON.parse(`"${text}"`) as string);
}

const hugeNumber = fc.constantFrom(
  raw('1e400'),
  raw('-1e400'),
  raw('123456789012345678901234567890'),
  raw('1E+999'),
  raw('-0'),
  raw('5e-324'),
  raw('0.0000000000000000000000001'),
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  2 ** 64,
  -(2 ** 63),
  0.5,
  -1,
);

const pollution = fc.constantFrom(
  raw('{"__proto__":{"polluted":"yes"}}'),
  raw('{"constructor":{"prototype":{"polluted":"yes"}}}'),
  raw('{"__proto__":{"toString":"x","valueOf":1,"then":"y"}}'),
  raw('{"a":1,"a":2,"__proto__":null}'),
);

/** `depth` levels of arrays or objects, as raw JSON text (stays under the 64 KiB frame limit). */
const deep = fc.tuple(fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1000, max: 9000 })), fc.boolean()).map(([depth, arrays]) =>
  raw(arrays ? '['.repeat(depth) + ']'.repeat(depth) : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
);

const anything = fc.anything({
  maxDepth: 3,
  maxKeys: 5,
  key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...PROTO_KEYS)),
  withBoxedValues: false,
  withMap: false,
  withSet: false,
  withBigInt: false,
  withDate: false,
  withTypedArray: false,
});

/** A value of the wrong kind for whatever field it lands in. */
export const weird: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: anything },
  { weight: 2, arbitrary: hugeNumber },
  { weight: 2, arbitrary: pollution },
  { weight: 1, arbitrary: deep },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'x'.repeat(65), 'x'.repeat(5000), null, true, [], {}) },
);

/** The right value most of the time, a wrong one sometimes. */
const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: weird });

const id = mostly(fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.uuid()));
const room = mostly(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...FUZZ_ROOMS) }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) }));
const position = mostly(fc.record({ epoch: mostly(fc.string({ minLength: 1, maxLength: 12 })), seq: mostly(fc.nat()) }));
const commandName = (names: readonly string[]) =>
  mostly(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS, 'constructor', 'nope:nope') }));
/** Plausible command data: the fields the features read, each possibly wrong. */
const commandData = fc.record(
  {
    event: mostly(fc.constantFrom(...EVENTS)),
    data: weird,
    volatile: mostly(fc.boolean()),
    text: mostly(fc.string({ maxLength: 40 })),
    conversationId: mostly(fc.constantFrom('c-1', 'c-404')),
    clientMessageId: mostly(fc.uuid()),
    upTo: mostly(fc.string({ maxLength: 12 })),
    auctionId: mostly(fc.constantFrom('a-1', 'a-404')),
    amount: mostly(fc.oneof(fc.integer(), fc.double())),
    propertyId: mostly(fc.constantFrom('p-1', 'p-404')),
    status: mostly(fc.constantFrom('online', 'busy', 'offline')),
    ids: mostly(fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 })),
  },
  { requiredKeys: [] },
);

function envelope(commandNames: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const t = (name: string) => mostly(fc.constant(name));
  return fc.oneof(
    fc.record({ t: t('hello'), v: mostly(fc.constant(1)), lib: mostly(fc.string({ maxLength: 10 })) }, { requiredKeys: ['t'] }),
    fc.record({ t: t('join'), id, room, from: position, params: weird }, { requiredKeys: ['t', 'id', 'room'] }),
    fc.record({ t: t('leave'), room }, { requiredKeys: ['t'] }),
    fc.record({ t: t('cmd'), id, name: commandName(commandNames), room, data: mostly(commandData) }, { requiredKeys: ['t', 'id', 'name'] }),
    fc.record({ t: t('ping'), ts: mostly(fc.double({ noNaN: true, noDefaultInfinity: true })) }, { requiredKeys: ['t'] }),
    fc.dictionary(fc.oneof(fc.constantFrom('t', 'id', 'room', 'name', 'data', ...PROTO_KEYS), fc.string({ maxLength: 6 })), weird, { maxKeys: 6 }),
  );
}

/** One hostile frame, as JSON text (or not JSON at all). */
export function hostileFrame(commandNames: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 14, arbitrary: envelope(commandNames).map(render) },
    // A publish that goes all the way to the store and the fan-out with a payload nested thousands deep.
    {
      weight: 2,
      arbitrary: fc.tuple(id, deep).map(([cid, data]) => render({ t: 'cmd', id: cid, name: 'publish', room: 'demo:fuzz', data: { event: 'demo:message', data } })),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: pollution.map((p) => render({ t: 'cmd', id: 'p', name: 'publish', room: 'demo:fuzz', data: p })) },
    { weight: 1, arbitrary: fc.constantFrom('{', '}', '[', '"', '{"t":', '{"t":"cmd"', 'null', '""', '{}', '[]', '\ufeff{"t":"ping","ts":1}', '{"t":"ping","ts":1}{"t":"ping","ts":2}') },
  );
}
