import { afterEach, describe, expect, it } from 'vitest';
import {
  EventCoverage,
  SILENCE_FLOOR_MS,
  SILENT_GAPS,
} from '../../src/datasources/events/coverage.ts';
import {
  loadCoverageEvidence,
  saveCoverageEvidence,
  type CoverageEvidence,
} from '../../src/history/coverageEvidence.ts';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { historyStores } from '../support/historyStores.ts';

// The coverage evidence a restart keeps (docs/events.md, "Coverage"): what is written, what is
// believed again at start, and the silence that lapses it, on an injected clock.

const BATCH = ['AWS_BATCH', 'default', 'us-east-1'] as const;
const GAP = 30_000;

let clock = 1_000_000_000;
const made: EventCoverage[] = [];
const coverage = () => {
  const c = new EventCoverage(
    1000,
    () => undefined,
    () => clock,
  );
  made.push(c);
  return c;
};
afterEach(() => made.splice(0).forEach((c) => c.close()));

/** The evidence of a place whose events came every GAP ms, the last at `at`. */
const kept = (at: number, patch: Partial<CoverageEvidence> = {}): CoverageEvidence => ({
  provider: 'AWS_BATCH',
  account: 'default',
  region: 'us-east-1',
  live: true,
  reason: null,
  lastEventAt: at,
  usualGapMs: GAP,
  ...patch,
});

describe('Coverage evidence', () => {
  it('learns the usual gap from the applied events and gives each changed place once', () => {
    const c = coverage();
    for (let i = 0; i < 4; i++) {
      c.applied(...BATCH, 'q');
      clock += i === 2 ? GAP : GAP / 3;
    }
    expect(c.evidence()).toEqual([kept(clock - GAP / 3)]);
    expect(c.evidence()).toEqual([]);
  });

  it('believes a live place again within its silence bound, and lets it lapse (SILENT) past it', () => {
    const c = coverage();
    c.restore([kept(clock - GAP)]);
    expect(c.live(...BATCH)).toBe(true);
    clock += SILENT_GAPS * GAP - GAP;
    c.silenced();
    expect(c.live(...BATCH)).toBe(true);
    clock += 1;
    c.silenced();
    expect(c.reason(...BATCH)).toBe('SILENT');
    expect(c.evidence()).toMatchObject([{ live: false, reason: 'SILENT' }]);
  });

  it('does not believe a place silent for longer than its bound, nor one that was off, nor a time to come', () => {
    for (const evidence of [
      kept(clock - SILENCE_FLOOR_MS - SILENT_GAPS * GAP - 1),
      kept(clock - 1000, { live: false, reason: 'MISSED' }),
      kept(clock + 1000),
      kept(clock - 1000, { reason: 'NOT_A_REASON' }),
    ]) {
      const c = coverage();
      c.restore([evidence]);
      expect(c.live(...BATCH)).toBe(false);
    }
  });

  it('keeps a place believed again live once its own event comes, whatever the silence after', () => {
    const c = coverage();
    c.restore([kept(clock - 1000, { usualGapMs: 0 })]);
    c.applied(...BATCH, 'q');
    clock += SILENCE_FLOOR_MS * 10;
    c.silenced();
    expect(c.live(...BATCH)).toBe(true);
  });
});

describe("The replicas' shared coverage evidence", () => {
  it('is live by a peer’s event, off when a peer says so since, and back only by a later event', () => {
    const c = coverage();
    c.shared([kept(clock - 1000)]);
    expect(c.live(...BATCH)).toBe(true);
    c.shared([kept(clock - 1000, { live: false, reason: 'MISSED' })]);
    expect(c.reason(...BATCH)).toBe('MISSED');
    c.shared([kept(clock - 1000)]);
    expect(c.live(...BATCH)).toBe(false);
    clock += 1;
    c.shared([kept(clock)]);
    expect(c.live(...BATCH)).toBe(true);
    // Held to its silence bound, as kept evidence is.
    clock += SILENT_GAPS * GAP + 1;
    c.silenced();
    expect(c.reason(...BATCH)).toBe('SILENT');
  });

  it('leaves a place live by its own events, or gone off here after the peer’s last event, as it is', () => {
    const own = coverage();
    own.applied(...BATCH, 'q');
    own.shared([kept(clock, { live: false, reason: 'MISSED' })]);
    expect(own.live(...BATCH)).toBe(true);
    const off = coverage();
    off.applied(...BATCH, 'q');
    off.rejected(...BATCH);
    off.rejected(...BATCH);
    off.rejected(...BATCH);
    off.shared([kept(clock)]);
    expect(off.reason(...BATCH)).toBe('REJECTED');
  });
});

for (const { name, skip, fresh } of historyStores()) {
  describe.skipIf(skip)(`Coverage evidence on a ${name}`, () => {
    it('is written, replaced by place, and read back as written', async () => {
      const db = (await openHistoryDatabase(await fresh()))!;
      try {
        const at = Date.parse('2026-11-27T12:00:00.000Z');
        await saveCoverageEvidence(db.db, [
          kept(at),
          kept(at, { provider: 'AWS_OMICS', live: false, reason: 'NO_EVENT', lastEventAt: null }),
        ]);
        await saveCoverageEvidence(db.db, [kept(at + 5000, { live: false, reason: 'MISSED' })]);
        const rows = await loadCoverageEvidence(db.db);
        expect(rows.sort((a, b) => a.provider.localeCompare(b.provider))).toEqual([
          kept(at + 5000, { live: false, reason: 'MISSED' }),
          kept(at, { provider: 'AWS_OMICS', live: false, reason: 'NO_EVENT', lastEventAt: null }),
        ]);
      } finally {
        await db.close();
      }
    });
  });
}
