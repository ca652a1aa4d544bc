// Money and time in the examples: one formatter (examples/shared/format.mjs) for the apps,
// the bots, the tour and the example server's notification texts.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatChange, formatCountdown, formatDayTime, formatPrice, formatTime, LOCALE, plural } from '../../examples/shared/format.mjs';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Every amount of money in a text: "Rp 5,335,000,000", "Rp 5,5 M", "IDR 5,335,000,000", "Rp 4.000 M"… */
const amounts = (text: string) => text.match(/(?:Rp|IDR)[\s\u00a0]*\d[\d.,]*(?:[\s\u00a0]*(?:M|jt|B|bn))?\b/g) ?? [];

describe('the examples’ formatter', () => {
  it('writes money and times in one English locale', () => {
    expect(LOCALE).toMatch(/^en\b/);
    expect(formatPrice(5_335_000_000)).toBe('Rp\u00a05,335,000,000');
    expect(formatPrice(4_100_000_000)).toBe('Rp\u00a04,100,000,000');
    expect(formatPrice(null)).toBe('–');
    expect(formatTime(new Date(2025, 5, 14, 12, 53))).toBe('12:53');
    expect(formatTime(new Date(2025, 5, 14, 9, 5))).toBe('09:05');
    expect(formatDayTime(new Date(2025, 5, 14, 10, 0))).toBe('Sat 14 Jun, 10:00');
    expect(formatChange(-3)).toBe('-3%');
    expect(formatChange(2.5)).toBe('+2.5%');
    expect(formatCountdown(48_000)).toBe('0:48');
    expect(formatCountdown(3_725_000)).toBe('1:02:05');
    expect(plural(1, 'bid')).toBe('1 bid');
    expect(plural(12_000, 'bid')).toBe('12,000 bids');
  });

  it('the tour (npm run demo) writes every price with it, notifications included', async () => {
    const run = (args: string[]) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`${args.join(' ')} exited with ${code}:\n${text}`))));
      });
    // The tour runs on the built packages, as `npm run demo` does (the build is quick when dist is fresh).
    await run(['scripts/build.mjs', '--if-stale']);
    const output = await run(['examples/node-bots/tour.mjs']);
    expect(output).toContain('tour     done.');
    const found = amounts(output);
    expect(found.length).toBeGreaterThan(5);
    for (const amount of found) expect(amount, `"${amount}" in the tour output`).toMatch(/^Rp\u00a0\d{1,3}(,\d{3})+$/);
    // The price-drop notification is written by the server with the same formatter.
    expect(output).toMatch(/🔔 Price drop on your wishlist! — Rp\u00a05,500,000,000 → Rp\u00a05,225,000,000/);
  }, 300_000);
});
