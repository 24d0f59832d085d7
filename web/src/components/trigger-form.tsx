import { useState, type FormEvent } from 'react';
import type { PlanView, TriggerRunBody } from '../api.js';
import { navigate } from '../router.js';
import { useSession } from '../session.js';

const lines = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** `KEY=VALUE` lines into parameters; the line of a malformed one is named. */
function parameters(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, l] of lines(text).entries()) {
    const eq = l.indexOf('=');
    if (eq <= 0) throw new Error(`parameters, line ${i + 1}: expected KEY=VALUE`);
    out[l.slice(0, eq).trim()] = l.slice(eq + 1);
  }
  return out;
}

function body(form: HTMLFormElement, envs: string[]): TriggerRunBody {
  const f = new FormData(form);
  const text = (k: string) => String(f.get(k) ?? '').trim();
  const b: TriggerRunBody = {};
  const chosen = envs.filter((e) => f.getAll('environment').includes(e));
  if (chosen.length > 0 && chosen.length < envs.length) b.environments = chosen;
  if (lines(text('scenarios')).length) b.scenarios = lines(text('scenarios'));
  for (const k of ['build', 'branch', 'ref'] as const) if (text(k)) b[k] = text(k);
  const params = parameters(text('parameters'));
  if (Object.keys(params).length) b.parameters = params;
  if (text('priority')) b.priority = Number(text('priority'));
  if (text('profile')) b.profile = text('profile');
  return b;
}

/** Triggers a run of the plan with the options a trigger takes, then opens the run. */
export function TriggerForm({ plan }: { plan: PlanView }) {
  const { api } = useSession();
  const envs = plan.definition.environments ?? [];
  const profiles = Object.keys((plan.definition.profiles as Record<string, unknown> | undefined) ?? {});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const run = await api.trigger(plan.id, body(e.currentTarget, envs));
      navigate(`/runs/${run.id}`);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <form className="card trigger" onSubmit={submit} aria-label={`Trigger ${plan.name}`}>
      <h2>Trigger a run</h2>
      <fieldset className="envs">
        <legend>Environments</legend>
        {envs.map((e) => (
          <label key={e} className="check">
            <input type="checkbox" name="environment" value={e} defaultChecked /> {e}
          </label>
        ))}
      </fieldset>
      <div className="form-grid">
        <label className="field">
          <span>Build</span>
          <input name="build" maxLength={200} />
        </label>
        <label className="field">
          <span>Branch</span>
          <input name="branch" maxLength={300} />
        </label>
        <label className="field">
          <span>Git ref</span>
          <input name="ref" maxLength={300} />
        </label>
        <label className="field">
          <span>Priority</span>
          <input name="priority" type="number" min={-100} max={100} />
        </label>
        {profiles.length > 0 && (
          <label className="field">
            <span>Profile</span>
            <select name="profile" defaultValue="">
              <option value="">(none)</option>
              {profiles.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <label className="field">
        <span>Scenarios (keys or files, one a line; empty: the plan's selection)</span>
        <textarea name="scenarios" rows={2} />
      </label>
      <label className="field">
        <span>Parameters (KEY=VALUE, one a line)</span>
        <textarea name="parameters" rows={2} />
      </label>
      <p className="error-slot" role="alert">
        {error}
      </p>
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Triggering…' : 'Trigger run'}
      </button>
    </form>
  );
}
