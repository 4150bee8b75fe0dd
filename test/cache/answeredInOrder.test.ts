import { describe, expect, it } from 'vitest';
import { answeredInOrder } from '../../src/cache/redisCall.ts';
import { realPart } from '../support/realParts.ts';
import { useRedis } from '../support/useRedis.ts';

// The op timeout's bounds over a real redis-server, which answers one connection's calls in order:
// A script that keeps Redis busy for a while holds it as a slow batch would (the test server
// refuses DEBUG SLEEP).
const OP_TIMEOUT_MS = 100;
const BUSY_SCRIPT = `
local function now() local t = redis.call('TIME') return t[1] * 1000000 + t[2] end
local start = now()
repeat until now() - start >= tonumber(ARGV[1]) * 1000
return 'OK'`;

describe.skipIf(realPart('redis-server').skip)(
  'Redis calls bounded in the order they are answered',
  () => {
    const redis = useRedis();
    /** Redis busy for `ms`, answered OK. */
    const busy = (ms: number) => redis.client.eval(BUSY_SCRIPT, { arguments: [String(ms)] });

    it('bounds a call from the moment the calls sent before it were answered, a batch by its weight', async () => {
      const bounded = answeredInOrder(OP_TIMEOUT_MS);
      const { client } = redis;
      // A call that counts as five ops takes 2.5 op timeouts; the 1-key calls sent behind it wait
      // for it, each within its own op timeout once it is answered.
      const slow = bounded(busy(250), 5);
      const behind = Array.from({ length: 3 }, (_, i) => bounded(client.set(`in-order:${i}`, 'x')));
      expect(await slow).toBe('OK');
      expect(await Promise.all(behind)).toEqual(['OK', 'OK', 'OK']);
    });

    it('still gives up on the oldest call once its own bound has run out, and on the calls behind it', async () => {
      const bounded = answeredInOrder(OP_TIMEOUT_MS);
      const { client } = redis;
      const stuck = bounded(busy(400));
      const behind = bounded(client.ping(), 1);
      await expect(stuck).rejects.toThrow(`Redis did not answer within ${OP_TIMEOUT_MS} ms`);
      await expect(behind).rejects.toThrow(`Redis did not answer within ${OP_TIMEOUT_MS} ms`);
      // Redis answers again once it is no longer busy.
      expect(await client.ping()).toBe('PONG');
    });
  },
);
