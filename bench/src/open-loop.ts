// An open-loop load driver, as wrk2 is: requests go out at a constant offered rate whatever the
// answers do, and each latency runs from the request's intended send time, so a slow answer
// cannot hide the requests that should have gone out meanwhile (no coordinated omission).
import { percentile } from './probes.js';

/** One run of {@link openLoop}. */
export interface OpenLoopOptions {
  /** Offered requests per second. */
  rate: number;
  durationMs: number;
  /** Sends one request; resolves true when it got the answer it should. */
  send: () => Promise<boolean>;
}

/** What an open-loop run measured. */
export interface OpenLoopResult {
  rate: number;
  sent: number;
  failed: number;
  /** Latencies from the intended send time, in ms. */
  p50: number;
  p99: number;
  max: number;
  /** The driver's own CPU use over the run, as a share of one core (1 = a saturated core). */
  generatorCpu: number;
}

/** Sends `rate` requests per second for `durationMs`, then waits for the last answers. */
export async function openLoop({
  rate,
  durationMs,
  send,
}: OpenLoopOptions): Promise<OpenLoopResult> {
  const total = Math.max(1, Math.round((rate * durationMs) / 1000));
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const answers: Promise<void>[] = [];
  let failed = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const fire = (intended: number) =>
    send().then(
      (ok) => {
        latencies.push(performance.now() - intended);
        if (!ok) failed++;
      },
      () => {
        latencies.push(performance.now() - intended);
        failed++;
      },
    );
  await new Promise<void>((resolve) => {
    let issued = 0;
    const tick = () => {
      // Everything whose time has come goes out now, late ones included: their latency counts
      // from when they should have gone.
      for (let due = started + issued * interval; issued < total && due <= performance.now();) {
        answers.push(fire(due));
        due = started + ++issued * interval;
      }
      if (issued < total)
        setTimeout(tick, Math.max(0, started + issued * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  await Promise.all(answers);
  const cpu = process.cpuUsage(cpuBefore);
  const elapsedMs = performance.now() - started;
  return {
    rate,
    sent: total,
    failed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
    generatorCpu: (cpu.user + cpu.system) / 1000 / elapsedMs,
  };
}

/** The highest offered rate whose run kept p99 under `p99Ms` with nothing failed (0 if none). */
export function highestGoodRate(results: readonly OpenLoopResult[], p99Ms = 50): number {
  return Math.max(0, ...results.filter((r) => r.failed === 0 && r.p99 < p99Ms).map((r) => r.rate));
}
