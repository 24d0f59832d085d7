import { useEffect, useState } from 'react';
import type { Artifact } from '../api.js';
import { useSession } from '../session.js';

/** Fetches an artifact with the key (never in its URL) and gives an object URL for it. */
function useBlobUrl(url: string): { src: string | null; error: string | null } {
  const { api } = useSession();
  const [state, setState] = useState<{ src: string | null; error: string | null }>({ src: null, error: null });
  useEffect(() => {
    let src: string | null = null;
    let live = true;
    api.blob(url).then(
      (b) => {
        src = URL.createObjectURL(b);
        if (live) setState({ src, error: null });
      },
      (e: Error) => live && setState({ src: null, error: e.message }),
    );
    return () => {
      live = false;
      if (src) URL.revokeObjectURL(src);
    };
  }, [api, url]);
  return state;
}

function Media({ a }: { a: Artifact }) {
  const { src, error } = useBlobUrl(a.url);
  if (error)
    return (
      <p className="error">
        {a.name}: {error}
      </p>
    );
  if (!src) return <div className="media-slot" aria-busy="true" />;
  if (a.content_type.startsWith('image/')) return <img className="shot" src={src} alt={`Screenshot ${a.name}`} />;
  return <video className="shot" src={src} controls preload="metadata" aria-label={`Video ${a.name}`} />;
}

function Download({ a }: { a: Artifact }) {
  const { api } = useSession();
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    try {
      const href = URL.createObjectURL(await api.blob(a.url));
      const link = Object.assign(document.createElement('a'), { href, download: a.name.split('/').pop() ?? a.name });
      link.click();
      setTimeout(() => URL.revokeObjectURL(href), 10_000);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const trace = a.name.endsWith('.zip') && /trace/i.test(a.name);
  return (
    <li>
      <button type="button" className="link-button" onClick={save}>
        Download {a.name}
      </button>
      {trace && <span className="muted"> (Playwright trace: open with npx playwright show-trace)</span>}
      {error && <span className="error"> {error}</span>}
    </li>
  );
}

/** Screenshots inline, videos playable, everything else (traces) downloadable. */
export function Artifacts({ items }: { items: Artifact[] }) {
  const media = items.filter((a) => a.content_type.startsWith('image/') || a.content_type.startsWith('video/'));
  const files = items.filter((a) => !media.includes(a));
  return (
    <div className="artifacts">
      {media.map((a) => (
        <figure key={a.url}>
          <Media a={a} />
          <figcaption>{a.name}</figcaption>
        </figure>
      ))}
      {files.length > 0 && (
        <ul className="files">
          {files.map((a) => (
            <Download key={a.url} a={a} />
          ))}
        </ul>
      )}
    </div>
  );
}
