// Summarises a V8 .cpuprofile: self time by function and by module/package.
// Run: node bench/prof-summary.mjs path/to/file.cpuprofile [--top=25]
import { readFileSync } from 'node:fs';

export function summarise(file, top = 25) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const totalUs = prof.endTime - prof.startTime;
  const selfUs = new Map();
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
  const fns = new Map();
  const mods = new Map();
  for (const [id, us] of selfUs) {
    const { callFrame: cf } = byId.get(id);
    const url = cf.url.replace(/^file:\/\//, '');
    const short = url.replace(/.*node_modules\//, '').replace(/.*\/packages\//, 'packages/');
    const key = `${cf.functionName || '(anonymous)'} ${short ? `${short}:${cf.lineNumber + 1}` : ''}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + us);
    let mod;
    if (!url) mod = cf.functionName.startsWith('(') ? cf.functionName : '(native/builtin)';
    else if (url.startsWith('node:')) mod = 'node:' + url.slice(5).split('/')[0];
    else if (url.includes('node_modules/')) mod = url.split('node_modules/').pop().split('/').slice(0, url.split('node_modules/').pop().startsWith('@') ? 2 : 1).join('/');
    else if (url.includes('/packages/')) mod = 'packages/' + url.split('/packages/')[1].split('/')[0] + ' (dist)';
    else mod = short;
    mods.set(mod, (mods.get(mod) ?? 0) + us);
  }
  const rank = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, ms: Math.round(us / 1000), pct: Math.round((us / totalUs) * 1000) / 10 }));
  return { file, totalMs: Math.round(totalUs / 1000), functions: rank(fns), modules: rank(mods) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const top = Number(process.argv.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
  const s = summarise(process.argv[2], top);
  console.log(`profile ${s.file}: ${s.totalMs} ms`);
  console.log('\nself time by module:');
  for (const m of s.modules) console.log(`${String(m.pct).padStart(6)} %  ${String(m.ms).padStart(7)} ms  ${m.name}`);
  console.log('\nself time by function:');
  for (const f of s.functions) console.log(`${String(f.pct).padStart(6)} %  ${String(f.ms).padStart(7)} ms  ${f.name}`);
}
