import { chromium, type Browser } from 'playwright-core';
import { requirePart } from './realParts.ts';

/** Debian's Chromium (installed by .ci/run with apt), as the machine's own browser: Playwright's download cannot be fetched here. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Chromium that reaches nothing beyond the given loopback addresses: it would otherwise look up
 * Google's hosts (component updates, sign-in); every name resolves to nothing here (pages are
 * addressed by IP), and the background services that call out are off.
 */
export function launchChromium(addresses: readonly string[] = ['127.0.0.1']): Promise<Browser> {
  requirePart('chromium');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-domain-reliability',
      '--disable-client-side-phishing-detection',
      `--host-resolver-rules=MAP * ~NOTFOUND, ${addresses.map((a) => `EXCLUDE ${a}`).join(', ')}`,
    ],
  });
}
