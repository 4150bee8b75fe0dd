import { JobgraphError } from '../errors.ts';
import type { JobProvider } from '../model/job.ts';
import type { Identity } from './identity.ts';

/**
 * A job, list filter or watch of an account the caller may not read. The message names the
 * account as the caller named it (the alias in a global ID, a filter's alias, the account ID of an
 * ARN or a representation), so a team reading the error knows which grant to ask for; it says
 * nothing the caller did not send, and is the same whether the job exists or not and whether the
 * account is configured or not: a refusal reveals nothing.
 */
export class AccountForbiddenError extends JobgraphError {
  constructor(account?: string) {
    super(
      'FORBIDDEN',
      account === undefined
        ? "The token's accounts do not include the account of this job."
        : `The token's accounts do not include account ${JSON.stringify(shownAccount(account))}.`,
    );
  }
}

/** An account as a message or log line shows it: cut at MAX_ALIAS_SHOWN characters. */
function shownAccount(account: string): string {
  return account.length > MAX_ALIAS_SHOWN ? `${account.slice(0, MAX_ALIAS_SHOWN)}…` : account;
}

/** Why an account was refused, the `reason` of `jobgraph_account_refusals_total`. */
export type RefusalReason =
  /** The token has no accounts claim, so it reads the default accounts only. */
  | 'no_claim'
  /** The token's claim does not name the account. */
  | 'not_granted'
  /** No such account is configured (only a token for every account would have been told so). */
  | 'unknown_account';

/** Where refusals are counted. */
export interface RefusalCounter {
  accountRefused(reason: RefusalReason): void;
}

/** Where refusals are logged. */
export interface AuditLogger {
  info(fields: Record<string, unknown>, message: string): void;
}

/** Most accounts one refusal line names: the first distinct ones refused. */
const MAX_ACCOUNTS_SHOWN = 5;
/** Longest alias echoed in a refusal line. */
const MAX_ALIAS_SHOWN = 64;

/** One request's refusals of one field, until they are written. */
interface FieldTally {
  count: number;
  reasons: Partial<Record<RefusalReason, number>>;
  /** The first distinct accounts refused, `provider/alias` (provider `*` when none was asked). */
  accounts: string[];
}

/**
 * One request's (or one subscription set-up's) refusals: each refused reference is counted at
 * once, and the log gets one line per field when the request ends (`flush`), however many
 * references it refused — a request naming 2,000 forbidden jobs writes one line, not 2,000.
 */
export class RequestAudit {
  readonly #fields = new Map<string, FieldTally>();

  constructor(
    private readonly audit: AccountAudit,
    private readonly identity: Identity,
    private readonly requestId: string | undefined,
  ) {}

  /**
   * Count a refusal of `account` (an alias) for `field`, and the error the caller gets for it,
   * naming the account as the caller named it, `shown` (default the alias; an account ID for a
   * request that named the account by its ID, so the answer never tells a configured ID's alias).
   */
  refuse(
    field: string,
    provider: JobProvider | null,
    account: string,
    shown = account,
  ): AccountForbiddenError {
    const reason = this.audit.reasonOf(this.identity, provider, account);
    this.audit.counted(reason);
    let tally = this.#fields.get(field);
    if (!tally) this.#fields.set(field, (tally = { count: 0, reasons: {}, accounts: [] }));
    tally.count += 1;
    tally.reasons[reason] = (tally.reasons[reason] ?? 0) + 1;
    const logged = `${provider ?? '*'}/${shownAccount(account)}`;
    if (tally.accounts.length < MAX_ACCOUNTS_SHOWN && !tally.accounts.includes(logged))
      tally.accounts.push(logged);
    return new AccountForbiddenError(shown);
  }

  /** Write one line per field refused since the last flush (subject, counts — never the token). */
  flush(): void {
    for (const [field, tally] of this.#fields)
      this.audit.logger?.info(
        {
          ...(this.requestId ? { requestId: this.requestId } : {}),
          subject: this.identity.subject,
          field,
          refused: tally.count,
          reasons: tally.reasons,
          accounts: tally.accounts,
        },
        'account refused: the token may not read these accounts (one line per request and field)',
      );
    this.#fields.clear();
  }
}

/**
 * Where refusals of accounts are judged (`reason`), counted (`jobgraph_account_refusals_total`,
 * one per refused reference) and logged (one line per request and field, by `RequestAudit`).
 */
export class AccountAudit {
  constructor(
    readonly logger: AuditLogger | undefined,
    private readonly counter: RefusalCounter | undefined,
    /** Whether `provider` (any provider when null) has an account aliased `alias`. */
    private readonly configured: (provider: JobProvider | null, alias: string) => boolean,
  ) {}

  /** The refusals of one request (or subscription set-up) of `identity`. */
  forRequest(identity: Identity, requestId?: string): RequestAudit {
    return new RequestAudit(this, identity, requestId);
  }

  reasonOf(identity: Identity, provider: JobProvider | null, account: string): RefusalReason {
    if (identity.accounts.basis === 'no-claim') return 'no_claim';
    return this.configured(provider, account) ? 'not_granted' : 'unknown_account';
  }

  counted(reason: RefusalReason): void {
    this.counter?.accountRefused(reason);
  }
}
