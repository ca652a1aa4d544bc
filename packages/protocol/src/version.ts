/** Version of the wire protocol spoken by this package. Bumped on any incompatible frame change. */
export const PROTOCOL_VERSION = 1;

/** WebSocket subprotocol that selects protocol version {@link PROTOCOL_VERSION}. */
export const SUBPROTOCOL = `sinyal.v${PROTOCOL_VERSION}`;

/**
 * Prefix of the `Sec-WebSocket-Protocol` entry that carries the bearer token
 * (`sinyal.bearer.<base64url(token)>`). Browsers cannot set an `Authorization`
 * header on a WebSocket, and a query string ends up in access logs; the subprotocol
 * list is the one header every platform lets us set. The server never echoes it.
 */
export const TOKEN_PROTOCOL_PREFIX = 'sinyal.bearer.';
