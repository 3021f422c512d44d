// Scheduled upkeep: maintain() on an unref'd timer (as `mnemo serve` and `mnemo mcp` run it), never two runs
// at once, the outcome of the last run kept for status() since nobody awaits a timer.
import type { Clock } from '../../core/clock.js';
import { toMnemoError } from '../../core/errors.js';
import type { MaintainReport } from './maintain-report.js';

/** The outcome of one scheduled run: counts from its report, or the error it met. */
export interface MaintenanceRun {
  /** ISO-8601 UTC. */
  at: string;
  merged: number;
  superseded: number;
  archived: number;
  purged: number;
  insights: number;
  complete: boolean;
  error?: { code: string; message: string };
}

/** What status() says about scheduled upkeep. */
export interface MaintenanceScheduleStatus {
  /** The timer's interval, when one runs. */
  intervalMs?: number;
  lastRun?: MaintenanceRun;
}

export interface MaintenanceSchedule {
  start(intervalMs: number): void;
  /** Stops the timer and waits for a run in flight. */
  stop(): Promise<void>;
  status(): MaintenanceScheduleStatus;
}

/**
 * A timer that calls `run` every `intervalMs` (skipping a tick while a run is still going).
 *
 * @example
 * const schedule = createMaintenanceSchedule({ run: () => memory.maintain(), clock: systemClock });
 * schedule.start(3_600_000);
 */
export function createMaintenanceSchedule(options: {
  run: () => Promise<MaintainReport>;
  clock: Clock;
  /** Told the outcome of every run (a server logs it); what it throws is kept as the run's error. */
  onRun?: ((run: MaintenanceRun) => void) | undefined;
}): MaintenanceSchedule {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let intervalMs: number | undefined;
  let lastRun: MaintenanceRun | undefined;
  const finish = (run: MaintenanceRun) => {
    lastRun = run;
    try {
      options.onRun?.(run);
    } catch (error) {
      lastRun = {
        ...run,
        error: { code: 'INTERNAL', message: `onRun failed: ${toMnemoError(error).message}` },
      };
    }
  };
  const tick = () => {
    if (running !== undefined) return;
    running = options
      .run()
      .then((report) => {
        finish({
          at: report.finishedAt,
          merged: report.merged.length,
          superseded: report.superseded.length,
          archived: report.archived.length,
          purged: report.purged,
          insights: report.insights.written.length,
          complete: report.complete,
        });
      })
      .catch((error: unknown) => {
        const failure = toMnemoError(error);
        finish({
          at: new Date(options.clock.now()).toISOString(),
          merged: 0,
          superseded: 0,
          archived: 0,
          purged: 0,
          insights: 0,
          complete: false,
          error: { code: failure.code, message: failure.message },
        });
      })
      .finally(() => {
        running = undefined;
      });
  };
  return {
    start(every) {
      if (timer !== undefined) return;
      intervalMs = every;
      timer = setInterval(tick, every);
      timer.unref();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await running;
    },
    status() {
      return {
        ...(intervalMs === undefined ? {} : { intervalMs }),
        ...(lastRun === undefined ? {} : { lastRun }),
      };
    },
  };
}
