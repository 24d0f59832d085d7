import { count } from '../format.js';
import { ALL_RESULTS, label } from './status.js';

export type ToolsProps = {
  text: string;
  setText(t: string): void;
  status: string;
  setStatus(s: string): void;
  shown: number;
  total: number;
};

/** Finding scenarios in the matrix and filtering it by result, with how many rows are shown. */
export function MatrixTools({ text, setText, status, setStatus, shown, total }: ToolsProps) {
  return (
    <div className="matrix-tools">
      <label className="field grow">
        <span>Find scenario</span>
        <input
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="file, suite or title"
        />
      </label>
      <label className="field">
        <span>Show</span>
        <select value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">all results</option>
          <option value="problems">failures and flaky</option>
          {ALL_RESULTS.map((s) => (
            <option key={s} value={s}>
              {label(s)}
            </option>
          ))}
        </select>
      </label>
      <span className="matrix-count" aria-live="polite">
        {shown} of {count(total, 'scenario')}
      </span>
    </div>
  );
}
