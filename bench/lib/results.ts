import { median, round } from './stats.ts';

/** A goal on a figure's value or on its ratio to the baseline. */
export interface Goal {
  on: 'value' | 'ratio';
  op: '<=' | '>=' | '==';
  target: number;
}

/** One reported figure: median of its runs, optionally against a baseline measured in the same run. */
export interface Figure {
  id: string;
  section: string;
  label: string;
  unit: string;
  value: number;
  runs: number[];
  /** Decimals shown for value and runs. */
  digits: number;
  baseline?: { label: string; value: number; unit: string };
  ratio?: number;
  goal?: Goal;
  /** PASS/MISS when there is a goal. */
  pass?: boolean;
  note?: string;
}

export function goalText(goal: Goal, unit: string, digits = 0): string {
  const op = goal.op === '<=' ? '≤' : goal.op === '>=' ? '≥' : '=';
  return goal.on === 'ratio' ? `${op} ${goal.target}×` : `${op} ${goal.target.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

function meets(goal: Goal, x: number): boolean {
  const eps = 1e-9;
  switch (goal.op) {
    case '<=':
      return x <= goal.target + eps;
    case '>=':
      return x >= goal.target - eps;
    case '==':
      return Math.abs(x - goal.target) < 0.005;
  }
}

/** Build a figure from its runs: value = median; ratio = value ÷ baseline when there is one. */
export function figure(spec: Omit<Figure, 'value' | 'ratio' | 'pass' | 'digits'> & { digits?: number }): Figure {
  const { digits = 2, ...rest } = spec;
  const value = round(median(spec.runs), digits);
  const ratio = spec.baseline && spec.baseline.value > 0 ? round(value / spec.baseline.value, 3) : undefined;
  const out: Figure = { ...rest, digits, runs: spec.runs.map((r) => round(r, digits)), value, ...(ratio !== undefined ? { ratio } : {}) };
  if (spec.goal) {
    const measured = spec.goal.on === 'ratio' ? ratio : value;
    out.pass = measured !== undefined && Number.isFinite(measured) && meets(spec.goal, measured);
  }
  return out;
}
