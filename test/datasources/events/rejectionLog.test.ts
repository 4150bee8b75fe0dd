import { describe, expect, it } from 'vitest';
import { RejectionLog } from '../../../src/datasources/events/rejectionLog.ts';

describe('The rejected messages log', () => {
  it('counts every rejection, writes one line per queue and reason a minute, and the next says how many it left unsaid', () => {
    const lines: Record<string, unknown>[] = [];
    let now = 0;
    let counted = 0;
    const log = new RejectionLog(
      (fields) => lines.push(fields as Record<string, unknown>),
      () => (counted += 1),
      () => now,
    );
    for (let i = 0; i < 1000; i++) log.rejected('default:us-east-1:q', 'not JSON', `m${i}`);
    log.rejected('default:us-east-1:q', 'oversized', 'o1');
    log.rejected('staging:us-east-1:q', 'not JSON', 's1');
    expect(lines).toEqual([
      { queue: 'default:us-east-1:q', reason: 'not JSON', messageId: 'm0', unsaid: 0 },
      { queue: 'default:us-east-1:q', reason: 'oversized', messageId: 'o1', unsaid: 0 },
      { queue: 'staging:us-east-1:q', reason: 'not JSON', messageId: 's1', unsaid: 0 },
    ]);
    now = 60_000;
    log.rejected('default:us-east-1:q', 'not JSON', 'later');
    expect(lines[3]).toEqual({
      queue: 'default:us-east-1:q',
      reason: 'not JSON',
      messageId: 'later',
      unsaid: 999,
    });
    expect(counted).toBe(1003);
  });
});
