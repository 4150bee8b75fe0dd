import {
  createEmulatorAccounts,
  DEMO_SECOND_AWS_ACCOUNT,
  type AwsKey,
  type EmulatorAccounts,
} from './accounts.ts';
import type { EmulatorRequest } from './framework.ts';
import { verifySigV4, type SigV4Check } from './sigv4Verify.ts';

/** Why a request's caller was refused: a SigV4 failure, or a session token that is not the key's or has expired. */
export type AwsCallerRefusal =
  | Exclude<SigV4Check, { ok: true }>
  | { ok: false; reason: 'invalid-token'; detail: string }
  | { ok: false; reason: 'expired-token'; detail: string };

type AwsCallerCheck = { ok: true; key: AwsKey; accountId: string } | AwsCallerRefusal;

export interface AwsCallerExpectation {
  /** SigV4 signing name (`panorama`, `IngestionService`, `sts`, …). */
  service: string;
  /** Required signing region, or undefined for any. */
  region?: string;
  accounts: EmulatorAccounts;
  /** The emulator's clock in ms: the skew check and session expiry. */
  now: () => number;
}

const ACCESS_KEY_RE = /^AWS4-HMAC-SHA256 Credential=([^/]+)\//;

const SCOPE_REGION_RE = /Credential=[^/]+\/\d{8}\/([^/]+)\//;

/** The region of a SigV4 request's credential scope (where a regional service's jobs live), or null. */
export function signingRegionOf(req: EmulatorRequest): string | null {
  return SCOPE_REGION_RE.exec(req.headers.authorization ?? '')?.[1] ?? null;
}

/** The access key ID a SigV4 Authorization header names, or null. */
function accessKeyIdOf(req: EmulatorRequest): string | null {
  return ACCESS_KEY_RE.exec(req.headers.authorization ?? '')?.[1] ?? null;
}

/**
 * The account of a request's caller, the way AWS authenticates it: a session key needs its own
 * `x-amz-security-token` (else "invalid", AWS's InvalidClientTokenId/UnrecognizedClient) and
 * must not have expired (AWS's ExpiredToken), checked before the signature; then the SigV4
 * signature with the key's secret (`verifySigV4`). A long-term key's token header is left to
 * the emulator (Import/Export checks its demo token; the others ignore one, as they always have).
 */
async function verifyAwsCaller(
  req: EmulatorRequest,
  expect: AwsCallerExpectation,
): Promise<AwsCallerCheck> {
  const accessKeyId = accessKeyIdOf(req);
  const key = accessKeyId === null ? undefined : expect.accounts.key(accessKeyId);
  if (key?.kind === 'session') {
    if (req.headers['x-amz-security-token'] !== key.sessionToken)
      return {
        ok: false,
        reason: 'invalid-token',
        detail: 'The security token included in the request is invalid.',
      };
    if (expect.now() >= key.expiresMs)
      return {
        ok: false,
        reason: 'expired-token',
        detail: 'The security token included in the request is expired',
      };
  }
  const check = await verifySigV4(req, {
    service: expect.service,
    ...(expect.region === undefined ? {} : { region: expect.region }),
    credentials: (id) => (id === key?.accessKeyId ? key : undefined),
    now: expect.now,
  });
  if (!check.ok) return check;
  return { ok: true, key: key as AwsKey, accountId: (key as AwsKey).accountId };
}

/**
 * For an emulator's `describe`: the account a request's key belongs to when it is not the
 * default one (without checking the signature), for `RecordedCall.account`.
 */
function otherAccountOf(
  req: EmulatorRequest,
  accounts: EmulatorAccounts,
): { account: string } | Record<string, never> {
  const accessKeyId = accessKeyIdOf(req);
  const accountId = accessKeyId === null ? undefined : accounts.key(accessKeyId)?.accountId;
  return accountId === undefined || accountId === accounts.defaultAccountId
    ? {}
    : { account: accountId };
}

/** The option of the AWS emulators that serve the shared accounts. */
export interface AwsAccountsOptions {
  /** Whose keys and sessions the emulator accepts (default: a fresh registry, the demo keys only). */
  accounts?: EmulatorAccounts;
}

/** Which of the demo's accounts an account is: the default, the second (DEMO_SECOND_AWS_ACCOUNT), or another. */
type DemoAccount = 'default' | 'second' | 'other';

/** An AWS emulator's callers: its accounts registry and the checks of a request's key. */
export interface AwsCallers {
  readonly accounts: EmulatorAccounts;
  /** `verifyAwsCaller` with the emulator's signing name (and region) and clock. */
  verify(req: EmulatorRequest): Promise<AwsCallerCheck>;
  /** `otherAccountOf` in the emulator's registry. */
  otherAccountOf(req: EmulatorRequest): { account: string } | Record<string, never>;
  /**
   * `describe`'s answer for a regional service: the operation, the job as `path` in the signing
   * region (`?/…` when none; no job when `path` is null), and the account when not the default.
   */
  describeRegional(
    req: EmulatorRequest,
    operation: string,
    path: string | null,
  ): { operation: string; job: string | null; account?: string };
  /** Which of the demo's accounts `accountId` is. */
  which(accountId: string): DemoAccount;
}

/** The callers of an AWS emulator: the registry of `options` (a fresh one when it names none). */
export function awsCallers(
  options: AwsAccountsOptions,
  expect: Omit<AwsCallerExpectation, 'accounts'>,
): AwsCallers {
  const accounts = options.accounts ?? createEmulatorAccounts();
  return {
    accounts,
    verify: (req) => verifyAwsCaller(req, { ...expect, accounts }),
    otherAccountOf: (req) => otherAccountOf(req, accounts),
    describeRegional: (req, operation, path) => ({
      operation,
      job: path === null ? null : `${signingRegionOf(req) ?? '?'}/${path}`,
      ...otherAccountOf(req, accounts),
    }),
    which: (accountId) =>
      accountId === accounts.defaultAccountId
        ? 'default'
        : accountId === DEMO_SECOND_AWS_ACCOUNT.accountId
          ? 'second'
          : 'other',
  };
}

/** How an AWS JSON service's front end words the caller refusals where the services differ. */
export interface JsonAuthWording {
  /** The status of a key or token refusal: 403, or 400 where the front end answers so. */
  tokenStatus: number;
  /** The message for a credential scoped to another service (default: the check's detail). */
  wrongScopeMessage?: string;
  /** The message for a signature that does not match (default: the check's detail). */
  mismatchMessage?: string;
  /** Whether a malformed Authorization header is answered as a mismatch (else IncompleteSignature). */
  malformedIsMismatch?: boolean;
}

/**
 * The status, error code and message an AWS JSON front end answers a refused caller with:
 * MissingAuthenticationTokenException, IncompleteSignatureException,
 * UnrecognizedClientException, ExpiredTokenException or InvalidSignatureException. Each service
 * writes them in its own envelope.
 */
export function jsonAuthRefusal(
  refusal: AwsCallerRefusal,
  wording: JsonAuthWording,
): { status: number; code: string; message: string } {
  const invalidSignature = (message: string) => ({
    status: 403,
    code: 'InvalidSignatureException',
    message,
  });
  const mismatch = () => invalidSignature(wording.mismatchMessage ?? refusal.detail);
  switch (refusal.reason) {
    case 'missing':
      return {
        status: 403,
        code: 'MissingAuthenticationTokenException',
        message: 'Missing Authentication Token',
      };
    case 'malformed':
      return wording.malformedIsMismatch
        ? mismatch()
        : { status: 403, code: 'IncompleteSignatureException', message: refusal.detail };
    case 'unknown-key':
    case 'invalid-token':
      return {
        status: wording.tokenStatus,
        code: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
      };
    case 'expired-token':
      return {
        status: wording.tokenStatus,
        code: 'ExpiredTokenException',
        message: refusal.detail,
      };
    case 'wrong-scope':
      return invalidSignature(wording.wrongScopeMessage ?? refusal.detail);
    case 'skewed':
      return invalidSignature(refusal.detail);
    case 'mismatch':
      return mismatch();
  }
}
