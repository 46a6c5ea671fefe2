/** Percentiles and summaries for the bench; pure. */

/** The p-th percentile (0–100) of `values` by nearest rank; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? NaN;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

export function summarize(values: readonly number[]): Summary {
  const mean = values.reduce((a, b) => a + b, 0) / (values.length || 1);
  return {
    n: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    mean,
  };
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** A duration in whole milliseconds, for the tables. */
export const ms = (v: number) => `${v.toFixed(0)} ms`;

/** A markdown table row: `name`, then the summary's p50, p95 and p99 in milliseconds. */
export const summaryRow = (name: string, s: Summary) => `| ${name} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} |`;
