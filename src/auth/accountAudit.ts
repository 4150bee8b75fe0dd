import { JobgraphError } from '../errors.ts';
import type { JobProvider } from '../model/job.ts';
import type { Identity } from './identity.ts';

/**
 * A job, list filter or watch of an account the caller may not read. One message for every
 * refusal, whether the job exists or not and whether the account is configured or not: a refusal
 * reveals nothing.
 */
export class AccountForbiddenError extends JobgraphError {
  constructor() {
    super('FORBIDDEN', "The token's accounts do not include the account of this job.");
  }
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

/** What one refusal was: which field asked for which provider's account. */
export interface Refused {
  /** The root field or surface (`job`, `jobs`, `_entities`, `listJobs`, `jobUpdates`). */
  field: string;
  provider: JobProvider | null;
  /** The account asked, by alias. */
  account: string;
  requestId?: string;
}

/**
 * Every refusal of an account: one `info` log line (subject, field, provider, account asked,
 * reason — never the token) and one count by reason, then the error the caller gets.
 */
export class AccountAudit {
  constructor(
    private readonly logger: AuditLogger | undefined,
    private readonly counter: RefusalCounter | undefined,
    /** Whether `provider` (any provider when null) has an account aliased `alias`. */
    private readonly configured: (provider: JobProvider | null, alias: string) => boolean,
  ) {}

  refuse(identity: Identity, refused: Refused): AccountForbiddenError {
    const reason: RefusalReason =
      identity.accounts.basis === 'no-claim'
        ? 'no_claim'
        : this.configured(refused.provider, refused.account)
          ? 'not_granted'
          : 'unknown_account';
    this.counter?.accountRefused(reason);
    this.logger?.info(
      {
        ...(refused.requestId ? { requestId: refused.requestId } : {}),
        subject: identity.subject,
        field: refused.field,
        provider: refused.provider,
        account: refused.account.length > 64 ? `${refused.account.slice(0, 64)}…` : refused.account,
        reason,
      },
      'account refused: the token may not read this account',
    );
    return new AccountForbiddenError();
  }
}
