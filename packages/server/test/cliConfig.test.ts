import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDevVapidKeys } from '../src/features/notification/devVapid';
import { CliError, resolveCliConfig, startupMessage, type CliConfig } from '../src/cli/cliConfig';

const JWT = 'j'.repeat(40);
const PUB = 'p'.repeat(40);
const urls = { url: 'ws://127.0.0.1:8080/ws', httpUrl: 'http://127.0.0.1:8080' };
const resolve = (argv: string[], env: NodeJS.ProcessEnv = {}) => resolveCliConfig(argv, env) as CliConfig;

describe('CLI configuration', () => {
  it('refuses to start without a JWT secret or a publish secret outside --dev', () => {
    expect(() => resolve([])).toThrow(/no JWT secret/);
    expect(() => resolve([], { SINYAL_JWT_SECRET: JWT })).toThrow(/no publish secret/);
    expect(() => resolve([], { SINYAL_JWT_SECRET: JWT, SINYAL_PUBLISH_SECRET: PUB })).not.toThrow();
  });

  it('refuses secrets shorter than 32 bytes, also in --dev', () => {
    expect(() => resolve(['--secret', 'short'], { SINYAL_PUBLISH_SECRET: PUB })).toThrow(CliError);
    expect(() => resolve(['--dev', '--publish-secret', 'x'])).toThrow(/at least 32 bytes/);
  });

  it('treats an empty environment variable as unset', () => {
    expect(() => resolve([], { SINYAL_JWT_SECRET: '', SINYAL_PUBLISH_SECRET: PUB })).toThrow(/no JWT secret/);
    const dev = resolve(['--dev'], { SINYAL_JWT_SECRET: '', PORT: '' });
    expect(dev.secretGenerated).toBe(true);
    expect(dev.port).toBe(8080);
  });

  it('prints generated secrets and a dev token only in --dev with nothing configured', () => {
    const dev = resolve(['--dev']);
    const text = startupMessage(dev, urls, 'DEV-TOKEN');
    expect(text).toContain(dev.secret);
    expect(text).toContain(dev.publishSecret);
    expect(text).toContain('DEV-TOKEN');
  });

  it('prints no secret when any secret came from the environment, even in --dev', () => {
    const dev = resolve(['--dev'], { SINYAL_JWT_SECRET: JWT });
    const text = startupMessage(dev, urls, undefined);
    expect(text).not.toContain(JWT);
    expect(text).not.toContain(dev.publishSecret);
    expect(text).toMatch(/none is printed/);
  });

  it('prints no secret in production mode', () => {
    const prod = resolve([], { SINYAL_JWT_SECRET: JWT, SINYAL_PUBLISH_SECRET: PUB });
    const text = startupMessage(prod, urls, undefined);
    expect(text).not.toContain(JWT);
    expect(text).not.toContain(PUB);
  });

  it('serves /metrics in production only with a token; origins come from flags or SINYAL_ORIGINS', () => {
    const env = { SINYAL_JWT_SECRET: JWT, SINYAL_PUBLISH_SECRET: PUB };
    expect(resolve([], env).metrics).toBe(false);
    expect(resolve(['--metrics-token', 'scrape'], env).metrics).toEqual({ token: 'scrape' });
    expect(resolve(['--dev']).metrics).toEqual({ token: undefined });
    expect(resolve([], env).origins).toBe('*');
    expect(resolve([], { ...env, SINYAL_ORIGINS: 'https://a.example, https://b.example' }).origins).toEqual(['https://a.example', 'https://b.example']);
    expect(resolve(['--origin', 'https://c.example'], env).origins).toEqual(['https://c.example']);
  });
});

describe('CLI Web Push configuration', () => {
  const keys = { SINYAL_VAPID_PUBLIC_KEY: 'B'.repeat(87), SINYAL_VAPID_PRIVATE_KEY: 'k'.repeat(43) };
  const prod = { SINYAL_JWT_SECRET: JWT, SINYAL_PUBLISH_SECRET: PUB };

  it('is off in production without keys, on with both keys and a subject', () => {
    expect(resolve([], prod).vapid).toBeUndefined();
    expect(startupMessage(resolve([], prod), urls, undefined)).toContain('Web Push off');
    expect(resolve([], { ...prod, ...keys, SINYAL_VAPID_SUBJECT: 'mailto:ops@rumah.example' }).vapid).toEqual({
      keys: { publicKey: keys.SINYAL_VAPID_PUBLIC_KEY, privateKey: keys.SINYAL_VAPID_PRIVATE_KEY },
      subject: 'mailto:ops@rumah.example',
    });
  });

  it('refuses half a key pair, a missing subject in production, a subject that is not mailto: or https:', () => {
    expect(() => resolve([], { ...prod, SINYAL_VAPID_PUBLIC_KEY: keys.SINYAL_VAPID_PUBLIC_KEY })).toThrow(/both SINYAL_VAPID_PUBLIC_KEY and SINYAL_VAPID_PRIVATE_KEY/);
    expect(() => resolve([], { ...prod, ...keys })).toThrow(/SINYAL_VAPID_SUBJECT/);
    expect(() => resolve([], { ...prod, ...keys, SINYAL_VAPID_SUBJECT: 'ops@rumah.example' })).toThrow(/mailto:/);
  });

  it('--dev without keys keeps a generated pair in a file', () => {
    expect(resolve(['--dev']).vapid).toEqual({ devFile: '.sinyal/vapid-dev.json', subject: 'mailto:dev@localhost.invalid' });
    expect(resolve(['--dev'], { SINYAL_VAPID_FILE: '/tmp/x.json' }).vapid).toMatchObject({ devFile: '/tmp/x.json' });
  });

  it('generates the development key pair once, then reuses it; a broken file is an error, not a silent new pair', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sinyal-vapid-'));
    try {
      const file = join(dir, 'nested', 'vapid.json');
      const first = loadDevVapidKeys(file);
      expect(first.generated).toBe(true);
      expect(first.publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const second = loadDevVapidKeys(file);
      expect(second).toEqual({ ...first, generated: false });
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ publicKey: first.publicKey, privateKey: first.privateKey });
      writeFileSync(file, '{"publicKey":"x"}');
      expect(() => loadDevVapidKeys(file)).toThrow(/not a VAPID key pair/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints the public key (never the private one) when Web Push is on', () => {
    const config = resolve(['--dev']);
    const text = startupMessage(config, urls, undefined, { vapidPublicKey: 'PUBLIC-KEY', vapidGenerated: true });
    expect(text).toContain('Web Push on, VAPID public key PUBLIC-KEY (development key pair generated now into .sinyal/vapid-dev.json)');
  });

  it('--workers: a count, or 0 / auto for one per core; more than one only with Redis, which the error explains', () => {
    const redis = { SINYAL_REDIS_URL: 'redis://127.0.0.1:6379' };
    const cores = () => 4;
    const at = (argv: string[], env: NodeJS.ProcessEnv = redis) => (resolveCliConfig(['--dev', ...argv], env, cores) as CliConfig).workers;
    expect(at([])).toBeUndefined(); // one process, no cluster
    expect(at(['--workers', '3'])).toBe(3);
    expect(at(['--workers', 'auto'])).toBe(4);
    expect(at(['--workers', '0'])).toBe(4);
    expect(at([], { ...redis, SINYAL_WORKERS: '2' })).toBe(2);
    expect(at(['--workers', '1'], {})).toBe(1); // one supervised worker needs no shared store
    expect(() => at(['--workers', '2'], {})).toThrow(/--workers 2 needs Redis \(--redis <url> or SINYAL_REDIS_URL\)\. Each worker is a separate process/);
    expect(() => at(['--workers', 'auto'], {})).toThrow(/--workers 4 needs Redis/);
    expect(at(['--workers', 'auto', '--redis', 'redis://r:6379'], {})).toBe(4);
    for (const bad of ['-1', '1.5', 'two', '257']) expect(() => at(['--workers', bad])).toThrow(CliError);
  });
});
