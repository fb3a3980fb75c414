// Toasts: short messages in a live region, dismissed after a while or by the user.

import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';

export type ToastTone = 'info' | 'ok' | 'warn' | 'bad';

export interface Toast {
  id: number;
  title: string;
  body?: string;
  tone: ToastTone;
  /** ms; 0 keeps it until dismissed. */
  duration: number;
}

interface ToastApi {
  toast(t: { title: string; body?: string; tone?: ToastTone; duration?: number }): number;
  dismiss(id: number): void;
}

const ToastContext = createContext<ToastApi | null>(null);

const MAX_TOASTS = 5;

export function ToastProvider({
  children,
  defaultDuration = 6000,
}: {
  children: ReactNode;
  defaultDuration?: number;
}) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((ts) => ts.filter((t) => t.id !== id)), []);
  const toast = useCallback<ToastApi['toast']>(
    ({ title, body, tone = 'info', duration = defaultDuration }) => {
      const id = next.current++;
      setToasts((ts) => [...ts, { id, title, body, tone, duration }].slice(-MAX_TOASTS));
      return id;
    },
    [defaultDuration],
  );
  const value = useMemo(() => ({ toast, dismiss }), [toast, dismiss]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <section className="toasts" aria-label="Messages" aria-live="polite">
        {toasts.map((t) => (
          <ToastView key={t.id} t={t} onDismiss={dismiss} />
        ))}
      </section>
    </ToastContext.Provider>
  );
}

function ToastView({ t, onDismiss }: { t: Toast; onDismiss: (id: number) => void }) {
  useEffect(() => {
    if (t.duration <= 0) return;
    const timer = setTimeout(() => onDismiss(t.id), t.duration);
    return () => clearTimeout(timer);
  }, [t, onDismiss]);
  return (
    <div className={`toast toast-${t.tone}`} role={t.tone === 'bad' ? 'alert' : 'status'}>
      <div className="toast-text">
        <strong>{t.title}</strong>
        {t.body && <p>{t.body}</p>}
      </div>
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => onDismiss(t.id)}>
        ×
      </button>
    </div>
  );
}

export function useToast(): ToastApi {
  const ctx = useContext(ToastContext);
  if (!ctx) throw new Error('useToast must be used inside <ToastProvider>');
  return ctx;
}
