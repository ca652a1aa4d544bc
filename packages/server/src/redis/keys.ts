/** Default prefix of every Redis key and channel Sinyal uses. */
export const DEFAULT_REDIS_PREFIX = 'sinyal:';

/**
 * Names of Sinyal's Redis keys and channels (see docs/scaling.md). A room's keys and
 * channel share the hash tag `{<room>}`, so they live in one Redis Cluster slot.
 */
export interface RedisKeys {
  readonly prefix: string;
  /** String: the epoch of the stored data (created on first use; gone after FLUSHALL). */
  readonly epoch: string;
  /** String counter: the seq of the room's newest event (INCR). */
  roomSeq(room: string): string;
  /** Stream: the room's retained events, entry id `<seq>-0`, field `e` = event JSON. */
  roomLog(room: string): string;
  /** Pub/sub channel of the room's live events. */
  roomChannel(room: string): string;
  /** The room whose channel this is, if it is one of ours. */
  roomOfChannel(channel: string): string | undefined;
  /** String with a TTL: a command's claim marker, then its outcome. */
  command(key: string): string;
  /** Pub/sub channel every node listens on for orders about users (revoke, disconnect). */
  readonly controlChannel: string;
  /** String with a short TTL, refreshed by a live node: gone means the node is dead. */
  node(nodeId: string): string;
}

export function redisKeys(prefix: string = DEFAULT_REDIS_PREFIX): RedisKeys {
  const channelStart = `${prefix}room:{`;
  return {
    prefix,
    epoch: `${prefix}epoch`,
    roomSeq: (room) => `${prefix}room:{${room}}:seq`,
    roomLog: (room) => `${prefix}room:{${room}}:log`,
    roomChannel: (room) => `${prefix}room:{${room}}`,
    roomOfChannel: (channel) => (channel.startsWith(channelStart) && channel.endsWith('}') ? channel.slice(channelStart.length, -1) : undefined),
    command: (key) => `${prefix}cmd:${key}`,
    controlChannel: `${prefix}control`,
    node: (nodeId) => `${prefix}node:${nodeId}`,
  };
}
