import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

/** The parts of a V8 .cpuprofile (as written by `node --cpu-prof`) the summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  /** Self time in ms within the window. */
  selfMs: number;
  /** Share of the window's busy (non-idle) time, in %. */
  percent: number;
}

export interface ProfileSummary {
  file: string;
  /** Whether the samples could be cut to the measured window (else the whole profile is summarised). */
  windowed: boolean;
  windowMs: number;
  busyMs: number;
  samples: number;
  topFunctions: ProfileEntry[];
  byArea: ProfileEntry[];
  /**
   * By area, with time in Node internals and V8 builtins charged to the nearest calling frame
   * that is in a package or in jobgraph (e.g. `writev` under express, HMAC under the AWS signer).
   */
  byCallingArea: ProfileEntry[];
}

const IDLE = new Set(['(idle)']);

function shortUrl(url: string, repoRoot: string): string {
  let u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) return u.slice(nm + 'node_modules/'.length);
  if (u.startsWith(repoRoot)) u = u.slice(repoRoot.length);
  return u;
}

/** Where a function lives: a package, a jobgraph source folder, Node internals, or a V8 pseudo-frame. */
function areaOf(url: string, functionName: string, repoRoot: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native / V8 builtins)';
  if (url.startsWith('node:')) return 'node: internals';
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = u.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? u);
  }
  if (u.startsWith(repoRoot)) {
    const rel = u.slice(repoRoot.length).split('/');
    return rel.length > 2 ? `jobgraph ${rel[0]}/${rel[1]}/` : `jobgraph ${rel.join('/')}`;
  }
  return u;
}

function top(map: Map<string, number>, busyMs: number, n: number): ProfileEntry[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, selfMs: Math.round(us / 100) / 10, percent: Math.round((us / 1000 / busyMs) * 1000) / 10 }));
}

/**
 * Self time per function and per area from a .cpuprofile, limited to [fromMicros, toMicros]
 * (V8 profile timestamps and process.hrtime share the monotonic clock on Linux; when the
 * window does not fall inside the profile the whole profile is used and `windowed` is false).
 * Each sample is charged the time until the next sample, as Chrome DevTools does.
 */
export function summariseProfile(file: string, repoRoot: string, window: { fromMicros: number; toMicros: number }, n = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const isOwnCode = (frame: CallFrame) => frame.url !== '' && !frame.url.startsWith('node:');
  const callingArea = new Map<number, string>();
  const callingAreaOf = (id: number, frame: CallFrame): string => {
    const known = callingArea.get(id);
    if (known) return known;
    let at: number | undefined = id;
    let area = areaOf(frame.url, frame.functionName, repoRoot);
    while (at !== undefined) {
      const f = byId.get(at);
      if (f && isOwnCode(f)) {
        area = areaOf(f.url, f.functionName, repoRoot);
        break;
      }
      at = parent.get(at);
    }
    callingArea.set(id, area);
    return area;
  };
  const windowed = window.fromMicros >= profile.startTime && window.toMicros <= profile.endTime;
  const from = windowed ? window.fromMicros : profile.startTime;
  const to = windowed ? window.toMicros : profile.endTime;
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  const callers = new Map<string, number>();
  let t = profile.startTime;
  let busy = 0;
  let samples = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < from || t > to) continue;
    const id = profile.samples[i] as number;
    const frame = byId.get(id);
    if (!frame) continue;
    const selfUs = profile.timeDeltas[i + 1] ?? 0;
    samples += 1;
    if (IDLE.has(frame.functionName)) continue;
    busy += selfUs;
    const where = frame.url ? `${shortUrl(frame.url, repoRoot)}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + selfUs);
    const area = areaOf(frame.url, frame.functionName, repoRoot);
    areas.set(area, (areas.get(area) ?? 0) + selfUs);
    const caller = callingAreaOf(id, frame);
    callers.set(caller, (callers.get(caller) ?? 0) + selfUs);
  }
  const busyMs = busy / 1000;
  return {
    file,
    windowed,
    windowMs: Math.round((to - from) / 1000),
    busyMs: Math.round(busyMs),
    samples,
    topFunctions: top(functions, busyMs, n),
    byArea: top(areas, busyMs, n),
    byCallingArea: top(callers, busyMs, n),
  };
}
