import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { createApi, type Api, type Me } from './api.js';

/** The signed-in key lives in sessionStorage only: it is gone when the tab closes, and never in a URL. */
const KEY = 'proctor.key';
const PROJECT = 'proctor.project';

export interface Session {
  api: Api;
  me: Me;
  /** The project the pages show; null means every project the key may see. */
  project: { id: number; name: string } | null;
  setProject(name: string | null): void;
  signOut(): void;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeKey(token: string | null): void {
  if (token === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, token);
}

export function SessionProvider({
  token,
  me,
  onSignOut,
  children,
}: {
  token: string;
  me: Me;
  onSignOut(): void;
  children: ReactNode;
}) {
  const [projectName, setProjectName] = useState<string | null>(() => sessionStorage.getItem(PROJECT));
  const setProject = useCallback((name: string | null) => {
    if (name === null) sessionStorage.removeItem(PROJECT);
    else sessionStorage.setItem(PROJECT, name);
    setProjectName(name);
  }, []);
  const value = useMemo<Session>(() => {
    const project = me.projects.find((p) => p.name === projectName) ?? null;
    return { api: createApi(token), me, project, setProject, signOut: onSignOut };
  }, [token, me, projectName, setProject, onSignOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
