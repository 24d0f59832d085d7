import { useCallback, useEffect, useState } from 'react';
import { createApi, type Me } from './api.js';
import { Layout } from './components/layout.js';
import { AgentsPage } from './pages/agents.js';
import { HistoryPage } from './pages/history.js';
import { PlanPage } from './pages/plan.js';
import { PlansPage } from './pages/plans.js';
import { RunPage } from './pages/run.js';
import { RunsPage } from './pages/runs.js';
import { SignIn } from './pages/sign-in.js';
import { match, navigate, useLocation } from './router.js';
import { SessionProvider, storedKey, storeKey } from './session.js';

function Page() {
  const { path } = useLocation();
  let m: Record<string, string> | null;
  if (path === '/' || path === '/runs') return <RunsPage />;
  if ((m = match('/runs/:id', path))) return <RunPage id={Number(m.id)} />;
  if (path === '/plans') return <PlansPage />;
  if ((m = match('/plans/:id/history', path))) return <HistoryPage id={m.id!} />;
  if ((m = match('/plans/:id', path))) return <PlanPage id={m.id!} />;
  if (path === '/agents') return <AgentsPage />;
  return (
    <div className="empty">
      <h1>Not found</h1>
      <p>There is no page at {path}.</p>
    </div>
  );
}

type Auth = { state: 'checking' } | { state: 'out'; notice: string | null } | { state: 'in'; token: string; me: Me };

/** Signs in (or resumes the tab's session), then shows the page the address names. */
export function App() {
  const [auth, setAuth] = useState<Auth>(() => (storedKey() ? { state: 'checking' } : { state: 'out', notice: null }));
  useEffect(() => {
    const token = storedKey();
    if (auth.state !== 'checking' || !token) return;
    createApi(token)
      .me()
      .then((me) => setAuth({ state: 'in', token, me }))
      .catch((e: Error) => {
        storeKey(null);
        setAuth({ state: 'out', notice: `Signed out: ${e.message}` });
      });
  }, [auth.state]);
  const signOut = useCallback(() => {
    storeKey(null);
    setAuth({ state: 'out', notice: null });
    navigate('/');
  }, []);
  if (auth.state === 'checking') return <p className="loading">Loading…</p>;
  if (auth.state === 'out') {
    return (
      <SignIn
        notice={auth.notice}
        onSignedIn={(token, me) => {
          storeKey(token);
          setAuth({ state: 'in', token, me });
        }}
      />
    );
  }
  return (
    <SessionProvider token={auth.token} me={auth.me} onSignOut={signOut}>
      <Layout>
        <Page />
      </Layout>
    </SessionProvider>
  );
}
