import { describe, expect, it } from 'vitest';
import { loadFixture, upstreamFailure } from '../../support/fixtures.ts';
import { useFixtureServer } from '../../support/useFixtureServer.ts';
import { PROVIDERS } from './errorAnswerTables.ts';

/**
 * What each provider's golden error answers (test/fixtures/<provider>/) become through its source
 * on the one pipeline, over real HTTP: the UpstreamError's code, upstream code, request ID, HTTP
 * status and retryability, and a message jobgraph wrote — never the provider's text: no URL or
 * host, no markup, no line of the answer's body, no secret. One table per provider; what a
 * provider does beyond its answers (retries, request shape, parsing) stays in its protocol test,
 * as do Import/Export's answers, each with the retries it causes.
 */
const server = useFixtureServer();

describe.each(PROVIDERS)('$name error answers', (p) => {
  it.each(p.answers)('answers $expected.code for $fixture: $is', async (row) => {
    const fixture = loadFixture(p.dir, row.fixture);
    server.respond(fixture);
    const source = p.source(fixture, server.url);
    const err = await upstreamFailure(source.fetchJob(p.key(row.jobId ?? p.jobId))).finally(() =>
      source.close?.(),
    );
    expect(err.provider).toBe(p.provider);
    expect(err).toMatchObject(row.expected);
    if (row.message !== undefined) expect(err.message).toBe(row.message);
    for (const words of row.says ?? []) expect(err.message).toContain(words);
    for (const words of row.omits ?? []) expect(err.message).not.toContain(words);
    // A message jobgraph wrote: no URL or host, no markup, no secret, no text of the answer.
    expect(err.message).not.toMatch(/https?:\/\/|127\.0\.0\.1|amazonaws\.com|myqcloud/);
    expect(err.message).not.toContain('<');
    expect(err.message).not.toContain(p.secret);
    expect(err.message).not.toMatch(/q-signature|Signature=/);
    const body = fixture.body;
    if (body.length > 0) {
      for (const fragment of [body, body.slice(0, 30), body.slice(0, 40)])
        expect(err.message).not.toContain(fragment);
      for (const line of body.split('\n').map((l) => l.trim()))
        if (line.length > 12) expect(err.message).not.toContain(line);
      expect(JSON.stringify(err)).not.toContain(body.slice(0, 40));
    }
    expect(JSON.stringify(err)).not.toContain('internal.amazon.com');
    expect(JSON.stringify(err.extensions)).not.toMatch(/https?:\/\//);
  });
});
