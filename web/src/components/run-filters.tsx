import { RUN_RESULTS, RUN_STATUSES, TRIGGER_SOURCES } from '../../../src/protocol/statuses.js';
import type { PlanView } from '../api.js';
import { setQuery } from '../router.js';
import { label } from './status.js';

export const FILTER_KEYS = ['plan', 'status', 'result', 'source', 'branch', 'build', 'from', 'to'] as const;

function Select({
  name,
  value,
  options,
  all,
}: {
  name: string;
  value: string;
  options: readonly { value: string; label: string }[];
  all: string;
}) {
  return (
    <label className="field">
      <span>{name}</span>
      <select value={value} onChange={(e) => setQuery({ [name]: e.target.value }, { replace: true })}>
        <option value="">{all}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A text or date filter, applied on Enter, on leaving the field, or at once for dates. */
function Text({ name, value, type = 'text' }: { name: string; value: string; type?: 'text' | 'date' }) {
  const apply = (v: string) => v !== value && setQuery({ [name]: v.trim() }, { replace: true });
  return (
    <label className="field">
      <span>{name}</span>
      <input
        key={value}
        type={type}
        defaultValue={value}
        onBlur={(e) => apply(e.target.value)}
        onChange={(e) => type === 'date' && apply(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && apply(e.currentTarget.value)}
      />
    </label>
  );
}

const opts = (values: readonly string[]) => values.map((v) => ({ value: v, label: label(v) }));

/** The runs list's filters; they live in the address, so a filtered list can be shared. */
export function RunFilters({ query, plans }: { query: URLSearchParams; plans: PlanView[] }) {
  const v = (k: string) => query.get(k) ?? '';
  const active = FILTER_KEYS.some((k) => v(k) !== '');
  return (
    <form className="filters" role="search" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
      <Select
        name="plan"
        value={v('plan')}
        all="All plans"
        options={plans.map((p) => ({ value: String(p.id), label: p.name }))}
      />
      <Select name="status" value={v('status')} all="Any status" options={opts(RUN_STATUSES)} />
      <Select name="result" value={v('result')} all="Any result" options={opts(RUN_RESULTS)} />
      <Select name="source" value={v('source')} all="Any trigger" options={opts(TRIGGER_SOURCES)} />
      <Text name="branch" value={v('branch')} />
      <Text name="build" value={v('build')} />
      <Text name="from" type="date" value={v('from')} />
      <Text name="to" type="date" value={v('to')} />
      <button
        type="button"
        className="link-button clear"
        disabled={!active}
        onClick={() => setQuery(Object.fromEntries(FILTER_KEYS.map((k) => [k, undefined])), { replace: true })}
      >
        Clear filters
      </button>
    </form>
  );
}
