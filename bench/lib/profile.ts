import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of a V8 .cpuprofile (`node --cpu-prof`) read here. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The median time between two samples of a profile, in µs. */
function samplingInterval(profile: CpuProfile): number {
  const deltas = profile.timeDeltas.filter((d) => d > 0).sort((a, b) => a - b);
  return deltas[Math.floor(deltas.length / 2)] ?? 0;
}

/** A stretch of a profile, in monotonic µs (the clock both the profile and process.hrtime use on Linux). */
export type ProfileWindow = { fromMicros: number; toMicros: number };

/** The `.cpuprofile` a process started with `--cpu-prof-dir dir` wrote on exit, if any. */
export const profileIn = (dir: string): string | undefined => {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  return file && join(dir, file);
};

type Frame = CpuProfile['nodes'][number]['callFrame'];

/**
 * Non-idle samples of `file` in `window` summed by `keyOf`: largest first, µs, share. Samples count
 * alike (each the profile's median interval), not by V8's time since the last one, which reads
 * wall time on a busy machine.
 */
function sumSamples(
  file: string,
  window: ProfileWindow,
  keyOf: (frame: Frame) => string,
): { key: string; micros: number; share: number }[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const sums = new Map<string, number>();
  const interval = samplingInterval(profile);
  let busy = 0;
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (t < window.fromMicros || t > window.toMicros) return;
    const frame = frames.get(id);
    if (!frame || frame.functionName === '(idle)' || frame.functionName === '(program)') return;
    const key = keyOf(frame);
    sums.set(key, (sums.get(key) ?? 0) + interval);
    busy += interval;
  });
  return [...sums.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([key, micros]) => ({ key, micros, share: busy ? micros / busy : 0 }));
}

/** A share as a percentage with one decimal. */
const percent = (share: number) => Math.round(share * 1000) / 10;

/** A script's name, no machine paths: a package's from its folder, the checkout's from `root`. */
function sourceName(url: string, root: string): string {
  const path = url.replace(/^file:\/\//, '');
  if (!path.startsWith('/')) return path;
  const inPackage = path.lastIndexOf('node_modules/');
  if (inPackage >= 0) return path.slice(inPackage + 'node_modules/'.length);
  return path.startsWith(root)
    ? path.slice(root.length).replace(/^\//, '')
    : path.slice(path.lastIndexOf('/') + 1);
}

/** The `n` functions with most self time in `window`: ms, and share of its non-idle time. */
export function topFunctions(file: string, window: ProfileWindow, n: number, root: string) {
  return sumSamples(file, window, (frame) => {
    const where = frame.url ? `${sourceName(frame.url, root)}:${frame.lineNumber + 1}` : 'native';
    return `${frame.functionName || '(anonymous)'} ${where}`;
  })
    .slice(0, n)
    .map((f) => ({
      name: f.key,
      selfMs: Math.round(f.micros / 100) / 10,
      percent: percent(f.share),
    }));
}

/** Self time in `window` by where: a package, a checkout file, a `node:` module, GC, native. */
export function profileSummary(file: string, window: ProfileWindow, root: string) {
  return sumSamples(file, window, (frame) => {
    if (!frame.url)
      return frame.functionName === '(garbage collector)' ? frame.functionName : 'native';
    const name = sourceName(frame.url, root);
    const inPackage = /^(@[^/]+\/[^/]+|[^/]+)\//.exec(name);
    if (name.startsWith('node:')) return name;
    return frame.url.includes('node_modules/') ? `${inPackage?.[1] ?? name} (package)` : name;
  }).map((g) => ({ name: g.key, percent: percent(g.share) }));
}
