import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A modal on the native <dialog>: focus moves into it, Escape closes it, the page behind is inert. `onClose` runs
 * however it closes (button, Escape). When it goes away, focus goes back to what had it before (the button that
 * opened it), or to the page's main region when that is gone (a deleted row's button).
 */
export function Dialog({ title, onClose, children, labelledBy }: { title: string; onClose: () => void; children: ReactNode; labelledBy?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  // taken while rendering, before showModal moves focus into the dialog
  const before = useRef(document.activeElement instanceof HTMLElement ? document.activeElement : null);
  useEffect(() => {
    const d = ref.current!;
    if (!d.open) d.showModal();
    const close = () => onClose();
    d.addEventListener('close', close);
    return () => d.removeEventListener('close', close);
  }, [onClose]);
  useEffect(() => {
    const back = before.current;
    return () => {
      // after React has removed the dialog: a focus call inside the still-open modal would be undone
      queueMicrotask(() => {
        if (back?.isConnected && !(back as HTMLButtonElement).disabled) back.focus();
        else document.querySelector<HTMLElement>('main')?.focus();
      });
    };
  }, []);
  const id = labelledBy ?? `dialog-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <dialog ref={ref} aria-labelledby={id} className="dialog">
      <h2 id={id}>{title}</h2>
      {children}
    </dialog>
  );
}
