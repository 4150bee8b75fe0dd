import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { HttpResponse, type HttpHandler, type HttpRequest } from '@smithy/protocol-http';

export interface WireFixture {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function loadFixture(name: string): WireFixture {
  return JSON.parse(readFileSync(new URL(`../../fixtures/codepipeline/${name}`, import.meta.url), 'utf8')) as WireFixture;
}

/**
 * An SDK request handler that answers every request with one golden fixture, as Node's HTTP
 * stack would hand it to the SDK (lower-cased header names, a streamed body), and records the
 * requests so tests can check what the SDK sent.
 */
export function fixtureHandler(fixture: WireFixture): HttpHandler & { requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  return {
    requests,
    async handle(request: HttpRequest) {
      requests.push(request);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(fixture.headers)) headers[k.toLowerCase()] = v;
      return {
        response: new HttpResponse({ statusCode: fixture.status, headers, body: Readable.from([Buffer.from(fixture.body, 'utf8')]) }),
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  } as HttpHandler & { requests: HttpRequest[] };
}
