/** What one fault did to the platform, as the table shows it. */
export interface FaultRow {
  fault: string;
  /** Failed requests of the load while the fault lasted, and all requests then. */
  failed: number;
  requests: number;
  /** The failed requests by kind and outcome (`post 503 database_unavailable ×3`). */
  failures: string;
  /** From the dependency's return to the last failed request (0: none failed after it). */
  recoveryMs: number;
  lost: number;
  duplicated: number;
  /** Acknowledged messages a Socket.IO client had not heard of once the fault was over (worst client). */
  clientMissed: number;
  disconnects: number;
  /** What went wrong: unexpected deaths, guard lines, failures where none may happen. */
  problems: string[];
}

const HEADER = [
  'fault',
  'failed/requests',
  'recovery',
  'lost',
  'dup',
  'client missed',
  'disconnects',
  'ok',
];

/** The fault table, aligned, one row per fault. Pure. */
export function renderTable(rows: readonly FaultRow[]): string {
  const cells = rows.map((row) => [
    row.fault,
    `${row.failed}/${row.requests}`,
    `${(row.recoveryMs / 1000).toFixed(2)} s`,
    String(row.lost),
    String(row.duplicated),
    String(row.clientMissed),
    String(row.disconnects),
    row.problems.length === 0 ? 'yes' : 'NO',
  ]);
  const widths = HEADER.map((title, column) =>
    Math.max(title.length, ...cells.map((line) => line[column]?.length ?? 0)),
  );
  const line = (values: readonly string[]) =>
    `| ${values.map((value, column) => value.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  return [line(HEADER), rule, ...cells.map(line)].join('\n');
}

/** One fault's line in the progress log: failures by kind, recovery, problems. Pure. */
export function describeRow(row: FaultRow): string {
  const failures = row.failed > 0 ? ` (${row.failures})` : '';
  const problems = row.problems.length > 0 ? `; ${row.problems.join('; ')}` : '';
  return `${row.fault}: ${row.failed}/${row.requests} failed${failures}, recovered in ${row.recoveryMs} ms${problems}`;
}
