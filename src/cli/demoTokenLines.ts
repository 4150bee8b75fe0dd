import type { DemoGateway } from '../app.ts';

/** One printed token: its name, what it may do in words, and the token. */
interface PrintedToken {
  name: string;
  does: string;
  token: string;
}

/**
 * The demo banner's tokens, in one list (docs/console.md, "Tokens"): each with its scopes and
 * accounts in words, its header line for Sandbox and curl, and a console link that signs a tab in
 * as it (a link followed in a tab that holds another token replaces that tab's). The reader comes
 * first: its header line is the first the banner prints.
 */
export function demoTokenLines(
  gateway: DemoGateway,
  secondAlias: string,
  consoleUrl: string | null,
): string[] {
  const actions = [...gateway.config.actions];
  const acts =
    actions.length > 0
      ? `${inWords(actions.map((a) => `${a}s`))} the demo's jobs (JOBGRAPH_ACTIONS=${actions.join(',')})`
      : "acts on nothing: the demo's actions are off (JOBGRAPH_ACTIONS is empty)";
  const t = gateway.tokens;
  const tokens: PrintedToken[] = [
    { name: 'Reader', does: 'jobs:read, every account: reads every job', token: t.read },
    {
      name: 'Secrets reader',
      does: 'jobs:read jobs:secrets:read, every account: also sees credentials and signatures',
      token: t.secrets,
    },
    {
      name: 'Operator',
      does: `jobs:read jobs:write notifications:write jobs:logs:read, every account: ${acts}, makes notification rules, reads job logs`,
      token: t.write,
    },
    {
      name: 'Notifier',
      does: 'jobs:read notifications:write, every account: makes notification rules (the example below uses it)',
      token: t.notify,
    },
    {
      name: `${secondAlias} reader`,
      does: `jobs:read, the "${secondAlias}" account alone: a team's view (other accounts' jobs are FORBIDDEN)`,
      token: t.secondAccount,
    },
  ];
  return [
    '  Tokens (paste a header line into Sandbox → Headers; a console link signs a browser tab in as that token):',
    ...tokens.flatMap((p, i) => [
      `  ${i + 1}. ${p.name} — ${p.does}`,
      `    Authorization: Bearer ${p.token}`,
      ...(consoleUrl ? [`    console: ${consoleUrl}#token=${p.token}`] : []),
    ]),
    '',
    ...demoMintLines(gateway.tokenKey),
  ];
}

/** How `jobgraph token` mints more tokens this demo accepts: only with the key it verifies. */
function demoMintLines(tokenKey: DemoGateway['tokenKey']): string[] {
  const mint = 'npm run jobgraph -- token --scopes "jobs:read"';
  const scopes =
    '  Scopes: jobs:read, jobs:write, jobs:secrets:read, jobs:logs:read, notifications:write (space-separated); --accounts for others than the default (`*`: every one).';
  return tokenKey === 'JOBGRAPH_JWT_SECRET'
    ? ['  More tokens: `' + mint + '` with the same JOBGRAPH_JWT_SECRET set.', scopes, '']
    : [
        '  These tokens are signed with a key made at start: a token from `jobgraph token` is refused',
        '  here. To mint more, start the demo and the command with the same JOBGRAPH_JWT_SECRET:',
        '    export JOBGRAPH_JWT_SECRET=$(openssl rand -hex 32)   # 32 characters or more',
        `    npm start            # then, in a shell with the same variable: ${mint}`,
        scopes,
        '',
      ];
}

/** `cancels, terminates and reruns`: a list in words. */
function inWords(items: readonly string[]): string {
  return items.length < 2
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} and ${items.at(-1)!}`;
}
