import { DEFAULT_ACCOUNTS_ONLY } from '../../src/auth/accountGrant.ts';
import { isObjectType, getNamedType, isScalarType, isEnumType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { evaluate, readAuthPolicy } from '../../src/auth/directives.ts';
import { buildSchema } from '../../src/schema.ts';

const { schema, policy } = buildSchema();

describe('The central list of sensitive fields', () => {
  it('is exactly the fields the README names (Authorization), derived from the SDL directives', () => {
    const list = policy.sensitiveFields.map((f) => `${f.type}.${f.field}`).sort();
    expect(list).toEqual(
      [
        'BatchEnvironmentVariable.value',
        'BatchServiceJob.serviceRequestPayload',
        'CodePipelineJob.actionConfiguration',
        'CodePipelineJob.artifactCredentials',
        'CodePipelineJob.continuationToken',
        'ImportExportArtifact.url',
        'ImportExportJob.currentManifest',
        'ImportExportJob.signature',
        'ImportExportJob.signatureFileContents',
      ]
        .concat(list.filter((f) => f.startsWith('CodePipelineArtifactCredentials.')))
        .sort(),
    );
  });

  it('guards every field, on any type, whose name says it holds a credential, signature or secret', () => {
    const looksSecret =
      /credential|secret|signature|token|password|accesskey|sessiontoken|configuration|manifest|url$/i;
    // Fields whose names match but hold no secret, with the reason.
    const notSecret: Record<string, string> = {
      'CosBatchJob.manifest': 'the manifest object location (bucket ARN, ETag), not its contents',
      'CosBatchProgressSummary.autoManifestStatus': 'a status word of the manifest generation',
      'CosBatchJob.clientRequestToken':
        'an idempotency token chosen by the job creator, not a credential',
      'PanoramaPackageImportJob.clientToken':
        'an idempotency token chosen by the job creator, not a credential',
      'BatchContainer.secrets':
        'references (Secrets Manager or SSM ARNs in `valueFrom`), not values',
      'BatchEcsContainer.secrets':
        'references (Secrets Manager or SSM ARNs in `valueFrom`), not values',
      'BatchLogConfiguration.secretOptions': 'references (ARNs in `valueFrom`), not values',
      'BatchContainer.logConfiguration':
        'a log driver and its options; secret options are references',
      'BatchContainer.repositoryCredentialsParameter':
        'the ARN of the registry credentials secret, a reference, not the credentials',
      'BatchEksPod.imagePullSecrets': 'the names of Kubernetes secrets, not their contents',
      'JobLogTail.consoleUrl':
        'a link to the CloudWatch console page of the stream (no credential; the console signs in on its own); the whole type needs jobs:logs:read',
      'NotificationRuleCreated.secret':
        "the new rule's own signing secret, shown once to its creator (notifications:write), not a job's",
      'Mutation.rotateNotificationSecret':
        "a rule's new signing secret (NotificationRuleCreated.secret), made and shown once to a caller with notifications:write, not a job's",
      'NotificationTarget.url': 'masked: scheme and host only (src/notifications/secretBox.ts)',
      'BatchServiceJob.preemptionConfiguration':
        'how many preemptions a service job is retried after (a count), not a credential',
      'OmicsDefaultRunSetting.configurationName':
        'the name of a HealthOmics run configuration (networking settings), not its content',
    };
    const guarded = new Set(policy.sensitiveFields.map((f) => `${f.type}.${f.field}`));
    // Types reached only through a guarded field (e.g. the credentials object) are covered by that guard.
    const secretTypes = new Set(
      policy.sensitiveFields.map((f) => {
        const parent = schema.getType(f.type);
        return isObjectType(parent) ? getNamedType(parent.getFields()[f.field]!.type).name : '';
      }),
    );
    const unguarded: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('_') || type.name === 'Query') continue;
      for (const field of Object.values(type.getFields())) {
        const name = `${type.name}.${field.name}`;
        if (!looksSecret.test(field.name) || notSecret[name]) continue;
        if (!guarded.has(name) && !secretTypes.has(type.name)) unguarded.push(name);
      }
    }
    expect(unguarded).toEqual([]);
  });

  it('guards every job log field and type with jobs:logs:read and jobs:read, on every job type', () => {
    const logsRule = { kind: 'scopes', anyOf: [['jobs:read', 'jobs:logs:read']] };
    for (const name of ['JobLogTail', 'JobLogLine'])
      expect(policy.typeRules.get(name), name).toEqual([logsRule]);
    const unguarded: string[] = [];
    const returning: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('_')) continue;
      for (const field of Object.values(type.getFields())) {
        const named = getNamedType(field.type).name;
        if (named !== 'JobLogTail' && named !== 'JobLogLine') continue;
        const name = `${type.name}.${field.name}`;
        if (type.name === 'JobLogTail') continue;
        returning.push(name);
        const rules = policy.fieldRules.get(name) ?? [];
        if (
          !rules.some(
            (r) => r.kind === 'scopes' && r.anyOf.every((all) => all.includes('jobs:logs:read')),
          )
        )
          unguarded.push(name);
      }
    }
    const jobType = schema.getType('Job');
    for (const t of schema.getPossibleTypes(jobType as never))
      expect(returning, t.name).toContain(`${t.name}.logTail`);
    expect(unguarded).toEqual([]);
  });

  it('puts jobs:read on every concrete Job type and no directive on the interface', () => {
    const jobType = schema.getType('Job');
    for (const t of schema.getPossibleTypes(jobType as never)) {
      expect(policy.typeRules.get(t.name)).toEqual([{ kind: 'scopes', anyOf: [['jobs:read']] }]);
    }
    expect(policy.typeRules.has('Job')).toBe(false);
  });

  it('leaves scalars and enums without auth rules', () => {
    const p = readAuthPolicy(schema);
    for (const name of p.typeRules.keys()) {
      const t = schema.getType(name);
      expect(isScalarType(t) || isEnumType(t)).toBe(false);
    }
  });
});

describe('Scope semantics', () => {
  const id = (...scopes: string[]) => ({
    authenticated: true,
    subject: 's',
    scopes: new Set(scopes),
    accounts: DEFAULT_ACCOUNTS_ONLY,
  });
  const rule = { kind: 'scopes' as const, anyOf: [['a', 'b'], ['c']] };
  it('treats inner lists as AND and the outer list as OR, as Apollo Router does', () => {
    expect(evaluate([rule], id('a', 'b'))).toBeNull();
    expect(evaluate([rule], id('c'))).toBeNull();
    expect(evaluate([rule], id('a'))).toBe('FORBIDDEN');
    expect(
      evaluate([rule], {
        authenticated: false,
        subject: null,
        scopes: new Set(),
        accounts: DEFAULT_ACCOUNTS_ONLY,
      }),
    ).toBe('UNAUTHENTICATED');
  });
  it('ANDs several rules and separates @authenticated from scopes', () => {
    expect(
      evaluate([{ kind: 'authenticated' }, { kind: 'scopes', anyOf: [['x']] }], id('x')),
    ).toBeNull();
    expect(evaluate([{ kind: 'authenticated' }, { kind: 'scopes', anyOf: [['x']] }], id())).toBe(
      'FORBIDDEN',
    );
    expect(
      evaluate([{ kind: 'authenticated' }], {
        authenticated: false,
        subject: null,
        scopes: new Set(),
        accounts: DEFAULT_ACCOUNTS_ONLY,
      }),
    ).toBe('UNAUTHENTICATED');
  });
});
