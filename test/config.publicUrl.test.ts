// JOBGRAPH_PUBLIC_URL (issue 106, item 2): the URL users reach jobgraph by, validated at start and
// kept without a trailing slash; every link jobgraph builds starts with it
// (test/notifications/publicUrl.test.ts follows one through a delivery).
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/index.ts';

const publicUrl = (value: string) =>
  loadConfig({ mode: 'live' }, { JOBGRAPH_PUBLIC_URL: value }).publicUrl;

describe('JOBGRAPH_PUBLIC_URL', () => {
  it('is unset by default, in either mode (the demo fills in its own address once it listens)', () => {
    expect(loadConfig({ mode: 'live' }, {}).publicUrl).toBeNull();
    expect(loadConfig({ mode: 'demo' }, {}).publicUrl).toBeNull();
    expect(publicUrl('  ')).toBeNull();
  });

  it('keeps an absolute http(s) URL, a path prefix too, without its trailing slashes', () => {
    expect(publicUrl('https://jobgraph.example.com')).toBe('https://jobgraph.example.com');
    expect(publicUrl('https://jobgraph.example.com/')).toBe('https://jobgraph.example.com');
    expect(publicUrl('https://tools.example.com/jobgraph//')).toBe(
      'https://tools.example.com/jobgraph',
    );
    expect(publicUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(publicUrl('HTTPS://Jobgraph.Example.com:443/x/')).toBe('https://jobgraph.example.com/x');
  });

  it('refuses what is not an absolute http(s) URL, or has a user, a query or a fragment, naming only the variable', () => {
    for (const [value, says] of [
      ['jobgraph.example.com', /not an absolute URL/],
      ['/jobgraph', /not an absolute URL/],
      ['ftp://jobgraph.example.com', /http:\/\/ or https:\/\//],
      ['https://ann:s3cret-word@jobgraph.example.com', /user or password/],
      ['https://jobgraph.example.com/?a=1', /query/],
      ['https://jobgraph.example.com/#top', /fragment/],
      ['https://jobgraph.example.com/?', /query/],
    ] as const) {
      let thrown: unknown;
      try {
        publicUrl(value);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, value).toBeInstanceOf(ConfigError);
      const message = (thrown as Error).message;
      expect(message, value).toMatch(/^JOBGRAPH_PUBLIC_URL/);
      expect(message, value).toMatch(says);
      expect(message, value).not.toContain('s3cret-word');
    }
  });
});
