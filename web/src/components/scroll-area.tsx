import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';

interface Edges {
  left: boolean;
  right: boolean;
}

/** Which sides of a scroll container hide content, kept current on scroll and on resize. */
function useHiddenEdges() {
  const ref = useRef<HTMLDivElement>(null);
  const [edges, setEdges] = useState<Edges>({ left: false, right: false });
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => {
      const left = el.scrollLeft > 1;
      const right = el.scrollLeft + el.clientWidth < el.scrollWidth - 1;
      setEdges((e) => (e.left === left && e.right === right ? e : { left, right }));
    };
    update();
    const ro = new ResizeObserver(update);
    ro.observe(el);
    // The content's own boxes: a table widens inside a block that keeps the container's width.
    for (const child of [...el.children, ...el.querySelectorAll('table')]) ro.observe(child);
    el.addEventListener('scroll', update, { passive: true });
    return () => {
      ro.disconnect();
      el.removeEventListener('scroll', update);
    };
  }, []);
  return { ref, edges };
}

/**
 * A box that scrolls sideways when its content (a wide table) does not fit, and says so: a shadow on
 * each side that hides columns and a line under it. It can be focused and scrolled with the keyboard.
 */
export function ScrollArea({ label, children }: { label: string; children: ReactNode }) {
  const { ref, edges } = useHiddenEdges();
  const scrolls = edges.left || edges.right;
  return (
    <div className="scroll-area" data-scrolls={scrolls ? 'true' : undefined}>
      <div className={`scroll-frame${edges.left ? ' more-left' : ''}${edges.right ? ' more-right' : ''}`}>
        <div
          ref={ref}
          className="scroll-body"
          tabIndex={scrolls ? 0 : undefined}
          role={scrolls ? 'region' : undefined}
          aria-label={scrolls ? `${label} (scrolls sideways)` : undefined}
        >
          {children}
        </div>
      </div>
      {scrolls && (
        <p className="scroll-cue" aria-hidden="true">
          {edges.left && !edges.right ? '← more to the left: scroll sideways' : 'more to the right: scroll sideways →'}
        </p>
      )}
    </div>
  );
}
