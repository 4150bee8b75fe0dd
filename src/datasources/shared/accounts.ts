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
import { credentialSource } from './awsCall.ts';

/** Told of every STS AssumeRole jobgraph makes (metrics): the alias and how it ended. */
export interface AccountObserver {
  assumeRole?(alias: string, outcome: 'ok' | 'failed'): void;
  /** A session's credentials, as they arrive: their secrets are scrubbed from logs from then on. */
  learned?(identity: AwsCredentialIdentity): void;
}

/** How one account stands, for the start-up summary, /readyz and the list sources. */
export interface AccountState {
  alias: string;
  /** The 12-digit account ID: the role ARN's, or the default chain's when it says (AWS_ACCOUNT_ID, SSO, STS). */
  accountId: string | null;
  /** UNTRIED until a session is first needed, READY while one is held, FAILED after the last try failed. */
  state: 'UNTRIED' | 'READY' | 'FAILED';
  /** The STS error code of the last failure (`AccessDenied`), never its message. */
  code: string | null;
}

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

/** STS codes that say the role may not be assumed by jobgraph's credentials. */
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'InvalidClientTokenId']);

interface Session {
  readonly account: AwsAccount;
  readonly credentials: AwsCredentialIdentityProvider;
  state: AccountState['state'];
  code: string | null;
  /** The last failure and when it came: answered again, without a call, for RETRY_AFTER_FAILURE_MS. */
  failure: { error: AccountSessionError; atMs: number } | null;
}

/**
 * How long a role that could not be assumed is answered with its failure before STS is asked
 * again: requests for a broken account do not each cost an AssumeRole.
 */
export const RETRY_AFTER_FAILURE_MS = 30_000;

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

  constructor(
    config: Pick<Config, 'awsCredentials' | 'awsAccounts' | 'awsRegion' | 'endpoints'>,
    observer: AccountObserver = {},
    now: () => number = Date.now,
  ) {
    const chain = credentialSource(config.awsCredentials);
    this.#default = async (props) => {
      const identity = await chain(props);
      if (identity.accountId) this.#defaultAccountId = identity.accountId;
      return identity;
    };
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
              const code = stsCode(err);
              session.state = 'FAILED';
              session.code = code;
              observer.assumeRole?.(account.alias, 'failed');
              const denied = code !== null && DENIED.has(code);
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
    return [
      { alias: DEFAULT_ACCOUNT, accountId: this.#defaultAccountId, state: 'READY', code: null },
      ...[...this.#sessions.values()].map((s) => ({
        alias: s.account.alias,
        accountId: s.account.accountId,
        state: s.state,
        code: s.code,
      })),
    ];
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

/** STS's error code of a failed AssumeRole (the SDK's error name), if it matches a code's form. */
function stsCode(err: unknown): string | null {
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === 'string' && /^[A-Za-z]{1,64}$/.test(name) && name !== 'Error'
    ? name
    : null;
}
