import { memo, useDeferredValue, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ResultView } from '../api.js';
import { shortDuration } from '../format.js';
import { Breakable } from './breakable.js';
import { MatrixTools } from './matrix-tools.js';
import { ScrollArea } from './scroll-area.js';
import { MARK_DATA, MARK_PAINTED, MARK_READY } from '../live-run.js';
import { GLYPH, label } from './status.js';

interface Row {
  key: string;
  scenario: ResultView['scenario'];
  cells: (ResultView | undefined)[];
}

/** Rows in the order scenarios first appeared (result ids), so live updates never reorder them. */
function buildRows(results: Map<number, ResultView>, envs: string[]): Row[] {
  const rows = new Map<string, Row>();
  const col = new Map(envs.map((e, i) => [e, i]));
  for (const r of results.values()) {
    let row = rows.get(r.scenario.key);
    if (!row)
      rows.set(
        r.scenario.key,
        (row = { key: r.scenario.key, scenario: r.scenario, cells: new Array<ResultView | undefined>(envs.length) }),
      );
    const i = col.get(r.environment);
    if (i !== undefined) row.cells[i] = r;
  }
  return [...rows.values()];
}

const PROBLEMS = new Set(['failed', 'aborted', 'flaky', 'stopped']);

function keep(row: Row, text: string, status: string): boolean {
  if (text && !row.key.toLowerCase().includes(text)) return false;
  if (status === 'problems') return row.cells.some((c) => c && PROBLEMS.has(c.status));
  return status === '' || row.cells.some((c) => c?.status === status);
}

export interface MatrixProps {
  results: Map<number, ResultView>;
  environments: string[];
  /** Bumped with every snapshot: the matrix marks itself ready after rendering one. */
  snapshot: number;
  openId: number | null;
  picked: Set<number> | null;
  onCell(r: ResultView): void;
  /** Shown instead of the matrix while it has no row: what Proctor knows about the run. */
  empty: ReactNode;
  /** Rows may still come (the run is active): the tools stay in place, so the first rows move nothing. */
  waiting: boolean;
}

/** The scenario × environment matrix of a run. Cells have a fixed size: live updates change colours, not layout. */
export function Matrix({ results, environments, snapshot, openId, picked, onCell, empty, waiting }: MatrixProps) {
  const [text, setText] = useState('');
  const [status, setStatus] = useState('');
  const query = useDeferredValue(text.trim().toLowerCase());
  const rows = useMemo(() => buildRows(results, environments), [results, environments]);
  const shown = useMemo(() => rows.filter((r) => keep(r, query, status)), [rows, query, status]);
  const ref = useReadyMark(snapshot);
  return (
    <section className="matrix-section" aria-label="Results matrix">
      {(rows.length > 0 || waiting) && (
        <MatrixTools
          text={text}
          setText={setText}
          status={status}
          setStatus={setStatus}
          shown={shown.length}
          total={rows.length}
        />
      )}
      <div className="matrix-wrap" ref={ref}>
        {rows.length === 0 ? (
          empty
        ) : (
          <ScrollArea label="Results matrix">
            <table className="matrix">
              <thead>
                <tr>
                  <th scope="col">Scenario</th>
                  {environments.map((e) => (
                    <th key={e} scope="col" className="env">
                      <span className="env-name">
                        <Breakable text={e} />
                      </span>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => (
                  <MatrixRow
                    key={r.key}
                    row={r}
                    openId={openIdIn(r, openId)}
                    picked={pickedIn(r, picked)}
                    onCell={onCell}
                  />
                ))}
              </tbody>
            </table>
          </ScrollArea>
        )}
      </div>
    </section>
  );
}

const openIdIn = (r: Row, id: number | null) => (id !== null && r.cells.some((c) => c?.id === id) ? id : null);
const pickedIn = (r: Row, picked: Set<number> | null) =>
  picked ? r.cells.map((c) => (c && picked.has(c.id) ? '1' : '0')).join('') : '';

/** After the commit that rendered a snapshot: `data-ready` on the matrix and a performance mark. */
function useReadyMark(snapshot: number) {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    if (snapshot === 0 || !ref.current) return;
    ref.current.dataset.ready = String(snapshot);
    performance.mark(MARK_READY);
    if (performance.getEntriesByName(MARK_DATA).length)
      performance.measure('proctor:run-render', MARK_DATA, MARK_READY);
    // The frame after this commit has been painted once a task queued from its animation frame runs.
    requestAnimationFrame(() => setTimeout(() => performance.mark(MARK_PAINTED), 0));
  }, [snapshot]);
  return ref;
}

type RowProps = { row: Row; openId: number | null; picked: string; onCell(r: ResultView): void };

const same = (a: RowProps, b: RowProps) =>
  a.openId === b.openId &&
  a.picked === b.picked &&
  a.onCell === b.onCell &&
  a.row.cells.length === b.row.cells.length &&
  a.row.cells.every((c, i) => c === b.row.cells[i]);

const MatrixRow = memo(function MatrixRow({ row, openId, picked, onCell }: RowProps) {
  const { scenario } = row;
  const title = scenario.path.length ? scenario.path.join(' › ') : scenario.file;
  return (
    <tr>
      <th scope="row" className="scenario" title={scenario.key}>
        <span className="scenario-title">
          <Breakable text={title} />
        </span>
        {scenario.path.length > 0 && (
          <span className="scenario-file">
            <Breakable text={scenario.file} />
          </span>
        )}
      </th>
      {row.cells.map((c, i) => (
        <td key={i}>
          {c ? (
            <Cell r={c} open={c.id === openId} picked={picked[i] === '1'} onCell={onCell} />
          ) : (
            <span className="cell cell-none">·</span>
          )}
        </td>
      ))}
    </tr>
  );
}, same);

function Cell({
  r,
  open,
  picked,
  onCell,
}: {
  r: ResultView;
  open: boolean;
  picked: boolean;
  onCell(r: ResultView): void;
}) {
  return (
    <button
      type="button"
      className={`cell s-${r.status}${open ? ' open' : ''}${picked ? ' picked' : ''}`}
      data-result={r.id}
      data-status={r.status}
      aria-label={`${r.scenario.key} on ${r.environment}: ${label(r.status)}`}
      aria-pressed={picked || undefined}
      onClick={() => onCell(r)}
    >
      <span className="glyph" aria-hidden="true">
        {GLYPH[r.status]}
      </span>
      <span className="cell-dur">{r.duration_ms !== null ? shortDuration(r.duration_ms) : ''}</span>
    </button>
  );
}
