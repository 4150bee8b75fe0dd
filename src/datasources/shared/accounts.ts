import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import {
  doesIdentityRequireRefresh,
  isIdentityExpired,
  memoizeIdentityProvider,
} from '@smithy/core';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { AwsAccount, Config } from '../../config/index.ts';
import { BadUserInputError } from '../../errors.ts';
import { DEFAULT_ACCOUNT } from '../../config/patterns.ts';
import { credentialSource } from './awsCredentials.ts';
import {
  getCallerIdentity,
  stsEndpoint,
  transportCode,
  VerificationError,
  type StsTarget,
} from './callerIdentity.ts';
import { ACCESS_DENIED_CODES } from './classify.ts';

/** Told of every STS AssumeRole jobgraph makes (metrics): the alias and how it ended. */
export interface AccountObserver {
  assumeRole?(alias: string, outcome: 'ok' | 'failed'): void;
  /** Credentials as they arrive (the default account's and each session's): their secrets are scrubbed from logs from then on. */
  learned?(identity: AwsCredentialIdentity): void;
}

/** How one account stands, for the start-up summary, /readyz and the list sources. */
export interface AccountState {
  /** Whose account: `aws`, or the cloud a provider names (`tencent`). */
  cloud: string;
  alias: string;
  /**
   * AWS: the 12-digit account ID (the role ARN's, or the default credentials' once they say it:
   * AWS_ACCOUNT_ID, SSO, STS GetCallerIdentity); elsewhere the provider's own (COS: the APPID).
   */
  accountId: string | null;
  /**
   * UNTRIED until verified or first needed, READY once its credentials answered, FAILED after
   * the last try failed, NOT_CONFIGURED when the configuration lacks what it needs.
   */
  state: 'UNTRIED' | 'READY' | 'FAILED' | 'NOT_CONFIGURED';
  /**
   * Never null: `OK` when ready, `UNTRIED`, `NOT_CONFIGURED`; a failure's upstream code
   * (`AccessDenied`, `SignatureDoesNotMatch`), or for an endpoint that did not answer its error
   * class and host (`ECONNREFUSED 127.0.0.1:4106`). Never a message, a URL path or a secret.
   */
  code: string;
  /** A FAILED account's credentials were refused (not: the endpoint did not answer). */
  refused: boolean;
  /** What a NOT_CONFIGURED account lacks, as variable names (`COS_APPID`). */
  missing?: string[];
}

/** The code of a state that has no failure code. */
export const STATE_CODE = {
  READY: 'OK',
  UNTRIED: 'UNTRIED',
  NOT_CONFIGURED: 'NOT_CONFIGURED',
  FAILED: 'Unknown',
} as const;

/**
 * A role that could not be assumed: the pipeline answers UPSTREAM_ACCESS_DENIED for STS's refusal,
 * UPSTREAM_UNAVAILABLE for anything else, naming the alias and STS's code, never its message.
 */
export class AccountSessionError extends Error {
  constructor(
    readonly alias: string,
    readonly upstreamCode: string | null,
    readonly denied: boolean,
    options?: ErrorOptions,
  ) {
    super(
      `The role of AWS account "${alias}" could not be assumed${upstreamCode ? ` (${upstreamCode})` : ''}.`,
      options,
    );
    this.name = 'AccountSessionError';
  }
}

interface Session {
  readonly account: AwsAccount;
  readonly credentials: AwsCredentialIdentityProvider;
  state: AccountState['state'];
  code: string | null;
  refused: boolean;
  missing?: string[];
  /** The last failure and when it came: answered again, without a call, for RETRY_AFTER_FAILURE_MS. */
  failure: { error: AccountSessionError; atMs: number } | null;
}

/**
 * How long a role that could not be assumed is answered with its failure before STS is asked
 * again: requests for a broken account do not each cost an AssumeRole.
 */
const RETRY_AFTER_FAILURE_MS = 30_000;

/**
 * The AWS accounts jobgraph reaches: the default one (its own credentials: the standard chain, or
 * the demo's static keys) and each alias of JOBGRAPH_AWS_ACCOUNTS, whose role is assumed with STS
 * `AssumeRole` from the default credentials by the SDK's own `fromTemporaryCredentials`. Each
 * session is kept and refreshed five minutes before it expires by the SDK's identity memoizer,
 * which also makes concurrent refreshes one call: never one AssumeRole per request. Made once per
 * gateway and shared by the four AWS providers, so an account costs one session, not four.
 */
export class AwsAccounts {
  readonly #default: AwsCredentialIdentityProvider;
  readonly #sessions = new Map<string, Session>();
  #defaultAccountId: string | null = null;
  /** The default credentials as verification found them. */
  readonly #defaultState: Pick<Session, 'state' | 'code' | 'refused' | 'missing'> = {
    state: 'UNTRIED',
    code: null,
    refused: false,
  };
  readonly #sts: Omit<StsTarget, 'timeoutMs'>;

  constructor(
    config: Pick<
      Config,
      'awsCredentials' | 'awsAccounts' | 'awsRegion' | 'endpoints' | 'awsEndpointVariant'
    >,
    observer: AccountObserver = {},
    now: () => number = Date.now,
  ) {
    this.#sts = {
      endpoint: config.endpoints.sts,
      region: config.awsRegion,
      variant: config.awsEndpointVariant,
    };
    const chain = credentialSource(config.awsCredentials);
    // The standard chain's credentials (environment, profile, SSO, container, instance) are told
    // as they are resolved and each time they are refreshed, as an assumed role's session is.
    let told: AwsCredentialIdentity | undefined;
    const tell = (identity: AwsCredentialIdentity) => {
      if (identity.accountId) this.#defaultAccountId = identity.accountId;
      if (identity !== told) {
        told = identity;
        observer.learned?.(identity);
      }
      return identity;
    };
    // Asked on every upstream call of the default account: one `then`, no async function's promises.
    this.#default = (props) => chain(props).then(tell);
    for (const account of config.awsAccounts) {
      const assume = fromTemporaryCredentials({
        params: {
          RoleArn: account.roleArn,
          RoleSessionName: 'jobgraph',
          ...(account.externalId ? { ExternalId: account.externalId } : {}),
        },
        masterCredentials: this.#default,
        clientConfig: {
          region: config.awsRegion,
          ...(config.endpoints.sts ? { endpoint: config.endpoints.sts } : {}),
        },
      });
      const session: Session = {
        account,
        state: 'UNTRIED',
        code: null,
        refused: false,
        failure: null,
        credentials: memoizeIdentityProvider(
          async () => {
            const { failure } = session;
            if (failure && now() - failure.atMs < RETRY_AFTER_FAILURE_MS) throw failure.error;
            try {
              const identity = await assume();
              observer.learned?.(identity);
              session.state = 'READY';
              session.code = null;
              session.failure = null;
              observer.assumeRole?.(account.alias, 'ok');
              return identity;
            } catch (err) {
              // A refused signature or key is the same cause as for the default account's own
              // calls (classify.ts): UPSTREAM_ACCESS_DENIED, whichever key signed.
              const code = stsCode(err) ?? transportCode(err, null);
              const denied = code !== null && ACCESS_DENIED_CODES.has(code);
              session.state = 'FAILED';
              session.code = code;
              session.refused = denied;
              observer.assumeRole?.(account.alias, 'failed');
              const error = new AccountSessionError(account.alias, code, denied, { cause: err });
              session.failure = { error, atMs: now() };
              throw error;
            }
          },
          isIdentityExpired,
          doesIdentityRequireRefresh,
        ) as AwsCredentialIdentityProvider,
      };
      this.#sessions.set(account.alias, session);
    }
  }

  /** The configured aliases, in the order configured. */
  get aliases(): string[] {
    return [...this.#sessions.keys()];
  }

  /**
   * Credentials for a call in the account aliased `alias` (undefined: the default account). An
   * alias not configured is the caller's mistake: BAD_USER_INPUT, before any upstream call.
   */
  credentials(alias: string | undefined): Promise<AwsCredentialIdentity> {
    if (alias === undefined || alias === DEFAULT_ACCOUNT) return this.#default();
    const session = this.#sessions.get(alias);
    if (!session) return Promise.reject(unknownAlias(alias, this.aliases));
    return session.credentials();
  }

  /** The account ID of `alias` (undefined: the default account's, once its credentials said it). */
  accountId(alias: string | undefined): string | null {
    if (alias === undefined || alias === DEFAULT_ACCOUNT) return this.#defaultAccountId;
    return this.#sessions.get(alias)?.account.accountId ?? null;
  }

  /** Every configured account's state, the default one first. */
  states(): AccountState[] {
    const state = (
      alias: string,
      accountId: string | null,
      s: Pick<Session, 'state' | 'code' | 'refused' | 'missing'>,
    ): AccountState => ({
      cloud: 'aws',
      alias,
      accountId,
      state: s.state,
      code: s.code ?? STATE_CODE[s.state],
      refused: s.refused,
      ...(s.missing ? { missing: s.missing } : {}),
    });
    return [
      state(DEFAULT_ACCOUNT, this.#defaultAccountId, this.#defaultState),
      ...[...this.#sessions.values()].map((s) => state(s.account.alias, s.account.accountId, s)),
    ];
  }

  /**
   * Live mode's start: each account's credentials checked with one STS GetCallerIdentity (the
   * default credentials; each role's session once assumed), each within `timeoutMs`. One that
   * fails is reported (state FAILED and its code) without stopping the others. Never rejects.
   */
  async verify(timeoutMs: number): Promise<AccountState[]> {
    const target = { ...this.#sts, timeoutMs };
    const host = await stsEndpoint(target).then(
      (url) => url.host,
      () => null,
    );
    const check = async (
      into: Pick<Session, 'state' | 'code' | 'refused' | 'missing'>,
      credentials: () => Promise<AwsCredentialIdentity>,
    ) => {
      try {
        const identity = await withTimeout(
          credentials().then((c) => getCallerIdentity(c, target)),
          timeoutMs,
        );
        into.state = 'READY';
        into.code = null;
        into.refused = false;
        return identity.account;
      } catch (err) {
        // The standard chain found no credentials (for the default account, or to assume a role
        // with): not configured, as its jobs answer (PROVIDER_NOT_CONFIGURED).
        const none = noCredentials(err);
        into.state = none ? 'NOT_CONFIGURED' : 'FAILED';
        into.code = none ? null : failureCode(err, host);
        into.refused = refusedBy(err);
        if (none) into.missing = ['AWS credentials'];
        return null;
      }
    };
    await Promise.all([
      check(this.#defaultState, () => this.#default()).then((account) => {
        if (account) this.#defaultAccountId ??= account;
      }),
      ...[...this.#sessions.values()].map((s) => check(s, () => s.credentials())),
    ]);
    return this.states();
  }

  /**
   * Assume every role once (at start): each account's state is known before the first request,
   * and one that fails is reported without stopping the others. Resolves when every try ended.
   */
  async check(): Promise<AccountState[]> {
    await Promise.all([...this.#sessions.values()].map((s) => s.credentials().catch(() => null)));
    return this.states();
  }
}

/** The AWS alias of a listed account: undefined for the default account (its keys name none). */
export function awsAlias(account: string): string | undefined {
  return account === DEFAULT_ACCOUNT ? undefined : account;
}

/**
 * How a list source's ID (and so its snapshot key) names the AWS account it lists: `@staging`,
 * nothing for the default account (`panorama@staging:us-east-1`, `panorama:us-east-1`), as the
 * global IDs do.
 */
export function accountLabel(alias: string | undefined): string {
  return alias === undefined ? '' : `@${alias}`;
}

/** The alias check of a key or filter: BAD_USER_INPUT naming the configured aliases. */
export function unknownAlias(alias: string, known: readonly string[]): BadUserInputError {
  return new BadUserInputError(
    `No AWS account is aliased ${JSON.stringify(alias.slice(0, 64))}: ${
      known.length ? `configured are ${known.join(', ')}` : 'none is configured'
    } (JOBGRAPH_AWS_ACCOUNTS), besides the default account.`,
  );
}

/** `promise`, or a TimeoutError after `ms`: a check never holds the start-up summary longer. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`no answer within ${ms} ms`);
      err.name = 'TimeoutError';
      reject(err);
    }, ms);
    timer.unref();
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The code a failed verification reports (see AccountState.code). */
function failureCode(err: unknown, host: string | null): string {
  if (err instanceof VerificationError) return err.code;
  if (err instanceof AccountSessionError)
    return err.upstreamCode ?? transportCode(err.cause, host) ?? 'Unknown';
  return transportCode(err, host) ?? stsCode(err) ?? 'Unknown';
}

/** Whether `err` (or its cause) is the credential chain finding none. */
function noCredentials(err: unknown, depth = 0): boolean {
  if (depth > 3 || err === null || typeof err !== 'object') return false;
  if ((err as { name?: unknown }).name === 'CredentialsProviderError') return true;
  return noCredentials((err as { cause?: unknown }).cause, depth + 1);
}

/** Whether a failed verification means the credentials were refused. */
function refusedBy(err: unknown): boolean {
  if (err instanceof VerificationError || err instanceof AccountSessionError) return err.denied;
  return false;
}

/** STS's error code of a failed AssumeRole (the SDK's error name), if it matches a code's form. */
function stsCode(err: unknown): string | null {
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === 'string' && /^[A-Za-z]{1,64}$/.test(name) && name !== 'Error'
    ? name
    : null;
}
