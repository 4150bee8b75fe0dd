// The rig's readers of a child process and of a gateway's /metrics (bench/rig/), which the
// benchmarks share instead of each reading stdout and Prometheus text its own way.
import { spawn } from 'node:child_process';
import { Counter, Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { outputUntil } from '../../bench/rig/childServer.ts';
import { metricSeries, metricValue } from '../../bench/rig/gateway.ts';

/** `node -e script`, its stdout piped. */
const node = (script: string) =>
  spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });

describe('outputUntil', () => {
  it('resolves with the output up to the match', async () => {
    const child = node(`console.log('starting'); setTimeout(() => console.log('ready'), 50)`);
    expect(await outputUntil(child, /^ready$/m, 'the child')).toBe('starting\nready\n');
  });

  it('reads on past the match, so a child that writes more than a pipe holds still exits', async () => {
    const child = node(`console.log('ready'); process.stdout.write('x'.repeat(4 * 1024 * 1024))`);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await outputUntil(child, /^ready$/m, 'the child');
    expect(await exited).toBe(0);
  });

  it('rejects, naming the child, when it exits before the match', async () => {
    const child = node(`console.log('something else'); process.exit(3)`);
    await expect(outputUntil(child, /^ready$/m, 'writerHost')).rejects.toThrow(
      'writerHost exited (code 3)',
    );
  });
});

describe('metricSeries', () => {
  it("gives every labelled sample of one metric, and no other metric's", async () => {
    const registry = new Registry();
    const writes = new Counter({
      name: 'jobgraph_history_writes_total',
      help: 'changes by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    });
    const longer = new Counter({
      name: 'jobgraph_history_writes_total_other',
      help: 'a name the first one is a prefix of',
      labelNames: ['outcome'],
      registers: [registry],
    });
    const lag = new Gauge({
      name: 'jobgraph_history_lag_seconds',
      help: 'lag',
      registers: [registry],
    });
    writes.inc({ outcome: 'written' }, 3);
    writes.inc({ outcome: 'dropped' });
    longer.inc({ outcome: 'written' }, 9);
    lag.set(1.5);
    const text = await registry.metrics();
    expect(metricSeries(text, 'jobgraph_history_writes_total')).toEqual([
      ['outcome="written"', 3],
      ['outcome="dropped"', 1],
    ]);
    expect(metricValue(text, 'jobgraph_history_lag_seconds')).toBe(1.5);
  });
});
