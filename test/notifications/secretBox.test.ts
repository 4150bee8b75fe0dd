// What a rule stores that is a credential (src/notifications/secretBox.ts): sealed, bound to its
// rule and field, shown masked, and scrubbed from every log line once sealed or opened.
import { describe, expect, it } from 'vitest';
import { scrubSecrets } from '../../src/auth/secretValues.ts';
import { createSecretBox, maskedUrl, newSigningSecret } from '../../src/notifications/secretBox.ts';

const box = createSecretBox('a notification sealing key of 32+ characters');

describe('The notification secret box', () => {
  it('opens a value only for the rule and field it was sealed for, and only under its key', () => {
    const url = 'https://hooks.slack.com/services/T000/B000/abcdefghijklmnop';
    const sealed = box.seal('nr_1', 'target', url);
    expect(sealed).not.toContain('hooks.slack.com');
    expect(box.open('nr_1', 'target', sealed)).toBe(url);
    expect(() => box.open('nr_2', 'target', sealed)).toThrow();
    expect(() => box.open('nr_1', 'secret', sealed)).toThrow();
    expect(() =>
      createSecretBox('another key of more than 32 characters').open('nr_1', 'target', sealed),
    ).toThrow();
  });

  it('masks a URL to its scheme and host', () => {
    expect(maskedUrl('https://hooks.slack.com/services/T000/B000/xyz?x=1')).toBe(
      'https://hooks.slack.com/…',
    );
  });

  it('scrubs a sealed target or secret from log text from then on', () => {
    const url = 'https://outlook.example.com/workflows/abcdef0123456789/triggers/manual';
    const secret = newSigningSecret();
    box.seal('nr_3', 'target', url);
    box.seal('nr_3', 'secret', secret);
    const line = scrubSecrets(`posting to ${url} with ${secret}`);
    expect(line).not.toContain(url);
    expect(line).not.toContain(secret);
  });
});
