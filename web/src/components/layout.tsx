import type { ReactNode } from 'react';
import { Link, useLocation } from '../router.js';
import { useSession } from '../session.js';

const NAV = [
  { to: '/runs', label: 'Runs' },
  { to: '/plans', label: 'Plans' },
  { to: '/agents', label: 'Agents' },
];

function ProjectSwitcher() {
  const { me, project, setProject } = useSession();
  if (me.projects.length === 0) return null;
  return (
    <label className="project">
      <span className="project-label">Project</span>
      <select value={project?.name ?? ''} onChange={(e) => setProject(e.target.value || null)}>
        {me.projects.length > 1 && <option value="">All projects</option>}
        {me.projects.map((p) => (
          <option key={p.id} value={p.name}>
            {p.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The frame of every signed-in page: brand, navigation, project switcher, who is signed in. */
export function Layout({ children }: { children: ReactNode }) {
  const { me, signOut } = useSession();
  const { path } = useLocation();
  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link className="brand" to="/runs">
          Proctor
        </Link>
        <nav className="nav" aria-label="Main">
          {NAV.map((n) => (
            <Link key={n.to} to={n.to} aria-current={path.startsWith(n.to) ? 'page' : undefined}>
              {n.label}
            </Link>
          ))}
        </nav>
        <ProjectSwitcher />
        <div className="who">
          <span className="who-name" title={`key ${me.key.prefix}…`}>
            {me.user.name}
          </span>
          <button type="button" className="link-button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

/** A page's title row with optional actions on the right. */
export function PageHead({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <div className="page-head">
      <h1>{title}</h1>
      {children && <div className="page-actions">{children}</div>}
    </div>
  );
}

/** Shows an error in a box that keeps its place. */
export function ErrorNote({ error }: { error: string | null }) {
  return error ? (
    <p className="error" role="alert">
      {error}
    </p>
  ) : null;
}
