import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of a V8 .cpuprofile (`node --cpu-prof`) read here. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
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

const nowMicros = () => Number(process.hrtime.bigint() / 1000n);

export async function windowOf(fn: () => Promise<unknown>): Promise<ProfileWindow> {
  const fromMicros = nowMicros();
  await fn();
  return { fromMicros, toMicros: nowMicros() };
}

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
  keyOf: (frame: Frame, id: number, profile: CpuProfile) => string,
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
    const key = keyOf(frame, id, profile);
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

/** One part of the work a profile is split into (`profileParts`): a frame belongs to it when `test` says so. */
export interface ProfilePart {
  name: string;
  /** `url` as the profile has it (`file:///…/dist/x.js`, `node:_http_client`, '' for native code). */
  test(url: string, functionName: string): boolean;
}

/**
 * Each part's share of the non-idle samples inside `window`, largest first: a sample is the part of
 * its innermost frame a part claims (a hash for a signature counts as signing), else `other`.
 */
export function profileParts(file: string, window: ProfileWindow, parts: readonly ProfilePart[]) {
  const partOf = new Map<number, string>();
  let tree: { byId: Map<number, Frame>; parent: Map<number, number> } | undefined;
  const classify = (id: number, profile: CpuProfile): string => {
    const known = partOf.get(id);
    if (known !== undefined) return known;
    tree ??= {
      byId: new Map(profile.nodes.map((node) => [node.id, node.callFrame])),
      parent: new Map(
        profile.nodes.flatMap((node) => (node.children ?? []).map((c) => [c, node.id] as const)),
      ),
    };
    const { url, functionName } = tree.byId.get(id) as Frame;
    const up = tree.parent.get(id);
    const part =
      parts.find((p) => p.test(url, functionName))?.name ??
      (up === undefined ? 'other' : classify(up, profile));
    partOf.set(id, part);
    return part;
  };
  return sumSamples(file, window, (_frame, id, profile) => classify(id, profile)).map((p) => ({
    name: p.key,
    share: p.share,
  }));
}

/** A part that claims every frame whose file (`dist/`, node_modules, `node:`…) `re` matches. */
const part = (name: string, re: RegExp): ProfilePart => ({ name, test: (url) => re.test(url) });

/** A job's CPU parts, gateway's and floor's (floor: `sigv4`/`cosSign` sign, `parseBody` parses). */
export const JOB_PARTS: readonly ProfilePart[] = [
  { name: 'garbage collector', test: (_url, fn) => fn === '(garbage collector)' },
  {
    name: 'parse: XML and JSON bodies into records',
    test: (url, fn) =>
      /node_modules\/(fast-xml-parser|path-expression-matcher|strnum|@nodable)\//.test(url) ||
      /\/dist\/datasources\/(shared\/(xml|json|time|jobHeader)|\w+\/parse)\.js$/.test(url) ||
      (/\/dist\/datasources\/shared\/awsCall\.js$/.test(url) &&
        /^(awsJsonOutput|parse)$/.test(fn)) ||
      (/\/bench\/lib\/floor\.ts$/.test(url) && fn === 'parseBody'),
  },
  {
    name: 'signing (SigV4, COS q-sign)',
    test: (url, fn) =>
      /\/dist\/datasources\/(shared\/sigv4|cosbatch\/signer)\.js$/.test(url) ||
      (/\/bench\/lib\/floor\.ts$/.test(url) && /^(sigv4|cosSign)$/.test(fn)),
  },
  part(
    "secret registry (learning each record's secrets)",
    /\/dist\/auth\/(secret(Value)?s|learnableSecrets)\.js$/,
  ),
  part(
    'metrics (prom-client)',
    /node_modules\/prom-client\/|\/dist\/observability\/(?!logFields\.js$)/,
  ),
  part(
    'upstream call: retries, attempts, errors',
    /\/dist\/(errors|datasources\/(shared\/(source|retry|attempts|classify|awsErrors|awsCall|rateGate|clientPool)|\w+\/(errors|client)))\.js$/,
  ),
  part(
    'guard: shared calls, fair limiter, breakers, deadlines',
    /\/dist\/datasources\/guard\/(?!loader)|node_modules\/cockatiel\//,
  ),
  part(
    'DataLoader, request context',
    /node_modules\/dataloader\/|\/dist\/(context|datasources\/guard\/loader)\.js$/,
  ),
  part(
    'resolvers, auth directive, global IDs',
    /\/dist\/(resolvers|model)\/|\/dist\/auth\/directives\.js$/,
  ),
  part('GraphQL execution (graphql-js)', /node_modules\/graphql\/(execution|type|jsutils|error)\//),
  part('GraphQL parse, validation, query limits', /node_modules\/graphql\/|\/dist\/limits\//),
  part(
    'server: Apollo Server, express, node:http server',
    /node_modules\/(@apollo|express|router|body-parser|raw-body|@as-integrations|cors)\/|^node:_http_server$|\/dist\/http\//,
  ),
  part('logging (pino)', /node_modules\/pino|\/dist\/(logger|observability\/logFields)\.js$/),
  // node:sqlite runs on the calling thread and has no frames of its own: its time is its callers',
  // the history's statements in dist/history/database.js.
  part('history store: writer, its reads, node:sqlite', /\/dist\/history\/|node_modules\/kysely\//),
  part(
    'upstream HTTP (node:http client)',
    /^node:_http_(client|agent)$|\/dist\/datasources\/shared\/(http|bodyCap)\.js$|\/bench\/lib\/floor\.ts$/,
  ),
];
