import { describe, expect, it } from 'vitest';
import { mapState, stateTable, tableStatus } from '../../src/model/job.ts';
import { BATCH_STATE_MAP } from '../../src/datasources/batch/record.ts';

describe("a provider's state table", () => {
  const table = stateTable({ PENDING: 'QUEUED', DONE: 'SUCCEEDED' });

  it('is frozen: no caller can change what a status means', () => {
    expect(Object.isFrozen(table)).toBe(true);
    expect(Object.isFrozen(BATCH_STATE_MAP)).toBe(true);
  });

  it('names its statuses: one it names is kept, any other is null', () => {
    expect(tableStatus(table, 'DONE')).toBe('DONE');
    expect(tableStatus(table, 'done')).toBeNull();
    expect(tableStatus(table, 'toString')).toBeNull();
    expect(tableStatus(table, '__proto__')).toBeNull();
    expect(tableStatus(table, null)).toBeNull();
    expect(tableStatus(BATCH_STATE_MAP, 'RUNNABLE')).toBe('RUNNABLE');
  });

  it('maps a status it names to its state, and anything else to UNKNOWN', () => {
    expect(mapState(table, 'PENDING')).toBe('QUEUED');
    expect(mapState(table, 'toString')).toBe('UNKNOWN');
  });
});
