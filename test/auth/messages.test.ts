import { DEFAULT_ACCOUNTS_ONLY } from '../../src/auth/accountGrant.ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, simplifyRules, type Rule } from '../../src/auth/directives.ts';
import { mintToken } from '../../src/auth/mintToken.ts';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { gql } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const gw = useTestGateway();

const ex = exampleGlobalIds();
const SIGN_IN = ' sign in and send it as "Authorization: Bearer <token>".';
const READ = 'a bearer token with scope jobs:read';
const SECRETS = 'a bearer token with scope jobs:read and jobs:secrets:read';

/** Every error message of a response, by path. */
const messages = (
  errors: { message: string; path?: (string | number)[] }[] | undefined,
): Record<string, string> =>
  Object.fromEntries((errors ?? []).map((e) => [e.path?.join('.'), e.message]));

function expectEachScopeOnce(message: string): void {
  for (const scope of ['jobs:read', 'jobs:secrets:read']) {
    expect(message.split(scope).length - 1, message).toBeLessThanOrEqual(1);
  }
}

describe('Authorization messages', () => {
  it('name jobs:read once for an anonymous job, jobs and provider root field', async () => {
    const res = await gql(
      gw,
      `{ job(id: "${ex.codepipeline}") { id } codePipelineJob(jobId: "${ex.codepipeline.split(':')[2]}") { id } }`,
    );
    expect(messages(res.body.errors)).toEqual({
      job: `Query.job needs ${READ};${SIGN_IN}`,
      codePipelineJob: `Query.codePipelineJob needs ${READ};${SIGN_IN}`,
    });
    const list = await gql(gw, `{ jobs(ids: ["${ex.omics}"]) { id } }`);
    expect(messages(list.body.errors)).toEqual({ jobs: `Query.jobs needs ${READ};${SIGN_IN}` });
  });

  it('name jobs:read once for a token that lacks it', async () => {
    const token = await mintToken({
      secret: gw.config.auth.jwtSecret as string,
      scopes: ['jobs:secrets:read'],
      issuer: gw.config.auth.issuer,
      audience: gw.config.auth.audience,
    });
    const res = await gql(gw, `{ job(id: "${ex.codepipeline}") { id } }`, { token });
    expect(messages(res.body.errors)).toEqual({ job: `Query.job needs ${READ}.` });
  });

  it('name each scope once for a secret field asked with a read token', async () => {
    const res = await gql(
      gw,
      `{ job(id: "${ex.codepipeline}") { ... on CodePipelineJob { continuationToken artifactCredentials { secretAccessKey } } }
         other: job(id: "${ex.importexport}") { ... on ImportExportJob { signature artifactList { url } } } }`,
      { token: gw.tokens.read },
    );
    expect(messages(res.body.errors)).toEqual({
      'job.continuationToken': `CodePipelineJob.continuationToken needs ${SECRETS}.`,
      'job.artifactCredentials': `CodePipelineJob.artifactCredentials needs ${SECRETS}.`,
      'other.signature': `ImportExportJob.signature needs ${SECRETS}.`,
      ...Object.fromEntries(
        ((res.body.data?.other?.artifactList ?? []) as unknown[]).map((_, i) => [
          `other.artifactList.${i}.url`,
          `ImportExportArtifact.url needs ${SECRETS}.`,
        ]),
      ),
    });
    for (const m of Object.values(messages(res.body.errors))) expectEachScopeOnce(m);
  });

  it('name jobs:read once for anonymous _entities, concrete and interface alike', async () => {
    const reps = [
      { __typename: 'Job', id: ex.omics },
      { __typename: 'CosBatchJob', id: ex.cosbatch },
    ];
    const res = await gql(
      gw,
      'query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Job { id } } }',
      { variables: { reps } },
    );
    expect(messages(res.body.errors)).toEqual({
      '_entities.0': `Entity Job needs ${READ};${SIGN_IN}`,
      '_entities.1': `Entity CosBatchJob needs ${READ};${SIGN_IN}`,
    });
  });
});

describe('Rule simplification', () => {
  const SCOPES = ['a', 'b', 'c', 'd'];
  // Repeated scopes, repeated alternatives, empty alternatives and empty lists included.
  const scopeRule = fc
    .array(fc.array(fc.constantFrom(...SCOPES), { maxLength: 3 }), { maxLength: 3 })
    .map((anyOf): Rule => ({ kind: 'scopes', anyOf }));
  const rule = fc.oneof(fc.constant<Rule>({ kind: 'authenticated' }), scopeRule, scopeRule);
  const identity = fc
    .record({ authenticated: fc.boolean(), scopes: fc.subarray(SCOPES) })
    .map((i) => ({
      authenticated: i.authenticated,
      subject: i.authenticated ? 'sub' : null,
      scopes: new Set(i.authenticated ? i.scopes : []),
      accounts: DEFAULT_ACCOUNTS_ONLY,
    }));

  it('keeps the meaning of any rule list: the same decision for every caller, and stable when repeated', () => {
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 5 }), identity, (rules, who) => {
        const simple = simplifyRules(rules);
        expect(evaluate(simple, who)).toBe(evaluate(rules, who));
        expect(simplifyRules(simple)).toEqual(simple);
        expect(simple.length).toBeLessThanOrEqual(rules.length);
      }),
      { seed: 0x5c0_9e12, numRuns: 2000 },
    );
  });

  it('drops identical rules and rules another implies', () => {
    const read: Rule = { kind: 'scopes', anyOf: [['jobs:read']] };
    const secrets: Rule = { kind: 'scopes', anyOf: [['jobs:read', 'jobs:secrets:read']] };
    expect(simplifyRules([read, read, read])).toEqual([read]);
    expect(simplifyRules([secrets, read, read])).toEqual([secrets]);
    expect(simplifyRules([read, { kind: 'scopes', anyOf: [['x'], ['jobs:read']] }])).toEqual([
      read,
    ]);
    expect(simplifyRules([{ kind: 'scopes', anyOf: [['a', 'a', 'b'], ['a'], ['a']] }])).toEqual([
      { kind: 'scopes', anyOf: [['a']] },
    ]);
  });
});
