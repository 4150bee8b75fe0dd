import { ConfigError, opt, pattern, type Env } from './env.ts';
import { DEFAULT_ACCOUNT, PATTERNS } from './patterns.ts';
import type { AwsAccount, Config, TencentAccount } from './types.ts';

/** AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1. */
export function awsRegionOf(env: Env): string {
  const region = (name: string) =>
    pattern(env, name, PATTERNS.awsRegion.re, PATTERNS.awsRegion.form, PATTERNS.awsRegion.served);
  return region('AWS_REGION') ?? region('AWS_DEFAULT_REGION') ?? 'us-east-1';
}

/** TENCENTCLOUD_SECRET_ID and _KEY (both or neither), with TENCENTCLOUD_SESSION_TOKEN. */
export function tencentCredentialsOf(env: Env): Config['tencent']['credentials'] {
  const secretId = opt(env, 'TENCENTCLOUD_SECRET_ID');
  const secretKey = opt(env, 'TENCENTCLOUD_SECRET_KEY');
  if ((secretId === undefined) !== (secretKey === undefined)) {
    throw new ConfigError(
      secretId ? 'TENCENTCLOUD_SECRET_KEY' : 'TENCENTCLOUD_SECRET_ID',
      'must be set together with its pair',
    );
  }
  const sessionToken = opt(env, 'TENCENTCLOUD_SESSION_TOKEN');
  return secretId && secretKey
    ? { secretId, secretKey, ...(sessionToken ? { sessionToken } : {}) }
    : null;
}

/** The COS region, account UIN and APPID. */
export function tencentPlaceOf(env: Env): Omit<Config['tencent'], 'credentials' | 'accounts'> {
  return {
    region:
      pattern(
        env,
        'TENCENTCLOUD_REGION',
        PATTERNS.cosRegion.re,
        PATTERNS.cosRegion.form,
        PATTERNS.cosRegion.served,
      ) ?? 'ap-guangzhou',
    uin: pattern(env, 'COS_UIN', PATTERNS.cosUin.re, PATTERNS.cosUin.form) ?? null,
    appId: pattern(env, 'COS_APPID', /^[0-9]{1,64}$/, 'a numeric APPID such as 1250000000') ?? null,
  };
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

/** The variable holding an alias's AssumeRole external ID. */
function externalIdVariable(alias: string): string {
  return `JOBGRAPH_AWS_EXTERNAL_ID_${alias.toUpperCase().replaceAll('-', '_')}`;
}

/** `alias=value,…` of `name`, each alias checked; a repeated alias is refused. */
function aliasList(env: Env, name: string): [alias: string, value: string][] {
  const raw = opt(env, name);
  if (raw === undefined) return [];
  const seen = new Set<string>();
  return raw.split(',').map((item) => {
    const eq = item.indexOf('=');
    const alias = item.slice(0, Math.max(0, eq)).trim();
    const value = item.slice(eq + 1).trim();
    if (eq < 0 || value === '')
      throw new ConfigError(
        name,
        `expected alias=value, comma-separated; got ${JSON.stringify(item.trim().slice(0, 64))}`,
      );
    if (!PATTERNS.accountAlias.re.test(alias) || alias === DEFAULT_ACCOUNT)
      throw new ConfigError(
        name,
        `${JSON.stringify(alias.slice(0, 64))} is not ${PATTERNS.accountAlias.form}`,
      );
    if (seen.has(alias)) throw new ConfigError(name, `the alias ${alias} is named twice`);
    seen.add(alias);
    return [alias, value];
  });
}

/** JOBGRAPH_AWS_ACCOUNTS: `alias=arn:aws:iam::111122223333:role/name,…`. */
export function awsAccountsOf(env: Env): AwsAccount[] {
  return aliasList(env, 'JOBGRAPH_AWS_ACCOUNTS').map(([alias, roleArn]) => {
    const m = ROLE_ARN.exec(roleArn);
    if (!m)
      throw new ConfigError(
        'JOBGRAPH_AWS_ACCOUNTS',
        `${alias}: expected an IAM role ARN such as arn:aws:iam::111122223333:role/jobgraph-read`,
      );
    return {
      alias,
      roleArn,
      accountId: m[1] ?? '',
      externalId: opt(env, externalIdVariable(alias)) ?? null,
    };
  });
}

/** JOBGRAPH_TENCENT_ACCOUNTS: `alias=PREFIX,…`, each account's keys in PREFIX_* variables. */
export function tencentAccountsOf(env: Env): TencentAccount[] {
  return aliasList(env, 'JOBGRAPH_TENCENT_ACCOUNTS').map(([alias, prefix]) => {
    if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(prefix))
      throw new ConfigError(
        'JOBGRAPH_TENCENT_ACCOUNTS',
        `${alias}: the prefix must be an upper-case variable name prefix such as TENCENT_PROD`,
      );
    const need = (part: string) => {
      const value = opt(env, `${prefix}_${part}`);
      if (value === undefined)
        throw new ConfigError(
          `${prefix}_${part}`,
          `is required for the COS account ${alias} (JOBGRAPH_TENCENT_ACCOUNTS)`,
        );
      return value;
    };
    const secretId = need('SECRET_ID');
    const secretKey = need('SECRET_KEY');
    const uin =
      pattern(env, `${prefix}_UIN`, PATTERNS.cosUin.re, PATTERNS.cosUin.form) ?? need('UIN');
    const appId =
      pattern(env, `${prefix}_APPID`, /^[0-9]{1,64}$/, 'a numeric APPID such as 1250000000') ??
      need('APPID');
    const sessionToken = opt(env, `${prefix}_SESSION_TOKEN`);
    return {
      alias,
      uin,
      appId,
      credentials: { secretId, secretKey, ...(sessionToken ? { sessionToken } : {}) },
    };
  });
}

/** Variables jobgraph reads by a name the configuration gives (account prefixes, external IDs). */
export function namedVariables(env: Env): (name: string) => boolean {
  const prefixes: string[] = [];
  for (const item of (env.JOBGRAPH_TENCENT_ACCOUNTS ?? '').split(',')) {
    const prefix = item.slice(item.indexOf('=') + 1).trim();
    if (prefix) prefixes.push(`${prefix}_`);
  }
  return (name) =>
    name.startsWith('JOBGRAPH_AWS_EXTERNAL_ID_') || prefixes.some((p) => name.startsWith(p));
}
