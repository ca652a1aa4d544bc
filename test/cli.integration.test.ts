// The sinyal-server CLI as an operator runs it: which secrets it prints, and when it refuses to start.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleForNode } from '../test-utils/bundleForNode';
import { rawClient } from '../test-utils/rawClient';

const JWT = 'operator-jwt-secret-0123456789abcdef-XYZ';
const PUB = 'operator-publish-secret-0123456789abcdef';

/**
 * Runs the CLI until it prints its listening line, then `whileUp(url)`, then SIGTERM (or until
 * it exits by itself); returns what it wrote.
 */
async function runCli(args: string[], env: Record<string, string>, whileUp: (url: string, stdout: string) => Promise<void> = async () => {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = await bundleForNode(fileURLToPath(new URL('../packages/server/src/cli/cli.ts', import.meta.url)));
  const child = spawn(process.execPath, [cli, '--port', '0', '--log-level', 'warn', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let started = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    const url = /listening on (ws:\S+)/.exec(stdout)?.[1];
    if (url && !started) {
      started = true;
      void whileUp(url, stdout).finally(() => child.kill('SIGTERM'));
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, stdout, stderr };
}

describe('sinyal-server CLI', () => {
  it('refuses to start in production mode without secrets, and says how to fix it', async () => {
    const { code, stdout, stderr } = await runCli([], {});
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/no JWT secret: pass --secret or set SINYAL_JWT_SECRET/);
  });

  it('with secrets from the environment prints none of them, in production or in --dev', async () => {
    for (const args of [[], ['--dev']]) {
      const { stdout, stderr } = await runCli(args, { SINYAL_JWT_SECRET: JWT, SINYAL_PUBLISH_SECRET: PUB });
      expect(stdout).toContain('listening on');
      for (const text of [stdout, stderr]) {
        expect(text).not.toContain(JWT);
        expect(text).not.toContain(PUB);
      }
    }
  });

  it('--dev with nothing configured prints the generated secrets and a working dev token; the open demo kind exists only in --dev', async () => {
    let demoJoin: unknown;
    const { stdout } = await runCli(['--dev'], {}, async (url, printed) => {
      const secret = /JWT secret: +(\S+)/.exec(printed)?.[1] ?? '';
      const raw = await rawClient(url, secret, 'dev');
      demoJoin = await raw.join('demo:lobby');
      raw.close();
    });
    expect(stdout).toMatch(/JWT secret: +\S{32,}/);
    expect(stdout).toMatch(/dev token: +\S+\.\S+\.\S+/);
    expect(demoJoin).toMatchObject({ t: 'joined' });

    let prodJoin: unknown;
    await runCli([], { SINYAL_JWT_SECRET: JWT, SINYAL_PUBLISH_SECRET: PUB }, async (url) => {
      const raw = await rawClient(url, JWT, 'someone');
      raw.send({ t: 'join', id: 'd', room: 'demo:lobby' });
      prodJoin = await raw.next((f) => f.id === 'd');
      raw.close();
    });
    expect(prodJoin).toMatchObject({ t: 'nack', code: 'not_found' });
  });
});
