/**
 * The ten slowest test files of a run, so the suite's time stays where the README says it is.
 * Reads vitest's JSON report: `.ci/run` writes one and prints this table after the counts.
 *
 *   npx vitest run --reporter=default --reporter=json --outputFile=/tmp/run.json
 *   node scripts/slowest.ts /tmp/run.json [count]
 *
 * A file's time is its tests' time (first start to last end); importing and starting the file's
 * fork comes on top, spread over the workers. The run's wall time is what the README states.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface Report {
  startTime: number;
  testResults: {
    name: string;
    startTime: number;
    endTime: number;
    assertionResults: unknown[];
  }[];
}

export interface FileTime {
  file: string;
  seconds: number;
  tests: number;
}

/** Every file of `report` with its tests' time, slowest first. */
export function fileTimes(report: Report, root = process.cwd()): FileTime[] {
  return report.testResults
    .map((r) => ({
      file: relative(root, r.name),
      seconds: Math.max(0, r.endTime - r.startTime) / 1000,
      tests: r.assertionResults.length,
    }))
    .sort((a, b) => b.seconds - a.seconds);
}

/** The table printed for the `count` slowest files. */
export function slowestTable(times: readonly FileTime[], count = 10): string {
  const rows = times
    .slice(0, count)
    .map(
      (t) =>
        `${t.seconds.toFixed(1).padStart(7)} s  ${String(t.tests).padStart(3)} tests  ${t.file}`,
    );
  const total = times.reduce((sum, t) => sum + t.seconds, 0);
  return [
    `The ${rows.length} slowest of ${times.length} test files (tests’ time, ${total.toFixed(0)} s in all files):`,
    ...rows,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [path, count] = process.argv.slice(2);
  if (!path) {
    console.error('usage: node scripts/slowest.ts <vitest-json-report> [count]');
    process.exit(2);
  }
  const report = JSON.parse(readFileSync(path, 'utf8')) as Report;
  console.log(slowestTable(fileTimes(report), count ? Number(count) : 10));
}
