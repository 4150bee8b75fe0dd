import type { Config } from '../config/index.ts';
import { UpstreamError } from '../errors.ts';
import type { JobProvider } from '../model/job.ts';
import type { GuardedSource } from './guard/loader.ts';
import type { Sources } from './index.ts';
import { guardedCall } from './listing/guardedCall.ts';
import { PROVIDERS } from './registry.ts';
import { STATE_CODE, type AccountState, type AwsAccounts } from './shared/accounts.ts';
import { transportCode } from './shared/callerIdentity.ts';
import type { ListCall } from './shared/provider.ts';

/** The caller verification calls run under (its own share of each provider's cap). */
const VERIFY_CALLER = 'jobgraph:verify';

/**
 * Every account jobgraph reaches and how it stands: the AWS accounts (the default credentials
 * and each role, verified with STS) and each account of a provider that verifies its own
 * (`Provider.verify`: COS Batch). What /readyz lists and the start-up summary tells.
 */
export class AccountChecks {
  readonly #aws: AwsAccounts;
  readonly #others: (AccountState & { provider: JobProvider })[];

  constructor(config: Config, aws: AwsAccounts) {
    this.#aws = aws;
    this.#others = PROVIDERS.flatMap((provider) => {
      const verify = provider.verify;
      if (!verify) return [];
      return verify.accounts(config).map((a): AccountState & { provider: JobProvider } => ({
        provider: provider.name,
        cloud: verify.cloud,
        alias: a.alias,
        accountId: a.accountId,
        ...(a.missing.length
          ? { state: 'NOT_CONFIGURED', code: STATE_CODE.NOT_CONFIGURED, missing: a.missing }
          : { state: 'UNTRIED', code: STATE_CODE.UNTRIED }),
        refused: false,
      }));
    });
  }

  /** Every account, AWS's first (the default one first), then each verifying provider's. */
  states(): AccountState[] {
    return [...this.#aws.states(), ...this.#others.map(({ provider: _, ...state }) => state)];
  }

  /**
   * Check every configured account once, each call within `timeoutMs` (JOBGRAPH_UPSTREAM_TIMEOUT_MS):
   * STS for AWS, the provider's own cheap call for the others. Never rejects; resolves with
   * every account's state once each check ended.
   */
  async verify(config: Config, sources: Sources, timeoutMs: number): Promise<AccountState[]> {
    await Promise.all([
      this.#aws.verify(timeoutMs),
      ...this.#others.map(async (state) => {
        if (state.state === 'NOT_CONFIGURED') return;
        const provider = PROVIDERS.find((p) => p.name === state.provider)!;
        const guarded = sources[state.provider] as GuardedSource;
        const call: ListCall = (operation, input, where) =>
          guardedCall(guarded, operation, input, where, {
            caller: VERIFY_CALLER,
            signal: AbortSignal.timeout(timeoutMs),
            calls: 0,
          });
        try {
          await provider.verify!.check(call, config, state.alias);
          Object.assign(state, { state: 'READY', code: STATE_CODE.READY, refused: false });
        } catch (err) {
          Object.assign(state, {
            state: 'FAILED',
            ...failure(err, provider.setup.endpoint(config)),
          });
        }
      }),
    ]);
    return this.states();
  }
}

/** A provider check's failure as a code: the upstream's, else the transport's class and host. */
function failure(err: unknown, endpoint: string | undefined): { code: string; refused: boolean } {
  const host = endpoint ? new URL(endpoint).host : null;
  const transport = transportCode(err, host);
  if (err instanceof UpstreamError) {
    const refused = err.code === 'UPSTREAM_ACCESS_DENIED';
    return { code: err.upstreamCode ?? transport ?? err.code, refused };
  }
  return { code: transport ?? 'Unknown', refused: false };
}
