/**
 * One series' value on a gateway's /metrics, as an operator's scraper reads it: `series` is the
 * name with its labels (`jobgraph_events_total{provider="AWS_BATCH",outcome="applied"}`); 0 when
 * the series is absent (a counter not yet incremented).
 */
export async function metricValue(
  gateway: { server: { url: string } },
  series: string,
): Promise<number> {
  const text = await (await fetch(new URL('/metrics', gateway.server.url))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
