import type { ReactNode } from 'react';

/** Says what is missing and what to do next, instead of a blank panel. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" role="status">
      <h3>{title}</h3>
      {children}
    </div>
  );
}
