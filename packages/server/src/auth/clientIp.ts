import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/**
 * Which `X-Forwarded-For` hops to believe when finding a client's address (the per-IP
 * connection cap uses it):
 * - `false`: none — the client is the TCP peer (what to use without a proxy, or when the
 *   proxy's own address should be the unit);
 * - `true`: every hop — the left-most address of `X-Forwarded-For` (only when every request
 *   goes through a proxy that overwrites the header);
 * - a number `n`: the last `n` hops are your proxies (1 = one load balancer in front);
 * - a list of addresses or CIDR ranges (`'10.0.0.0/8'`, `'2001:db8::/32'`): hops from those
 *   are your proxies; the client is the first address from the right that is not one of them.
 * Anyone can send an `X-Forwarded-For` header, so trusting more hops than you run lets a
 * client pick its own address.
 */
export type TrustProxy = boolean | number | readonly string[];

/** `::ffff:1.2.3.4` → `1.2.3.4`; other addresses as they are. */
function normalize(address: string): string {
  const trimmed = address.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return mapped ? mapped[1]! : trimmed.toLowerCase();
}

function blockListOf(addresses: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of addresses) {
    if (typeof entry !== 'string') throw new TypeError('trustProxy entries must be IP addresses or CIDR ranges');
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const family = isIP(address);
    if (family === 0) throw new TypeError(`trustProxy: "${entry}" is not an IP address or CIDR range`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) {
      list.addAddress(address, type);
      continue;
    }
    const bits = Number(prefix);
    if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) throw new TypeError(`trustProxy: "${entry}" has an invalid prefix length`);
    list.addSubnet(address, bits, type);
  }
  return list;
}

/**
 * Builds the function that finds a request's client address under `trust` (see
 * {@link TrustProxy}). Walks the chain `X-Forwarded-For…, TCP peer` from the right while the
 * current hop is trusted; a malformed entry stops the walk at the hop to its right.
 */
export function clientIpResolver(trust: TrustProxy = false): (req: IncomingMessage) => string {
  let trusted: (address: string, depth: number) => boolean;
  if (trust === false) return (req) => normalize(req.socket.remoteAddress ?? '');
  if (trust === true) trusted = () => true;
  else if (typeof trust === 'number') {
    if (!Number.isInteger(trust) || trust < 0) throw new TypeError('trustProxy must be a boolean, a non-negative integer (hops) or a list of addresses');
    trusted = (_address, depth) => depth < trust;
  } else if (Array.isArray(trust)) {
    const list = blockListOf(trust);
    trusted = (address) => list.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
  } else {
    throw new TypeError('trustProxy must be a boolean, a non-negative integer (hops) or a list of addresses');
  }
  return (req) => {
    const peer = normalize(req.socket.remoteAddress ?? '');
    const header = req.headers['x-forwarded-for'];
    if (!header) return peer;
    const chain = [...(Array.isArray(header) ? header.join(',') : header).split(',').map(normalize), peer];
    let i = chain.length - 1;
    for (let depth = 0; i > 0 && isIP(chain[i]!) !== 0 && trusted(chain[i]!, depth); depth++) {
      if (isIP(chain[i - 1]!) === 0) break;
      i--;
    }
    return chain[i]!;
  };
}

/**
 * The unit a per-address limit counts: an IPv4 address, or the /64 network of an IPv6
 * address (one subscriber usually gets a whole /64, so single IPv6 addresses are free to
 * rotate through).
 */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = '', tail = ''] = address.split('::', 2);
  const left = head ? head.split(':') : [];
  const right = address.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}
