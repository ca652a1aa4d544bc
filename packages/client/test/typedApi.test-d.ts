// Type-level tests of the public API: checked by `npm run typecheck`, never executed.
// Every `@ts-expect-error` line must fail to compile; if it compiles, tsc reports it.
import { createClient, type PendingCommand } from '../src';

type Events = {
  'auction:new_bid': { amount: number; bidder: string };
  'chat:message': { text: string };
};
type Commands = {
  'auction:place_bid': { data: { auctionId: string; amount: number }; result: { accepted: boolean } };
};

export async function typedUsage(): Promise<void> {
  const client = createClient<Events, Commands>({ url: 'ws://x', autoConnect: false });
  const room = client.room('auction:7');

  room.on('auction:new_bid', (bid, meta) => {
    const amount: number = bid.amount;
    const seq: number | undefined = meta.seq;
    void amount;
    void seq;
  });
  // @ts-expect-error — unknown event name
  room.on('auction:new_bidd', () => {});
  room.on('chat:message', (message) => {
    // @ts-expect-error — payload of chat:message has no amount
    void message.amount;
  });

  room.publish('chat:message', { text: 'hi' });
  // @ts-expect-error — wrong payload shape for the event
  room.publish('chat:message', { body: 'hi' });

  const result = await client.request('auction:place_bid', { auctionId: 'a', amount: 10 });
  const accepted: boolean = result.accepted;
  void accepted;
  // @ts-expect-error — amount must be a number
  void client.request('auction:place_bid', { auctionId: 'a', amount: '10' });
  // @ts-expect-error — unknown command
  void client.request('auction:place_bidd', {});

  const command: PendingCommand<{ accepted: boolean }> = client.command('auction:place_bid', { auctionId: 'a', amount: 1 });
  void command;

  // Built-in publish is always available.
  client.command('publish', { event: 'chat:message', data: { text: 'x' } }, { room: 'chat:1' });
}
