// `sinyal-server --workers 2 --redis` as an operator runs it (the built CLI, node:cluster):
// clients spread over both workers see one order per room; a worker killed with SIGKILL
// loses its clients to the other worker, where they resume with nothing lost or duplicated,
// and the primary forks a replacement that serves the same rooms; SIGTERM drains them all.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientOptions } from '@sinyal/client';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect, record, SECRET, sleep, until } from '../test-utils/harness';
import { REDIS_URL, redisTestScope } from '../test-utils/redis';

const root = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(root, 'packages/server/dist/cli.js');
const PUBLISH_SECRET = 'workers-test-publish-secret-0123456789abcdef';
const redisTest = await redisTestScope();
const { cleanup } = redisTest;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A JSON log line of the CLI (stderr). */
type LogLine = { msg?: string; worker?: number; pid?: number; instance?: string; replaces?: { pid?: number } };

/** The CLI running with `--workers`: what it printed so far, and its primary. */
interface CliRun {
  child: ChildProcess;
  url: string;
  stdout(): string;
  logs(): LogLine[];
  exited: Promise<number | null>;
}

/** Starts the built CLI and waits for its startup message (printed once every worker listens). */
async function startCli(args: string[]): Promise<CliRun> {
  const vapidDir = mkdtempSync(join(tmpdir(), 'sinyal-workers-'));
  const child = spawn(process.execPath, [CLI, '--dev', '--port', '0', ...args], {
    env: { PATH: process.env.PATH ?? '', SINYAL_JWT_SECRET: SECRET, SINYAL_PUBLISH_SECRET: PUBLISH_SECRET, SINYAL_VAPID_FILE: join(vapidDir, 'vapid.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => rmSync(vapidDir, { recursive: true, force: true }));
  const logs = () =>
    stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  const url = await Promise.race([
    (async () => {
      await until(() => /workers? \(node:cluster/.test(stdout), 30_000);
      return /listening on (ws:\S+)/.exec(stdout)![1]!;
    })(),
    exited.then((code) => {
      throw new Error(`the CLI exited with ${code}\n${stdout}\n${stderr}`);
    }),
  ]);
  return { child, url, stdout: () => stdout, logs, exited };
}

/** A test client that notes which worker (`Sinyal-Instance` of the upgrade response) holds each of its connections. */
function trackedClient(url: string, user: string) {
  const instances: string[] = [];
  class TrackedWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      this.once('upgrade', (res) => instances.push(String(res.headers['sinyal-instance'])));
    }
  }
  const client = redisTest.closeAfter(connect(url, user, { WebSocket: TrackedWebSocket as unknown as NonNullable<ClientOptions['WebSocket']> }));
  return { client, instances, user, ...record(client, 'demo:chat') };
}
const pidOf = (instance: string) => Number(instance.split('.')[1]);

beforeAll(async () => {
  // The test runs the built CLI, as `npm run server` does (quick when dist is fresh).
  const build = spawn(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  build.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => build.once('exit', resolve));
  if (code !== 0) throw new Error(`build failed\n${err}`);
}, 240_000);

describe('sinyal-server --workers without Redis', () => {
  it('refuses more than one worker and says why', async () => {
    const child = spawn(process.execPath, [CLI, '--dev', '--port', '0', '--workers', '2'], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/--workers 2 needs Redis \(--redis <url> or SINYAL_REDIS_URL\)/);
    expect(stderr).toMatch(/could not resume/);
  });
});

redisTest.describe('sinyal-server --workers 2 --redis', () => {
  it('one order across workers; a killed worker’s clients resume on another with nothing lost or duplicated; the primary replaces it; SIGTERM drains all', { timeout: 90_000 }, async () => {
    const cli = await startCli(['--workers', '2', '--redis', REDIS_URL, '--redis-prefix', redisTest.prefix, '--log-level', 'info']);
    cleanup(() => {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL'); // the workers exit with their primary's IPC channel
    });
    const started = cli.logs().filter((l) => l.msg === 'worker listening');
    expect(started).toHaveLength(2);
    const health = (await (await fetch(cli.url.replace(/^ws:(.*)\/ws$/, 'http:$1/health'))).json()) as { status: string; instance: string };
    expect(health.status).toBe('ok');
    expect(started.map((l) => l.instance)).toContain(health.instance); // whichever worker took the request

    const users = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'];
    const recs = users.map((user) => trackedClient(cli.url, user));
    await until(() => recs.every((r) => r.room.getSnapshot().status === 'joined'));
    const firstInstance = recs.map((r) => r.instances[0]!);
    expect(new Set(firstInstance)).toEqual(new Set(started.map((l) => l.instance))); // both workers hold clients

    const victim = firstInstance[0]!;
    const victimPid = pidOf(victim);
    const moved = recs.filter((r) => r.instances[0] === victim);
    const rounds = 30;
    const commands = [];
    for (let n = 1; n <= rounds; n++) {
      if (n === 10) process.kill(victimPid, 'SIGKILL');
      for (const r of recs) commands.push(r.room.publish('demo:message', { from: r.user, n }));
      await sleep(15);
    }
    await Promise.all(commands.map((c) => c.done));
    expect(commands.every((c) => c.status === 'acked')).toBe(true);
    const total = rounds * users.length;
    await until(() => recs.every((r) => r.items.length >= total), 30_000);
    await sleep(300); // anything extra (a duplicate) would arrive now

    for (const r of recs) {
      expect(r.items.map((i) => i.seq)).toEqual(range(1, total));
      expect(r.items).toEqual(recs[0]!.items); // one order for everyone, on either worker
      expect(r.resets).toEqual([]);
    }
    for (const r of recs) expect(recs[0]!.items.filter((i) => i.from === r.user).map((i) => i.n)).toEqual(range(1, rounds)); // each command once
    for (const r of moved) {
      expect(r.instances.length).toBeGreaterThanOrEqual(2); // reconnected…
      expect(r.instances.at(-1)).not.toBe(victim); // …to a live worker
    }

    // The primary replaced the dead worker; the new one serves the same rooms.
    await until(() => cli.logs().some((l) => l.msg === 'worker restarted' && l.replaces?.pid === victimPid), 20_000);
    await until(() => cli.logs().filter((l) => l.msg === 'worker listening').length === 3, 20_000);
    const replacement = cli.logs().filter((l) => l.msg === 'worker listening')[2]!.instance!;
    expect(replacement).not.toBe(victim);
    const late: Array<ReturnType<typeof trackedClient>> = [];
    while (!late.some((r) => r.instances[0] === replacement)) {
      expect(late.length).toBeLessThan(6); // the primary hands connections to its workers in turn
      const r = trackedClient(cli.url, `late${late.length}`);
      late.push(r);
      await until(() => r.room.getSnapshot().status === 'joined');
    }
    const onReplacement = late.find((r) => r.instances[0] === replacement)!;
    await onReplacement.room.publish('demo:message', { from: onReplacement.user, n: 1 }).done;
    await until(() => recs.every((r) => r.items.length === total + 1));
    for (const r of recs) expect(r.items.at(-1)).toEqual({ from: onReplacement.user, n: 1, seq: total + 1 });

    // SIGTERM on the primary: every worker drains, the primary exits 0.
    const pids = [...new Set([...recs, ...late].flatMap((r) => r.instances))].filter((i) => i !== victim).map(pidOf);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toMatch(/SIGTERM: draining 2 workers/);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow(); // gone
  });
});
