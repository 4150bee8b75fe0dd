import { createHash, randomBytes } from 'node:crypto';
import { DEMO_AWS_CREDENTIALS, DEMO_TENCENT_CREDENTIALS } from './framework.ts';

/**
 * The emulators' accounts: which AWS account a key or an STS session belongs to, the roles STS
 * lets the demo credentials assume, and the demo's Tencent Cloud accounts. One registry
 * (`createEmulatorAccounts`) is shared by the STS emulator, which issues sessions into it, and
 * the four AWS emulators, which look a request's access key up in it to learn whose jobs to
 * serve. `startEmulators` makes one per emulator set (or takes one from its options).
 */

/** The AWS account the demo credentials (DEMO_AWS_CREDENTIALS) belong to: the default account. */
export const DEMO_AWS_ACCOUNT_ID = '123456789012';

/** The IAM user the demo credentials belong to, as GetCallerIdentity names it. */
export const DEMO_AWS_USER = Object.freeze({
  arn: `arn:aws:iam::${DEMO_AWS_ACCOUNT_ID}:user/jobgraph-demo`,
  userId: 'AIDAJOBGRAPHDEMOUSER7',
});

/**
 * The demo's second AWS account: its role trusts the default account (no external ID), and
 * each AWS emulator holds jobs of its own for it (`secondAccount.ts` beside each emulator).
 */
export const DEMO_SECOND_AWS_ACCOUNT = Object.freeze({
  alias: 'staging',
  accountId: '210987654321',
  roleArn: 'arn:aws:iam::210987654321:role/jobgraph-read',
});

/**
 * A role that trusts the default account only with this external ID (a wrong or missing one is
 * AccessDenied). Its account holds no jobs: every describe is not found, every list empty.
 */
export const DEMO_EXTERNAL_ID_ROLE = Object.freeze({
  accountId: '333333333333',
  roleArn: 'arn:aws:iam::333333333333:role/jobgraph-read-external',
  externalId: 'jobgraph-test-external-id',
});

/** The demo's second Tencent Cloud account, with keys of its own (the COS Batch emulator's). */
export const DEMO_SECOND_TENCENT_ACCOUNT = Object.freeze({
  alias: 'staging',
  uin: '100000000002',
  appId: '1250000002',
  secretId: 'AKIDjobgraphStagingSecretId',
  secretKey: 'jobgraph-staging-cos-secret-key',
  region: 'ap-guangzhou',
});

/** A Tencent Cloud account the COS Batch emulator serves: its keys, UIN, APPID and home region. */
export interface TencentAccount {
  secretId: string;
  secretKey: string;
  uin: string;
  appId: string;
  region: string;
}

/** Every Tencent Cloud account the COS Batch emulator knows, the default (demo) one first. */
export const TENCENT_ACCOUNTS: readonly TencentAccount[] = Object.freeze([
  DEMO_TENCENT_CREDENTIALS,
  DEMO_SECOND_TENCENT_ACCOUNT,
]);

/** The most a session may last (STS's DurationSeconds maximum), in seconds. */
export const MAX_SESSION_SECONDS = 43_200;

/** An IAM role STS lets callers assume. */
export interface EmulatorRole {
  arn: string;
  accountId: string;
  name: string;
  /** The role's unique ID (`AROA…`), the first half of an AssumedRoleId. */
  roleId: string;
  /** The external ID the trust policy requires (`sts:ExternalId`), or null for none. */
  externalId: string | null;
  /** The accounts whose principals the trust policy lets assume the role. */
  trustedAccounts: readonly string[];
  /** The role's MaxSessionDuration, in seconds. */
  maxSessionSeconds: number;
}

/** A session STS issued: temporary keys of the role's account. */
export interface AwsSession {
  kind: 'session';
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** The account whose jobs the session sees: the role's. */
  accountId: string;
  role: EmulatorRole;
  sessionName: string;
  /** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`. */
  arn: string;
  /** `ROLEID:SESSION` (AssumedRoleId, GetCallerIdentity's UserId). */
  userId: string;
  issuedMs: number;
  /** When the keys stop working, ms since 1970, a whole second (the Expiration STS answered). */
  expiresMs: number;
}

/** A long-term IAM user key. */
interface AwsUserKey {
  kind: 'user';
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  arn: string;
  userId: string;
}

/** What an access key ID names: a user's long-term key or an STS session. */
export type AwsKey = AwsUserKey | AwsSession;

/** The accounts registry the emulators share. */
export interface EmulatorAccounts {
  /** The account the demo credentials belong to (DEMO_AWS_ACCOUNT_ID). */
  readonly defaultAccountId: string;
  /** The user key or session an access key ID names (expired sessions too, for a day), or undefined. */
  key(accessKeyId: string): AwsKey | undefined;
  /** The role with this ARN, or undefined. */
  role(arn: string): EmulatorRole | undefined;
  /** A fresh session on `role` (random keys), valid `durationSeconds` from `nowMs`. */
  issueSession(
    role: EmulatorRole,
    sessionName: string,
    nowMs: number,
    durationSeconds: number,
  ): AwsSession;
  /** Every session issued and not yet dropped, oldest first. */
  sessions(): readonly AwsSession[];
}

export interface EmulatorAccountsOptions {
  /** Random bytes for session keys, default node:crypto's randomBytes. */
  randomBytes?: (size: number) => Buffer;
  /**
   * More role ARNs STS lets the default account assume (no external ID), for an organization of
   * many accounts: their accounts hold no jobs (every describe not found, every list empty).
   */
  roles?: readonly string[];
}

/** Sessions are forgotten a day after they expire (then their key is unknown, as at AWS eventually). */
const FORGET_AFTER_MS = 86_400_000;
/** At most this many sessions are kept; the oldest go first. */
const MAX_SESSIONS = 10_000;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `length` characters of the upper-case base-32 alphabet AWS key IDs use, from `bytes`. */
function base32(bytes: Buffer, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += BASE32[(bytes[i % bytes.length] as number) % 32];
  return out;
}

/** A role's unique ID, the same for the same ARN. */
function roleIdOf(arn: string): string {
  return `AROA${base32(createHash('sha256').update(arn).digest(), 17)}`;
}

function role(arn: string, options: { externalId?: string } = {}): EmulatorRole {
  const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (!m) throw new Error(`not a role ARN: ${arn}`);
  return Object.freeze({
    arn,
    accountId: m[1] as string,
    name: m[2] as string,
    roleId: roleIdOf(arn),
    externalId: options.externalId ?? null,
    trustedAccounts: Object.freeze([DEMO_AWS_ACCOUNT_ID]),
    maxSessionSeconds: MAX_SESSION_SECONDS,
  });
}

/**
 * A fresh accounts registry: the default account with the demo user's key, the second account's
 * role, the external-ID role and `options.roles` (all trusting the default account,
 * MaxSessionDuration 12 hours), and no sessions yet.
 */
export function createEmulatorAccounts(options: EmulatorAccountsOptions = {}): EmulatorAccounts {
  const random = options.randomBytes ?? randomBytes;
  const demoUser: AwsUserKey = Object.freeze({
    kind: 'user',
    ...DEMO_AWS_CREDENTIALS,
    accountId: DEMO_AWS_ACCOUNT_ID,
    arn: DEMO_AWS_USER.arn,
    userId: DEMO_AWS_USER.userId,
  });
  const roles = new Map(
    [
      role(DEMO_SECOND_AWS_ACCOUNT.roleArn),
      role(DEMO_EXTERNAL_ID_ROLE.roleArn, { externalId: DEMO_EXTERNAL_ID_ROLE.externalId }),
      ...(options.roles ?? []).map((arn) => role(arn)),
    ].map((r) => [r.arn, r]),
  );
  // Insertion order is issue order, so the oldest come first when dropping.
  const sessions = new Map<string, AwsSession>();

  function forgetOld(nowMs: number) {
    for (const [id, s] of sessions) {
      if (sessions.size < MAX_SESSIONS && s.expiresMs + FORGET_AFTER_MS > nowMs) continue;
      sessions.delete(id);
    }
  }

  return {
    defaultAccountId: DEMO_AWS_ACCOUNT_ID,
    key: (accessKeyId) =>
      accessKeyId === demoUser.accessKeyId ? demoUser : sessions.get(accessKeyId),
    role: (arn) => roles.get(arn),
    issueSession(r, sessionName, nowMs, durationSeconds) {
      forgetOld(nowMs);
      let accessKeyId: string;
      do accessKeyId = `ASIA${base32(random(16), 16)}`;
      while (sessions.has(accessKeyId));
      const session: AwsSession = Object.freeze({
        kind: 'session',
        accessKeyId,
        secretAccessKey: random(30).toString('base64'),
        // Real tokens are long opaque base64 (they start with a serialised origin marker).
        sessionToken: `IQoJb3JpZ2luX2VjE${random(264).toString('base64')}`,
        accountId: r.accountId,
        role: r,
        sessionName,
        arn: `arn:aws:sts::${r.accountId}:assumed-role/${r.name}/${sessionName}`,
        userId: `${r.roleId}:${sessionName}`,
        issuedMs: nowMs,
        // STS answers the expiry to the second; the keys stop working at exactly that time.
        expiresMs: Math.floor(nowMs / 1000) * 1000 + durationSeconds * 1000,
      });
      sessions.set(accessKeyId, session);
      return session;
    },
    sessions: () => [...sessions.values()],
  };
}
