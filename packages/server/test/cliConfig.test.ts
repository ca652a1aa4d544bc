import { describe, expect, it } from 'vitest';
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
