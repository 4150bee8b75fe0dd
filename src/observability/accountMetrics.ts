import { Counter, Gauge, type Registry } from 'prom-client';

type Registers = Registry[];

/** Every state an account can be in (src/datasources/shared/accounts.ts `AccountState`). */
const ACCOUNT_STATES = ['READY', 'FAILED', 'NOT_CONFIGURED', 'UNTRIED'] as const;

/** One account's state, as `jobgraph_account_state` reads it. */
export interface AccountStateView {
  cloud: string;
  alias: string;
  state: (typeof ACCOUNT_STATES)[number];
}

/** Each account's state (one series per state, 1 for the current one), read at scrape time. */
export function accountStateGauge(
  registers: Registers,
  accounts: () => readonly AccountStateView[],
): void {
  new Gauge({
    // duplicates: data — metric declarations: each its own name, help and labels
    name: 'jobgraph_account_state',
    help: "1 for the state each account (cloud, alias; default: jobgraph's own credentials) is in — READY, FAILED, NOT_CONFIGURED or UNTRIED — 0 for the others: what an operator's /readyz lists, for alerts.",
    labelNames: ['cloud', 'account', 'state'],
    registers,
    collect() {
      this.reset();
      for (const a of accounts())
        for (const state of ACCOUNT_STATES)
          this.set({ cloud: a.cloud, account: a.alias, state }, a.state === state ? 1 : 0);
    },
  });
}

// duplicates: data — metric declarations: each its own name, help and labels
/** STS AssumeRole calls, accounts refused to a token, callers over their request rate. */
export function accessCounters(registers: Registers) {
  return {
    assumeRole: new Counter({
      name: 'jobgraph_aws_assume_role_total',
      help: 'STS AssumeRole calls for the accounts of JOBGRAPH_AWS_ACCOUNTS (a session is kept and refreshed before it expires), by account alias and outcome (ok or failed).',
      labelNames: ['account', 'outcome'],
      registers,
    }),
    accountRefusals: new Counter({
      name: 'jobgraph_account_refusals_total',
      help: 'Jobs, list filters and watches refused because the token may not read the account, by reason: no_claim (the token has no accounts claim: default accounts only, or none when the claim is required), not_granted (its claim does not name the account), unknown_account (no such account is configured).',
      labelNames: ['reason'],
      registers,
    }),
    callerRateLimited: new Counter({
      name: 'jobgraph_caller_rate_limited_total',
      help: 'Requests and operations refused RATE_LIMITED because their caller was over its rate (JOBGRAPH_CALLER_RATE), by transport: http, sse or ws.',
      labelNames: ['transport'],
      registers,
    }),
  };
}
