// npm run example (React) / npm run example:vue — the reference server with every feature,
// the bots, and the example app's Vite dev server, all on 127.0.0.1. Ctrl-C stops it.
// Options: --app react|vue, --port <sinyal port> (8787), --app-port <vite port> (5173), --no-bots
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadDevVapidKeys } from '@sinyal/server';
import { DEMO_PUBLISH_SECRET, DEMO_USERS, startExampleServer } from './exampleServer.mjs';

const { values } = parseArgs({
  options: {
    app: { type: 'string', default: 'react' },
    port: { type: 'string', default: process.env.SINYAL_PORT ?? '8787' },
    'app-port': { type: 'string', default: process.env.APP_PORT ?? '5173' },
    'no-bots': { type: 'boolean', default: false },
  },
});
if (!['react', 'vue'].includes(values.app)) throw new Error(`--app must be react or vue, not ${values.app}`);
const host = '127.0.0.1';
const time = () => new Date().toTimeString().slice(0, 8);
const log = (line) => console.log(`${time()}  ${line}`);

let example;
try {
  // Web Push keys generated once for this checkout (a new pair would void the browsers' subscriptions).
  const vapid = loadDevVapidKeys(fileURLToPath(new URL('../../.sinyal/vapid-dev.json', import.meta.url)));
  example = await startExampleServer({ port: Number(values.port), host, bots: !values['no-bots'], log, vapid });
} catch (error) {
  console.error(`Could not start the Sinyal server on ${host}:${values.port}: ${error.message}\nIs another example running? Try --port 0 or SINYAL_PORT=…`);
  process.exit(1);
}
const apiUrl = example.httpUrl;

// The app reads the server's address from VITE_SINYAL_URL (or ?server= in the page URL).
process.env.VITE_SINYAL_URL = apiUrl;
const { createServer: createVite } = await import('vite');
const root = fileURLToPath(new URL(`../${values.app}-property/`, import.meta.url));
const vite = await createVite({
  root,
  configFile: `${root}vite.config.mjs`,
  server: { host, port: Number(values['app-port']), strictPort: false },
  logLevel: 'warn',
  clearScreen: false,
});
await vite.listen();
const appUrl = (vite.resolvedUrls?.local[0] ?? `http://${host}:${values['app-port']}/`).replace('localhost', host);

const people = DEMO_USERS.filter((user) => !user.bot);
console.log(`
  Sinyal example — ${values.app === 'react' ? 'React' : 'Vue'} app, reference server and bots (DEMO ONLY, bound to ${host})

  Open two windows as two people (e.g. Budi and Sari, or Budi and Ani for the auction):
${people.map((user) => `    ${`${appUrl}?user=${user.id}`.padEnd(42)} ${user.name} (${user.role})`).join('\n')}

  Sinyal server: ${example.url}   (health: ${apiUrl}/health)
  Dev logins:    ${apiUrl}/demo/login?user=<id>  — hands out tokens to anyone: demo only
  Publish a price from "the backend":
    curl -X POST ${apiUrl}/api/properties/p-1/events -H 'Authorization: Bearer ${DEMO_PUBLISH_SECRET}' \\
         -H 'Content-Type: application/json' -d '{"type":"price_updated","newPrice":5000000000}'
${values['no-bots'] ? '' : '\n  Bots: agent-1 answers chats (unless you are signed in as the agent with the chat open, or set\n  yourself busy), bot-joko and bot-wati bid on the p-1 auction, and prices change every 30 s.\n'}
  Ctrl-C to stop.
`);

let stopping = false;
const stop = async (signal) => {
  if (stopping) process.exit(1);
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  const force = setTimeout(() => process.exit(1), 5000);
  force.unref();
  await Promise.allSettled([vite.close(), example.close()]);
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
