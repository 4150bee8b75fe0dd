/**
 * What the demo banner prints for watching the progressing jobs over Server-Sent Events: the
 * `jobUpdates` subscription (issue 13) and a `curl -N` command that sends it, in the graphql-sse
 * "distinct connections" mode (`POST` with `Accept: text/event-stream`).
 */

/** The subscription document over the given job IDs, on one line, with the Job interface's moving fields. */
export function watchSubscription(ids: readonly string[]): string {
  return `subscription { jobUpdates(ids: [${ids.map((id) => JSON.stringify(id)).join(', ')}]) { id state providerStatus statusMessage terminal updatedAt } }`;
}

/** A POSIX-shell single-quoted word. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The `curl -N` command, as lines to print (continued with ` \`). */
export function watchCurlLines(url: string, token: string, ids: readonly string[]): string[] {
  const body = JSON.stringify({ query: watchSubscription(ids) });
  return [
    `curl -N ${shellQuote(url)} -H 'accept: text/event-stream' -H 'content-type: application/json' \\`,
    `  -H ${shellQuote(`authorization: Bearer ${token}`)} \\`,
    `  --data ${shellQuote(body)}`,
  ];
}
