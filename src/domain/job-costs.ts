/** How many of a plan's last finished runs its estimates learn from: durations' medians and job costs. */
export const ESTIMATE_HISTORY_RUNS = 5;

/** One ended job as cost learning sees it: the files it held, its wall time, its tests' own time. */
export interface JobSample {
  files: number;
  /** Wall time of the attempt, as its agent measured it. */
  wallMs: number;
  /** Sum of the durations its tests reported. */
  workMs: number;
}

/** What a plan's jobs in one environment cost beyond their tests' reported durations. */
export interface JobCosts {
  /** What a job costs however many files it holds: the framework's start, collection, a browser launch. */
  fixedMs: number;
  /** What each test file adds beyond its tests' durations: a process per file, per-file setup and hooks. */
  perFileMs: number;
  /** How many jobs it was learnt from. */
  jobs: number;
}

/**
 * Learns a job's fixed cost and its cost per file from ended jobs: each job's wall time minus its
 * tests' durations is `fixed + perFile × files`, fitted by least squares with neither part below
 * zero. When every job held the same number of files the two cannot be told apart; the fixed part
 * then takes at most `priorFixedMs` (the configured start-up of a process or a warm worker's
 * dispatch) and the files the rest, so a cost paid per file is never mistaken for one paid per job.
 * Undefined without samples.
 *
 * @example fitJobCosts([{ files: 1, wallMs: 900, workMs: 400 }, { files: 3, wallMs: 1900, workMs: 800 }], 500)
 *   // → { fixedMs: 250, perFileMs: 250, jobs: 2 }
 */
export function fitJobCosts(samples: readonly JobSample[], priorFixedMs: number): JobCosts | undefined {
  const points = samples
    .filter((s) => s.files > 0 && Number.isFinite(s.wallMs) && Number.isFinite(s.workMs))
    .map((s) => ({ x: s.files, y: Math.max(0, s.wallMs - s.workMs) }));
  const n = points.length;
  if (n === 0) return undefined;
  const meanX = points.reduce((a, p) => a + p.x, 0) / n;
  const meanY = points.reduce((a, p) => a + p.y, 0) / n;
  const varX = points.reduce((a, p) => a + (p.x - meanX) ** 2, 0);
  if (varX === 0) {
    const fixedMs = Math.min(meanY, Math.max(0, priorFixedMs));
    return { fixedMs: Math.round(fixedMs), perFileMs: Math.round((meanY - fixedMs) / meanX), jobs: n };
  }
  const slope = points.reduce((a, p) => a + (p.x - meanX) * (p.y - meanY), 0) / varX;
  const intercept = meanY - slope * meanX;
  if (slope < 0) return { fixedMs: Math.round(meanY), perFileMs: 0, jobs: n };
  if (intercept < 0) {
    const throughZero = points.reduce((a, p) => a + p.x * p.y, 0) / points.reduce((a, p) => a + p.x * p.x, 0);
    return { fixedMs: 0, perFileMs: Math.round(throughZero), jobs: n };
  }
  return { fixedMs: Math.round(intercept), perFileMs: Math.round(slope), jobs: n };
}
