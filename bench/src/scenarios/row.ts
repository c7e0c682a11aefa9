/** One line of the benchmark's table: a figure, its baseline measured in the same run, the ratio. */
export interface Row {
  scenario: string;
  what: string;
  measured: string;
  baseline: string;
  /** measured ÷ baseline where both are numbers, e.g. a rate; undefined where it means nothing. */
  ratio?: number | undefined;
  target: string;
  /** The raw numbers, kept in the results file for `--compare`. */
  data?: Record<string, number>;
}

/** A ratio of two rates, undefined when the baseline is zero. */
export function ratioOf(measured: number, baseline: number): number | undefined {
  return baseline > 0 ? measured / baseline : undefined;
}
