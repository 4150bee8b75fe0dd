import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { HttpResponse, type HttpHandler, type HttpRequest } from '@smithy/protocol-http';

/** A golden wire response: `{ status, headers, body }` exactly as the service sends it. */
export interface WireFixture {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const FIXTURES = fileURLToPath(new URL('../../fixtures/omics/', import.meta.url));

export function loadFixture(name: string): WireFixture {
  return JSON.parse(readFileSync(`${FIXTURES}${name}.json`, 'utf8')) as WireFixture;
}

/**
 * An SDK request handler that answers every request with `fixture` (header names lower-cased,
 * as Node's HTTP client delivers them) and records the signed requests, so the real SDK
 * serialiser, signer and deserialiser run without a network.
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
    httpHandlerConfigs() {
      return {};
    },
  };
}
