import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { DEMO_DATA } from '@jobgraph/emulators';
import { gql, startTestGateway, type TestGateway } from '../support/gateway.ts';

const ISSUER = 'https://issuer.jobgraph.test/';
const AUDIENCE = 'jobgraph-tests';

let gw: TestGateway;
let secretValues: string[] = [];
const CP_ID = DEMO_DATA.codepipeline.EXAMPLE_GLOBAL_ID;
const IE_ID = DEMO_DATA.importexport.EXAMPLE_GLOBAL_ID;
const CP_NATIVE = CP_ID.split(':')[2] as string;
const IE_NATIVE = IE_ID.split(':')[1] as string;

const CP_SECRETS =
  'actionConfiguration { key value } continuationToken artifactCredentials { accessKeyId secretAccessKey sessionToken }';
const IE_SECRETS =
  'signature signatureFileContents currentManifest artifactList { description url }';
const CP_SELECTION = `id state accountId ${CP_SECRETS}`;
const IE_SELECTION = `id state progressCode ${IE_SECRETS}`;

/** The same secrets reached through each surface a caller can use. */
const SURFACES: Record<
  string,
  { query: string; variables?: Record<string, unknown>; roots: string[] }
> = {
  'root fields': {
    query: `{ codePipelineJob(jobId: "${CP_NATIVE}") { ${CP_SELECTION} } importExportJob(jobId: "${IE_NATIVE}") { ${IE_SELECTION} } }`,
    roots: ['codePipelineJob', 'importExportJob'],
  },
  'job and jobs': {
    query: `query($cp: ID!, $ids: [ID!]!) {
      job(id: $cp) { id ... on CodePipelineJob { ${CP_SELECTION} } }
      jobs(ids: $ids) { id ... on ImportExportJob { ${IE_SELECTION} } ... on CodePipelineJob { ${CP_SELECTION} } }
    }`,
    variables: { cp: CP_ID, ids: [IE_ID, CP_ID] },
    roots: ['job', 'jobs'],
  },
  _entities: {
    query: `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on CodePipelineJob { ${CP_SELECTION} } ... on ImportExportJob { ${IE_SELECTION} } } }`,
    variables: {
      reps: [
        { __typename: 'CodePipelineJob', id: CP_ID },
        { __typename: 'Job', id: IE_ID },
      ],
    },
    roots: ['_entities'],
  },
};

function collectStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => collectStrings(v, out));
  else if (value && typeof value === 'object')
    Object.values(value).forEach((v) => collectStrings(v, out));
  return out;
}

beforeAll(async () => {
  gw = await startTestGateway({ JOBGRAPH_JWT_ISSUER: ISSUER, JOBGRAPH_JWT_AUDIENCE: AUDIENCE });
  // Learn every secret value by asking with the secrets scope; later responses must not hold any of them.
  const all = await gql(gw, SURFACES['root fields']!.query, { token: gw.tokens.secrets });
  expect(all.body.errors).toBeUndefined();
  const cp = all.body.data?.codePipelineJob;
  const ie = all.body.data?.importExportJob;
  secretValues = collectStrings([
    cp.actionConfiguration.map((kv: { value: string }) => kv.value),
    cp.continuationToken,
    cp.artifactCredentials,
    ie.signature,
    ie.signatureFileContents,
    ie.currentManifest,
    ie.artifactList.map((a: { url: string }) => a.url),
  ]).filter((s) => s.length >= 8);
  expect(secretValues.length).toBeGreaterThanOrEqual(8);
});
afterAll(async () => {
  await gw?.close();
});

const secret = () => gw.config.auth.jwtSecret as string;
const TOKENS: Record<string, () => Promise<string | undefined>> = {
  anonymous: async () => undefined,
  expired: () =>
    mintToken({
      secret: secret(),
      scopes: ['jobs:read', 'jobs:secrets:read'],
      ttlSeconds: -3600,
      issuer: ISSUER,
      audience: AUDIENCE,
    }),
  'wrong signature': () =>
    mintToken({
      secret: 'another-key-that-is-long-enough-to-be-hs256!',
      scopes: ['jobs:read', 'jobs:secrets:read'],
      issuer: ISSUER,
      audience: AUDIENCE,
    }),
  'alg none': async () => {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ scope: 'jobs:read jobs:secrets:read', exp: Math.floor(Date.now() / 1000) + 600, iss: ISSUER, aud: AUDIENCE })}.`;
  },
  'wrong issuer': () =>
    mintToken({
      secret: secret(),
      scopes: ['jobs:read', 'jobs:secrets:read'],
      issuer: 'https://evil.example/',
      audience: AUDIENCE,
    }),
  'wrong audience': () =>
    mintToken({
      secret: secret(),
      scopes: ['jobs:read', 'jobs:secrets:read'],
      issuer: ISSUER,
      audience: 'someone-else',
    }),
  'no expiry': () =>
    new SignJWT({ scope: 'jobs:read jobs:secrets:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .sign(new TextEncoder().encode(secret())),
  'HS512 with the right key': () =>
    new SignJWT({ scope: 'jobs:read jobs:secrets:read' })
      .setProtectedHeader({ alg: 'HS512' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret())),
  'jobs:read': async () => gw.tokens.read,
  'jobs:read jobs:secrets:read': async () => gw.tokens.secrets,
  'scp array with both scopes': () =>
    new SignJWT({ scp: ['jobs:read', 'jobs:secrets:read'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret())),
  'secrets scope without jobs:read': () =>
    mintToken({
      secret: secret(),
      scopes: ['jobs:secrets:read'],
      issuer: ISSUER,
      audience: AUDIENCE,
    }),
};
const INVALID = [
  'expired',
  'wrong signature',
  'alg none',
  'wrong issuer',
  'wrong audience',
  'no expiry',
  'HS512 with the right key',
];

describe.each(Object.keys(SURFACES))('Authorization through %s', (surfaceName) => {
  const surface = SURFACES[surfaceName]!;
  const ask = (token: string | undefined) =>
    gql(gw, surface.query, {
      token,
      ...(surface.variables ? { variables: surface.variables } : {}),
    });

  it.each(INVALID)(
    'rejects a token that is %s with 401 and one UNAUTHENTICATED error',
    async (kind) => {
      const res = await ask(await TOKENS[kind]!());
      expect(res.status).toBe(401);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      for (const s of secretValues) expect(res.text).not.toContain(s);
    },
  );

  it.each(['anonymous', 'secrets scope without jobs:read'])(
    'gives a %s caller no job and no secret',
    async (kind) => {
      const res = await ask(await TOKENS[kind]!());
      expect(res.status).toBe(200);
      const expectedCode = kind === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN';
      expect(new Set(res.body.errors?.map((e) => e.extensions?.code))).toEqual(
        new Set([expectedCode]),
      );
      if (surfaceName === '_entities') expect(res.body.data?._entities).toEqual([null, null]);
      // `jobs` is non-null ([Job]!), so its error nulls the whole response, as GraphQL says.
      else if (surfaceName === 'job and jobs') expect(res.body.data).toBeNull();
      else for (const root of surface.roots) expect(res.body.data?.[root]).toBeNull();
      expect(res.body.errors?.map((e) => e.path?.[0]).sort()).toEqual(
        [...surface.roots].sort().flatMap((r) => (r === '_entities' ? [r, r] : [r])),
      );
      for (const s of secretValues) expect(res.text).not.toContain(s);
    },
  );

  it('gives a jobs:read caller every job field but each secret as null with FORBIDDEN at its path', async () => {
    const res = await ask(gw.tokens.read);
    expect(res.status).toBe(200);
    for (const s of secretValues) expect(res.text).not.toContain(s);
    const errors = res.body.errors ?? [];
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e.extensions?.code).toBe('FORBIDDEN');
      expect(String(e.path?.at(-1))).toMatch(
        /^(actionConfiguration|continuationToken|artifactCredentials|signature|signatureFileContents|currentManifest|url)$/,
      );
    }
    const paths = errors.map((e) => e.path?.join('.'));
    expect(new Set(paths).size).toBe(paths.length);
    const jobs = collectJobs(res.body.data);
    expect(jobs.length).toBeGreaterThanOrEqual(surfaceName === 'job and jobs' ? 3 : 2);
    for (const job of jobs) {
      expect(job.id).toMatch(/^(codepipeline|importexport):/);
      expect(job.state).toBeTruthy();
      if ('artifactCredentials' in job)
        expect([job.artifactCredentials, job.actionConfiguration, job.continuationToken]).toEqual([
          null,
          null,
          null,
        ]);
      if ('signature' in job) {
        expect([job.signature, job.signatureFileContents, job.currentManifest]).toEqual([
          null,
          null,
          null,
        ]);
        for (const a of job.artifactList as { url: string | null; description: string | null }[])
          expect(a.url).toBeNull();
      }
    }
  });

  it.each(['jobs:read jobs:secrets:read', 'scp array with both scopes'])(
    'gives a caller with %s every secret, sent no-store',
    async (kind) => {
      const res = await ask(await TOKENS[kind]!());
      expect(res.body.errors).toBeUndefined();
      expect(res.headers.get('cache-control')).toBe('no-store');
      const jobs = collectJobs(res.body.data);
      for (const job of jobs) {
        if ('artifactCredentials' in job)
          expect(job.artifactCredentials).toEqual(
            expect.objectContaining({ secretAccessKey: expect.any(String) }),
          );
        if ('signature' in job) expect(job.signature).toEqual(expect.any(String));
      }
    },
  );
});

function collectJobs(data: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      if ('id' in v && typeof v.id === 'string') out.push(v);
      else Object.values(v).forEach(walk);
    }
  };
  walk(data);
  return out;
}

describe('Logs', () => {
  it('hold no secret value, token or signature after queries that touch every secret', async () => {
    for (const surface of Object.values(SURFACES)) {
      for (const token of [gw.tokens.secrets, gw.tokens.read, undefined, 'not-a.jwt.value']) {
        await gql(gw, surface.query, {
          ...(token ? { token } : {}),
          ...(surface.variables ? { variables: surface.variables } : {}),
        });
      }
    }
    const logs = gw.logs.text();
    expect(logs).toContain('graphql request');
    for (const s of secretValues) expect(logs).not.toContain(s);
    expect(logs).not.toContain(gw.tokens.secrets);
    expect(logs).not.toContain(gw.tokens.read);
    expect(logs).not.toContain(gw.tokens.secrets.split('.')[2]);
    expect(logs).not.toContain(secret());
    expect(logs).not.toMatch(/AWS4-HMAC-SHA256|q-signature=|Signature=/);
  });
});
