// Reading a server's /metrics in tests (no other imports: the server's unit tests use it too).

/**
 * A sample of `name` (with exactly `labels`, e.g. `scope="http"`) from the server's /metrics,
 * or `undefined` when the server has no such sample (a labelled counter never incremented).
 */
export async function metric(httpUrl: string, name: string, labels = ''): Promise<number | undefined> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}
