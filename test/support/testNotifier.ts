import { Notifier, type NotifierOptions } from '../../src/notifications/notifier.ts';

/**
 * A Notifier as a unit test builds one on its store: every job of the default account, records
 * kept whole, no job read; `over` sets what a test is about.
 */
export function testNotifier(
  over: Partial<NotifierOptions> & Pick<NotifierOptions, 'store'>,
): Notifier {
  return new Notifier({
    accountOf: () => 'default',
    withoutSecrets: (r) => r,
    readJobs: () => Promise.resolve([]),
    ...over,
  });
}
