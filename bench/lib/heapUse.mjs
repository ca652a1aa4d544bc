// What a process allocates on its heap between two points: the bytes (from v8.GCProfiler, the
// heap's growth between collections plus what each collection freed) and, optionally, an
// allocation profile by allocating function (the inspector's sampling heap profiler).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { GCProfiler, getHeapStatistics } from 'node:v8';

/** Starts counting; the returned function stops and gives the bytes allocated meanwhile and the number of collections. */
export function countAllocation() {
  const profiler = new GCProfiler();
  profiler.start();
  const usedAtStart = getHeapStatistics().used_heap_size;
  return () => {
    const { statistics } = profiler.stop();
    let allocated = 0;
    let after = usedAtStart;
    for (const gc of statistics) {
      allocated += gc.beforeGC.heapStatistics.usedHeapSize - after;
      after = gc.afterGC.heapStatistics.usedHeapSize;
    }
    allocated += getHeapStatistics().used_heap_size - after;
    return { allocated, collections: statistics.length };
  };
}

/**
 * Starts sampling allocations (every 512 bytes): with `live`, only of objects still alive when
 * it stops (what the work left behind), else of every object, collected or not. The returned
 * function stops and writes to `file` the share of the bytes by allocating function, the largest first.
 */
export async function sampleAllocation(file, { live = false } = {}) {
  const session = new Session();
  session.connect();
  const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  await post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: !live, includeObjectsCollectedByMinorGC: !live });
  return async () => {
    const { profile } = await post('HeapProfiler.stopSampling');
    session.disconnect();
    const bySite = new Map();
    const walk = (node) => {
      const site = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber + 1}`;
      if (node.selfSize > 0) bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
      for (const child of node.children) walk(child);
    };
    walk(profile.head);
    const total = [...bySite.values()].reduce((a, b) => a + b, 0);
    const rows = [...bySite].sort((a, b) => b[1] - a[1]).map(([site, bytes]) => `${((100 * bytes) / total).toFixed(1).padStart(5)} %  ${site}`);
    writeFileSync(file, rows.join('\n') + '\n');
  };
}
