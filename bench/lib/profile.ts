import { readFileSync } from 'node:fs';

/** The parts of a V8 .cpuprofile (`node --cpu-prof`) read here. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface TopFunction {
  name: string;
  /** Self time in ms within the window, and its share of the window's non-idle time. */
  selfMs: number;
  percent: number;
}

/**
 * A script's name without the machine's paths: Node's own as it is, a package's file from its
 * package folder on, the checkout's own relative to `root`.
 */
function sourceName(url: string, root: string): string {
  const path = url.replace(/^file:\/\//, '');
  if (!path.startsWith('/')) return path;
  const inPackage = path.lastIndexOf('node_modules/');
  if (inPackage >= 0) return path.slice(inPackage + 'node_modules/'.length);
  return path.startsWith(root)
    ? path.slice(root.length).replace(/^\//, '')
    : path.slice(path.lastIndexOf('/') + 1);
}

/**
 * The `n` functions with the most self time in a profile, counting only samples inside
 * `window` (monotonic µs, the clock both the profile and process.hrtime use on Linux).
 * The raw profile stays on disk for a real viewer; this is just the short list for RESULTS.md.
 */
export function topFunctions(
  file: string,
  window: { fromMicros: number; toMicros: number },
  n: number,
  root: string,
): TopFunction[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const self = new Map<string, number>();
  let busy = 0;
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (t < window.fromMicros || t > window.toMicros) return;
    const frame = frames.get(id);
    if (!frame || frame.functionName === '(idle)' || frame.functionName === '(program)') return;
    const where = frame.url ? `${sourceName(frame.url, root)}:${frame.lineNumber + 1}` : 'native';
    const key = `${frame.functionName || '(anonymous)'} ${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    busy += dt;
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, micros]) => ({
      name,
      selfMs: Math.round(micros / 100) / 10,
      percent: busy ? Math.round((micros / busy) * 1000) / 10 : 0,
    }));
}
