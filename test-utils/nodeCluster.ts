// Starts Sinyal server nodes as child processes (test-utils/nodeProcess.ts bundled with
// esbuild against the package sources, so no build is needed) and kills them.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bundleForNode } from './bundleForNode';

const root = fileURLToPath(new URL('..', import.meta.url));
/** nodeProcess.ts bundled against the package sources (see bundleForNode). */
const bundle = () => bundleForNode(fileURLToPath(new URL('./nodeProcess.ts', import.meta.url)));

/** A server node running in a child process. */
export interface NodeProcess {
  readonly port: number;
  readonly url: string;
  readonly httpUrl: string;
  readonly child: ChildProcess;
  /** `kill -9`: no graceful close, sockets reset. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM: graceful close (clients get 1012). */
  stop(): Promise<void>;
}

export interface NodeEnv {
  redisUrl: string;
  prefix: string;
  secret: string;
  port?: number;
  /** Claim lease of commands (see RedisStoreOptions.commandLeaseMs). */
  commandLeaseMs?: number;
  /** TTL of viewer/bidder presence (RedisPresenceStore ttlMs, RedisAuctionStore presenceTtlMs). */
  presenceTtlMs?: number;
}

/** The publish secret of every node started here (REST `publisher` routes, the publish API). */
export const NODE_PUBLISH_SECRET = 'integration-test-publisher-0123456789';

/** Starts one node and waits for it to listen. */
export async function startNode(env: NodeEnv): Promise<NodeProcess> {
  const file = await bundle();
  const child = spawn(process.execPath, [file], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(env.port ?? 0),
      REDIS_URL: env.redisUrl,
      SINYAL_PREFIX: env.prefix,
      SINYAL_SECRET: env.secret,
      SINYAL_PUBLISH_SECRET: NODE_PUBLISH_SECRET,
      SINYAL_COMMAND_LEASE_MS: String(env.commandLeaseMs ?? ''),
      SINYAL_PRESENCE_TTL_MS: String(env.presenceTtlMs ?? ''),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`node did not start in time\n${stderr}`)), 15_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code}\n${stderr}`));
    });
  });
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return {
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    child,
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
  };
}
