import { useState, type FormEvent } from 'react';
import { createApi, type Me } from '../api.js';

/** Asks for an API key and checks it with GET /api/v1/me before keeping it (in sessionStorage). */
export function SignIn({ onSignedIn, notice }: { onSignedIn(token: string, me: Me): void; notice?: string | null }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(notice ?? null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const key = token.trim();
    if (!key) return setError('Enter an API key.');
    setBusy(true);
    try {
      onSignedIn(key, await createApi(key).me());
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <main className="signin" id="main">
      <form className="card signin-card" onSubmit={submit}>
        <h1>Proctor</h1>
        <p className="muted">
          Sign in with an API key. It is kept in this browser tab only and forgotten when the tab closes.
        </p>
        <label className="field">
          <span>API key</span>
          <input
            name="key"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            placeholder="pk_…"
            autoFocus
          />
        </label>
        <p className="error-slot" role="alert">
          {error}
        </p>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
