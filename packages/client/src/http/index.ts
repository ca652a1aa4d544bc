/**
 * `@sinyal/client/http`: the HTTP fallback transport, for networks that block or break
 * WebSocket upgrades (corporate proxies, some mobile carriers, old middleboxes). Opt-in and
 * kept out of the core bundle: pass {@link httpFallback} as `WebSocket` (WebSocket first,
 * HTTP when upgrades fail, back to WebSocket when they work again), or {@link httpTransport}
 * as `WebSocket` to use HTTP only. The same frames, resume and outbox guarantees as over a
 * WebSocket; the React and Vue adapters need no change.
 * @module
 */
export { httpTransport, HttpSocket, type HttpTransportOptions } from './httpSocket';
export { httpFallback, type HttpFallbackOptions } from './fallback';
