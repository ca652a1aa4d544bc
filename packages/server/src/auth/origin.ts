/** Origins are compared case-insensitively and without a trailing slash. */
function normalize(origin: string): string {
  return origin.trim().toLowerCase().replace(/\/+$/, '');
}

/**
 * Builds the `Origin` allow-list check used at the upgrade and by the auth probe.
 * A request without an `Origin` header is not from a browser page and is allowed:
 * the check exists to stop other web sites from using a visitor's browser.
 */
export function createOriginCheck(allowed: readonly string[] | '*'): (origin: string | undefined) => boolean {
  if (allowed === '*') return () => true;
  const set = new Set(allowed.map(normalize));
  return (origin) => origin === undefined || set.has(normalize(origin));
}
